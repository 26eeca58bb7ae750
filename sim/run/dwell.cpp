#include "run/dwell.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "io/catalog.h"
#include "measure/registry.h"

namespace backroll {

bool DwellRun::complete() const {
  if (samples.empty() || samples.back().t_s < seconds - 1e-9) return false;
  for (const DwellSample& s : samples)
    if (!s.r.usable()) return false;
  return true;
}

DwellRun run_dwell(const Scenario& scenario, int level, double seconds, double dt_s, const std::function<void(int, int)>& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  const Scenario sc = with_patch_at(scenario, level);
  DwellRun d;
  d.scenario = sc;
  d.level = level;
  d.seconds = seconds;
  d.dt_s = dt_s;
  const FlatReference flat = solve_flat_reference(sc);
  RollSession ses(sc, &flat);
  d.samples.push_back({0.0, ses.solve_at(level, true)});
  const int steps = static_cast<int>(std::ceil(seconds / dt_s - 1e-9));
  double t = 0;
  for (int k = 1; k <= steps && d.samples.back().r.usable(); ++k) {
    const double dt = std::min(dt_s, seconds - t);
    t = k == steps ? seconds : t + dt;
    d.samples.push_back({t, ses.hold(dt)});
    if (progress) progress(k, steps);
  }
  d.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return d;
}

const std::vector<std::string>& dwell_measures() {
  static const std::vector<std::string> k = {"peak_pressure", "contact_area", "roller_sink", "sp_load",
                                             "kidney_mean", "kidney_peak", "weight_on_roller"};
  return k;
}

std::string dwell_table(const DwellRun& d) {
  const Scenario& sc = d.scenario;
  std::string out = fmt::format("backroll dwell: {} held at {} for {:g} s (steps of {:g} s), tone {}, breath {}\n",
                                sc.roller.name, level_name(d.level), d.seconds, d.dt_s, sc.tone.name, sc.posture.breath);
  out += fmt::format("{:>7}", "t (s)");
  for (const std::string& k : dwell_measures()) {
    const Measure& m = find_measure(k);
    out += fmt::format(" {:>16}", fmt::format("{} ({})", m.key, m.unit));
  }
  out += "\n";
  // Every step for a short dwell; otherwise about 12 rows, the last always.
  const size_t every = std::max<size_t>(1, d.samples.size() / 12);
  for (size_t i = 0; i < d.samples.size(); ++i) {
    if (i % every != 0 && i + 1 != d.samples.size()) continue;
    const DwellSample& s = d.samples[i];
    out += fmt::format("{:>7.1f}", s.t_s);
    if (!s.r.usable()) {
      out += s.r.solve.converged ? "  not a possible state: " + s.r.validity.reason + "\n" : "  NOT CONVERGED: " + s.r.solve.message + "\n";
      continue;
    }
    for (const std::string& k : dwell_measures()) out += fmt::format(" {:>16.3f}", find_measure(k).get(s.r));
    out += "\n";
  }
  if (d.complete() && d.samples.size() > 1) {
    out += fmt::format("over {:g} s:", d.seconds);
    for (const std::string& k : dwell_measures()) {
      const Measure& m = find_measure(k);
      const double a = m.get(d.samples.front().r), b = m.get(d.samples.back().r);
      out += fmt::format("  {} {:+.3g} {}{}", m.key, b - a, m.unit,
                         std::abs(a) > 1e-12 ? fmt::format(" ({:+.1f} %)", 100 * (b - a) / std::abs(a)) : "");
    }
    out += "\n";
  }
  return out;
}

std::string dwell_csv(const DwellRun& d) {
  std::string out = "t_s,converged,valid";
  for (const std::string& k : dwell_measures()) out += "," + column_name(find_measure(k));
  out += "\n";
  for (const DwellSample& s : d.samples) {
    out += fmt::format("{:g},{},{}", s.t_s, s.r.solve.converged ? 1 : 0, s.r.usable() ? 1 : 0);
    for (const std::string& k : dwell_measures())
      out += s.r.usable() ? fmt::format(",{:.6g}", find_measure(k).get(s.r)) : std::string(",");
    out += "\n";
  }
  return out;
}

std::string dwell_json(const DwellRun& d) {
  using nlohmann::json;
  const Scenario& sc = d.scenario;
  json j;
  j["program"] = "backroll";
  j["version"] = BACKROLL_VERSION;
  j["config"] = {{"scenario", portable_path(sc.source)}, {"roller", sc.roller.name},
                 {"roller_file", portable_path(sc.roller_file)}, {"position", level_name(d.level)},
                 {"seconds", d.seconds}, {"dt_s", d.dt_s}, {"tone", sc.tone.name}, {"breath", sc.posture.breath},
                 {"trunk_muscle_Nm_per_deg", sc.posture.trunk_muscle_Nm_per_deg}, {"mesh_scale", sc.mesh_scale}};
  j["complete"] = d.complete();
  j["units"] = json::object();
  for (const std::string& k : dwell_measures()) j["units"][k] = find_measure(k).unit;
  json samples = json::array();
  for (const DwellSample& s : d.samples) {
    json js = {{"t_s", s.t_s}, {"converged", s.r.solve.converged}, {"valid", s.r.usable()},
               {"newton_iterations", s.r.solve.newton_iterations}};
    if (!s.r.usable()) js["why"] = s.r.solve.converged ? s.r.validity.reason : s.r.solve.message;
    else
      for (const std::string& k : dwell_measures()) js[k] = find_measure(k).get(s.r);
    samples.push_back(js);
  }
  j["samples"] = samples;
  return j.dump(2) + "\n";
}

ChartSpec dwell_chart(const DwellRun& d) {
  ChartSpec c;
  const Scenario& sc = d.scenario;
  c.title = fmt::format("{}: {} held at {} (tone {}, breath {}), against the time held (s)", data_name(sc.source),
                        sc.roller.name, level_name(d.level), sc.tone.name, sc.posture.breath);
  c.columns = 4;
  for (const DwellSample& x : d.samples) c.x_ticks.push_back(fmt::format("{:g}", x.t_s));
  for (const std::string& k : dwell_measures()) {
    const Measure& m = find_measure(k);
    Panel p;
    p.title = m.label;
    p.y_label = m.unit;
    p.min_span = noise_floor(m);
    Series s;
    s.name = sc.roller.name;
    for (size_t i = 0; i < d.samples.size(); ++i)  // at the sample's slot (its time is the tick)
      if (d.samples[i].r.usable()) s.x.push_back(static_cast<double>(i)), s.y.push_back(m.get(d.samples[i].r));
    p.series.push_back(s);
    c.panels.push_back(p);
  }
  return c;
}

}  // namespace backroll
