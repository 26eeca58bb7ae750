// How robust each verdict is (`backroll sensitivity`): the uncertain inputs of a scenario (a file
// in assets/uncertainty/) varied one at a time over their ranges, each at the mid-back and the low
// back, and for every headline comparison (compare.h: headline_measures) how far the low back's
// difference from the mid-back moves and whether its direction (higher, lower, about the same:
// measures_agree) ever flips.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "report/plot.h"
#include "run/batch.h"

namespace backroll {

struct UncertainInput {
  std::string name;
  std::vector<std::string> keys;          // each changed the same way
  ConfigOverride::Op op = ConfigOverride::Op::replace;  // values replace, or scale or add to, the file's
  std::array<ConfigValue, 2> values;      // low, high
  std::string where;                      // file:line
  std::string label(int end) const;       // "relaxed", "x0.5", "+0.003", "60"
};

struct SensitivitySpec {
  std::string source, roller_file;
  int mid_level = 7, low_level = 15;
  std::vector<UncertainInput> inputs;
};
SensitivitySpec load_sensitivity(const std::string& path);
std::string default_sensitivity_path();  // assets/uncertainty/default.toml

struct SensitivityCase {
  Scenario scenario;
  std::vector<RollResult> results;  // at the mid-back, then at the low back
  bool usable() const;
};

struct Sensitivity {
  SensitivitySpec spec;
  SensitivityCase base;
  std::vector<std::array<SensitivityCase, 2>> cases;  // per input: low, high
  int threads = 1;
  double seconds = 0;
};

// Reads every variant of the scenario (a bad key or value fails here, before any solve).
Sensitivity prepare_sensitivity(const std::string& scenario_path, const SensitivitySpec& spec);
// Solves them all through run_batch (results independent of the thread count).
void solve_sensitivity(Sensitivity& s, int threads, const BatchProgressFn& progress = {});
// Both.
Sensitivity run_sensitivity(const std::string& scenario_path, const SensitivitySpec& spec, int threads,
                            const BatchProgressFn& progress = {});

// One input's effect on one comparison: the low back minus the mid-back at the base and at the
// input's two ends, their directions, whether a direction differs from the base's, and how far
// the difference moved at most.
struct Effect {
  std::string input, measure;
  double base = 0, low = 0, high = 0;
  int base_dir = 0, low_dir = 0, high_dir = 0;
  bool usable = false, flips = false;
  double moved = 0;
};
std::vector<Effect> sensitivity_effects(const Sensitivity& s);
std::string sensitivity_table(const Sensitivity& s);
std::string sensitivity_csv(const Sensitivity& s);
std::string sensitivity_json(const Sensitivity& s);
TornadoSpec sensitivity_tornado(const Sensitivity& s);

}  // namespace backroll
