#include "run/sensitivity.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "io/catalog.h"
#include "measure/registry.h"
#include "run/compare.h"

namespace backroll {

std::string UncertainInput::label(int end) const {
  const ConfigValue& v = values[end];
  if (op == ConfigOverride::Op::scale) return fmt::format("x{:g}", std::get<double>(v));
  if (op == ConfigOverride::Op::add) return fmt::format("{:+g}", std::get<double>(v));
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return to_string(v);
}

std::string default_sensitivity_path() { return std::string(BACKROLL_ASSET_DIR) + "/uncertainty/default.toml"; }

SensitivitySpec load_sensitivity(const std::string& path) {
  TomlReader r(path);
  SensitivitySpec s;
  s.source = path;
  s.roller_file = catalog_file("rollers", r.text("roller"), r.source_file("roller"), r.where("roller"), "roller");
  const std::vector<std::string> pos = r.texts("positions", 2);
  for (int k = 0; k < 2; ++k) {
    const int l = level_index(pos[k]);
    if (l < 2 || l > kLevels)
      throw ConfigError(fmt::format("{}: positions[{}] = \"{}\": allowed T2..T12, L1..L5", r.where("positions"), k, pos[k]));
    (k == 0 ? s.mid_level : s.low_level) = l;
  }
  const size_t n = r.table_count("input");
  if (n == 0) throw ConfigError(path + ": no [[input]] to vary");
  for (size_t i = 0; i < n; ++i) {
    const std::string k = fmt::format("input[{}].", i);
    UncertainInput in;
    in.name = r.text(k + "name");
    in.keys = r.has(k + "key") ? std::vector<std::string>{r.text(k + "key")} : r.texts(k + "keys");
    in.where = r.where(k + (r.has(k + "key") ? "key" : "keys"));
    if (r.has(k + "scale") || r.has(k + "add")) {
      in.op = r.has(k + "scale") ? ConfigOverride::Op::scale : ConfigOverride::Op::add;
      const std::vector<double> f = in.op == ConfigOverride::Op::scale ? r.numbers(k + "scale", 2, 0.01, 100)
                                                                       : r.numbers(k + "add", 2, -1e9, 1e9);
      in.values = {ConfigValue(f[0]), ConfigValue(f[1])};
    } else {
      const std::vector<ConfigValue> v = r.scalars(k + "values");
      if (v.size() != 2) throw ConfigError(fmt::format("{}: {}values: give two, [low, high] (it has {})", r.where(k + "values"), k, v.size()));
      in.values = {v[0], v[1]};
    }
    s.inputs.push_back(in);
  }
  r.finish();
  return s;
}

bool SensitivityCase::usable() const {
  return results.size() == 2 && results[0].usable() && results[1].usable();
}

Sensitivity prepare_sensitivity(const std::string& scenario_path, const SensitivitySpec& spec) {
  Sensitivity s;
  s.spec = spec;
  const ConfigOverride roller{"roller", ConfigValue(spec.roller_file), spec.source};
  auto variant = [&](const std::vector<ConfigOverride>& more) {
    std::vector<ConfigOverride> o = {roller};
    o.insert(o.end(), more.begin(), more.end());
    SensitivityCase c;
    c.scenario = load_scenario(scenario_path, o);
    c.scenario.warm_start = false;
    return c;
  };
  s.base = variant({});
  refuse_patch(s.base.scenario, "sensitivity");
  for (const UncertainInput& in : spec.inputs) {
    std::array<SensitivityCase, 2> ends;
    for (int e = 0; e < 2; ++e) {
      std::vector<ConfigOverride> o;
      for (const std::string& key : in.keys) {
        o.push_back({key, in.values[e], in.where});
        o.back().op = in.op;
      }
      ends[e] = variant(o);
    }
    s.cases.push_back(ends);
  }
  return s;
}

Sensitivity run_sensitivity(const std::string& scenario_path, const SensitivitySpec& spec, int threads,
                            const BatchProgressFn& progress) {
  Sensitivity s = prepare_sensitivity(scenario_path, spec);
  solve_sensitivity(s, threads, progress);
  return s;
}

void solve_sensitivity(Sensitivity& s, int threads, const BatchProgressFn& progress) {
  const SensitivitySpec& spec = s.spec;
  // One job per case; a roller's inputs leave the body lying flat as it is: they share the base's
  // flat-lying reference, every other case has its own, started from the base's where the mesh is
  // the same (solve_flat: a tone, a spine stiffness; not a body of another size).
  std::vector<RollJob> jobs;
  auto job = [&](const SensitivityCase& c, const std::string& flat) {
    // A case with its own reference starts it from the base's (the base's flat_key is "").
    const std::optional<std::string> start = flat.empty() ? std::nullopt : std::optional<std::string>("");
    jobs.push_back({c.scenario, {{spec.mid_level, 0.0}, {spec.low_level, 0.0}}, flat, start});
  };
  job(s.base, "");
  for (size_t i = 0; i < spec.inputs.size(); ++i)
    for (int e = 0; e < 2; ++e)
      job(s.cases[i][e], std::all_of(spec.inputs[i].keys.begin(), spec.inputs[i].keys.end(),
                                     [](const std::string& k) { return k.rfind("roller.", 0) == 0; })
                             ? ""
                             : fmt::format("{}={}", i, e));
  BatchResult b = run_batch(jobs, threads, progress);
  s.threads = b.threads;
  s.seconds = b.seconds;
  s.base.results = std::move(b.results[0]);
  for (size_t i = 0; i < spec.inputs.size(); ++i)
    for (int e = 0; e < 2; ++e) s.cases[i][e].results = std::move(b.results[1 + 2 * i + e]);
}

std::vector<Effect> sensitivity_effects(const Sensitivity& s) {
  std::vector<Effect> out;
  for (const std::string& key : headline_measures()) {
    const Measure& m = find_measure(key);
    auto delta = [&](const SensitivityCase& c) { return m.get(c.results[1]) - m.get(c.results[0]); };
    auto dir = [&](const SensitivityCase& c) { return direction(m, m.get(c.results[0]), m.get(c.results[1])); };
    for (size_t i = 0; i < s.spec.inputs.size(); ++i) {
      Effect e;
      e.input = s.spec.inputs[i].name;
      e.measure = key;
      const auto& [lo, hi] = s.cases[i];
      e.usable = s.base.usable() && lo.usable() && hi.usable();
      if (e.usable) {
        e.base = delta(s.base), e.low = delta(lo), e.high = delta(hi);
        e.base_dir = dir(s.base), e.low_dir = dir(lo), e.high_dir = dir(hi);
        e.flips = e.low_dir != e.base_dir || e.high_dir != e.base_dir;
        e.moved = std::max(std::abs(e.low - e.base), std::abs(e.high - e.base));
      }
      out.push_back(e);
    }
  }
  return out;
}

namespace {
const char* dir_text(int d) { return d > 0 ? "higher" : d < 0 ? "lower" : "same"; }
}  // namespace

std::string sensitivity_table(const Sensitivity& s) {
  const std::string mid = level_name(s.spec.mid_level), low = level_name(s.spec.low_level);
  const Scenario& sc = s.base.scenario;
  std::string o = fmt::format("backroll sensitivity: {} with the {}, {} (mid-back) against {} (low back); each input varied "
                              "alone over its range ({})\n",
                              portable_path(sc.source), sc.roller.name, mid, low, portable_path(s.spec.source));
  o += fmt::format("each cell: {} minus {} (the low back's difference), its direction (higher / lower / same: within 1 % or "
                   "the unit's floor); FLIPS where an end of the range turns the direction\n", low, mid);
  const std::vector<Effect> effects = sensitivity_effects(s);
  std::vector<std::string> robust, fragile;
  for (const std::string& key : headline_measures()) {
    const Measure& m = find_measure(key);
    o += fmt::format("\n== {} ({}) ==\n", m.label, m.unit);
    if (!s.base.usable()) {
      o += "  the base case did not solve to a possible state: no comparison\n";
      continue;
    }
    o += fmt::format("  base: {} {:.3g}, {} {:.3g}: {:+.3g} ({})\n", mid, m.get(s.base.results[0]), low,
                     m.get(s.base.results[1]), m.get(s.base.results[1]) - m.get(s.base.results[0]),
                     dir_text(direction(m, m.get(s.base.results[0]), m.get(s.base.results[1]))));
    o += fmt::format("  {:<22} {:>12} {:>18} {:>12} {:>18} {:>10}\n", "input", "low end", "difference", "high end",
                     "difference", "moved");
    bool flips = false;
    for (size_t i = 0; i < effects.size(); ++i) {
      const Effect& e = effects[i];
      if (e.measure != key) continue;
      const UncertainInput& in = *std::find_if(s.spec.inputs.begin(), s.spec.inputs.end(),
                                               [&](const UncertainInput& x) { return x.name == e.input; });
      if (!e.usable) {
        o += fmt::format("  {:<22} not solved to a possible state at one end: left out\n", e.input);
        continue;
      }
      flips = flips || e.flips;
      o += fmt::format("  {:<22} {:>12} {:>11.3g} {:<6} {:>12} {:>11.3g} {:<6} {:>10.3g}{}\n", e.input, in.label(0), e.low,
                       dir_text(e.low_dir), in.label(1), e.high, dir_text(e.high_dir), e.moved, e.flips ? "  FLIPS" : "");
    }
    (flips ? fragile : robust).push_back(m.label);
  }
  o += "\nsurvives every input's range (the direction never turns): ";
  for (size_t i = 0; i < robust.size(); ++i) o += (i ? "; " : "") + robust[i];
  o += robust.empty() ? "none\n" : "\n";
  o += "depends on an input: ";
  for (size_t i = 0; i < fragile.size(); ++i) o += (i ? "; " : "") + fragile[i];
  o += fragile.empty() ? "none\n" : "\n";
  o += fmt::format("{} cases x 2 positions, {:.1f} s on {} thread(s)\n", 1 + 2 * s.spec.inputs.size(), s.seconds, s.threads);
  return o;
}

std::string sensitivity_csv(const Sensitivity& s) {
  std::string o = "input,end,value,measure,unit,mid_back,low_back,difference,direction,valid\n";
  auto row = [&](const std::string& input, const std::string& end, const std::string& value, const SensitivityCase& c) {
    for (const std::string& key : headline_measures()) {
      const Measure& m = find_measure(key);
      o += fmt::format("\"{}\",{},\"{}\",{},{},", input, end, value, key, m.unit);
      if (!c.usable()) {
        o += ",,,,0\n";
        continue;
      }
      const double a = m.get(c.results[0]), b = m.get(c.results[1]);
      o += fmt::format("{:.6g},{:.6g},{:.6g},{},1\n", a, b, b - a, dir_text(direction(m, a, b)));
    }
  };
  row("base", "base", "", s.base);
  for (size_t i = 0; i < s.spec.inputs.size(); ++i)
    for (int e = 0; e < 2; ++e) row(s.spec.inputs[i].name, e ? "high" : "low", s.spec.inputs[i].label(e), s.cases[i][e]);
  return o;
}

std::string sensitivity_json(const Sensitivity& s) {
  using nlohmann::json;
  json j;
  j["program"] = "backroll";
  j["version"] = BACKROLL_VERSION;
  j["config"] = {{"scenario", portable_path(s.base.scenario.source)}, {"inputs_file", portable_path(s.spec.source)},
                 {"roller", s.base.scenario.roller.name}, {"mid_back", level_name(s.spec.mid_level)},
                 {"low_back", level_name(s.spec.low_level)}};
  for (const UncertainInput& in : s.spec.inputs)
    j["inputs"].push_back({{"name", in.name}, {"keys", in.keys}, {"low", in.label(0)}, {"high", in.label(1)}});
  for (const Effect& e : sensitivity_effects(s)) {
    json x = {{"input", e.input}, {"measure", e.measure}, {"usable", e.usable}};
    if (e.usable)
      x.update({{"base_difference", e.base}, {"low_difference", e.low}, {"high_difference", e.high},
                {"base_direction", dir_text(e.base_dir)}, {"low_direction", dir_text(e.low_dir)},
                {"high_direction", dir_text(e.high_dir)}, {"flips", e.flips}, {"moved", e.moved}});
    j["effects"].push_back(x);
  }
  j["seconds"] = s.seconds;
  j["threads"] = s.threads;
  return j.dump(1) + "\n";
}

TornadoSpec sensitivity_tornado(const Sensitivity& s) {
  TornadoSpec t;
  t.title = fmt::format("backroll sensitivity: {} minus {} ({}, scenario {})", level_name(s.spec.low_level),
                        level_name(s.spec.mid_level), s.base.scenario.roller.name, data_name(s.base.scenario.source));
  t.legend = "blue: the input's low end, orange: its high end; black line: the base; grey: no difference; red: the direction flips";
  const std::vector<Effect> effects = sensitivity_effects(s);
  for (const std::string& key : headline_measures()) {
    const Measure& m = find_measure(key);
    TornadoPanel p;
    p.title = m.label + ", low back minus mid-back";
    p.unit = m.unit;
    for (const Effect& e : effects)
      if (e.measure == key && e.usable) {
        p.base = e.base;
        p.bars.push_back({e.input, e.low, e.high, e.flips});
      }
    t.panels.push_back(p);
  }
  return t;
}

}  // namespace backroll
