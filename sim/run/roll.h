// A session: one posed model (pose/posture.h) solved to static equilibrium at each roller
// position asked for, and the measures read off each state (measure/frame.h). Positions are
// solved in order, each warm-started from the previous state: the roller rolls there in steps.
// Also the scenario file that configures a run (body, roller, posture, positions, mesh).
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "anatomy/physiology.h"
#include "fem/viscoelastic.h"
#include "measure/frame.h"
#include "measure/validity.h"
#include "pose/posture.h"

namespace backroll {

// A scenario file: body, roller, posture (with the person's tone and breath), positions, mesh
// resolution.
struct Scenario {
  std::string source;
  std::string body_file, roller_file, physiology_file;
  BodySpec body;                     // with the tone's muscle moduli and the breath's abdomen
  ToneState tone;                    // the muscles' tone, the breath's floor applied
  RollerSpec roller;
  PostureParams posture;
  double mesh_scale = 1.0;           // multiplies the body file's element sizes (>1: coarser)
  std::vector<int> levels;           // roller positions, level index 1..17 (T1..L5)
  bool warm_start = true;            // roll from position to position (false: each solved cold)
  // Factorise every Newton step's tangent (RollSession::set_direct_solves): the plain direct
  // solver, for benchmarks; not read from the file.
  bool direct_solves = false;
};
// Reads a scenario file. `overrides` are laid over it (a sweep's case), routed by key:
//   roller, body            the roller / body file (a path)
//   roller.<key>            <key> in the roller file      (roller.foam.youngs_modulus_Pa)
//   body.<key>              body.<key> in the body file   (body.mass_kg, body.height_m)
//   physiology.<key>        <key> in the physiology file  (physiology.tone.guarding.activation_pct)
//   torso.<key>             <key> in the body file        (torso.tissue.skin_thickness_m)
//   anything else           the scenario's own key        (posture.hip_lift_m, mesh.scale)
Scenario load_scenario(const std::string& path, const std::vector<ConfigOverride>& overrides = {});
std::string default_scenario_path();  // assets/scenarios/default.toml
// The main job's scenario, on the mesh the mesh study passes (the default of `compare`,
// `mesh-study`, `sensitivity` and `dwell`): assets/scenarios/fine_patch.toml. compare.toml is the
// same job on the coarse mesh (the viewer, lessons, sweeps).
std::string main_job_scenario_path();
// The body file's mesh coarsened by `scale` (element sizes x scale, rows / scale; never fewer
// than 4 rows through the kidneys).
BodySpec scaled_mesh(BodySpec p, double scale);
// A fine patch (mesh.patch_size_m) is centred on one level (mesh.patch_at = "L3") or follows the
// roller (mesh.patch_at = "roller": BodySpec::patch_level 0), each position then solved from rest
// on a mesh of its own with the patch centred on it, with its own flat-lying reference (run_batch
// places it; with_patch_at for one position).
bool patch_follows_roller(const Scenario& sc);
// The scenario with its patch centred on `level` when the patch follows the roller; else as is.
Scenario with_patch_at(const Scenario& sc, int level);
// Throws a ConfigError naming `command` when the scenario has a patch fixed at one level: a
// command that compares places (T7 against L3) would compare two meshes.
void refuse_patch(const Scenario& sc, const std::string& command);
// Throws a ConfigError naming `command` when the scenario's patch follows the roller: a command
// that rolls on one mesh (the viewer) needs it fixed at a level.
void refuse_moving_patch(const Scenario& sc, const std::string& command);
// The scenario's posed model, built by its posture (built once; share it between sessions).
std::shared_ptr<const PosedModel> build_posed_model(const Scenario& sc);

// Everything measured at one roller position, and how its solve went.
struct RollResult : Frame {
  SolveReport solve;
  // Physically possible (measure/validity.h); only a converged state is checked, and only a
  // converged, valid one has measures that mean anything.
  Validity validity;
  bool usable() const { return solve.converged && validity.valid; }
  int substeps = 0;                         // warm start: intermediate roller places visited
  int substep_newton_iterations = 0;        // ... and their Newton iterations
  double substep_seconds = 0;               // ... and time
  bool cold_retry = false;                  // the warm-started solve failed (or gave an impossible
                                            // state) and a cold one ran
  std::string warm_start_note;              // why, when the warm start gave an impossible state
};

// Where a session's last solve ended: its state and the roller's placement, a start for a session
// of another model on the same mesh (RollSession::start_from).
struct RollStart {
  FemState state;
  Placement placed;
};

class RollSession {
 public:
  RollSession(std::shared_ptr<const PosedModel> model, const FlatReference* flat);
  // Builds its own model.
  RollSession(const Scenario& sc, const FlatReference* flat);
  // Solves with the roller under `level` (2..17, T2..L5), warm-started from the last solve unless
  // cold: the roller rolls from its last place in steps of at most kRollStepM.
  RollResult solve_at(int level, bool cold = false);
  // The same at a distance s along the skin line (m, the frame of BodyModel::sp_tip_s_m), within
  // the posture's path (T2's to L5's spinous process); the result's level is the nearest one. A
  // posture without a roller ignores s.
  RollResult solve_at_s(double s_m, bool cold = false);
  // Holds the roller where the last solve put it while the tissue creeps (fem/viscoelastic.h):
  // the first call starts the clock at the last solved state (the tissue's instantaneous
  // response), each call solves the state dt_s later and measures it. Solving a position ends
  // the hold. Throws std::logic_error without a solved position to hold.
  RollResult hold(double dt_s);
  // The last solve's state and placement; throws std::logic_error without a solved state.
  RollStart snapshot() const;
  // The next solve starts from `from` as if the roller had rolled there: the unknowns (displacements,
  // turns, contact multipliers) of a state solved by a session of a model with the same mesh,
  // bodies and contacts (another tone or breath of the same scenario), this model's own loads.
  // The same equilibrium problem from a nearer start: a person who tenses or relaxes while lying
  // on the roller. Throws std::invalid_argument when the state does not fit this model.
  void start_from(const RollStart& from);
  const PosedModel& posed() const { return *pm_; }
  const BodyModel& model() const { return pm_->body; }
  const FemState& state() const { return state_; }
  // An interactive client's stop flag: solves in progress return unconverged (solve.cancelled).
  void set_cancel(const std::atomic<bool>* cancel) { cancel_ = cancel; }
  // Start every solve with the body turned this much further about the hip than the placement
  // puts it, the supports where they were (Placement::start_tilt_rad): a different first guess.
  void set_start_tilt(double rad) { start_tilt_rad_ = rad; }
  // Factorise every Newton step's tangent (the plain direct solver) instead of solving the late
  // steps on the last factorisation (SolverSettings::reuse_factorization): for benchmarks.
  void set_direct_solves(bool direct) { direct_ = direct; }
  // Where the last solve put the body: its head-up pitch (rad) and the roller's centre in the
  // body's frame; the roller's and the floor's rigid bodies in model().fem.
  double pitch_rad() const { return placed_.pitch_rad + placed_.start_tilt_rad; }
  Vec3 roller_centre_m() const { return placed_.centre_m; }
  int roller_body() const { return pm_->roller_body; }
  int floor_body() const { return pm_->floor_body; }

 private:
  // Rolls warm from the last placement to `target` in sub-steps (see roll.cpp); false when a
  // sub-step failed (the state is then reset for a cold solve) or was cancelled (r.solve says so).
  bool roll_to(const Placement& target, const SolverSettings& s, RollResult& r);
  // A solve from rest: the state reset, and where the posture starts elsewhere (Posture::cold_start)
  // solved there and rolled to `target` (counted as sub-steps); false when cancelled.
  bool start_cold(const Placement& target, const SolverSettings& s, RollResult& r);
  // start_cold, then the target's solve.
  SolveReport solve_from_rest(const Placement& target, const SolverSettings& s, RollResult& r);
  // One intermediate placement solved with s, counted in r as a sub-step (r.solve the report when
  // cancelled).
  SolveReport substep(const Placement& at, const SolverSettings& s, RollResult& r);
  // The placements 1/n .. (n-1)/n of the way from `from` to `target`, each a sub-step with `sub`;
  // false when one failed (not merely unsettled: the state is then reset) or was cancelled.
  bool step_between(const Placement& from, const Placement& target, int n, const SolverSettings& sub, RollResult& r);
  void place(const Placement& pl);  // into the state's inputs, through the posture
  SolverSettings settings() const;  // a position's solve
  // The converged state measured into r (its frame fields) and checked for being possible.
  void measure(const Placement& at, RollResult& r) const;
  std::shared_ptr<const PosedModel> pm_;
  const FlatReference* flat_;
  Placement placed_;
  bool has_placement_ = false;
  FemState state_;
  SolverCache cache_;  // the linear solver's analysis, kept from solve to solve
  bool has_state_ = false;
  const std::atomic<bool>* cancel_ = nullptr;
  double start_tilt_rad_ = 0;
  bool direct_ = false;
  ViscousHistory history_;  // while holding
};

// Builds the scenario's body with its muscles and solves it lying flat on the floor (the
// lying_flat posture). `cancel` as in RollSession::set_cancel.
FlatReference solve_flat_reference(const Scenario& sc, const std::atomic<bool>* cancel = nullptr);

// A flat-lying solve with its model and solved state, which another flat-lying solve on the same
// mesh may start from.
struct FlatSolve {
  FlatReference reference;
  std::shared_ptr<const PosedModel> model;
  FemState state;
};
// solve_flat_reference, started from `from`'s solved state when that converged on the same mesh
// (another tone of the same body: other muscles, the same nodes and bones; same_mesh), else from
// rest; from rest again if that start does not converge. Lying flat is frictionless, so where it
// starts does not choose its equilibrium, only how many Newton steps reach it (test_roll compares
// the two).
FlatSolve solve_flat(const Scenario& sc, const FlatSolve* from = nullptr, const std::atomic<bool>* cancel = nullptr);
// Whether two models have the same mesh and bodies: a state of one is a state of the other.
bool same_mesh(const FemModel& a, const FemModel& b);

// Largest roller move between two settled states when rolling warm-started (m).
constexpr double kRollStepM = 0.01;
// Newton steps given to the tissue at each intermediate roller place (not settled to tolerance).
constexpr int kRollSubstepNewton = 1;
// Newton stops when the largest nodal force residual is below this fraction of the total load
// (about 0.08 N for the default adult, a twentieth of a loaded skin node's force). Measured on the
// main job against 1e-6: every measure within 0.14 N, 0.024 kPa, 0.02 percentage points and
// 3 um (under a hundredth of each unit's noise floor), 20 instead of 26 Newton iterations per
// rolled position and 10 % less time.
constexpr double kRollResidualRtol = 1e-4;
// ... and the deepest penetration of tissue into bone (the contacts held by the augmented
// Lagrangian method) below this: 10 um, half a percent of the back's skin (2 mm, the body file).
// Measured on the main job's mesh against 1 um: 14 instead of 16 Newton iterations per rolled
// position (one multiplier update fewer), the measures within 2e-4 (the T8 tips' load 67.007
// against 67.015 N).
constexpr double kRollGapTolM = 1e-5;

}  // namespace backroll
