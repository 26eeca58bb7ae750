// Postures: how a body lies on its supports, and what moves between solves.
//
// Design. The solver knows a constant model and a state (fem/quasi_static.h); the anatomy knows a
// body lying supine in its own frame (anatomy/body_model.h). A posture joins the two for one
// exercise, in three steps that keep the model constant:
//   1. build: the body from its spec, posed (lumped limbs, muscle tone) with the gear (a roller)
//      and the supports (a floor, the legs) added as bodies, contacts and joints, numbered and
//      finalized. Done once; the result is shared read-only by every session and thread.
//   2. placement: the exercise's controls (here one: the roller's place along the body's path,
//      s in metres along the skin line) turned into where everything stands: the roller's centre
//      in the body's frame and the body's pitch in the world.
//   3. apply: that placement written into a state's inputs: gravity turned into the body's frame,
//      the roller and the floor placed. Nothing in the model changes.
// The session (run/roll.h) rolls by interpolating placements (lerp) between controls, and the
// measures (measure/) read the solved state through the posed model's named supports.
//
// Adding a posture: one file pair in pose/ that implements Posture, its line in posture_kinds()'s
// table (pose/posture.cpp) and its source in sim/CMakeLists.txt (a self-registering object in a
// static library would be dropped by the linker), and scenario files with `posture.kind` set to
// its name. pose/lying_flat.cpp is the smallest example.
//
// The other exercises (lats, glutes, hip flexors) are postures of a second kind, made from data:
// pose/exercise_spec.h reads a file of assets/exercises/ (the posed figure, its supports, a region
// of tissue, the roller's path) and pose/exercise_model.h takes the same three steps: build
// (build_exercise_model: the region's tissue on a rigid core and limbs, shared read-only), the
// placement (a place of the path, x and y on the region) and apply (place_exercise_roller). They
// do not implement this class because its model is the torso's BodyModel, which the back's
// measures read (levels, spinous processes, kidneys: measure/frame.h); an exercise has none of
// them, and a new one is a file, not code. docs/architecture.md, "Two kinds of posture".
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "anatomy/body_model.h"
#include "gear/roller.h"

namespace backroll {

class Posture;

// The floor's stiffness under a rolling roller, against pressing in and slipping (N/m): stiff
// beside the foam's (435 N sinks a roller about 4 um), so the floor and the roller's bottom act
// as rigid.
constexpr double kRollerFloorN_per_m = 1e8;

// The scenario's [posture] table. Every posture reads the person's own keys (arms, muscles); the
// supine-on-roller posture also the hips and legs.
struct PostureParams {
  std::string kind = "supine_on_roller";  // posture_kinds()
  double hip_lift_m = 0.05;
  double foot_distance_m = 0.30;
  std::string arms = "behind_head";       // behind_head | on_chest
  // The person's state (anatomy/physiology.h): their names, and what the scenario resolved them to
  // for the joints: the stiffness the trunk muscles add to every motion segment and the factor on
  // the segments' own rotational stiffness under the muscles' compression.
  std::string tone = "holding", breath = "normal";
  double trunk_muscle_Nm_per_deg = 57.5;
  double spine_stiffening = 1;
  double leg_N_per_m = 2e4;               // each leg, as a spring from the hip to its foot
  double hip_muscle_Nm_per_deg = 5;       // the hip muscles holding the pelvis's pitch
  bool hips_down = false;                 // the pelvis rests on the floor (hip_lift_m = 0)
  double seat_N_per_m = 2e4;              // hips down: the buttocks' tissue on the floor, as a spring
};

// A posture's constant model: the posed body with its gear and supports.
struct PosedModel {
  const Posture* posture = nullptr;
  PostureParams params;
  RollerSpec roller;               // the gear (used when roller_body >= 0)
  BodyModel body;                 // body, gear and supports, finalized
  // The supports, as bodies and joints of body.fem (-1: this posture has none).
  // The legs (hip_joint) hang on the feet, the hip muscles on the thighs' frame.
  // Hips down: the seat (the floor under the buttocks) pushes the pelvis up through seat_joint.
  int roller_body = -1, floor_body = -1, feet_body = -1, thighs_body = -1, hip_joint = -1;
  int hip_muscle_joint = -1, seat_body = -1, seat_joint = -1;
  // The roller rolls on the floor: the joint (roller_floor_joint) from a frame at its axis turned
  // to the world (roller_mount_body) holds it on the floor and keeps it from slipping there.
  int roller_mount_body = -1, roller_floor_joint = -1;
  int roller_contact = -1;         // the roller's foam contact set in body.fem
  std::vector<Vec3> bone_inward;   // per bone: the skin's inward normal at its level (rest shape)
};

// Where one solve stands: the controls turned into places (the body's frame).
struct Placement {
  double s_m = 0;                  // the roller's place along the skin line
  Vec3 centre_m = Vec3::Zero();    // the roller's centre
  double pitch_rad = 0;            // the body's head-up pitch in the world (about x) at the start
  // The body's start turned this much further about the hip while the supports stay where
  // pitch_rad puts them: a different first guess for the same problem (the solved pose must not
  // depend on it; tests/test_roll.cpp).
  double start_tilt_rad = 0;
  // The body frame's rotation into the world at the start of the solve.
  Mat3 world_rotation() const;
};
// The placement a fraction w of the way from a to b (rolling in sub-steps).
Placement lerp(const Placement& a, const Placement& b, double w);
// The world's rotation from the body's frame: the pitch about x (y, cranial, turns up towards z).
Mat3 pitch_matrix(double pitch_rad);

class Posture {
 public:
  virtual ~Posture() = default;
  virtual const char* kind() const = 0;
  // Step 1: the constant model (see the design note above).
  virtual std::shared_ptr<const PosedModel> build(const BodySpec& body, const RollerSpec& roller,
                                                  const PostureParams& p) const = 0;
  // The controls' range: where along the skin line the roller may go (m), [first, second]; a
  // posture without a roller returns an empty range (first > second) and ignores s.
  virtual std::pair<double, double> path(const PosedModel& m) const = 0;
  // Step 2: the placement for the roller at s (m along the skin line).
  virtual Placement placement(const PosedModel& m, double s_m) const = 0;
  // Step 3: the placement into a state's inputs (sized for m.body.fem).
  virtual void apply(const PosedModel& m, const Placement& pl, FemInputs& in) const = 0;
  // Where a solve from rest for `target` starts: the target itself, or a placement nearer the
  // body at rest from which the supports move to the target in steps (a posture whose target
  // would start the body deep inside a support).
  virtual Placement cold_start(const PosedModel&, const Placement& target) const { return target; }
};

// The posture of this kind; throws std::invalid_argument naming the kinds there are.
const Posture& posture_of_kind(const std::string& kind);
const std::vector<std::string>& posture_kinds();

// What every posture does to the person first: the arms' mass where the hands are, every motion
// segment stiffened by the muscles' compression and their tone added to it, gravity down (-z) as
// the model's own load.
BodyModel posed_body(const BodySpec& body, const PostureParams& p);
// The skin's midline in the body's frame: position and outward normal at skin-line position s.
void skin_midline(const BodyModel& m, double s, Vec3* point, Vec3* normal);
// Per bone, the direction its load is measured along: the skin's inward normal at its level.
std::vector<Vec3> bone_inward_normals(const BodyModel& m);

}  // namespace backroll
