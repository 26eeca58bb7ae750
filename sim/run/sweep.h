// Headless experiments (`backroll sweep`): a sweep file names a base scenario and the axes to vary;
// every case is a scenario with the axes' values laid over it (load_scenario's overrides), rolled
// through the positions, all cases at once on run_batch's thread pool. Outputs, all written
// atomically (temporary file, then rename) into one folder:
//   <name>.csv            one row per case and position, a column per parameter and measure (units
//                         in the header); empty cells where a position did not converge or is not
//                         a possible state (valid = 0)
//   <name>.json           the same, plus the sweep's resolved configuration, each case's resolved
//                         roller/body/posture, the program version and fingerprints
//   <plot>.png            the sweep file's plots (complete sweeps only, not shards)
//   cases/case_NNNN.json  each case as soon as it is done: what --resume reads back
// Outputs hold no timings: they are bit-identical whatever the thread count and on a rerun.
//
// The sweep file (every key checked; see docs/sweeps.md and docs/formats.md):
//   name, description, scenario (relative to the sweep file), results (folder, optional),
//   mode = "factorial" (every combination, the first axis outermost) | "listed" (case i takes the
//   i-th value of every axis); [[axis]] key + values = [...] or from/to(/step);
//   [[plot]] file, title, x (an axis key or "position"), series (an axis key), measures = [...].
// The axis "position" is rolled through within each case (warm-started): levels ("T7") or
// distances along the skin line (m); without it, the scenario's roll.from .. roll.to.
//
// An exercise sweep names `exercise` (assets/exercises/, run/exercise.h) instead of `scenario`: its
// axes go to the exercise file (roller, body and their keys as a scenario's), its "position" axis
// lists places of the exercise's path by index (from 0, as `backroll view --place`), and its
// measures are the exercise's (exercise_measures: the supports' and structures' by name).
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "run/batch.h"
#include "run/exercise.h"
#include "io/toml_reader.h"

namespace backroll {

struct SweepAxis {
  std::string key;                  // "roller", "roller.foam.youngs_modulus_Pa", "body.mass_kg", ...
  std::vector<ConfigValue> values;  // as written (catalog names are resolved per case)
  std::string origin;               // "file:line" of its [[axis]] table
};

struct SweepPlot {
  std::string file, title, x, series;
  std::vector<std::string> measures;  // measure_registry() keys
};

// A measure as the outputs show it: the back's (measure/registry.h) or an exercise's.
struct SweepColumn {
  std::string key, label, unit;
};

struct SweepSpec {
  std::string path, name, description, scenario_path, results_dir, mode;
  std::string exercise_path;           // an exercise sweep's file (then scenario_path is empty)
  std::vector<SweepAxis> axes;         // without "position"
  std::vector<RollPosition> positions; // the back's
  std::vector<int> places;             // an exercise's: indices into its path
  std::vector<std::string> position_labels;  // either, as the outputs name them
  std::vector<SweepColumn> columns;    // measure_registry(), or the exercise's measures
  std::vector<SweepPlot> plots;
  bool exercise() const { return !exercise_path.empty(); }
};

struct SweepCase {
  int index = 0;
  std::vector<std::pair<std::string, ConfigValue>> params;  // axis key -> value, in axis order
  Scenario scenario;     // the back's
  ExerciseJob exercise;  // an exercise's: its file read with the case's values, the roller, the places
  std::string fingerprint;  // of its resolved configuration and the files it was read from
  std::string flat_key;     // cases that differ only in the roller share a flat-lying reference
};

// Reads and checks a sweep file. Throws ConfigError naming the file, the key, the value and what
// is allowed.
SweepSpec load_sweep(const std::string& path);
// Expands the axes into cases and reads every case's scenario (so a bad value or a missing
// roller or body file is reported before anything runs, naming the sweep file and its key).
std::vector<SweepCase> sweep_cases(const SweepSpec& spec);

// What a sweep keeps of each position: the measures (measure_registry(), in order).
struct PositionRecord {
  std::string position;  // "T7" or "0.312 m"; an exercise's place "+0/+10 mm"
  int level = 0;         // nearest level
  double s_m = 0;
  double x_m = 0, y_m = 0;  // an exercise's place from its region's centre
  bool converged = false;
  bool valid = false;     // converged and a possible state (measure/validity.h)
  std::string message;    // the solver's, or why the state is not possible
  int newton_iterations = 0;
  bool cold_retry = false;
  std::vector<double> values;  // per column; empty unless converged and valid
};
struct CaseRecord {
  int index = 0;
  std::vector<std::pair<std::string, std::string>> params;  // key -> value as written in the CSV
  std::string fingerprint;
  std::string resolved_json;  // the case's resolved roller, body and posture (JSON object)
  std::vector<PositionRecord> positions;
};
// A sweep's outputs, complete or one shard of them.
struct SweepOutput {
  std::string config_json;  // the resolved sweep (JSON object), identical in every shard
  std::string fingerprint;  // of the whole sweep
  std::string name;
  int cases_total = 0, shard_k = 0, shard_n = 1;
  bool exercise = false;
  std::vector<SweepColumn> columns;
  std::vector<SweepPlot> plots;
  std::vector<CaseRecord> cases;  // by index
};

struct SweepOptions {
  std::string out_dir;   // empty: the sweep file's `results`
  int threads = 1;
  bool resume = false;   // reuse cases/case_NNNN.json whose fingerprint matches
  int shard_k = 0, shard_n = 1;  // run cases with index % n == k
};
struct SweepProgress {
  BatchProgress batch;
  size_t cases_done = 0, cases_total = 0, cases_resumed = 0;
  const SweepCase* finished = nullptr;  // the case that just finished, if any
};
struct SweepRunReport {
  std::string out_dir;
  std::vector<std::string> written;  // files, in order
  int cases_run = 0, cases_resumed = 0, positions_failed = 0;  // failed: not converged or not valid
  double seconds = 0;
};
// Runs the sweep (or its shard) and writes its outputs.
SweepRunReport run_sweep(const SweepSpec& spec, const std::vector<SweepCase>& cases, const SweepOptions& opt,
                         const std::function<void(const SweepProgress&)>& progress = {});

std::string sweep_csv(const SweepOutput& o);
std::string sweep_json(const SweepOutput& o);
SweepOutput parse_sweep_json(const std::string& text, const std::string& origin);
// Joins shard outputs (their <name>.json, or the folders holding them) into one complete sweep
// and writes it like an unsharded run; throws ConfigError if they are not the shards of one sweep
// or a case is missing or twice.
std::vector<std::string> merge_sweeps(const std::vector<std::string>& inputs, const std::string& out_dir);

}  // namespace backroll
