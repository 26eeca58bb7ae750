// The contact core against analytic contact mechanics (Hertz line contact) and balance laws.
#include <catch2/catch.hpp>

#include "validation/contact_case.h"
#include "validation/sphere_case.h"

using namespace backroll;

namespace {
double rel_err(double got, double want) { return std::abs(got / want - 1.0); }

ContactResult solved(const ContactCaseParams& p) {
  ContactResult r = run_contact_case(p);
  REQUIRE(r.solve.converged);
  REQUIRE(r.solve.residual_max_N <= r.solve.residual_tol_N);
  REQUIRE(r.solve.penetration_max_m <= p.solver.gap_tol_m);
  return r;
}
}  // namespace

TEST_CASE("the default case is inside Hertz's assumptions", "[validation][contact]") {
  const ContactCaseParams p;
  const ContactResult r = solved(p);
  CHECK(r.hertz.half_width_m / p.roller.radius_m <= 0.15);             // a/R small
  CHECK(p.tissue.thickness_m >= 10 * r.hertz.half_width_m);           // thick block
  CHECK(p.tissue.width_m / 2 - p.roller.radius_m >= 10 * r.hertz.half_width_m);  // wide block
  CHECK(p.tissue.poisson_ratio >= 0.3);
  CHECK(p.tissue.poisson_ratio <= 0.45);
}

TEST_CASE("Hertz line contact: p0 and a converge under mesh refinement", "[validation][contact]") {
  double prev_p = 1e9, prev_a = 1e9;
  for (double h : {0.001, 0.0005, 0.00025}) {
    ContactCaseParams p;
    p.mesh.fine_size_m = h;
    const ContactResult r = solved(p);
    const double ep = rel_err(r.stats.peak_Pa, r.hertz.peak_Pa);
    const double ea = rel_err(r.stats.second_moment_halfwidth_m, r.hertz.half_width_m);
    INFO("h = " << h << " m: p0 " << r.stats.peak_Pa << " Pa vs Hertz " << r.hertz.peak_Pa
                << ", a " << r.stats.second_moment_halfwidth_m << " m vs Hertz " << r.hertz.half_width_m);
    CHECK(ep < prev_p);  // the error shrinks as the mesh is refined
    CHECK(ea < prev_a);
    prev_p = ep;
    prev_a = ea;
  }
  CHECK(prev_p < 0.05);  // finest mesh within 5 %
  CHECK(prev_a < 0.05);
}

TEST_CASE("force balance: pressure integral and floor reaction equal the roller force", "[validation][contact]") {
  ContactCaseParams p;
  const ContactResult r = solved(p);
  CHECK(rel_err(r.pressure_force_N, p.load.force_N) < 0.005);
  CHECK(rel_err(r.floor_reaction_N, p.load.force_N) < 1e-6);
  // The vector sum of the pressure (p n A) balances the vertical roller force more tightly:
  // the scalar integral also counts the slight tilt of the contact normals.
  Vec3 Fv = Vec3::Zero();
  for (size_t i = 0; i < r.field.node.size(); ++i)
    Fv -= r.field.pressure_Pa[i] * r.field.area_m2[i] * r.field.normal[i];
  const double scale = p.roller.length_m / p.mesh.fine_size_m;
  CHECK(rel_err(-Fv.y() * scale, p.load.force_N) < 1e-3);
  // Frictionless: no tangential traction above noise.
  double max_shear = 0;
  for (double t : r.field.shear_Pa) max_shear = std::max(max_shear, t);
  CHECK(max_shear < 0.05 * r.stats.peak_Pa);
}

TEST_CASE("two elastic bodies: a foam roller follows Hertz with the combined modulus", "[validation][contact]") {
  for (double Ef : {50e3, 150e3}) {
    ContactCaseParams p;
    p.roller.compliant = true;
    p.roller.foam_youngs_modulus_Pa = Ef;
    p.roller.foam_poisson_ratio = 0.4;
    const ContactResult r = solved(p);
    INFO("foam E = " << Ef << ": p0 " << r.stats.peak_Pa << " Pa vs Hertz " << r.hertz.peak_Pa);
    CHECK(rel_err(r.stats.peak_Pa, r.hertz.peak_Pa) < 0.10);
    CHECK(rel_err(r.stats.second_moment_halfwidth_m, r.hertz.half_width_m) < 0.10);
    // and it is really softer than the rigid roller
    ContactCaseParams rigid = p;
    rigid.roller.compliant = false;
    CHECK(r.stats.peak_Pa < 0.97 * solved(rigid).stats.peak_Pa);
  }
}

TEST_CASE("scaling: doubling the force multiplies p0 by sqrt(2)", "[validation][contact]") {
  ContactCaseParams p;
  const double p1 = solved(p).stats.peak_Pa;
  p.load.force_N *= 2;
  const double p2 = solved(p).stats.peak_Pa;
  CHECK(rel_err(p2 / p1, std::sqrt(2.0)) < 0.03);
}

TEST_CASE("symmetry: the centre of pressure lies under the roller axis", "[validation][contact]") {
  for (double off : {0.0, 0.02}) {
    ContactCaseParams p;
    p.roller.offset_x_m = off;
    const ContactResult r = solved(p);
    CHECK(std::abs(r.stats.centre_of_pressure_m.x() - off) < p.mesh.fine_size_m);
  }
}

TEST_CASE("warm start: rolling to a position gives the cold solution there", "[validation][contact]") {
  ContactCaseParams p;
  p.mesh.fine_size_m = 0.001;
  ContactScene rolled = build_contact_scene(p);
  REQUIRE(solve_contact_scene(rolled).solve.converged);
  move_roller(rolled, 0.01);
  const ContactResult warm = solve_contact_scene(rolled);
  REQUIRE(warm.solve.converged);
  // The cold case meshes around its own roller position; build it on the same mesh instead.
  ContactScene cold_scene = build_contact_scene(p);
  move_roller(cold_scene, 0.01);
  const ContactResult cold = solve_contact_scene(cold_scene);
  REQUIRE(cold.solve.converged);
  CHECK(rel_err(warm.stats.peak_Pa, cold.stats.peak_Pa) < 1e-6);
  CHECK(std::abs(warm.stats.centre_of_pressure_m.x() - cold.stats.centre_of_pressure_m.x()) < 1e-7);
  CHECK(warm.solve.newton_iterations <= cold.solve.newton_iterations);
}

TEST_CASE("same inputs give bit-identical results", "[validation][contact]") {
  ContactCaseParams p;
  p.mesh.fine_size_m = 0.001;
  const ContactResult a = solved(p), b = solved(p);
  REQUIRE(a.field.pressure_Pa.size() == b.field.pressure_Pa.size());
  CHECK(a.field.pressure_Pa == b.field.pressure_Pa);
  CHECK(a.stats.peak_Pa == b.stats.peak_Pa);
}

// The 3D check (validation/sphere_case.h): the catalog's ball on a tissue block, the torso's
// contact points and foam law against Hertz's point contact, and the rigid ball on the nodes.
TEST_CASE("Hertz point contact: the ball's p0 and a converge to Hertz's under refinement", "[validation][contact]") {
  const std::vector<SphereCaseParams> series = sphere_series();
  REQUIRE(series.size() == 4);
  double last_p = 0, last_a = 0, last_dp = 1, last_da = 1;
  for (size_t i = 0; i < series.size(); ++i) {
    const SphereCaseParams& p = series[i];
    const SphereCaseResult r = run_sphere_case(p);
    INFO(p.name << ": " << r.solve.message);
    REQUIRE(r.solve.converged);
    const double ep = r.peak_Pa / r.hertz.peak_Pa - 1, ea = r.radius_m / r.hertz.radius_m - 1;
    WARN(p.name << ": p0 " << 100 * ep << " %, a " << 100 * ea << " %");
    // The contact points' normal forces add up to F, plus the normals' tilt, (a/R)^2 / 5.
    CHECK(r.pressure_force_N / r.force_N - 1 == Approx(p.a_over_R * p.a_over_R / 5).margin(5e-4));
    if (!p.rigid) {  // the refinement series converges: each refinement changes p0 and a less than the last
      if (i > 0) {
        const double dp = std::abs(ep - last_p), da = std::abs(ea - last_a);
        CHECK(dp < 0.5 * last_dp);
        CHECK(da < 0.5 * last_da);
        last_dp = dp, last_da = da;
      }
      last_p = ep, last_a = ea;
    }
    if (i + 1 >= series.size() - 1) {  // the finest mesh, rubber and rigid: within 5 %
      CHECK(std::abs(ep) < 0.05);
      CHECK(std::abs(ea) < 0.05);
    }
  }
}

// Volumetric locking (validation/sphere_case.h, locking_series): at the tissue's nu = 0.49 the
// tets' own volume terms read Hertz's peak pressure far too high and its contact radius too small;
// with one volume ratio per grid cell (`mesh.mean_dilatation`) the same mesh reads both near Hertz.
TEST_CASE("Hertz point contact at nu 0.49: one volume ratio per cell does not lock", "[validation][contact]") {
  const std::vector<SphereCaseParams> series = locking_series({0.25});
  REQUIRE(series.size() == 2);
  const SphereCaseResult tets = run_sphere_case(series[0]), cells = run_sphere_case(series[1]);
  REQUIRE(tets.solve.converged);
  REQUIRE(cells.solve.converged);
  const double tp = tets.peak_Pa / tets.hertz.peak_Pa - 1, ta = tets.radius_m / tets.hertz.radius_m - 1;
  const double cp = cells.peak_Pa / cells.hertz.peak_Pa - 1, ca = cells.radius_m / cells.hertz.radius_m - 1;
  WARN("nu 0.49, h = a/4: each tet's J p0 " << 100 * tp << " %, a " << 100 * ta << " %; the cell's p0 " << 100 * cp
                                           << " %, a " << 100 * ca << " %");
  CHECK(std::abs(cp) < 0.06);
  CHECK(std::abs(ca) < 0.02);
  CHECK(tp > 0.4);   // locked: the peak far above Hertz's
  CHECK(ta < -0.1);  // and the contact too small
}

// The torso's roller idealisation (a Winkler foam layer on a rigid shape) against a meshed foam
// cylinder of the same modulus, at a load per length like the back's (800 N/m, a contact some
// 7 cm wide): within 3 % in p0 and a for a standard-stiff and a soft foam, and softer than a
// rigid roller. (At small loads it is not: docs/model.md gives the table.)
TEST_CASE("the foam as a Winkler layer: within 3 % of the meshed foam roller at a back-like load", "[validation][contact]") {
  for (double Ef : {2.3e6, 145e3}) {
    ContactCaseParams p;
    p.roller.foam_youngs_modulus_Pa = Ef;
    p.load.force_N = 240;
    p.mesh.fine_size_m = 0.001;
    p.mesh.fine_halfwidth_m = 0.04;
    ContactCaseParams meshed = p, winkler = p;
    meshed.roller.compliant = true;
    winkler.roller.winkler_depth_m = 0.04;
    const ContactResult m = solved(meshed), w = solved(winkler), rigid = solved(p);
    INFO("foam E = " << Ef << ": p0 " << w.stats.peak_Pa << " vs meshed " << m.stats.peak_Pa << " Pa");
    CHECK(rel_err(w.stats.peak_Pa, m.stats.peak_Pa) < 0.03);
    CHECK(rel_err(w.stats.second_moment_halfwidth_m, m.stats.second_moment_halfwidth_m) < 0.03);
    CHECK(w.stats.peak_Pa < rigid.stats.peak_Pa);
  }
}
