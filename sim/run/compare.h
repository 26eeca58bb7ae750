// The lumbar-vs-thoracic comparison (`backroll compare`, the main job): one scenario, several
// rollers, each rolled along the spine; the results per position, a side-by-side table of the
// roller under the mid-back (T6-T8) and the low back (L2-L4), and plain readings generated from
// those numbers.
#pragma once

#include <string>
#include <vector>

#include "measure/registry.h"
#include "report/plot.h"
#include "run/batch.h"
#include "run/roll.h"

namespace backroll {

struct RollerRun {
  Scenario scenario;            // with this roller
  std::vector<RollResult> results;  // one per level, in rolling order
  double seconds = 0;               // CPU time over its tasks
};

// The tug-of-war: the same rollers with the muscles at another tone (anatomy/physiology.h), each
// solved at the mid-back (T7) and the low back (L3).
struct ToneRun {
  std::string tone;
  std::vector<RollerRun> runs;  // per roller, its results at T7 and L3
  // With check_warm, for a tone other than the scenario's (whose positions start from the main
  // run's solved states): the same positions solved from rest.
  std::vector<RollerRun> cold_runs;
};

struct Comparison {
  std::vector<FlatReference> flats;  // every flat-lying reference solved (one a position when the patch follows the roller)
  std::vector<RollerRun> runs;
  // The scenario's own tone first (its results read from runs), then each other tone asked for.
  std::vector<ToneRun> tones;
  // With check_warm: the same runs with every position solved from rest, to hold the warm-started
  // ones against (empty otherwise); the other tones' in theirs.
  std::vector<RollerRun> cold_runs;
  int threads = 1;
  double seconds = 0;
};

// Runs every roller along sc.levels through run_batch (batch.h): in parallel on `threads`
// threads, the results independent of the thread count. check_warm solves every position again
// from rest (twice the time). With states_dir, every valid solved state is written there for
// ParaView: <roller>/<level>.vtu (report/model_export.h) and a series <roller>.pvd per roller.
// `tones`: the other tones to compare at (each roller at T7 and L3, from rest): the scenario's file
// read again with posture.tone set (changes made to `sc` in code do not carry over; the rollers
// do); the scenario's own tone is the main run.
Comparison run_comparison(const Scenario& sc, const std::vector<std::string>& roller_files, int threads,
                          bool check_warm = false, const std::string& states_dir = "",
                          const std::vector<std::string>& tones = {}, const BatchProgressFn& progress = {});
// The tones the main job compares at besides the scenario's: guarding and relaxed.
const std::vector<std::string>& default_compare_tones();
// The measures the tone table and the sensitivity hold the mid-back against the low back on.
const std::vector<std::string>& headline_measures();
// How a measure compares at L3 against T7: +1 higher, -1 lower, 0 the same (measures_agree).
int direction(const Measure& m, double t7, double l3);
// Per roller: each headline measure at T7 and L3 at every tone, and which way it goes.
std::string tone_table(const Comparison& c);
// Sentences: which mid-back vs low-back directions hold at every tone, which depend on it.
std::vector<std::string> tone_reading(const Comparison& c, size_t roller);
ChartSpec tone_chart(const Comparison& c);  // x: the tones; a line per roller and position

// Whether two values of a measure agree: within 1 %, or within its noise_floor (registry.h).
bool measures_agree(const Measure& m, double a, double b);
// A warm-started position that disagrees with its cold solve: the measure and both values.
struct WarmColdDisagreement {
  std::string roller;
  std::string tone;  // empty: the main run
  int level = 0;
  std::string setup() const { return tone.empty() ? roller : roller + " (" + tone + ")"; }
  std::string measure;
  double warm = 0, cold = 0;
};
// Every disagreement between c.runs and c.cold_runs, and between each tone's runs and cold runs
// (positions valid in both), and how many positions were held against each other.
std::vector<WarmColdDisagreement> warm_cold_disagreements(const Comparison& c, int* compared);
// The main job's rollers: the standard foam roller, the peanut and the soft roller (catalog names).
const std::vector<std::string>& default_compare_rollers();

// Mean of a measure over the positions whose level lies in [lo, hi] (1..17); NaN-free: positions
// that did not converge or are not a possible state (validity) are left out, and `n` says how many
// were used.
double zone_mean(const RollerRun& run, const Measure& m, int lo, int hi, int* n);

// Plain sentences generated from one roller's numbers (the mid-back against the low back).
std::vector<std::string> comparison_reading(const RollerRun& run);
std::string comparison_table(const Comparison& c);   // the text table with readings
std::string comparison_csv(const Comparison& c);     // one row per roller and position
std::string comparison_json(const Comparison& c);    // the same plus per-level arrays and config
ChartSpec comparison_chart(const Comparison& c);     // the measures along the spine, a line per roller
// The pressure mats at the mid-back (T7) and the low back (L3), two per roller, on one scale.
PressureMapSpec pressure_maps(const Comparison& c);
// One self-contained page to hand out (the chart embedded): setup, readings, table, positions left out.
std::string comparison_html(const Comparison& c);

}  // namespace backroll
