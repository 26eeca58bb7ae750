#include "viz/lesson.h"

#include <filesystem>

#include "io/catalog.h"
#include "io/toml_reader.h"
#include "pose/exercise_spec.h"

namespace backroll {

namespace {

Lesson load_exercise_lesson(TomlReader& rd, Lesson& l) {
  l.exercise = catalog_file("exercises", rd.text("exercise"), l.path, rd.where("exercise"), "exercise");
  const ExerciseSpec spec = load_exercise_spec(l.exercise);
  if (rd.table_count("setup") != 1)
    throw ConfigError(l.path + ": setup: " + std::to_string(rd.table_count("setup")) + " [[setup]] tables: an exercise's lesson "
                      "takes 1");
  LessonSetup s;
  s.label = rd.has("setup[0].label") ? rd.text("setup[0].label") : spec.name;
  if (rd.has("setup[0].roller"))
    s.setup.roller = catalog_file("rollers", rd.text("setup[0].roller"), l.path, rd.where("setup[0].roller"), "setup[0].roller");
  if (rd.has("setup[0].place")) s.place = rd.integer("setup[0].place", 0, static_cast<int>(spec.path_m.size()) - 1);
  if (!s.setup.roller.empty()) load_roller_spec(s.setup.roller);
  l.setups.push_back(s);
  rd.finish();
  return l;
}

}  // namespace

Lesson load_lesson(const std::string& path) {
  TomlReader rd(path);
  Lesson l;
  l.path = path;
  l.name = std::filesystem::path(path).stem().string();
  l.title = rd.text("title");
  l.summary = rd.has("summary") ? rd.text("summary") : "";
  if (rd.has("exercise")) return load_exercise_lesson(rd, l);
  const std::string scenario = resolve_relative(path, rd.text("scenario"));
  const size_t n = rd.table_count("setup");
  if (n < 1 || n > 2)
    throw ConfigError(path + ": setup: " + std::to_string(n) + " [[setup]] tables: allowed 1 (one view) or 2 (compare)");
  for (size_t i = 0; i < n; ++i) {
    const std::string k = "setup[" + std::to_string(i) + "].";
    LessonSetup s;
    s.label = rd.has(k + "label") ? rd.text(k + "label") : "setup " + std::to_string(i + 1);
    s.setup.scenario = scenario;
    s.level = rd.level(k + "position", 2, kLevels);
    auto file = [&](const char* key, const char* folder, std::string* out) {
      if (!rd.has(k + key)) return;
      *out = catalog_file(folder, rd.text(k + key), path, rd.where(k + key), k + key);
    };
    file("roller", "rollers", &s.setup.roller);
    file("body", "bodies", &s.setup.body);
    auto num = [&](const char* key, double lo, double hi, std::optional<double>* out) {
      if (rd.has(k + key)) *out = rd.number(k + key, lo, hi);
    };
    // Broad type checks here; the roller, body and scenario files check their own ranges below.
    num("foam_modulus_Pa", 0, 1e12, &s.setup.foam_modulus_Pa);
    num("diameter_m", 0, 10, &s.setup.diameter_m);
    num("body_mass_kg", 0, 1e4, &s.setup.body_mass_kg);
    num("hip_lift_m", 0, 10, &s.setup.hip_lift_m);
    // Each value against its file's range, reported at its own line; then all together.
    for (const char* key : {"roller", "body", "foam_modulus_Pa", "diameter_m", "body_mass_kg", "hip_lift_m"}) {
      if (!rd.has(k + key)) continue;
      LiveSetup one;
      one.scenario = s.setup.scenario;
      one.origin = rd.where(k + key);
      one.roller = std::string(key) == "roller" ? s.setup.roller : "";
      one.body = std::string(key) == "body" ? s.setup.body : "";
      if (std::string(key) == "foam_modulus_Pa") one.foam_modulus_Pa = s.setup.foam_modulus_Pa;
      if (std::string(key) == "diameter_m") one.diameter_m = s.setup.diameter_m;
      if (std::string(key) == "body_mass_kg") one.body_mass_kg = s.setup.body_mass_kg;
      if (std::string(key) == "hip_lift_m") one.hip_lift_m = s.setup.hip_lift_m;
      load_scenario(one.scenario, one.overrides());
    }
    s.setup.origin = path;
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
