// Rolling under bodyweight: the torso lying on a roller in the standard foam-rolling position,
// solved to static equilibrium at each roller position, and the measures read off each state.
//
// Posture. Supine, knees bent, feet on the floor, hips lifted, hands behind the head. The model's
// frame is the flat-lying one (anatomy/body_model.h); the posed body is that frame pitched head-up
// by an angle alpha about the hip, so instead of moving the body we turn gravity and place the
// roller in the body's frame. Alpha follows from geometry: the roller rests on the floor (its axis
// at its outer radius) and the hip is `hip_lift_m` above where it lies flat.
//   - Legs: the thighs and shanks hold the pelvis at the hip (taken as the pelvis's frame origin,
//     where the legs' lumped mass acts) like two springs to the feet, `foot_distance_m` apart, so
//     the pelvis is free to pitch about the hip but not to roll or yaw freely. Their reaction is
//     the feet's share of the body weight: it comes out of equilibrium, it is not set.
//   - Trunk muscles holding the pose: a rotational stiffness added to every motion segment (the
//     same at every level), from in-vivo trunk stiffness (scenario file).
//   - The roller is a rigid shape in the body's frame, its foam a compliant layer (gear/roller.h).
//   - The floor under the roller is a rigid plane in the same pitched frame: when the roller is
//     small (a ball, a peanut) or low on the back, the head and shoulders come down on it.
// Rolling: positions are solved in order, each warm-started from the previous state.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "gear/roller.h"
#include "anatomy/body_model.h"

namespace backroll {

struct PostureParams {
  double hip_lift_m = 0.05;
  double foot_distance_m = 0.30;
  std::string arms = "behind_head";  // behind_head | on_chest
  double trunk_muscle_Nm_per_deg = 200;
  double leg_N_per_m = 2e4;          // each leg, as a spring from the hip to its foot
};

// A scenario file: body, roller, posture, positions, mesh resolution.
struct RollScenario {
  std::string source;
  std::string body_file, roller_file;
  TorsoParams body;
  RollerSpec roller;
  PostureParams posture;
  double mesh_scale = 1.0;           // multiplies the body file's element sizes (>1: coarser)
  std::vector<int> levels;           // roller positions, level index 1..17 (T1..L5)
  bool warm_start = true;            // roll from position to position (false: each solved cold)
};
// Reads a scenario file. `overrides` are laid over it (a sweep's case), routed by key:
//   roller, body            the roller / body file (a path)
//   roller.<key>            <key> in the roller file      (roller.foam.youngs_modulus_Pa)
//   body.<key>              body.<key> in the body file   (body.mass_kg, body.height_m)
//   torso.<key>             <key> in the body file        (torso.tissue.skin_thickness_m)
//   anything else           the scenario's own key        (posture.hip_lift_m, mesh.scale)
RollScenario load_scenario(const std::string& path, const std::vector<ConfigOverride>& overrides = {});
std::string default_scenario_path();  // assets/scenarios/default.toml
// The body file's mesh coarsened by `scale` (element sizes x scale, rows / scale).
TorsoParams scaled_mesh(TorsoParams p, double scale);

// Virtual pressure mat on the skin (x across, s along the skin line), cells of `cell_m`.
struct MatStats {
  double peak_Pa = 0, ppi_Pa = 0, mean_Pa = 0, contact_area_m2 = 0, force_N = 0;
  double cop_x_m = 0, cop_s_m = 0;
};
struct PressureMat {
  double cell_m = 0.01, x0_m = 0, s0_m = 0;
  int nx = 0, ns = 0;
  std::vector<double> force_N;       // per cell, row-major [is * nx + ix]
  double pressure_Pa(int ix, int is) const { return force_N[is * nx + ix] / (cell_m * cell_m); }
};
constexpr double kContactThresholdPa = 1000;  // a mat cell counts as loaded above this
constexpr double kPpiAreaM2 = 9.5e-4;         // peak pressure index: mean of the top cells over 9.5 cm^2
// Statistics over the cells whose centre lies in the mask x in [xlo, xhi], s in [slo, shi].
MatStats mat_stats(const PressureMat& mat, double xlo, double xhi, double slo, double shi);

struct SegmentMotion {
  double extension_deg = 0;          // caudal relative to cranial, + extension
  double anterior_shear_mm = 0;      // cranial relative to caudal, + anterior
};

// Everything measured at one roller position.
struct RollResult {
  int level = 0;                     // 1..17
  double s_m = 0;                    // roller position along the skin line
  double pitch_deg = 0;              // the body's head-up pitch
  SolveReport solve;
  double weight_N = 0;
  Vec3 roller_force_N = Vec3::Zero();       // on the body, from the skin's residual (world frame)
  Vec3 roller_force_foam_N = Vec3::Zero();  // the same from the foam's compression law
  Vec3 feet_force_N = Vec3::Zero();         // legs' reaction on the pelvis (world frame)
  Vec3 floor_force_N = Vec3::Zero();        // floor's reaction on the head and shoulders
  int substeps = 0;                         // warm start: intermediate roller places visited
  int substep_newton_iterations = 0;        // ... and their Newton iterations
  double substep_seconds = 0;               // ... and time
  bool cold_retry = false;                  // the warm-started solve failed and a cold one ran
  double roller_share = 0;                  // vertical roller force / body weight
  double foam_compression_max_m = 0;
  PressureMat mat;
  MatStats whole, midline, left, right;     // whole mat; strips over the roller's level
  std::array<MatStats, kLevels> midline_by_level{};
  std::array<double, kLevels> sp_load_N{};         // tissue force on each spinous process
  std::array<double, kLevels> posterior_load_N{};  // ... on each vertebra (SP, laminae, TPs)
  std::array<double, kRibs> rib_load_N{};          // ... on each rib pair
  double rib_share = 0;              // rib cage's part of the bone load
  double pelvis_load_N = 0;
  std::array<SegmentMotion, kLevels> segment{};    // T1-T2 .. L5-S1, relative to lying flat
  std::array<Vec3, kLevels> joint_rotation_rad{}, joint_translation_m{};  // ... absolute
  double kidney_peak_Pa = 0, kidney_mean_Pa = 0, kidney_left_mean_Pa = 0, kidney_right_mean_Pa = 0;
  double min_J = 0;
  // The pressure map at the skin's nodes (what the mat is resampled from): each skin node's
  // normal roller force over its cell of the skin grid, in the order of TorsoModel::skin_nodes.
  std::vector<double> skin_pressure_Pa;
  std::vector<double> bone_load_N;   // per bone (TorsoModel::bones), as summed for the loads above
};

// The flat-lying reference: each segment's motion lying supine on the floor (same body, same
// muscles), which the roller's segment motion is measured against.
struct FlatReference {
  std::array<Vec3, kLevels> rotation_rad{}, translation_m{};
  SolveReport solve;
};

// The scenario's body on its roller, built once and never changed: every session that rolls it
// shares it read-only (the roller's place, the floor and gravity live in each session's state).
struct RollModel {
  RollScenario scenario;
  TorsoModel body;                 // the posed torso with the roller, the floor and the legs
  int roller_body = -1, floor_body = -1, hip_joint = -1;
  std::vector<Vec3> bone_inward;   // per bone: the skin's inward normal at its level (rest shape)
};
std::shared_ptr<const RollModel> build_roll_model(const RollScenario& sc);

class RollSession {
 public:
  RollSession(std::shared_ptr<const RollModel> model, const FlatReference* flat);
  // Builds its own model.
  RollSession(const RollScenario& sc, const FlatReference* flat);
  // Solves with the roller under `level` (2..17, T2..L5), warm-started from the last solve unless
  // cold: the roller rolls from its last place in steps of at most kRollStepM.
  RollResult solve_at(int level, bool cold = false);
  // The same at a distance s along the skin line (m, the frame of TorsoModel::sp_tip_s_m), between
  // T2's and L5's spinous processes; the result's level is the nearest one.
  RollResult solve_at_s(double s_m, bool cold = false);
  const TorsoModel& model() const { return rm_->body; }
  const FemState& state() const { return state_; }
  const RollScenario& scenario() const { return rm_->scenario; }
  // An interactive client's stop flag: solves in progress return unconverged (solve.cancelled).
  void set_cancel(const std::atomic<bool>* cancel) { cancel_ = cancel; }
  // Where the last solve put the body: its head-up pitch (rad) and the roller's centre in the
  // body's frame; the roller's and the floor's rigid bodies in model().fem.
  double pitch_rad() const { return placed_.pitch_rad; }
  Vec3 roller_centre_m() const { return placed_.centre_m; }
  int roller_body() const { return rm_->roller_body; }
  int floor_body() const { return rm_->floor_body; }

 private:
  std::shared_ptr<const RollModel> rm_;
  const RollScenario& sc_;
  const TorsoModel& model_;
  const FlatReference* flat_;
  struct Placement {
    double s_m = 0;
    Vec3 centre_m = Vec3::Zero();  // roller centre in the body's frame
    double pitch_rad = 0;          // the body's head-up pitch
  };
  Placement placement(double s_m) const;
  void place(const Placement& pl);  // roller, floor and gravity, into the state's inputs
  Placement placed_;
  bool has_placement_ = false;
  FemState state_;
  bool has_state_ = false;
  const std::atomic<bool>* cancel_ = nullptr;
};

// Builds the scenario's body with its muscles and solves it lying flat on the floor.
// `cancel` as in RollSession::set_cancel.
FlatReference solve_flat_reference(const RollScenario& sc, const std::atomic<bool>* cancel = nullptr);
// Sets r.segment from its absolute joint motion minus the flat-lying one (flat null: absolute).
void relate_to_flat(RollResult& r, const FlatReference* flat);
// The scenario's torso with posture masses (arms) and the trunk muscles applied.
TorsoModel build_posed_torso(const RollScenario& sc);

constexpr double kPaPerMmHg = 133.322;
// Largest roller move between two settled states when rolling warm-started (m).
constexpr double kRollStepM = 0.01;
// Newton steps given to the tissue at each intermediate roller place (not settled to tolerance).
constexpr int kRollSubstepNewton = 1;
// Most pieces a skin triangle is cut into along each edge for the roller's contact points.
constexpr int kMaxSubdivision = 8;
// Newton stops when the largest nodal force residual is below this fraction of the total load
// (about 1.5 mN for the default adult: a thousandth of a loaded skin node's force).
constexpr double kRollResidualRtol = 1e-6;

}  // namespace backroll
