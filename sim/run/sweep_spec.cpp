// Reading a sweep file and expanding its axes into cases (run/sweep.h); running them and writing
// the outputs are in sweep.cpp.
#include "run/sweep.h"

#include <algorithm>
#include <cmath>
#include <fmt/core.h>
#include <set>

#include "io/catalog.h"
#include "measure/registry.h"
#include "run/fingerprint.h"

namespace backroll {
namespace {

constexpr int kMaxCases = 10000;
constexpr int kMaxAxisValues = 1000;

// "standard" -> the catalog's file; "x.toml" -> relative to the sweep file. Must exist.
std::string data_file(const SweepSpec& spec, const SweepAxis& ax, const std::string& folder, const ConfigValue& v) {
  const auto* s = std::get_if<std::string>(&v);
  if (!s) {
    std::string allowed;
    for (const std::string& n : catalog(folder)) allowed += (allowed.empty() ? "" : ", ") + n;
    throw ConfigError(ax.origin + ": " + ax.key + " = " + to_string(v) + " must be a string: allowed " + allowed + " or a .toml file");
  }
  return catalog_file(folder, *s, spec.path, ax.origin, ax.key);
}

}  // namespace

SweepSpec load_sweep(const std::string& path) {
  TomlReader r(path);
  SweepSpec s;
  s.path = path;
  s.name = r.text("name");
  if (s.name.empty() || s.name.size() > 64 ||
      !std::all_of(s.name.begin(), s.name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }))
    throw ConfigError(r.where("name") + ": name = \"" + s.name + "\": allowed 1-64 letters, digits, '_' or '-' (it names the output files)");
  s.description = r.text("description");
  if (r.has("scenario") == r.has("exercise"))
    throw ConfigError(path + ": give either scenario = \"<file>\" (the back) or exercise = \"<name or file>\" (another exercise)");
  ExerciseSpec base;  // an exercise sweep's file as it stands: its places and measures
  if (r.has("scenario")) {
    s.scenario_path = resolve_relative(path, r.text("scenario"));
  } else {
    s.exercise_path = catalog_file("exercises", r.text("exercise"), path, r.where("exercise"), "exercise");
    base = load_exercise_spec(s.exercise_path);
  }
  s.results_dir = r.has("results") ? r.text("results") : "results/" + s.name;
  s.mode = r.has("mode") ? r.text("mode", {"factorial", "listed"}) : "factorial";
  const size_t na = r.table_count("axis");
  bool have_position = false;
  std::set<std::string> keys;
  for (size_t i = 0; i < na; ++i) {
    const std::string pre = fmt::format("axis[{}].", i);
    SweepAxis ax;
    ax.key = r.text(pre + "key");
    ax.origin = r.where(pre + "key");
    if (ax.key.empty()) throw ConfigError(ax.origin + ": axis key is empty");
    if (!keys.insert(ax.key).second) throw ConfigError(ax.origin + ": axis '" + ax.key + "' appears twice");
    const bool listed = r.has(pre + "values"), ranged = r.has(pre + "from") || r.has(pre + "to");
    if (listed == ranged)
      throw ConfigError(ax.origin + ": axis '" + ax.key + "': give either values = [...] or from, to (and step)");
    if (s.exercise() && ax.key.rfind("roll.", 0) == 0)
      throw ConfigError(ax.origin + ": axis '" + ax.key + "': an exercise's places are the sweep's axis \"position\" (indices into its path)");
    if (ax.key == "position" && s.exercise()) {
      have_position = true;
      const int n = static_cast<int>(base.path_m.size());
      const std::string allowed = fmt::format("allowed 0..{} (the places of {}'s path, in order)", n - 1, portable_path(s.exercise_path));
      auto place = [&](const std::string& key, const ConfigValue& v) {
        const auto* i = std::get_if<int64_t>(&v);
        if (!i || *i < 0 || *i >= n) throw ConfigError(r.where(key) + ": " + key + " = " + to_string(v) + ": " + allowed);
        return static_cast<int>(*i);
      };
      if (listed) {
        for (const ConfigValue& v : r.scalars(pre + "values")) s.places.push_back(place(pre + "values", v));
      } else {
        const int a = r.integer(pre + "from", 0, n - 1), b = r.integer(pre + "to", 0, n - 1);
        for (int k = a; a <= b ? k <= b : k >= b; k += a <= b ? 1 : -1) s.places.push_back(k);
      }
      continue;
    }
    if (ax.key == "position") {
      have_position = true;
      auto level = [&](const std::string& key, const ConfigValue& v) {
        const auto* t = std::get_if<std::string>(&v);
        const int l = t ? level_index(*t) : -1;
        if (l < 2 || l > kLevels)
          throw ConfigError(r.where(key) + ": " + key + " = " + to_string(v) + ": allowed T2..T12, L1..L5 (the tissue mesh ends at C7)");
        return l;
      };
      if (listed) {
        const std::vector<ConfigValue> vals = r.scalars(pre + "values");
        for (size_t k = 0; k < vals.size(); ++k) s.positions.push_back({level(pre + "values", vals[k]), 0.0});
      } else {
        const int a = level(pre + "from", ConfigValue(r.text(pre + "from"))), b = level(pre + "to", ConfigValue(r.text(pre + "to")));
        for (int l = a; a <= b ? l <= b : l >= b; l += a <= b ? 1 : -1) s.positions.push_back({l, 0.0});
      }
      continue;
    }
    if (listed) {
      ax.values = r.scalars(pre + "values");
    } else {
      const double from = r.number(pre + "from", -1e12, 1e12), to = r.number(pre + "to", from, 1e12);
      const double step = r.number(pre + "step", 1e-12, 1e12);
      const double n = std::floor((to - from) / step + 1e-9) + 1;
      if (n > kMaxAxisValues)
        throw ConfigError(r.where(pre + "step") + ": axis '" + ax.key + "' would have " + fmt::format("{}", n) +
                          " values: allowed at most " + std::to_string(kMaxAxisValues));
      for (int k = 0; k < static_cast<int>(n); ++k) {
        const double v = from + k * step;
        ax.values.emplace_back(std::abs(v) < 1e-12 * step ? 0.0 : v);
      }
    }
    if (static_cast<int>(ax.values.size()) > kMaxAxisValues)
      throw ConfigError(ax.origin + ": axis '" + ax.key + "' has more than " + std::to_string(kMaxAxisValues) + " values");
    s.axes.push_back(ax);
  }
  if (s.exercise())
    for (const ExerciseMeasure& m : exercise_measures(base)) s.columns.push_back({m.key, m.label, m.unit});
  else
    for (const Measure& m : measure_registry()) s.columns.push_back({m.key, m.label, m.unit});
  const size_t np = r.table_count("plot");
  for (size_t i = 0; i < np; ++i) {
    const std::string pre = fmt::format("plot[{}].", i);
    SweepPlot p;
    p.file = r.text(pre + "file");
    if (p.file.size() < 5 || p.file.substr(p.file.size() - 4) != ".png" || p.file.find('/') != std::string::npos)
      throw ConfigError(r.where(pre + "file") + ": " + pre + "file = \"" + p.file + "\": allowed a file name ending in .png (no folder)");
    p.title = r.has(pre + "title") ? r.text(pre + "title") : s.description;
    std::vector<std::string> axes_allowed = {"position"};
    for (const SweepAxis& a : s.axes) axes_allowed.push_back(a.key);
    p.x = r.text(pre + "x", axes_allowed);
    if (r.has(pre + "series")) {
      axes_allowed.erase(std::remove(axes_allowed.begin(), axes_allowed.end(), p.x), axes_allowed.end());
      axes_allowed.erase(std::remove(axes_allowed.begin(), axes_allowed.end(), std::string("position")), axes_allowed.end());
      p.series = r.text(pre + "series", axes_allowed);
    }
    std::vector<std::string> known;
    for (const SweepColumn& c : s.columns) known.push_back(c.key);
    p.measures = r.texts(pre + "measures");
    if (p.measures.empty()) throw ConfigError(r.where(pre + "measures") + ": " + pre + "measures is empty");
    for (const std::string& m : p.measures)
      if (std::find(known.begin(), known.end(), m) == known.end()) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        throw ConfigError(r.where(pre + "measures") + ": " + pre + "measures: \"" + m + "\" is not a measure: allowed " + list);
      }
    s.plots.push_back(p);
  }
  r.finish();
  if (s.mode == "listed")
    for (const SweepAxis& a : s.axes)
      if (a.values.size() != s.axes.front().values.size())
        throw ConfigError(a.origin + ": mode = \"listed\" takes the i-th value of every axis: axis '" + a.key + "' has " +
                          std::to_string(a.values.size()) + " values, '" + s.axes.front().key + "' has " +
                          std::to_string(s.axes.front().values.size()));
  if (s.exercise()) {
    if (!have_position)  // the exercise's whole path
      for (size_t k = 0; k < base.path_m.size(); ++k) s.places.push_back(static_cast<int>(k));
    for (int k : s.places) s.position_labels.push_back(place_label(base.path_m[k]));
  } else {
    if (!have_position)  // the base scenario's roll.from .. roll.to
      for (int l : load_scenario(s.scenario_path).levels) s.positions.push_back({l, 0.0});
    for (const RollPosition& p : s.positions) s.position_labels.push_back(p.label());
  }
  return s;
}

std::vector<SweepCase> sweep_cases(const SweepSpec& spec) {
  // Index tuples: factorial (the last axis fastest) or listed.
  std::vector<std::vector<size_t>> combos;
  if (spec.axes.empty()) {
    combos.push_back({});
  } else if (spec.mode == "listed") {
    for (size_t i = 0; i < spec.axes.front().values.size(); ++i) combos.push_back(std::vector<size_t>(spec.axes.size(), i));
  } else {
    double total = 1;
    for (const SweepAxis& a : spec.axes) total *= static_cast<double>(a.values.size());
    if (total > kMaxCases)
      throw ConfigError(spec.path + ": the axes make " + fmt::format("{}", total) + " cases: allowed at most " + std::to_string(kMaxCases));
    std::vector<size_t> idx(spec.axes.size(), 0);
    while (true) {
      combos.push_back(idx);
      int a = static_cast<int>(spec.axes.size()) - 1;
      while (a >= 0 && ++idx[a] == spec.axes[a].values.size()) idx[a] = 0, --a;
      if (a < 0) break;
    }
  }
  std::vector<SweepCase> cases;
  for (size_t ci = 0; ci < combos.size(); ++ci) {
    SweepCase c;
    c.index = static_cast<int>(ci);
    std::vector<ConfigOverride> ov;
    Fnv flat;
    flat.add(portable_path(spec.scenario_path + spec.exercise_path));
    for (size_t a = 0; a < spec.axes.size(); ++a) {
      const SweepAxis& ax = spec.axes[a];
      const ConfigValue& v = ax.values[combos[ci][a]];
      c.params.emplace_back(ax.key, v);
      ConfigValue val = v;
      if (ax.key == "roller") val = data_file(spec, ax, "rollers", v);
      if (ax.key == "body") val = data_file(spec, ax, "bodies", v);
      ov.push_back({ax.key, val, ax.origin});
      if (ax.key != "roller" && ax.key.rfind("roller.", 0) != 0) flat.add(ax.key + "=" + to_string(val));
    }
    try {
      if (spec.exercise()) {
        const std::vector<ConfigOverride> roller_ov = take_overrides(ov, "roller.", true);  // as a scenario's
        ExerciseJob& job = c.exercise;
        job.spec = load_exercise_spec(spec.exercise_path, ov);
        job.roller = load_roller_spec(job.spec.roller_file, roller_ov);
        for (int k : spec.places) job.places.push_back(job.spec.path_m.at(k));
      } else {
        c.scenario = load_scenario(spec.scenario_path, ov);
      }
    } catch (const ConfigError& e) {
      std::string ps;
      for (const auto& [k, v] : c.params) ps += (ps.empty() ? "" : ", ") + k + " = " + to_string(v);
      throw ConfigError(std::string(e.what()) + " (case " + std::to_string(ci) + ": " + ps + ")");
    }
    Fnv f;
    f.add(BACKROLL_VERSION);
    for (const auto& [k, v] : c.params) f.add(k + "=" + to_string(v));
    for (const std::string& p : spec.position_labels) f.add(p);
    if (spec.exercise()) {
      add_file_chain(f, spec.exercise_path);
      add_file_chain(f, c.exercise.spec.body_file);
      add_file_chain(f, c.exercise.spec.roller_file);
    } else {
      add_file_chain(f, spec.scenario_path);
      add_file_chain(f, c.scenario.body_file);
      add_file_chain(f, c.scenario.roller_file);
      add_file_chain(f, c.scenario.physiology_file);
    }
    c.fingerprint = f.hex();
    c.flat_key = flat.hex();
    cases.push_back(std::move(c));
  }
  return cases;
}

}  // namespace backroll
