// The dwell (`backroll dwell`): the roller held on one spot for a while, as the guides advise
// (20-30 s "so the muscle lets go"). The tissue creeps (fem/viscoelastic.h): the body sinks a
// little further onto the roller as the muscle's and fat's stress relaxes, one quasi-static
// equilibrium per time step. The muscles' tone is held constant over the dwell: no published time
// course of a guarding tone letting go under a roller was found, so a tone's effect is shown by
// running the dwell at each tone (the scenario's posture.tone).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "report/plot.h"
#include "run/roll.h"

namespace backroll {

struct DwellSample {
  double t_s = 0;
  RollResult r;
};

struct DwellRun {
  Scenario scenario;
  int level = 0;
  double seconds = 0, dt_s = 0;
  std::vector<DwellSample> samples;  // t = 0 (the roller arrives: the instantaneous response), dt, 2 dt, ...
  double wall_seconds = 0;
  bool complete() const;             // every sample converged and valid, up to `seconds`
};

// The roller's arrival at `level` (a cold solve: the tissue's instantaneous response), then the
// roller held there for `seconds` in steps of dt_s (the last step shortened to end on time).
// Stops early at a step that does not converge or gives an impossible state (it is kept, marked).
// progress(step, steps) after each step.
DwellRun run_dwell(const Scenario& sc, int level, double seconds, double dt_s,
                   const std::function<void(int, int)>& progress = {});

// The measures a dwell reports (registry keys), in order.
const std::vector<std::string>& dwell_measures();
std::string dwell_table(const DwellRun& d);  // the time course, with the change over the dwell
std::string dwell_csv(const DwellRun& d);
std::string dwell_json(const DwellRun& d);
ChartSpec dwell_chart(const DwellRun& d);

}  // namespace backroll
