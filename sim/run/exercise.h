// Rolling an exercise's region (pose/exercise_model.h): the roller at each place of its path,
// each solve warm-started from the last, and what each position reads.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pose/exercise_model.h"
#include "run/batch.h"

namespace backroll {

// What a structure of the exercise file reads at one position.
struct StructureReading {
  std::string name;
  bool line = true;
  double skin_peak_Pa = 0;     // the highest contact pressure on the skin over it
  double skin_mean_Pa = 0;     // patch: the roller's force on it over its area
  // Line: the tissue's hydrostatic pressure (+: compression) over its cross-section, the highest
  // along it (pose/exercise_model.h, ExerciseModel::line_tets).
  double tissue_peak_Pa = 0;
};

struct ExerciseResult {
  Vec2 at_m = Vec2::Zero();          // the roller's place from the region's centre
  double core_turn_deg = 0;          // how far the body's core turned from its pose
  SolveReport solve;
  bool valid = false;                // converged, no element inverted, the forces balance, the supports hold
  std::string invalid_reason;
  double weight_N = 0;
  double roller_N = 0;               // the roller's push up on the body
  double roller_share = 0;           // of the weight
  std::vector<double> support_N;     // each support's push up
  // The core's supports' push along the roller's path (y), summed, and the friction it needs from
  // them: |that| over their push up. The roller rolls along y, so only the supports hold the core
  // there; across (x, the roller's axis) the roller's friction, which the model leaves out, can
  // share the push, so that direction is not checked (docs/model.md, "The supports' grip").
  double supports_along_N = 0;
  double support_friction = 0;
  double balance_error = 0;          // |roller + supports - weight| / weight
  double peak_Pa = 0, mean_Pa = 0;   // contact pressure: the highest; force over the loaded area
  double area_m2 = 0;                // skin pressed above the threshold
  double foam_compression_m = 0;     // the foam's deepest
  double min_J = 0;                  // the smallest element's volume ratio (> 0: none inverted)
  double tissue_volume = 0;          // the least volume a part of the tissue keeps (as the back's, measure/frame.h)
  double edge_clearance_m = 0;       // the loaded skin's least distance to the region's sides
                                     // (no skin loaded: the roller's place's)
  std::vector<StructureReading> structures;
  // Per point of the roller's contact set, its pressure; the points' places: ExerciseRun's
  // skin_layouts[skin_layout].
  std::vector<double> skin_pressure_Pa;
  int skin_layout = 0;
};

// A core turned further than this from its pose has tipped over its supports: the pose does not
// balance (the person would need another support or to shift their weight).
constexpr double kExerciseTipDeg = 10;

// The loaded skin must stay this far from the region's sides: they ride on the bone, and a contact
// reaching them would read the block's edge (the tissue beyond it is not simulated).
constexpr double kExerciseEdgeClearanceM = 0.01;

// The loaded area's threshold: the back's pressure mat's (measure/pressure_mat.h) 1 kPa.
constexpr double kExerciseContactThresholdPa = 1000;

class ExerciseSession {
 public:
  explicit ExerciseSession(std::shared_ptr<const ExerciseModel> model);
  // Solves with the roller at `at` (m from the region's centre), warm-started from the last solve.
  ExerciseResult solve_at(const Vec2& at_m);
  const ExerciseModel& model() const { return *m_; }
  const FemState& state() const { return st_; }

 private:
  ExerciseResult read(const Vec2& at_m, const SolveReport& rep) const;
  std::shared_ptr<const ExerciseModel> m_;
  FemState st_;
};

// The roller along the whole path, for each roller file (the exercise's own when none).
struct ExerciseRun {
  std::string roller_name;
  std::vector<ExerciseResult> positions;
  // Per model the run built (one per place across: pose/exercise_model.h), the places at rest of
  // the skin's points the roller's foam acts on, region coordinates.
  std::vector<std::vector<Vec2>> skin_layouts;
  int dofs = 0;
  double seconds = 0;
};
// One run: an exercise (its file read with any overrides) and a roller through places in order.
struct ExerciseJob {
  ExerciseSpec spec;
  RollerSpec roller;
  std::vector<Vec2> places;  // from the region's centre (ExerciseSpec::path_m or some of them)
};
// A place as the outputs name it: "+0/+10 mm" (across / along).
std::string place_label(const Vec2& at_m);
// Many runs at once: each job on one thread of a pool with a session of its own (each place warm-
// started from the last, a new place across from rest), so the results do not depend on the thread
// count. `progress` after each place and `on_job` as each job ends, from the workers, one call at a
// time. A job that throws stops the others and its exception is rethrown.
std::vector<ExerciseRun> run_exercise_jobs(const std::vector<ExerciseJob>& jobs, int threads,
                                           const BatchProgressFn& progress = {},
                                           const std::function<void(int, const ExerciseRun&)>& on_job = {});
// The exercise's path for each roller file (the exercise's own roller when none).
std::vector<ExerciseRun> run_exercise(const ExerciseSpec& spec, const std::vector<std::string>& roller_files, int threads = 1);

// The exercise's measures: every number `backroll exercise` and an exercise sweep report per place,
// each a function of a solved place, in display units: the general ones first, then one per
// support and two per structure, keyed by their names ("on_right_hip", "skin_peak_over_sciatic_nerve").
// The CSV columns, the sweep's columns and plots and the printed table come from this one list.
struct ExerciseMeasure {
  std::string key, label, unit;
  std::function<double(const ExerciseResult&)> get;
  bool in_table = true;  // printed by `backroll exercise` and in the viewer (all are in the CSV and JSON)
  int digits() const { return unit == "N" || unit == "cm2" ? 0 : unit.empty() ? 2 : 1; }  // as printed
};
std::vector<ExerciseMeasure> exercise_measures(const ExerciseSpec& spec);
// A name as a key: lower case, '_' for anything not a letter or digit ("right hip" -> "right_hip").
std::string measure_key(const std::string& name);

// The table the command prints: per roller, its figures at the path's middle position and the
// range along the path.
std::string exercise_table(const ExerciseSpec& spec, const std::vector<ExerciseRun>& runs);
// Outputs: one CSV row per roller and position; the JSON with the model's figures.
std::string exercise_csv(const ExerciseSpec& spec, const std::vector<ExerciseRun>& runs);
std::string exercise_json(const ExerciseSpec& spec, const std::vector<ExerciseRun>& runs);
// The skin's pressure maps (report/region_map.h): a row per roller, a panel per place.
std::string exercise_maps_png(const ExerciseSpec& spec, const std::vector<ExerciseRun>& runs);

}  // namespace backroll
