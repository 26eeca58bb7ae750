// The layered-tissue contact scene (validation/layered_case.h): equilibrium, the plane-strain
// slice's independence of the contact's length, mesh convergence, and how the rollers' foams
// order the pressure on thin and on thick tissue over bone.
#include <catch2/catch.hpp>

#include "validation/layered_case.h"

using namespace backroll;

namespace {
std::string scene(const char* name) { return std::string(BACKROLL_ASSET_DIR) + "/contact/" + name + ".toml"; }

LayeredCaseResult run(const char* file, const char* roller, double h = 0.002) {
  LayeredCaseParams p = load_layered_case(scene(file));
  p.roller_file = roller_path(roller);
  p.element_size_m = h;
  const LayeredCaseResult r = run_layered_case(p);
  INFO(r.solve.message);
  REQUIRE(r.solve.converged);
  return r;
}
}  // namespace

TEST_CASE("layered scene: the contact forces carry the applied force", "[layered]") {
  for (const char* roller : {"soft", "standard", "trigger_point", "ball"}) {
    INFO(roller);
    const LayeredCaseParams p = load_layered_case(scene("low_back"));
    const LayeredCaseResult r = run("low_back", roller, 0.004);
    CHECK(r.force_sum_N == Approx(p.force_N).epsilon(1e-6));
    // The normal forces over the loaded area: at least the applied force less friction's part of
    // it, less the little the rim below the threshold carries (more where the tissue wraps round
    // the roller and they tilt).
    CHECK(r.friction_vertical_N > 0);
    CHECK(r.mean_Pa * r.area_m2 + r.friction_vertical_N > 0.97 * p.force_N);
    CHECK(r.peak_Pa > r.mean_Pa);
  }
}

TEST_CASE("layered scene: a cylinder's slice is plane strain (force and length scale together)", "[layered]") {
  LayeredCaseParams a = load_layered_case(scene("mid_back"));
  a.roller_file = roller_path("standard");
  LayeredCaseParams b = a;
  b.force_N = 0.5 * a.force_N;
  b.contact_length_m = 0.5 * a.contact_length_m;
  const LayeredCaseResult ra = run_layered_case(a), rb = run_layered_case(b);
  REQUIRE(ra.solve.converged);
  REQUIRE(rb.solve.converged);
  CHECK(rb.peak_Pa == Approx(ra.peak_Pa).epsilon(1e-6));
  CHECK(rb.mean_Pa == Approx(ra.mean_Pa).epsilon(1e-6));
  CHECK(rb.area_m2 == Approx(0.5 * ra.area_m2).epsilon(1e-6));
}

TEST_CASE("layered scene: the default mesh is converged within 5 %", "[layered]") {
  // h = 2 mm (the default) against 1 mm, the standard roller on the low back; 5 % is the mesh
  // study's rule. Measured: peak 2.8 %, mean 2.1 %, area 2.0 %, compression 3.4 % (the deepest
  // point, where the stick zone's edge falls on the mesh; without friction all were within 3 %),
  // each approaching the 1 mm value monotonically through 1.5 mm.
  const LayeredCaseResult c = run("low_back", "standard", 0.002), f = run("low_back", "standard", 0.001);
  CHECK(c.peak_Pa == Approx(f.peak_Pa).epsilon(0.05));
  CHECK(c.mean_Pa == Approx(f.mean_Pa).epsilon(0.05));
  CHECK(c.area_m2 == Approx(f.area_m2).epsilon(0.05));
  CHECK(c.compression_m == Approx(f.compression_m).epsilon(0.05));
}

TEST_CASE("layered scene: softer foam, lower pressure over a larger area; most where tissue is thin", "[layered]") {
  double spread_thin = 0, spread_thick = 0;
  for (const char* file : {"thin_over_bone", "low_back"}) {
    const LayeredCaseResult s = run(file, "soft"), m = run(file, "standard"), h = run(file, "high_density");
    INFO(file);
    CHECK(s.peak_Pa < m.peak_Pa);
    CHECK(m.peak_Pa < h.peak_Pa);
    CHECK(s.area_m2 > m.area_m2);
    CHECK(m.area_m2 > h.area_m2);
    CHECK(s.compression_m > m.compression_m);
    CHECK(m.compression_m > h.compression_m);
    (std::string(file) == "low_back" ? spread_thick : spread_thin) = h.peak_Pa / s.peak_Pa;
  }
  // Over 9 mm of tissue the foam sets the pressure; over 6 cm the tissue does.
  CHECK(spread_thin > spread_thick);
}

TEST_CASE("layered scene: bad input names the file and key", "[layered]") {
  CHECK_THROWS_WITH(load_layered_case(std::string(BACKROLL_TEST_DATA) + "/bad_layer.toml"),
                    Catch::Contains("bad_layer.toml:8") && Catch::Contains("belly_fat") && Catch::Contains("erector_spinae"));
  CHECK_THROWS_WITH(load_layered_case(std::string(BACKROLL_ASSET_DIR) + "/rollers/standard.toml"),
                    Catch::Contains("standard.toml: missing key"));
}

TEST_CASE("layered scene held under a constant force: the tissue creeps, the contact spreads", "[layered][dwell]") {
  // The lateral thigh: a roller on a thick muscle layer under a constant push. As the muscle's
  // stress relaxes (Bosboom 2001's 55 % over 6 s) the contact grows and the peak pressure falls,
  // every step; the force stays the applied one.
  LayeredCaseParams p = load_layered_case(scene("lateral_thigh"));
  p.roller_file = roller_path("standard");
  const std::vector<LayeredCaseResult> d = run_layered_dwell(p, 12, 1.0);
  REQUIRE(d.size() == 13);
  for (size_t k = 1; k < d.size(); ++k) {
    INFO("t = " << k << " s: peak " << d[k].peak_Pa << " Pa, area " << d[k].area_m2 * 1e4 << " cm2, sink "
                << d[k].compression_m * 1e3 << " mm");
    REQUIRE(d[k].solve.converged);
    CHECK(d[k].peak_Pa < d[k - 1].peak_Pa);
    CHECK(d[k].area_m2 >= d[k - 1].area_m2);  // counted in whole contact points: it may stay a step
    CHECK(d[k].force_sum_N == Approx(p.force_N).epsilon(0.01));
  }
  CHECK(d.back().area_m2 > d.front().area_m2);
}
