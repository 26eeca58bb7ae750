// An exercise's constant model (pose/exercise_spec.h), the data-made kind of posture (pose/posture.h
// says why there are two): build_exercise_model builds it once, a place of the path is its
// placement, place_exercise_roller applies it to a state's inputs. The model: the region's tissue
// as one structured tet mesh, its bony bed and its sides bonded to the body's core, a rigid body
// with the core's segments' mass at their posed centre of mass; each limb a rigid body of its own
// hung on the core at its joint; all resting on the supports (springs that only push, held
// sideways) and the roller.
//
// The mesh: columns on a grid across (x) and along (y) the region, fine over the roller's path
// and growing away from it, each from the skin down to the bone (the region's depth, less under a
// bony point); node rows by layer, the same count in every column, so the last layer thins where
// the bone comes near. The roller's foam acts on the skin's triangles (gear/roller.h), without
// friction: the roller is free to roll, so it takes no net force along the skin (see
// docs/model.md). The roller stands on the floor under the region's centre, its axis across.
//
// The roller's place across the region is where the body turns to meet it: the skin's lowest line
// (ExerciseModel::lowest_x_m, at rest) lies over the roller, as when the person rocks about their
// long axis over a roller that cannot move along its own axis. The place along is where the roller
// rolls to (place_exercise_roller). Only the tissue's shape at rest changes with the place across:
// the mesh, its unknowns and the pose's statics stay the same.
#pragma once

#include <memory>
#include <vector>

#include "fem/quasi_static.h"
#include "gear/roller.h"
#include "pose/exercise_spec.h"

namespace backroll {

struct ExerciseModel {
  ExerciseSpec spec;
  RollerSpec roller;
  FemModel fem;
  int person = 0, roller_body = 1;  // rigid bodies
  int roller_contact = 0;           // the foam's contact set
  std::vector<int> support_joint;   // per spec.supports
  std::vector<int> limb_body, limb_joint;  // per spec.limbs: its rigid body, its joint on the core
  std::vector<Vec3> node_region;    // per node: region x, y and depth below the skin (rest)
  std::vector<Vec2> skin_at_m;      // per point of the roller's contact set: its region x, y at rest
  double skin_height_m = 0;         // the skin's lowest point above the floor: the roller's top
  double lowest_x_m = 0;            // where across the region the skin's lowest line lies
  double weight_N = 0;              // the whole body's
  double tissue_mass_kg = 0;        // the region's, part of the whole
  // Per line structure, per sample along y (one every element size): the tets whose centres lie
  // in its cross-section, a square as wide and deep as its strip (at least an element), for the
  // tissue's pressure there as their volume-weighted mean (single linear tets of a nearly
  // incompressible solid scatter from one to the next); empty for a patch.
  std::vector<std::vector<std::vector<int>>> line_tets;
};

// Builds the model for `spec` with `roller` (the spec's own or another from the catalog), the skin's
// lowest line at `lowest_x_m` across the region; throws std::runtime_error when the data make an
// impossible body.
std::shared_ptr<const ExerciseModel> build_exercise_model(const ExerciseSpec& spec, const RollerSpec& roller,
                                                          double lowest_x_m = 0);

// The pose's rigid bodies' masses from de Leva's segments: [0] the core (the region's tissue
// included), then each limb; each its mass (kg) and centre of mass (world, m), and `segments` the
// segments it holds (indices into spec.segments). Throws std::runtime_error when the segments do
// not hold the whole body's mass.
struct PoseBodyMass {
  double mass_kg = 0;
  Vec3 com_m = Vec3::Zero();
  std::vector<int> segments;
};
std::vector<PoseBodyMass> pose_body_masses(const ExerciseSpec& spec);

// The roller's place (x, y from the region's centre, m) into a state's inputs.
void place_exercise_roller(const ExerciseModel& m, const Vec2& at_m, FemInputs& in);

}  // namespace backroll
