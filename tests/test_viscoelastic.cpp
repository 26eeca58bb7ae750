// Creep of viscoelastic tissue (fem/viscoelastic.h) against the analytic solution: a block under a
// constant load creeps as a standard linear solid, and the time course does not depend on the
// time step; tissue without relaxation does not move when held.
#include <catch2/catch.hpp>

#include <cmath>

#include "face_pressure.h"
#include "fem/viscoelastic.h"

using namespace backroll;

namespace {
// A block 1 x 1 x 1 cm on rollers (each of the faces x = 0, y = 0, z = 0 held along its normal),
// pressed on its top (z = 1 cm) by a constant pressure p: uniaxial stress p. With `cells`, each
// grid cell's 6 tets share one volume term (mean dilatation); `confined`, every node held across
// (x, y): uniaxial strain.
FemModel block(double E, double p, Relaxation relax, double nu = 0.0, bool cells = false, bool confined = false) {
  FemModel m;
  const int n = 3;
  const double L = 0.01;
  append_structured(m.mesh, n, n, n, false, 0, [&](int i, int j, int k) { return Vec3(L * i / (n - 1), L * j / (n - 1), L * k / (n - 1)); });
  m.tet_material.assign(m.mesh.n_tets(), NeoHookean::from_young_poisson(E, nu));
  m.tet_relaxation.assign(m.mesh.n_tets(), relax);
  m.node_dof.assign(m.mesh.n_nodes(), {kFixed, kFixed, kFixed});
  m.node_force_N.assign(m.mesh.n_nodes(), Vec3::Zero());
  int nd = 0;
  for (int v = 0; v < m.mesh.n_nodes(); ++v)
    for (int c = 0; c < 3; ++c)
      if (m.mesh.X[v][c] > 1e-12 && (c == 2 || !confined)) m.node_dof[v][c] = nd++;
  press_face(m, 2, L, p);  // on the top (z = L)
  m.n_dofs = nd;
  if (cells) m.dilatation_groups = structured_cells(0, m.mesh.n_tets());
  m.finalize();
  return m;
}

// The block's strain along z (compression +) at the top.
double strain(const FemModel& m, const FemState& st) {
  const std::vector<Vec3> x = node_positions(m, st);
  const int top = m.mesh.n_nodes() - 1;  // the corner (1, 1, 1) cm
  return (m.mesh.X[top].z() - x[top].z()) / m.mesh.X[top].z();
}

// Loaded at once at time 0, then held: the strain at every step of dt up to t_end.
std::vector<double> creep(const FemModel& m, double dt, double t_end) {
  FemState st;
  st.reset(m);
  SolverSettings s;
  s.residual_rtol = 1e-8;
  REQUIRE(solve_equilibrium(m, st, s).converged);
  std::vector<double> eps = {strain(m, st)};
  ViscousHistory h;
  h.start(m, st);
  for (double t = dt; t <= t_end + 1e-9; t += dt) {
    h.prepare(m, dt, st.inputs);
    const SolveReport r = solve_equilibrium(m, st, s);
    INFO(r.message << " after " << r.newton_iterations << " iterations, residual " << r.residual_max_N << " N (tolerance " << r.residual_tol_N << ")");
    REQUIRE(r.converged);
    h.commit(m, st, dt);
    eps.push_back(strain(m, st));
  }
  return eps;
}
}  // namespace

TEST_CASE("viscoelastic block under a constant load creeps as a standard linear solid", "[unit][solver]") {
  // Muscle's relaxation (Bosboom 2001): g = 0.55 of the stress relaxes with tau = 6 s. Under a
  // constant stress p such a solid creeps from p / E to p / (E g_inf) with the time constant
  // tau / g_inf: eps(t) = p / E [1 / g_inf - (1 / g_inf - 1) exp(-g_inf t / tau)].
  const double E = 50e3, p = 50.0, g = 0.55, tau = 6.0, ginf = 1 - g;
  const FemModel m = block(E, p, {g, tau});
  const double dt = 0.25, t_end = 30;
  const std::vector<double> eps = creep(m, dt, t_end);
  for (size_t k = 0; k < eps.size(); k += 8) {
    const double t = k * dt;
    const double exact = p / E * (1 / ginf - (1 / ginf - 1) * std::exp(-ginf * t / tau));
    INFO("t = " << t << " s");
    CHECK(eps[k] == Approx(exact).epsilon(5e-3));  // small strain (1e-3) and the step's error
  }
  // Monotonic creep towards the relaxed strain.
  for (size_t k = 1; k < eps.size(); ++k) CHECK(eps[k] > eps[k - 1]);
}

// Only the shear terms relax (fem/viscoelastic.h): at small strain the stress is 2 mu(t) eps +
// lambda tr(eps) I with mu(t) = mu (g_inf + g exp(-t / tau)) and lambda constant. Confined (held
// across), under a constant pressure p the block's modulus is M(t) = lambda + 2 mu(t): a standard
// linear solid from M0 = lambda + 2 mu to M_inf = lambda + 2 g_inf mu, whose strain creeps from
// p / M0 to p / M_inf at the rate M_inf / (M0 tau). At nu = 0.45 (lambda = 9 mu) that is 1.11
// times the instantaneous strain; the whole stress relaxing would give 1 / g_inf = 2.2 times.
TEST_CASE("a confined block creeps in shear only: its volume term does not relax", "[unit][solver]") {
  const bool cells = GENERATE(false, true);
  INFO("one volume term a cell " << cells);
  const double E = 50e3, p = 50.0, g = 0.55, tau = 6.0, ginf = 1 - g, nu = 0.45;
  const FemModel m = block(E, p, {g, tau}, nu, cells, true);
  const double mu = m.tet_material[0].mu_Pa, lam = m.tet_material[0].lambda_Pa;
  const double M0 = lam + 2 * mu, Minf = lam + 2 * ginf * mu;
  const double dt = 0.25, t_end = 30;
  const std::vector<double> eps = creep(m, dt, t_end);
  for (size_t k = 0; k < eps.size(); k += 8) {
    const double t = k * dt;
    const double exact = p * (1 / Minf - (1 / Minf - 1 / M0) * std::exp(-Minf / (M0 * tau) * t));
    INFO("t = " << t << " s");
    CHECK(eps[k] == Approx(exact).epsilon(5e-3));
  }
  CHECK(eps.back() > eps.front());
}

TEST_CASE("creep does not depend on the time step", "[unit][solver]") {
  const FemModel m = block(50e3, 50.0, {0.55, 6.0});
  const std::vector<double> fine = creep(m, 0.25, 12), coarse = creep(m, 1.0, 12);
  for (size_t k = 0; k < coarse.size(); ++k) CHECK(coarse[k] == Approx(fine[4 * k]).epsilon(0.01));
}

TEST_CASE("tissue without relaxation does not move when held", "[unit][solver]") {
  const FemModel m = block(50e3, 50.0, {0.0, 0.0});
  const std::vector<double> eps = creep(m, 1.0, 5);
  for (double e : eps) CHECK(e == Approx(eps.front()).epsilon(1e-9));
}
