// A solved frame: everything measured at one solved state of a posed model, each field computed
// once (the supports' forces, the pressure field and the mat, the loads on every bone, the motion
// of every segment, the stress in the kidneys). The registry's measures (measure/registry.h) are
// functions of a frame; the CSV/JSON outputs, the plots and the viewer read them from there.
#pragma once

#include <array>
#include <vector>

#include "measure/pressure_mat.h"
#include "pose/posture.h"

namespace backroll {

struct SegmentMotion {
  double extension_deg = 0;          // caudal relative to cranial, + extension
  double anterior_shear_mm = 0;      // cranial relative to caudal, + anterior
};

// The flat-lying reference: each segment's motion lying supine on the floor (same body, same
// muscles), which the roller's segment motion is measured against.
struct FlatReference {
  std::array<Vec3, kLevels> rotation_rad{}, translation_m{};
  std::array<double, kLevels> sp_load_N{};  // the contact load on each spinous process tip lying flat
  SolveReport solve;
};

struct Frame {
  int level = 0;                     // 1..17: the level nearest the roller
  double s_m = 0;                    // roller position along the skin line
  double start_pitch_deg = 0;        // the head-up pitch the placement starts the body at
  // The solved pose (world frame): the trunk's angle to the floor (the line from the pelvis's
  // origin to T1's, + head up), the pelvis's pitch, T1's height above the floor, and the bends of
  // the thoracic and lumbar columns beyond lying flat (sums of the segments' extensions).
  double trunk_angle_deg = 0, pelvis_angle_deg = 0, t1_height_m = 0;
  double thoracic_bend_deg = 0, lumbar_bend_deg = 0;
  double weight_N = 0;
  Vec3 roller_force_N = Vec3::Zero();       // on the body, from the skin's residual (world frame)
  Vec3 roller_force_foam_N = Vec3::Zero();  // the same from the foam's compression law
  Vec3 feet_force_N = Vec3::Zero();         // legs' reaction on the pelvis (world frame)
  Vec3 floor_force_N = Vec3::Zero();        // floor's reaction on the head and shoulders
  Vec3 seat_force_N = Vec3::Zero();         // hips down: the floor's reaction on the pelvis
  double hip_moment_Nm = 0;                 // the hip muscles' moment on the pelvis (+: extension)
  Vec3 roller_friction_N = Vec3::Zero();    // the roller's friction on the back, summed (world frame)
  double roller_roll_m = 0;                 // how far the roller rolled from its placement (+: to the head)
  double roller_sink_m = 0;                 // how far it came into the back at its level (tissue + foam)
  double roller_share = 0;                  // vertical roller force / body weight
  double foam_compression_max_m = 0;
  // The mat records the roller's pressure (a posture without a roller: the floor's).
  PressureMat mat;
  MatStats whole, midline, left, right;     // whole mat; strips over the roller's level
  std::array<MatStats, kLevels> midline_by_level{};
  std::array<double, kLevels> sp_load_N{};         // contact load on each spinous process tip
  std::array<double, kLevels> sp_load_flat_N{};    // ... the same lying flat (relate_to_flat)
  std::array<double, kLevels> posterior_load_N{};  // ... on each vertebra (SP, laminae, TPs)
  std::array<double, kRibs> rib_load_N{};          // ... on each rib pair
  double rib_share = 0;              // rib cage's part of the bone load
  double pelvis_load_N = 0;
  std::array<SegmentMotion, kLevels> segment{};    // T1-T2 .. L5-S1, relative to lying flat
  std::array<Vec3, kLevels> joint_rotation_rad{}, joint_translation_m{};  // ... absolute
  double kidney_peak_Pa = 0, kidney_mean_Pa = 0, kidney_left_mean_Pa = 0, kidney_right_mean_Pa = 0;
  double abdomen_pressure_Pa = 0;   // the abdominal fluid's pressure at the kidneys' centroid
  double min_J = 0;                 // smallest volume ratio of a solid tet (0 or less: inverted)
  // Smallest volume ratio the tissue's volume term is taken at: each tet's own, or with
  // mesh.mean_dilatation its grid cell's (the volume the tissue's pressure answers to).
  double tissue_volume_ratio = 0;
  // The pressure map at the skin's nodes (what the mat is resampled from): each skin node's
  // normal roller force over its cell of the skin grid, in the order of BodyModel::skin_nodes.
  std::vector<double> skin_pressure_Pa;
  std::vector<double> bone_load_N;   // per bone (BodyModel::bones), as summed for the loads above
};

// Measures the solved state `st` of the posed model at placement `pl` (its inputs applied), the
// segments relative to `flat` (null: absolute).
Frame measure_frame(const PosedModel& m, const FemState& st, const Placement& pl, const FlatReference* flat);
// Sets f.segment from its absolute joint motion minus the flat-lying one (flat null: absolute).
void relate_to_flat(Frame& f, const FlatReference* flat);
// The level (1..17) whose spinous process is nearest to s (m along the skin line).
int nearest_level(const BodyModel& m, double s_m);

// The kidneys' hydrostatic pressure -tr(sigma)/3 (Pa, + compression: each kidney's volume mean,
// both kidneys', and their peak) and the abdominal fluid's pressure at their centroid, at node
// positions x of state st. The peak is the mean over the most compressed 5 % of the kidneys'
// volume of the pressure recovered at the nodes (each node's kidney elements' volume-weighted
// mean). Linear tets of a nearly incompressible solid (nu = 0.49) carry a pressure that
// oscillates from element to element; the raw elements' 5 % share read that oscillation's high
// side (3.6 / 3.5 / 3.0 / 3.2 / 2.8 kPa under a roller at L3 over mesh scales 3, 2, 1.5, 1, 0.75),
// the recovered field's reads 1.34 / 1.38 / 1.28 / 1.34 / 1.38 kPa (docs/limits.md).
inline constexpr double kKidneyPeakShare = 0.05;
struct KidneyReading {
  double left_mean_Pa = 0, right_mean_Pa = 0, mean_Pa = 0, peak_Pa = 0, fluid_Pa = 0;
};
KidneyReading kidney_reading(const BodyModel& m, const FemState& st, const std::vector<Vec3>& x);

}  // namespace backroll
