// Sweeps end to end on the coarse mesh: outputs' schema, determinism across thread counts, shard +
// merge = the whole, resume after an interruption, and every kind of bad sweep file.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <filesystem>
#include <fmt/core.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "run/compare.h"
#include "run/sweep.h"

using namespace backroll;
namespace fs = std::filesystem;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh folder under the system's temp folder.
std::string temp_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("backroll_test_sweep_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

std::string write(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string p = dir + "/" + name;
  std::ofstream(p) << text;
  return p;
}

const std::string kScenario = std::string(BACKROLL_ASSET_DIR) + "/scenarios/coarse.toml";

// Two rollers x two body masses (4 cases), rolled T6 -> T7 (warm) in each.
std::string small_sweep(const std::string& dir) {
  return write(dir, "small.toml", "name = \"small\"\n"
                                  "description = \"test sweep\"\n"
                                  "scenario = \"" + kScenario + "\"\n"
                                  "[[axis]]\nkey = \"roller\"\nvalues = [\"standard\", \"soft\"]\n"
                                  "[[axis]]\nkey = \"body.mass_kg\"\nfrom = 65\nto = 85\nstep = 20\n"
                                  "[[axis]]\nkey = \"position\"\nvalues = [\"T6\", \"T7\"]\n"
                                  "[[plot]]\nfile = \"small.png\"\nx = \"position\"\nseries = \"roller\"\n"
                                  "measures = [\"peak_pressure\", \"sp_load\"]\n");
}

struct Outputs {
  std::string csv, json, png;
};
Outputs read_outputs(const std::string& dir) {
  return {slurp(dir + "/small.csv"), slurp(dir + "/small.json"), slurp(dir + "/small.png")};
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  for (std::string c; std::getline(ss, c, ',');) out.push_back(c);
  if (!line.empty() && line.back() == ',') out.push_back("");
  return out;
}

// A CSV's lines split into cells: the header first, then every row (each as long as the header).
std::vector<std::vector<std::string>> csv_table(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::vector<std::string>> t;
  for (std::string line; std::getline(in, line);) {
    t.push_back(split(line));
    REQUIRE(t.back().size() == t.front().size());
  }
  REQUIRE(!t.empty());
  return t;
}

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

// The error a bad sweep file gives (empty if none).
std::string sweep_error(const std::string& dir, const std::string& body) {
  const std::string f = write(dir, "bad.toml", "name = \"bad\"\ndescription = \"bad\"\nscenario = \"" + kScenario + "\"\n" + body);
  try {
    sweep_cases(load_sweep(f));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("sweep: cases from the axes, each with its overrides", "[sweep]") {
  const std::string dir = temp_dir("cases");
  const SweepSpec spec = load_sweep(small_sweep(dir));
  REQUIRE(spec.axes.size() == 2);
  REQUIRE(spec.positions.size() == 2);
  const std::vector<SweepCase> cases = sweep_cases(spec);
  REQUIRE(cases.size() == 4);
  // Factorial, the last axis fastest.
  CHECK(std::get<std::string>(cases[1].params[0].second) == "standard");
  CHECK(std::get<double>(cases[1].params[1].second) == 85.0);
  CHECK(cases[1].scenario.body.mass_kg == 85.0);
  CHECK(cases[2].scenario.roller.name == "soft foam roller");
  CHECK(cases[2].scenario.body.mass_kg == 65.0);
  CHECK(cases[0].scenario.mesh_scale == 3.0);  // from the base scenario
  // Cases differing only in the roller share a flat-lying reference; fingerprints all differ.
  CHECK(cases[0].flat_key == cases[2].flat_key);
  CHECK(cases[0].flat_key != cases[1].flat_key);
  std::set<std::string> fps;
  for (const SweepCase& c : cases) fps.insert(c.fingerprint);
  CHECK(fps.size() == 4);
  // Listed mode: the i-th value of every axis.
  const std::string listed = write(dir, "listed.toml", "name = \"listed\"\ndescription = \"x\"\nscenario = \"" + kScenario +
                                                           "\"\nmode = \"listed\"\n"
                                                           "[[axis]]\nkey = \"roller\"\nvalues = [\"standard\", \"peanut\"]\n"
                                                           "[[axis]]\nkey = \"roller.foam.youngs_modulus_Pa\"\nvalues = [3e5, 4e6]\n");
  const std::vector<SweepCase> lc = sweep_cases(load_sweep(listed));
  REQUIRE(lc.size() == 2);
  CHECK(lc[1].scenario.roller.kind == RollerKind::Peanut);
  CHECK(lc[1].scenario.roller.foam_E_Pa == 4e6);
  CHECK(lc[0].scenario.roller.foam_E_Pa == 3e5);
  // No position axis: the scenario's roll.from .. roll.to.
  CHECK(load_sweep(listed).positions.size() == 16);
  // torso.<key> reaches any key of the body file; a plain key the scenario's own.
  const std::string other = write(dir, "other.toml", "name = \"other\"\ndescription = \"x\"\nscenario = \"" + kScenario +
                                                         "\"\n[[axis]]\nkey = \"torso.posture.thoracic_kyphosis_deg\"\nvalues = [35.0]\n"
                                                         "[[axis]]\nkey = \"posture.hip_lift_m\"\nvalues = [0.08]\n");
  const std::vector<SweepCase> oc = sweep_cases(load_sweep(other));
  REQUIRE(oc.size() == 1);
  CHECK(oc[0].scenario.body.kyphosis_deg == 35.0);
  CHECK(oc[0].scenario.posture.hip_lift_m == 0.08);
}

TEST_CASE("sweep: end to end, schema, 1 vs 2 threads, shard + merge, resume", "[sweep][slow]") {
  const std::string dir = temp_dir("e2e");
  const SweepSpec spec = load_sweep(small_sweep(dir));
  const std::vector<SweepCase> cases = sweep_cases(spec);
  SweepOptions o1;
  o1.out_dir = dir + "/t1";
  o1.threads = 1;
  const SweepRunReport r1 = run_sweep(spec, cases, o1);
  CHECK(r1.cases_run == 4);
  CHECK(r1.positions_failed == 0);
  const Outputs a = read_outputs(o1.out_dir);

  // CSV: header with units, one row per case and position.
  const std::vector<std::vector<std::string>> table = csv_table(a.csv);
  const std::vector<std::string>& head = table.front();
  REQUIRE(head.size() == 10 + measure_registry().size());
  CHECK(head[0] == "case");
  CHECK(head[1] == "roller");
  CHECK(head[2] == "body.mass_kg");
  CHECK(head[3] == "position");
  CHECK(head[6] == "converged");
  CHECK(head[7] == "valid");
  CHECK(head[10] == "weight_on_roller_%");
  CHECK(has(head, "peak_pressure_kPa"));
  CHECK(has(head, "sp_load_N"));
  for (size_t r = 1; r < table.size(); ++r) {
    CHECK(table[r][6] == "1");
    CHECK(table[r][7] == "1");
    for (size_t i = 10; i < table[r].size(); ++i) CHECK_FALSE(table[r][i].empty());
  }
  CHECK(table.size() - 1 == 4 * 2);
  // JSON: the same data, the resolved configuration, the version.
  const nlohmann::json j = nlohmann::json::parse(a.json);
  CHECK(j["program"] == "backroll sweep");
  CHECK(j["version"] == BACKROLL_VERSION);
  CHECK(j["cases_total"] == 4);
  REQUIRE(j["cases"].size() == 4);
  CHECK(j["cases"][3]["params"]["roller"] == "soft");
  CHECK(j["cases"][3]["resolved"]["body"]["mass_kg"] == 85.0);
  CHECK(j["cases"][3]["positions"].size() == 2);
  CHECK(j["sweep"]["axes"].size() == 2);
  CHECK(j["units"]["peak_pressure"] == "kPa");
  // Physics carried through: the heavier body puts more force on the same roller.
  CHECK(j["cases"][1]["positions"][1]["roller_force"].get<double>() > j["cases"][0]["positions"][1]["roller_force"].get<double>());
  // The plot was written (a PNG).
  CHECK(a.png.substr(1, 3) == "PNG");
  // No temporary file left behind.
  for (const auto& e : fs::recursive_directory_iterator(o1.out_dir)) CHECK(e.path().string().find(".tmp") == std::string::npos);

  SECTION("2 threads: bit-identical") {
    SweepOptions o2 = o1;
    o2.out_dir = dir + "/t2";
    o2.threads = 2;
    run_sweep(spec, cases, o2);
    const Outputs b = read_outputs(o2.out_dir);
    CHECK(b.csv == a.csv);
    CHECK(b.json == a.json);
    CHECK(b.png == a.png);
  }
  SECTION("shards 0/2 and 1/2, merged, equal the whole") {
    for (int k = 0; k < 2; ++k) {
      SweepOptions os = o1;
      os.out_dir = dir + "/shard" + std::to_string(k);
      os.threads = 2;
      os.shard_k = k;
      os.shard_n = 2;
      const SweepRunReport rs = run_sweep(spec, cases, os);
      CHECK(rs.cases_run == 2);
      CHECK_FALSE(fs::exists(os.out_dir + "/small.png"));  // a shard has no plot
    }
    merge_sweeps({dir + "/shard0", dir + "/shard1"}, dir + "/merged");
    const Outputs m = read_outputs(dir + "/merged");
    CHECK(m.csv == a.csv);
    CHECK(m.json == a.json);
    CHECK(m.png == a.png);
    // A shard missing, or given twice, is an error.
    CHECK_THROWS_WITH(merge_sweeps({dir + "/shard0"}, dir + "/m2"), Catch::Contains("case 1 of 4 is in none"));
    CHECK_THROWS_WITH(merge_sweeps({dir + "/shard0", dir + "/shard0"}, dir + "/m3"), Catch::Contains("given twice"));
  }
  SECTION("resume after an interruption: finished cases are kept, the rest run, the outputs are the same") {
    // An interrupted run: cases 0 and 2 finished (their files written), 1 and 3 did not, and no
    // output table was written yet.
    const std::string d = o1.out_dir;
    fs::remove(d + "/cases/case_0001.json");
    fs::remove(d + "/cases/case_0003.json");
    fs::remove(d + "/small.csv");
    fs::remove(d + "/small.json");
    fs::remove(d + "/small.png");
    SweepOptions orr = o1;
    orr.resume = true;
    const SweepRunReport rr = run_sweep(spec, cases, orr);
    CHECK(rr.cases_resumed == 2);
    CHECK(rr.cases_run == 2);
    const Outputs c = read_outputs(d);
    CHECK(c.csv == a.csv);
    CHECK(c.json == a.json);
    // A case file from other inputs (its fingerprint differs) is run again, not reused.
    std::string cf = slurp(d + "/cases/case_0000.json");
    REQUIRE(cf.find(cases[0].fingerprint) != std::string::npos);
    for (size_t at; (at = cf.find(cases[0].fingerprint)) != std::string::npos;) cf.replace(at, 16, "0123456789abcdef");
    std::ofstream(d + "/cases/case_0000.json") << cf;
    const SweepRunReport r3 = run_sweep(spec, cases, orr);
    CHECK(r3.cases_resumed == 3);
    CHECK(r3.cases_run == 1);
    CHECK(read_outputs(d).csv == a.csv);
  }
}

TEST_CASE("sweep outputs: a position that did not converge is marked, never a number", "[sweep]") {
  SweepOutput o;
  o.name = "x";
  nlohmann::json cfg = {{"name", "x"}, {"axes", nlohmann::json::array()}, {"positions", {"T7", "L3"}}, {"plots", nlohmann::json::array()}};
  for (const Measure& m : measure_registry()) {
    o.columns.push_back({m.key, m.label, m.unit});
    cfg["columns"].push_back({{"key", m.key}, {"label", m.label}, {"unit", m.unit}});
  }
  o.config_json = cfg.dump();
  o.fingerprint = "0";
  o.cases_total = 1;
  CaseRecord c;
  c.params = {{"roller", "spiked"}};
  c.resolved_json = "{}";
  PositionRecord ok, bad;
  ok.position = "T7", ok.level = 7, ok.converged = true, ok.valid = true, ok.values.assign(measure_registry().size(), 1.5);
  bad.position = "L3", bad.level = 15, bad.converged = false, bad.message = "Newton did not converge";
  c.positions = {ok, bad};
  o.cases = {c};
  const std::string csv = sweep_csv(o);
  std::istringstream in(csv);
  std::string head, r0, r1;
  std::getline(in, head);
  std::getline(in, r0);
  std::getline(in, r1);
  const std::vector<std::string> a = split(r0), b = split(r1);
  REQUIRE(b.size() == split(head).size());
  CHECK(a[5] == "1");
  CHECK(b[5] == "0");
  CHECK(a[6] == "1");  // valid
  CHECK(b[6] == "0");
  for (size_t i = 9; i < b.size(); ++i) CHECK(b[i].empty());
  const nlohmann::json j = nlohmann::json::parse(sweep_json(o));
  CHECK(j["cases"][0]["positions"][1]["converged"] == false);
  CHECK(j["cases"][0]["positions"][1]["valid"] == false);
  CHECK(j["cases"][0]["positions"][1]["peak_pressure"].is_null());
  CHECK(j["cases"][0]["positions"][1]["message"] == "Newton did not converge");
  // And it reads back the same.
  const SweepOutput back = parse_sweep_json(sweep_json(o), "x.json");
  CHECK(sweep_csv(back) == csv);
  CHECK(sweep_json(back) == sweep_json(o));
}

TEST_CASE("sweep: bad files are refused before anything runs, naming file, key, value and range", "[sweep]") {
  const std::string dir = temp_dir("bad");
  const std::string roller = "[[axis]]\nkey = \"roller\"\n";
  // Unknown key in the sweep file.
  CHECK_THAT(sweep_error(dir, "nmae = 3\n"), Catch::Contains("bad.toml:4") && Catch::Contains("unknown key 'nmae'"));
  // An axis key the scenario does not know: reported at the axis.
  CHECK_THAT(sweep_error(dir, "[[axis]]\nkey = \"posture.hip_lft_m\"\nvalues = [0.05]\n"),
             Catch::Contains("bad.toml:5") && Catch::Contains("unknown key 'posture.hip_lft_m'"));
  // Wrong type.
  CHECK_THAT(sweep_error(dir, "[[axis]]\nkey = \"roller.foam.youngs_modulus_Pa\"\nvalues = [\"stiff\"]\n"),
             Catch::Contains("bad.toml:5") && Catch::Contains("foam.youngs_modulus_Pa' must be a number"));
  CHECK_THAT(sweep_error(dir, roller + "values = \"standard\"\n"), Catch::Contains("must be a non-empty array"));
  // Out of range, with the allowed range.
  CHECK_THAT(sweep_error(dir, "[[axis]]\nkey = \"posture.hip_lift_m\"\nvalues = [0.05, 0.5]\n"),
             Catch::Contains("bad.toml:5") && Catch::Contains("posture.hip_lift_m = 0.5 is out of range: allowed [0, 0.25]"));
  CHECK_THAT(sweep_error(dir, "[[axis]]\nkey = \"body.mass_kg\"\nfrom = 20\nto = 60\nstep = 20\n"),
             Catch::Contains("body.mass_kg = 20 is out of range: allowed [30, 200]"));
  CHECK_THAT(sweep_error(dir, "[[axis]]\nkey = \"position\"\nvalues = [\"T1\"]\n"),
             Catch::Contains("\"T1\": allowed T2..T12, L1..L5"));
  // Missing roller and body files.
  CHECK_THAT(sweep_error(dir, roller + "values = [\"standrad\"]\n"),
             Catch::Contains("roller = \"standrad\": not in the catalog: allowed ball, high_density, peanut"));
  CHECK_THAT(sweep_error(dir, roller + "values = [\"mine.toml\"]\n"), Catch::Contains("no such file"));
  CHECK_THAT(sweep_error(dir, "[[axis]]\nkey = \"body\"\nvalues = [\"giant\"]\n"),
             Catch::Contains("body = \"giant\": not in the catalog: allowed default, small_female"));
  // Structure: values and a range at once; a plot of an unknown measure or axis.
  CHECK_THAT(sweep_error(dir, "[[axis]]\nkey = \"body.mass_kg\"\nvalues = [60]\nfrom = 50\nto = 70\n"),
             Catch::Contains("either values"));
  CHECK_THAT(sweep_error(dir, roller + "values = [\"soft\"]\n[[plot]]\nfile = \"a.png\"\nx = \"position\"\nmeasures = [\"pressure\"]\n"),
             Catch::Contains("\"pressure\" is not a measure: allowed weight_on_roller"));
  CHECK_THAT(sweep_error(dir, roller + "values = [\"soft\"]\n[[plot]]\nfile = \"a.png\"\nx = \"mass\"\nmeasures = [\"sp_load\"]\n"),
             Catch::Contains("x = \"mass\" is not allowed: allowed position, roller"));
  CHECK_THAT(sweep_error(dir, "mode = \"listed\"\n" + roller + "values = [\"soft\", \"standard\"]\n"
                              "[[axis]]\nkey = \"body.mass_kg\"\nvalues = [60]\n"),
             Catch::Contains("axis 'body.mass_kg' has 1 values, 'roller' has 2"));
  // Nothing was written by any of these.
  CHECK_FALSE(fs::exists("results/bad"));
}

namespace {
// The hip flexors on a 1 cm mesh at one place (the roller under the ASIS's level): two rollers x two
// body masses.
std::string exercise_sweep(const std::string& dir) {
  return write(dir, "ex.toml", "name = \"ex\"\n"
                               "description = \"test exercise sweep\"\n"
                               "exercise = \"hip_flexors\"\n"
                               "[[axis]]\nkey = \"region.element_size_m\"\nvalues = [0.01]\n"
                               "[[axis]]\nkey = \"roller\"\nvalues = [\"standard\", \"soft\"]\n"
                               "[[axis]]\nkey = \"body.mass_kg\"\nvalues = [60, 90]\n"
                               "[[axis]]\nkey = \"position\"\nvalues = [3]\n"
                               "[[plot]]\nfile = \"ex.png\"\nx = \"body.mass_kg\"\nseries = \"roller\"\n"
                               "measures = [\"peak_pressure\", \"skin_peak_over_asis\", \"on_left_forearm\"]\n");
}
}  // namespace

TEST_CASE("exercise sweep: the exercise's axes and measures, 1 vs 2 threads, shard + merge, resume", "[sweep][exercise]") {
  const std::string dir = temp_dir("exercise");
  const SweepSpec spec = load_sweep(exercise_sweep(dir));
  REQUIRE(spec.exercise());
  REQUIRE(spec.position_labels == std::vector<std::string>{"+0/+20 mm"});
  const std::vector<SweepCase> cases = sweep_cases(spec);
  REQUIRE(cases.size() == 4);
  CHECK(cases[1].exercise.spec.body.mass_kg == 90.0);
  CHECK(cases[2].exercise.roller.name == "soft foam roller");
  CHECK(cases[0].exercise.spec.element_size_m == 0.01);
  SweepOptions o1;
  o1.out_dir = dir + "/t1";
  o1.threads = 1;
  const SweepRunReport r1 = run_sweep(spec, cases, o1);
  CHECK(r1.cases_run == 4);
  CHECK(r1.positions_failed == 0);
  const std::string csv = slurp(o1.out_dir + "/ex.csv"), js = slurp(o1.out_dir + "/ex.json");

  const std::vector<std::vector<std::string>> table = csv_table(csv);
  const std::vector<std::string>& head = table.front();
  const std::vector<ExerciseMeasure> measures = exercise_measures(cases[0].exercise.spec);
  REQUIRE(head.size() == 10 + measures.size());
  CHECK(head[3] == "body.mass_kg");
  CHECK(head[4] == "position");
  CHECK(head[5] == "x_mm");
  CHECK(head[6] == "y_mm");
  CHECK(head[10] == "weight_on_roller_%");
  CHECK(has(head, "skin_peak_over_asis_kPa"));
  CHECK(has(head, "tissue_pressure_along_femoral_nerve_kPa"));
  for (size_t r = 1; r < table.size(); ++r) {
    CHECK(table[r][6] == "20.0");
    CHECK(table[r][8] == "1");  // valid
  }
  CHECK(table.size() - 1 == 4);
  // Physics carried through: a heavier body pushes harder on the same roller, and the same share of
  // its weight (statics scale with the mass); the softer roller spreads the push over more skin.
  const nlohmann::json j = nlohmann::json::parse(js);
  auto at = [&](int c, const char* key) { return j["cases"][c]["positions"][0][key].get<double>(); };
  CHECK(at(1, "roller_force") > 1.4 * at(0, "roller_force"));
  CHECK(at(1, "weight_on_roller") == Approx(at(0, "weight_on_roller")).margin(0.5));
  CHECK(at(2, "peak_pressure") < at(0, "peak_pressure"));
  CHECK(at(2, "contact_area") > at(0, "contact_area"));
  CHECK(j["cases"][1]["resolved"]["body"]["mass_kg"] == 90.0);
  CHECK(j["cases"][0]["resolved"]["exercise"]["element_size_m"] == 0.01);
  CHECK(j["units"]["skin_peak_over_asis"] == "kPa");
  CHECK(slurp(o1.out_dir + "/ex.png").substr(1, 3) == "PNG");

  SECTION("2 threads, shards merged, and a resume give the same bytes") {
    SweepOptions o2 = o1;
    o2.out_dir = dir + "/t2";
    o2.threads = 2;
    run_sweep(spec, cases, o2);
    CHECK(slurp(o2.out_dir + "/ex.csv") == csv);
    CHECK(slurp(o2.out_dir + "/ex.json") == js);
    // The shards' tables from the finished cases (a resume runs nothing), merged.
    for (int k = 0; k < 2; ++k) {
      SweepOptions os = o2;
      os.out_dir = dir + "/shard" + std::to_string(k);
      fs::create_directories(os.out_dir + "/cases");
      for (int c = k; c < 4; c += 2) {
        const std::string f = fmt::format("/cases/case_{:04d}.json", c);
        fs::copy_file(o2.out_dir + f, os.out_dir + f);
      }
      os.resume = true;
      os.shard_k = k;
      os.shard_n = 2;
      const SweepRunReport rs = run_sweep(spec, cases, os);
      CHECK(rs.cases_resumed == 2);
      CHECK(rs.cases_run == 0);
    }
    merge_sweeps({dir + "/shard0", dir + "/shard1"}, dir + "/merged");
    CHECK(slurp(dir + "/merged/ex.csv") == csv);
    CHECK(slurp(dir + "/merged/ex.json") == js);
  }
}

TEST_CASE("exercise sweep: bad files are refused, naming file, key, value and range", "[sweep][exercise]") {
  const std::string dir = temp_dir("exercise_bad");
  auto error = [&](const std::string& head, const std::string& body) {
    const std::string f = write(dir, "bad.toml", "name = \"bad\"\ndescription = \"bad\"\n" + head + body);
    try {
      sweep_cases(load_sweep(f));
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const std::string ex = "exercise = \"glutes\"\n";
  CHECK_THAT(error(ex + "scenario = \"" + kScenario + "\"\n", ""), Catch::Contains("give either scenario"));
  CHECK_THAT(error("exercise = \"knees\"\n", ""), Catch::Contains("exercise = \"knees\": not in the catalog: allowed glutes"));
  CHECK_THAT(error(ex, "[[axis]]\nkey = \"position\"\nvalues = [9]\n"),
             Catch::Contains("bad.toml:6") && Catch::Contains("= 9: allowed 0..8"));
  CHECK_THAT(error(ex, "[[axis]]\nkey = \"position\"\nvalues = [\"T7\"]\n"), Catch::Contains("allowed 0..8"));
  CHECK_THAT(error(ex, "[[axis]]\nkey = \"roll.x_m\"\nvalues = [0.0]\n"), Catch::Contains("an exercise's places are the sweep's axis"));
  // An array of tables' element: by a whole-number index within the array.
  CHECK_THAT(error(ex, "[[axis]]\nkey = \"region.layer[7].thickness_m\"\nvalues = [0.01]\n"),
             Catch::Contains("bad.toml:5") && Catch::Contains("holds no table layer[7]") &&
                 Catch::Contains("4 tables [[region.layer]]: index 0..3"));
  CHECK_THAT(error(ex, "[[axis]]\nkey = \"region.layer[a].thickness_m\"\nvalues = [0.01]\n"), Catch::Contains("allowed name[index]"));
  CHECK_THAT(error(ex, "[[axis]]\nkey = \"region.layer[1].thickness_m\"\nvalues = [-0.01]\n"), Catch::Contains("out of range"));
  CHECK_THAT(error(ex, "[[axis]]\nkey = \"pose.hip_lift_m\"\nvalues = [0.01]\n"), Catch::Contains("unknown key 'pose.hip_lift_m'"));
  CHECK_THAT(error(ex, "[[axis]]\nkey = \"roller\"\nvalues = [\"soft\"]\n[[plot]]\nfile = \"a.png\"\nx = \"roller\"\nmeasures = [\"sp_load\"]\n"),
             Catch::Contains("\"sp_load\" is not a measure: allowed weight_on_roller, roller_force, on_right_hand"));
}

TEST_CASE("the pool: every task once, in any thread count; the first exception stops it and is rethrown", "[sweep]") {
  for (int threads : {1, 2, 8}) {
    std::vector<int> ran(100, 0);
    run_pool(ran.size(), threads, [&](size_t k) { ++ran[k]; });  // each index to one task only
    CHECK(std::count(ran.begin(), ran.end(), 1) == 100);
    std::atomic<int> failures{0}, started{0};
    CHECK_THROWS_WITH(run_pool(1000, threads,
                               [&](size_t k) {
                                 ++started;
                                 if (k == 3) throw std::runtime_error("task 3 failed");
                                 std::this_thread::sleep_for(std::chrono::microseconds(200));  // 1000 tasks: 25-200 ms
                               },
                               [&] { ++failures; }),
                      "task 3 failed");
    CHECK(failures == 1);
    CHECK(started < 1000);  // no new task after the failure
  }
}
