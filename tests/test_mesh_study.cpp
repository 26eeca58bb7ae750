// The mesh study (`backroll mesh-study`): a cheap version of it (the tests' coarse mesh against one
// refined x 0.8, the standard roller at T7), its physics and its bookkeeping.
#include <catch2/catch.hpp>

#include <cmath>
#include <nlohmann/json.hpp>

#include "io/catalog.h"
#include "measure/registry.h"
#include "run/compare.h"
#include "run/mesh_study.h"

using namespace backroll;

namespace {
const std::string kCoarse = std::string(BACKROLL_ASSET_DIR) + "/scenarios/coarse.toml";
}

TEST_CASE("mesh study: both meshes balance; the resultants agree; every measure held to the rule", "[mesh_study]") {
  MeshStudyOptions opt;
  opt.roller_files = {roller_path("standard")};
  opt.levels = {7};
  opt.refine = 0.8;
  MeshStudy s = prepare_mesh_study(kCoarse, opt);
  CHECK(s.fine.mesh_scale == Approx(0.8 * s.coarse.mesh_scale));
  solve_mesh_study(s, 2);
  REQUIRE(s.results[0][0].size() == 1);
  const RollResult& a = s.results[0][0][0];
  const RollResult& b = s.results[1][0][0];
  REQUIRE(a.usable());
  REQUIRE(b.usable());
  INFO("dofs " << s.coarse_dofs << " -> " << s.fine_dofs);
  CHECK(s.fine_dofs > 1.3 * s.coarse_dofs);
  // Each mesh balances the body's weight (roller, feet, floor) whatever its resolution.
  for (const RollResult* r : {&a, &b}) {
    const Vec3 sum = r->roller_force_N + r->feet_force_N + r->floor_force_N + r->seat_force_N;
    CHECK(std::abs(sum.z() - r->weight_N) < 0.01 * r->weight_N);
    CHECK(r->weight_N == Approx(a.weight_N).epsilon(1e-3));  // the same body, meshed finer
  }
  // A resultant is the least mesh-dependent thing measured: the roller's share of the weight.
  INFO("weight on the roller " << 100 * a.roller_share << " % -> " << 100 * b.roller_share << " %");
  CHECK(std::abs(a.roller_share - b.roller_share) < 0.05 * b.roller_share);
  // Every registry measure is compared once, by the stated rule.
  const std::vector<MeshDifference> d = mesh_differences(s);
  REQUIRE(d.size() == measure_registry().size());
  bool all = true;
  for (const MeshDifference& x : d) {
    const Measure& m = find_measure(x.measure);
    CHECK(x.solved);
    CHECK(x.coarse == m.get(a));
    CHECK(x.fine == m.get(b));
    CHECK(x.tolerance == std::max(0.05 * std::abs(x.fine), noise_floor(m)));
    CHECK(x.pass == (std::abs(x.coarse - x.fine) <= x.tolerance));
    all = all && x.pass;
  }
  CHECK(mesh_study_passes(s) == all);
  const nlohmann::json j = nlohmann::json::parse(mesh_study_json(s));
  CHECK(j["passes"] == all);
  CHECK(j["comparisons"].size() == d.size());
  size_t headline = 0;  // the main job's headline measures flagged, once per roller and position
  for (const auto& x : j["comparisons"]) headline += x["headline"].get<bool>() ? 1 : 0;
  CHECK(headline == headline_measures().size());
  CHECK_THAT(mesh_study_table(s), Catch::Contains("of them the main job's headline measures"));
  CHECK(j["config"]["refined_mesh_scale"] == Approx(0.8 * 3.0));
  // The fat's depth refined too: ceil(rows / 0.8) (1 -> 2 with the body file's one row).
  const int fat_rows = static_cast<int>(std::ceil(s.coarse.body.fat_rows / 0.8 - 1e-9));
  CHECK(s.fine.body.fat_rows == fat_rows);
  CHECK(s.fine.body.fat_rows > s.coarse.body.fat_rows);
  CHECK(j["config"]["refined_fat_rows"] == fat_rows);
  const std::string csv = mesh_study_csv(s);
  CHECK(static_cast<size_t>(std::count(csv.begin(), csv.end(), '\n')) == d.size() + 1);
  CHECK_THAT(mesh_study_table(s), Catch::Contains(all ? "PASSES" : "FAILS"));
  // The scenario's mesh is solved as a session of its own solves it, from rest.
  Scenario own = load_scenario(kCoarse, {{"roller", ConfigValue(roller_path("standard")), "test"}});
  const FlatReference flat = solve_flat_reference(own);
  RollSession ses(own, &flat);
  const RollResult c = ses.solve_at(7, true);
  CHECK(find_measure("peak_pressure").get(c) == find_measure("peak_pressure").get(a));
  CHECK(find_measure("lumbar_extension").get(c) == find_measure("lumbar_extension").get(a));
}

// A scenario with a fine patch where the roller acts: the study centres it on each position and
// refines it with the rest. On the tied mesh the forces still balance, and the roller's force read
// from the skin's residual (the tied nodes' given to their masters) is the foam's plus friction.
TEST_CASE("mesh study: a patch follows each position; its forces balance", "[mesh_study]") {
  MeshStudyOptions opt;
  opt.roller_files = {roller_path("standard")};
  opt.levels = {7};
  opt.refine = 0.8;
  opt.overrides = {{"mesh.patch_size_m", ConfigValue(0.008), "test"}, {"mesh.patch_at", ConfigValue(std::string("L3")), "test"}};
  MeshStudy s = prepare_mesh_study(kCoarse, opt);
  CHECK(s.coarse.body.patch_size_m == 0.008);
  CHECK(s.fine.body.patch_size_m == Approx(0.8 * 0.008));
  solve_mesh_study(s, 2);
  const RollResult& a = s.results[0][0][0];
  const RollResult& b = s.results[1][0][0];
  REQUIRE(a.usable());
  REQUIRE(b.usable());
  for (const RollResult* r : {&a, &b}) {
    const Vec3 sum = r->roller_force_N + r->feet_force_N + r->floor_force_N + r->seat_force_N;
    CHECK(std::abs(sum.z() - r->weight_N) < 0.01 * r->weight_N);
    CHECK((r->roller_force_N - r->roller_force_foam_N - r->roller_friction_N).norm() < 0.01 * r->roller_force_N.norm());
    CHECK(r->whole.force_N >= r->roller_force_foam_N.norm() * 0.99);  // the mat holds the normal forces
    CHECK(r->whole.force_N < r->roller_force_foam_N.norm() * 1.15);
  }
  const nlohmann::json j = nlohmann::json::parse(mesh_study_json(s));
  CHECK(j["config"]["refined_patch_size_m"] == Approx(0.8 * 0.008));
  CHECK_THAT(mesh_study_table(s), Catch::Contains("with a fine patch at each position: 8 mm (refined 6.4 mm)"));
  // The position was solved on the patch centred at T7 (not the file's L3).
  Scenario own = s.coarse;
  own.roller_file = roller_path("standard");
  own.roller = s.roller_specs[0];
  own.body.patch_level = 7;
  const FlatReference flat = solve_flat_reference(own);
  RollSession ses(own, &flat);
  const RollResult c = ses.solve_at(7, true);
  CHECK(find_measure("peak_pressure").get(c) == find_measure("peak_pressure").get(a));
  CHECK(find_measure("sp_load").get(c) == find_measure("sp_load").get(a));
  // A patch needs its place, and must be finer than the mesh around it.
  CHECK_THROWS_WITH(load_scenario(kCoarse, {{"mesh.patch_size_m", ConfigValue(0.008), "test"}}), Catch::Contains("mesh.patch_at"));
  CHECK_THROWS_WITH(load_scenario(kCoarse, {opt.overrides[1], {"mesh.scale", ConfigValue(1.0), "test"},
                                                     {"mesh.patch_size_m", ConfigValue(0.02), "test"}}),
                    Catch::Contains("coarser than the mesh around it"));
}

// Away from a patch its fine columns follow the mesh's own (tied), so there the patched mesh is
// the unpatched one: with the patch and the roller at L3, the thorax's vertebrae (T4-T10) and
// ribs (3-9), far from both, take from the tissue what they take without the patch, within the
// two meshes' own difference. (With a volume term per fine cell there, the tied cells locked and
// these vertebrae gave 85 N to these ribs through them.)
TEST_CASE("mesh study: the bones far from a patch carry what they carry without it", "[mesh_study]") {
  auto thorax = [](const std::vector<ConfigOverride>& overrides) {
    const Scenario sc = load_scenario(kCoarse, overrides);
    const FlatReference flat = solve_flat_reference(sc);
    RollSession ses(sc, &flat);
    const RollResult r = ses.solve_at(15, true);
    REQUIRE(r.usable());
    double vertebrae = 0, ribs = 0;
    for (int l = 4; l <= 10; ++l) vertebrae += r.posterior_load_N[l - 1];
    for (int l = 3; l <= 9; ++l) ribs += r.rib_load_N[l - 1];
    return std::make_pair(vertebrae, ribs);
  };
  const auto [v0, r0] = thorax({});
  const auto [v1, r1] = thorax({{"mesh.patch_size_m", ConfigValue(0.008), "test"},
                                {"mesh.patch_at", ConfigValue(std::string("L3")), "test"}});
  INFO("T4-T10 " << v0 << " N without the patch, " << v1 << " with it; ribs 3-9 " << r0 << " and " << r1 << " N");
  CHECK(std::abs(v1 - v0) < 10.0);
  CHECK(std::abs(r1 - r0) < 10.0);
}

TEST_CASE("mesh study: bad options fail before any solve", "[mesh_study]") {
  MeshStudyOptions opt;
  opt.refine = 1.2;
  CHECK_THROWS_WITH(prepare_mesh_study(kCoarse, opt), Catch::Contains("allowed between 0 and 1"));
  opt.refine = 0.1;  // scale 3 x 0.1 = 0.3: finer than the finest mesh allowed
  CHECK_THROWS_WITH(prepare_mesh_study(kCoarse, opt), Catch::Contains("the finest mesh allowed is scale 0.5"));
  opt.refine = 0.7;
  opt.levels.clear();
  CHECK_THROWS_WITH(prepare_mesh_study(kCoarse, opt), Catch::Contains("at least one level"));
  opt.levels = {7};
  opt.roller_files = {"/nonexistent/roller.toml"};
  CHECK_THROWS(prepare_mesh_study(kCoarse, opt));
}
