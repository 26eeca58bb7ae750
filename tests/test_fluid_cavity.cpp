// Fluid cavities (fem/fluid_cavity.cpp): a pressurised, heavy fluid filling some of a mesh's tets.
// Its forces are the potential's derivatives and its tangent (with the rank-one pressure-volume
// part) is their derivative; a uniform pressure on a closed wall has no net force or moment; the
// fluid's forces on its walls add up to its weight (Archimedes); and a solid inclusion in the
// fluid, solved to equilibrium, carries the fluid's pressure.
#include <catch2/catch.hpp>

#include <Eigen/Dense>
#include <Eigen/Geometry>
#include <cmath>

#include "fem/fem_terms.h"
#include "fem/quasi_static.h"
#include "dense_tangent.h"

using namespace backroll;

namespace {

constexpr double kPi = 3.14159265358979323846;

// A 3 x 3 x 3 cm block (1 cm cells) whose bottom layer rides on a body held by springs to the
// ground; the fluid fills `fluid` cells (cell index i + 3 j + 9 k), the rest is soft tissue.
// Nodes touching only fluid cells ride on the body too (they are inside the fluid).
FemModel block_with_cavity(const std::vector<int>& fluid_cells, double compliance, const Vec3& g) {
  FemModel m;
  append_structured(m.mesh, 4, 4, 4, false, 0, [](int i, int j, int k) { return Vec3(0.01 * i, 0.01 * j, 0.01 * k); });
  const int nt = m.mesh.n_tets(), nn = m.mesh.n_nodes();
  m.tet_material.assign(nt, NeoHookean::from_young_poisson(20e3, 0.45));
  FluidCavity c;
  c.name = "test";
  c.p0_Pa = 800;
  c.compliance_m3_per_Pa = compliance;
  c.density_kg_m3 = 1000;
  c.reference_m = Vec3(0.015, 0.015, 0.02);
  std::vector<char> solid_node(nn, 0);
  for (int t = 0; t < nt; ++t) {
    Vec3 ctr = Vec3::Zero();
    for (int v : m.mesh.tets[t]) ctr += 0.25 * m.mesh.X[v];
    const int cell = static_cast<int>(ctr.x() / 0.01) + 3 * static_cast<int>(ctr.y() / 0.01) + 9 * static_cast<int>(ctr.z() / 0.01);
    if (std::find(fluid_cells.begin(), fluid_cells.end(), cell) != fluid_cells.end()) c.tets.push_back(t);
    else for (int v : m.mesh.tets[t]) solid_node[v] = 1;
  }
  m.cavities.push_back(c);
  m.gravity_m_s2 = g;
  RigidBody b;
  b.rest_position_m = Vec3(0.015, 0.015, -0.005);
  m.rigid_bodies.push_back(b);
  m.node_dof.assign(nn, {kFixed, kFixed, kFixed});
  m.node_force_N.assign(nn, Vec3(0, 0, -0.002));
  m.node_body.assign(nn, -1);
  int nd = 0;
  for (int n = 0; n < nn; ++n) {
    if (m.mesh.X[n].z() < 1e-12 || !solid_node[n]) m.node_body[n] = 0;
    else for (int k = 0; k < 3; ++k) m.node_dof[n][k] = nd++;
  }
  for (int k = 0; k < 6; ++k) m.rigid_bodies[0].dof[k] = nd++;
  m.n_dofs = nd;
  Joint ground;
  ground.body_b = 0;
  ground.point_m = b.rest_position_m;
  ground.translational_N_per_m = Vec3(2e3, 3e3, 4e3);
  ground.rotational_Nm_per_rad = Vec3(0.5, 0.7, 0.9);
  m.joints.push_back(ground);
  m.finalize();
  return m;
}

// The cavity's own forces on every node, at node positions x, gravity g and load 1.
std::vector<Vec3> cavity_forces(const FemModel& m, const std::vector<Vec3>& x, const Vec3& g) {
  fem_terms::Pose p;
  p.x = x;
  fem_terms::Eval ev;
  ev.node_grad.assign(m.mesh.n_nodes(), Vec3::Zero());
  FemInputs in = FemInputs::of(m);
  in.gravity_m_s2 = g;
  fem_terms::add_cavities(m, in, p, 1.0, true, false, ev);
  for (Vec3& f : ev.node_grad) f = -f;  // the fluid's push on the nodes
  return ev.node_grad;
}

}  // namespace

TEST_CASE("fluid cavity: forces and tangent are the potential's derivatives", "[unit][cavity]") {
  // Fluid in the bottom-centre cell and the one above it: its wall is partly tissue, partly the
  // body (the turning lever terms), with the pressure-volume coupling as strong as the tissue.
  const FemModel m = block_with_cavity({4, 13}, 2e-12, Vec3(1.5, -2.0, -9.81));
  FemState st;
  st.reset(m);
  for (int d = 0; d < m.n_dofs; ++d) st.u[d] = 1.5e-3 * std::sin(1.3 * d + 0.2);
  for (int k = 0; k < 3; ++k) st.u[m.rigid_bodies[0].dof[3 + k]] = 0.4 * std::cos(k + 0.7);
  st.fold_rotations(m);
  const fem_terms::Eval ev = fem_terms::evaluate(m, st, st.u, 1.0, true, true);
  REQUIRE(ev.rank_one.size() == 1);
  const Eigen::MatrixXd H = dense_tangent(m, ev);
  auto E = [&](const Eigen::VectorXd& du) { return fem_terms::evaluate(m, st, st.u + du, 1.0, false, false).energy; };
  const double h = 1e-6;
  double g_err = 0, g_max = 0, h_err = 0, h_max = 0;
  for (int k = 0; k < m.n_dofs; ++k) {
    Eigen::VectorXd ek = Eigen::VectorXd::Zero(m.n_dofs);
    ek[k] = 10 * h;  // the energy's fourth-order differences, a longer step against round-off
    g_err = std::max(g_err, std::abs((8 * (E(ek) - E(-ek)) - E(2 * ek) + E(-2 * ek)) / (120 * h) - ev.grad[k]));
    ek[k] = h;
    g_max = std::max(g_max, std::abs(ev.grad[k]));
    const fem_terms::Eval ep = fem_terms::evaluate(m, st, st.u + ek, 1.0, true, false);
    const fem_terms::Eval em = fem_terms::evaluate(m, st, st.u - ek, 1.0, true, false);
    for (int l = 0; l < m.n_dofs; ++l) {
      h_err = std::max(h_err, std::abs((ep.grad[l] - em.grad[l]) / (2 * h) - H(l, k)));
      h_max = std::max(h_max, std::abs(H(l, k)));
    }
  }
  const double k1 = ev.rank_one[0].k * ev.rank_one[0].v.cwiseAbs().maxCoeff() * ev.rank_one[0].v.cwiseAbs().maxCoeff();
  INFO("gradient: largest " << g_max << ", error " << g_err << "; tangent: largest " << h_max << ", error " << h_err
                            << "; rank-one part's largest entry " << k1);
  CHECK(h_err < 1e-3 * k1);  // the coupling is large enough here for the check to see it
  CHECK(g_err < 1e-6 * g_max);
  CHECK(h_err < 1e-5 * h_max);
  CHECK((H - H.transpose()).norm() < 1e-10 * H.norm());
}

TEST_CASE("fluid cavity: a uniform pressure has no net force or moment; the fluid's forces add up to its weight",
          "[unit][cavity]") {
  const Vec3 g(0.8, -1.1, -9.81);
  const FemModel m = block_with_cavity({4, 13, 22}, 1e-8, g);
  // Distort the wall arbitrarily (even the inner nodes: they must not matter).
  std::vector<Vec3> x = m.mesh.X;
  for (size_t n = 0; n < x.size(); ++n) x[n] += 2e-3 * Vec3(std::sin(1.1 * n), std::cos(0.7 * n + 1), std::sin(0.3 * n + 2));
  const double V = fem_terms::cavity_sums(m, x, 0).V;
  for (const Vec3& gg : {Vec3(Vec3::Zero()), g}) {
    const std::vector<Vec3> f = cavity_forces(m, x, gg);
    Vec3 F = Vec3::Zero(), M = Vec3::Zero();
    for (size_t n = 0; n < x.size(); ++n) {
      F += f[n];
      M += x[n].cross(f[n]);
    }
    // The fluid's push on its walls: zero in all for a uniform pressure; with weight, the
    // weight rho V g itself (the walls hold the fluid up), acting through its centroid.
    const Vec3 W = m.cavities[0].density_kg_m3 * V * gg;
    const fem_terms::CavitySums s = fem_terms::cavity_sums(m, x, 0);
    const Vec3 MW = (s.M / s.V).cross(W);
    INFO("g = " << gg.transpose() << ": net force " << F.transpose() << ", weight " << W.transpose());
    CHECK((F - W).norm() < 1e-12 + 1e-9 * W.norm());
    CHECK((M - MW).norm() < 1e-14 + 1e-9 * MW.norm());
  }
}

TEST_CASE("fluid cavity: pressure follows volume, and a solid inclusion carries the fluid's pressure",
          "[unit][cavity]") {
  // A cube of tissue (3 x 3 x 3 cm) whose outer layer of cells is fluid held in a rigid box (the
  // body, fixed): the central cell is a solid inclusion floating in it. Without gravity the fluid
  // presses it evenly and it shrinks until its hydrostatic pressure equals the fluid's.
  std::vector<int> shell;
  for (int c = 0; c < 27; ++c)
    if (c != 13) shell.push_back(c);
  FemModel m = block_with_cavity(shell, 5e-10, Vec3::Zero());
  for (int k = 0; k < 6; ++k) m.rigid_bodies[0].dof[k] = kFixed;
  // The outer nodes: on the box. The inclusion's 8 nodes stay free; one of them and two of its
  // directions hold its rigid motions (they carry no load in a uniform squeeze about that node).
  const int nn = m.mesh.n_nodes();
  m.node_dof.assign(nn, {kFixed, kFixed, kFixed});
  m.node_body.assign(nn, 0);
  int nd = 0, corner = -1;
  for (int n = 0; n < nn; ++n) {
    const Vec3& X = m.mesh.X[n];
    const bool inner = X.minCoeff() > 0.005 && X.maxCoeff() < 0.025;
    if (!inner) continue;
    m.node_body[n] = -1;
    if (corner < 0) corner = n;  // held in place
    for (int k = 0; k < 3; ++k)
      if (n != corner) m.node_dof[n][k] = nd++;
  }
  m.n_dofs = nd;
  m.node_force_N.assign(nn, Vec3::Zero());
  m.joints.clear();
  // The corner's neighbours along two edges lose a direction each: no turning about the corner.
  int held = 0;
  for (int n = 0; n < nn && held < 2; ++n) {
    if (n == corner || m.node_dof[n][0] == kFixed) continue;
    const Vec3 d = m.mesh.X[n] - m.mesh.X[corner];
    if (std::abs(d.norm() - 0.01) < 1e-9 && std::abs(d.z()) < 1e-9) {
      m.node_dof[n][d.x() > 0.005 ? 1 : 0] = kFixed;
      m.node_dof[n][2] = kFixed;
      ++held;
    }
  }
  REQUIRE(held == 2);
  nd = 0;  // renumber densely
  for (auto& nd3 : m.node_dof)
    for (int& d : nd3)
      if (d != kFixed) d = nd++;
  m.n_dofs = nd;
  m.finalize();
  FemState st;
  st.reset(m);
  const SolveReport rep = solve_equilibrium(m, st, SolverSettings{});
  REQUIRE(rep.converged);
  const CavityReading r = cavity_reading(m, st, 0);
  const std::vector<Vec3> x = node_positions(m, st);
  double pv = 0, vol = 0, pmin = 1e9, pmax = -1e9;
  for (int t = 0; t < m.mesh.n_tets(); ++t) {
    if (m.tet_cavity[t] >= 0) continue;
    const double ph = hydrostatic_pressure_Pa(m, x, t);
    pv += ph * m.tet_volume_m3[t];
    vol += m.tet_volume_m3[t];
    pmin = std::min(pmin, ph);
    pmax = std::max(pmax, ph);
  }
  const FluidCavity& c = m.cavities[0];
  INFO("fluid " << r.pressure_Pa << " Pa (p0 " << c.p0_Pa << "), inclusion " << pmin << "-" << pmax << " Pa");
  // The fluid gained the volume the inclusion lost, and its pressure fell by that over C.
  CHECK(r.pressure_Pa == Approx(c.p0_Pa - (r.volume_m3 - c.V0_m3) / c.compliance_m3_per_Pa).epsilon(1e-12));
  CHECK(r.volume_m3 > c.V0_m3);
  CHECK(pmin == Approx(r.pressure_Pa).epsilon(1e-6));
  CHECK(pmax == Approx(r.pressure_Pa).epsilon(1e-6));
  CHECK(pv / vol == Approx(r.pressure_Pa).epsilon(1e-6));
}
