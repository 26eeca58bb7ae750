#include <catch2/catch.hpp>

#include "quasi_static.h"

using namespace backroll;

// A plane-strain block pressed by a uniform load on its top, free to expand sideways: every
// element is in the same state, eps_yy = -p (1 - nu^2) / E at small strain.
TEST_CASE("patch test: uniform compression of a plane-strain block", "[unit][solver]") {
  const double E = 50e3, nu = 0.3, W = 0.04, T = 0.02, s = 0.002, p = 50.0;  // p/E = 1e-3
  FemModel m;
  const int nx = 9, ny = 5;
  append_structured(m.mesh, nx, ny, 2, false, 0, [&](int i, int j, int k) {
    return Vec3(W * i / (nx - 1), T * j / (ny - 1), s * k);
  });
  m.tet_material.assign(m.mesh.n_tets(), NeoHookean::from_young_poisson(E, nu));
  m.node_dof.assign(m.mesh.n_nodes(), {kFixed, kFixed, kFixed});
  m.node_force_N.assign(m.mesh.n_nodes(), Vec3::Zero());
  int nd = 0;
  for (int n = 0; n < m.mesh.n_nodes(); ++n) {
    const Vec3& X = m.mesh.X[n];
    if (X.x() > 1e-12) m.node_dof[n][0] = nd++;  // x held on the left face only
    if (X.y() > 1e-12) m.node_dof[n][1] = nd++;  // y held on the floor only (rollers)
  }
  // Consistent nodal load of a uniform pressure: a third of each top triangle's force per vertex.
  for (const Tri& f : boundary_faces(m.mesh)) {
    bool top = true;
    for (int v : f) top = top && std::abs(m.mesh.X[v].y() - T) < 1e-12;
    if (!top) continue;
    const double A = 0.5 * (m.mesh.X[f[1]] - m.mesh.X[f[0]]).cross(m.mesh.X[f[2]] - m.mesh.X[f[0]]).norm();
    for (int v : f) m.node_force_N[v].y() -= p * A / 3;
  }
  m.n_dofs = nd;
  m.finalize();
  FemState st;
  st.reset(m);
  const SolveReport r = solve_equilibrium(m, st, SolverSettings{});
  REQUIRE(r.converged);
  const double eps = -p * (1 - nu * nu) / E;
  const auto x = node_positions(m, st);
  for (int n = 0; n < m.mesh.n_nodes(); ++n) {
    const double uy = x[n].y() - m.mesh.X[n].y();
    CHECK(uy == Approx(eps * m.mesh.X[n].y()).epsilon(3e-3).margin(1e-12));
  }
  // Lateral expansion eps_xx = nu (1 + nu) p / E.
  const double ux_right = x[nx - 1].x() - W;
  CHECK(ux_right == Approx(nu * (1 + nu) * p / E * W).epsilon(3e-3));
}
