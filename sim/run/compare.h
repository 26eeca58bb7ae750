// The lumbar-vs-thoracic comparison (`backroll compare`, the main job): one scenario, several
// rollers, each rolled along the spine; the results per position, a side-by-side table of the
// roller under the mid-back (T6-T8) and the low back (L2-L4), and plain readings generated from
// those numbers.
#pragma once

#include <string>
#include <vector>

#include "measure/registry.h"
#include "run/roll.h"

namespace backroll {

struct RollerRun {
  Scenario scenario;            // with this roller
  std::vector<RollResult> results;  // one per level, in rolling order
  double seconds = 0;               // CPU time over its tasks
};

struct Comparison {
  FlatReference flat;
  std::vector<RollerRun> runs;
  int threads = 1;
  double seconds = 0;
};

// Runs every roller along sc.levels through run_batch (batch.h): in parallel on `threads`
// threads, the results independent of the thread count.
Comparison run_comparison(const Scenario& sc, const std::vector<std::string>& roller_files, int threads);
// The main job's rollers: the standard foam roller, the peanut and the soft roller (catalog names).
const std::vector<std::string>& default_compare_rollers();

// Mean of a measure over the positions whose level lies in [lo, hi] (1..17); NaN-free: positions
// that did not converge or are not a possible state (validity) are left out, and `n` says how many
// were used.
double zone_mean(const RollerRun& run, const Measure& m, int lo, int hi, int* n);

std::string comparison_table(const Comparison& c);   // the text table with readings
std::string comparison_csv(const Comparison& c);     // one row per roller and position
std::string comparison_json(const Comparison& c);    // the same plus per-level arrays and config

}  // namespace backroll
