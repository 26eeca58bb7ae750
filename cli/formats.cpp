#include "formats.h"

#include <algorithm>
#include <filesystem>
#include <fmt/core.h>
#include <functional>
#include <map>
#include <sstream>

#include "io/catalog.h"
#include "io/toml_reader.h"
#include "measure/registry.h"
#include "pose/exercise_spec.h"
#include "run/roll.h"
#include "run/sweep.h"
#include "validation/layered_case.h"
#include "viz/lesson.h"

namespace backroll {
namespace {

// An example short enough for a table cell: a long array shows its first values and its length.
std::string shorten(const std::string& v) {
  if (v.size() <= 40 || v.front() != '[') return v;
  size_t cut = 0, items = 1;
  for (size_t i = 0; i < v.size() && items <= 3; ++i)
    if (v[i] == ',') ++items, cut = i;
  const size_t n = std::count(v.begin(), v.end(), ',') + 1;
  return v.substr(0, cut) + ", ... (" + std::to_string(n) + " values)]";
}

std::string asset(const std::string& rel) { return std::string(BACKROLL_ASSET_DIR) + "/" + rel; }

// Reads every file with `load` under a log and keeps the checks made while reading that file
// itself (not the files it names), in the order first met; the example is the first file's value.
std::string table_for(const std::string& name, const std::string& note, const std::vector<std::string>& files,
                      const std::function<void(const std::string&)>& load) {
  std::vector<KeyCheck> rows;
  std::map<std::string, size_t> seen;
  std::vector<bool> varies;  // the allowed values depend on the file (an axis's range, a plot's axes)
  for (const std::string& f : files) {
    KeyCheckLog log;
    load(f);
    for (KeyCheck c : log.checks()) {
      if (c.file != f) continue;
      // A table of named entries (an exercise's pose points): one row for its every name.
      if (c.key.rfind("pose.points.", 0) == 0) c.key = "pose.points.<name>";
      if (seen.count(c.key)) {
        if (rows[seen[c.key]].allowed != c.allowed) varies[seen[c.key]] = true;
        continue;
      }
      seen[c.key] = rows.size();
      rows.push_back(c);
      rows.back().file = std::filesystem::path(f).filename().string();
      varies.push_back(false);
    }
  }
  for (size_t i = 0; i < rows.size(); ++i)
    if (varies[i]) rows[i].allowed = "depends on the file; in " + rows[i].file + ": " + rows[i].allowed;
  std::ostringstream o;
  o << "**" << name << "** (" << note << ")\n\n| key | type | allowed | example |\n|---|---|---|---|\n";
  for (const KeyCheck& c : rows)
    o << fmt::format("| `{}` | {} | {} | `{}` ({}) |\n", c.key, c.kind, c.allowed, shorten(c.value), c.file);
  return o.str();
}

std::vector<std::string> files_in(const std::string& folder, const std::string& dir) {
  std::vector<std::string> out;
  for (const std::string& n : catalog(folder)) out.push_back(dir + "/" + n + ".toml");
  return out;
}

}  // namespace

std::string file_format_tables() {
  std::ostringstream o;
  o << table_for("Scenario", "`assets/scenarios/`",
                 files_in("scenarios", asset("scenarios")), [](const std::string& f) { load_scenario(f); })
    << "\n";
  o << table_for("Body", "`assets/bodies/`", files_in("bodies", asset("bodies")),
                 [](const std::string& f) { load_body_spec(f); })
    << "\n";
  o << table_for("Roller", "`assets/rollers/`", files_in("rollers", asset("rollers")),
                 [](const std::string& f) { load_roller_spec(f); })
    << "\n";
  o << table_for("Physiology", "`assets/physiology/`: the muscles' tones and the breaths",
                 files_in("physiology", asset("physiology")), [](const std::string& f) { load_physiology(f); })
    << "\n";
  std::vector<std::string> sweeps;
  const std::string exp = std::string(BACKROLL_ASSET_DIR) + "/../experiments";
  for (const auto& e : std::filesystem::directory_iterator(exp))
    if (e.path().extension() == ".toml") sweeps.push_back(std::filesystem::path(e.path()).lexically_normal().string());
  std::sort(sweeps.begin(), sweeps.end());
  o << table_for("Sweep", "`experiments/`", sweeps, [](const std::string& f) { load_sweep(f); }) << "\n";
  o << table_for("Layered contact scene", "`assets/contact/`, `backroll contact FILE`",
                 files_in("contact", asset("contact")), [](const std::string& f) { load_layered_case(f); })
    << "\n";
  o << table_for("Exercise", "`assets/exercises/`, `backroll exercise NAME`: the other exercises than the back's",
                 files_in("exercises", asset("exercises")), [](const std::string& f) { load_exercise_spec(f); })
    << "\n";
  o << table_for("Lesson", "`assets/lessons/`", files_in("lessons", asset("lessons")),
                 [](const std::string& f) { load_lesson(f); });
  return o.str();
}

std::string measure_table() {
  std::ostringstream o;
  o << "| key | unit | label | what it is |\n|---|---|---|---|\n";
  for (const Measure& m : measure_registry())
    o << fmt::format("| `{}` | {} | {} | {} |\n", m.key, m.unit, m.label, m.description);
  return o.str();
}

}  // namespace backroll
