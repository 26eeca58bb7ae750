#include "lesson.h"

#include <filesystem>

#include "catalog.h"
#include "toml_reader.h"

namespace backroll {

Lesson load_lesson(const std::string& path) {
  TomlReader rd(path);
  Lesson l;
  l.path = path;
  l.name = std::filesystem::path(path).stem().string();
  l.title = rd.text("title");
  l.summary = rd.has("summary") ? rd.text("summary") : "";
  const std::string scenario = resolve_relative(path, rd.text("scenario"));
  const size_t n = rd.table_count("setup");
  if (n < 1 || n > 2)
    throw ConfigError(path + ": setup: " + std::to_string(n) + " [[setup]] tables: allowed 1 (one view) or 2 (compare)");
  for (size_t i = 0; i < n; ++i) {
    const std::string k = "setup[" + std::to_string(i) + "].";
    LessonSetup s;
    s.label = rd.has(k + "label") ? rd.text(k + "label") : "setup " + std::to_string(i + 1);
    s.setup.scenario = scenario;
    s.setup.origin = rd.where(k + "position");
    const std::string pos = rd.text(k + "position");
    s.level = level_index(pos);
    if (s.level < 2 || s.level > kLevels)
      throw ConfigError(rd.where(k + "position") + ": " + k + "position = \"" + pos + "\": allowed T2..L5");
    auto file = [&](const char* key, const char* folder, std::string* out) {
      if (!rd.has(k + key)) return;
      const std::string v = rd.text(k + key);
      catalog_file(folder, v, path, rd.where(k + key), k + key);  // exists?
      const bool is_file = v.size() > 5 && v.substr(v.size() - 5) == ".toml";
      *out = is_file ? resolve_relative(path, v) : v;
    };
    file("roller", "rollers", &s.setup.roller);
    file("body", "torso", &s.setup.body);
    auto num = [&](const char* key, double lo, double hi, std::optional<double>* out) {
      if (rd.has(k + key)) *out = rd.number(k + key, lo, hi);
    };
    // Broad type checks here; the roller, body and scenario files check their own ranges below.
    num("foam_modulus_Pa", 0, 1e12, &s.setup.foam_modulus_Pa);
    num("diameter_m", 0, 10, &s.setup.diameter_m);
    num("body_mass_kg", 0, 1e4, &s.setup.body_mass_kg);
    num("hip_lift_m", 0, 10, &s.setup.hip_lift_m);
    load_scenario(s.setup.scenario, s.setup.overrides());
    l.setups.push_back(std::move(s));
  }
  rd.finish();
  return l;
}

std::vector<Lesson> lesson_catalog() {
  std::vector<Lesson> out;
  for (const std::string& n : catalog("lessons")) out.push_back(load_lesson(std::string(BACKROLL_ASSET_DIR) + "/lessons/" + n + ".toml"));
  return out;
}

}  // namespace backroll
