#include <catch2/catch.hpp>

#include <Eigen/Eigenvalues>
#include <Eigen/SparseCore>
#include <cmath>
#include <random>

#include "dense_tangent.h"
#include "fem/fem_terms.h"
#include "fem/quasi_static.h"

using namespace backroll;

// Mean dilatation (FemModel::dilatation_groups): a block of 3 x 3 x 3 cells of a nearly
// incompressible solid, every node free, each cell's 6 tets one group; its law neo-Hookean or,
// with alpha != 2, Ogden's (fem/neo_hookean.h). Mixed: every cell across two solids (half its
// tets a softer one of another nu), as where two muscles or a kidney meet in a cell.
namespace {

constexpr double kCellM = 0.01;  // the block's cells

FemModel block(bool cells, double alpha = 2, bool mixed = false, double nu = 0.49) {
  FemModel m;
  const double h = kCellM;
  append_structured(m.mesh, 4, 4, 4, false, 0, [&](int i, int j, int k) {
    return Vec3(h * i, h * j + 0.002 * i, h * k + 0.001 * j);  // sheared a little: no symmetry to hide behind
  });
  NeoHookean law = NeoHookean::from_young_poisson(50e3, nu);
  law.ogden_alpha = alpha;
  m.tet_material.assign(m.mesh.n_tets(), law);
  if (mixed)
    for (int t = 0; t < m.mesh.n_tets(); t += 2) m.tet_material[t] = NeoHookean::from_young_poisson(20e3, 0.4995);
  m.node_dof.assign(m.mesh.n_nodes(), {kFixed, kFixed, kFixed});
  for (int n = 0; n < m.mesh.n_nodes(); ++n)
    for (int c = 0; c < 3; ++c) m.node_dof[n][c] = m.n_dofs++;
  m.node_force_N.assign(m.mesh.n_nodes(), Vec3::Zero());
  if (cells) m.dilatation_groups = structured_cells(0, m.mesh.n_tets());
  m.finalize();
  return m;
}

// Displacements u(X) set into a fresh state.
FemState displaced(const FemModel& m, const std::function<Vec3(const Vec3&)>& u) {
  FemState st;
  st.reset(m);
  for (int n = 0; n < m.mesh.n_nodes(); ++n)
    for (int c = 0; c < 3; ++c) st.u[m.node_dof[n][c]] = u(m.mesh.X[n])[c];
  return st;
}

fem_terms::Eval eval(const FemModel& m, const FemState& st, const Eigen::VectorXd& u, bool hess,
                     bool cells_pressure_stiffness = true) {
  return fem_terms::evaluate(m, st, u, 1.0, true, hess, cells_pressure_stiffness);
}


}  // namespace

// At a homogeneous deformation every tet's volume ratio is its cell's, so the cells' energy is
// the tets' own summed: of one solid, of two (each tet's share of lambda, by its volume), and in
// a viscous step with each tet's own scale (its relaxation's). The forces are the tets' own for
// one solid's cells; for two, or scales that differ, the cell's one pressure is the mean of the
// tets' own (which jump across the interface), and the nodes' forces differ.
TEST_CASE("mean dilatation: a homogeneous deformation gives each tet's own energy and forces", "[unit][solver]") {
  const bool mixed = GENERATE(false, true), viscous = GENERATE(false, true);
  INFO("two solids a cell " << mixed << ", viscous step " << viscous);
  const FemModel own = block(false, 2, mixed), cells = block(true, 2, mixed);
  REQUIRE(cells.group_data.size() == 27);
  Mat3 F;
  F << 1.05, 0.10, -0.02, 0.03, 0.93, 0.07, -0.04, 0.02, 1.08;  // J = 1.04
  const auto u = [&](const Vec3& X) { return Vec3((F - Mat3::Identity()) * X); };
  FemState a = displaced(own, u), b = displaced(cells, u);
  if (viscous)
    for (FemState* st : {&a, &b}) {
      const int nt = own.mesh.n_tets();
      st->inputs.viscous_scale.resize(nt);
      for (int t = 0; t < nt; ++t) st->inputs.viscous_scale[t] = 0.4 + 0.5 * ((t * 7) % 11) / 10.0;
      st->inputs.viscous_stress_PK2_Pa.assign(nt, Mat3::Zero());
    }
  const fem_terms::Eval ea = eval(own, a, a.u, false), eb = eval(cells, b, b.u, false);
  CHECK(eb.energy == Approx(ea.energy).epsilon(1e-12));
  if (!mixed && !viscous) CHECK((eb.grad - ea.grad).norm() <= 1e-10 * ea.grad.norm());
}

TEST_CASE("mean dilatation: a rigid motion gives no energy and no force", "[unit][solver]") {
  const double alpha = GENERATE(2.0, -3.0);
  const bool mixed = GENERATE(false, true);
  INFO("alpha " << alpha << ", two solids a cell " << mixed);
  const FemModel m = block(true, alpha, mixed);
  const Mat3 R = Eigen::AngleAxisd(0.7, Vec3(1, 2, 3).normalized()).toRotationMatrix();
  const Vec3 c(0.02, -0.01, 0.03);
  const FemState st = displaced(m, [&](const Vec3& X) { return Vec3(R * X + c - X); });
  const fem_terms::Eval e = eval(m, st, st.u, false);
  CHECK(std::abs(e.energy) < 1e-12);
  CHECK(e.grad.cwiseAbs().maxCoeff() < 1e-9);  // N (the forces of a 1 % strain are about 0.05 N)
}

// The tangent the groups add is the derivative of their forces: central differences of the
// gradient against the assembled elastic tangent, at a state strained up to about 10 % (the
// tets neo-Hookean, then Ogden's alpha = -3, the fat's candidate law), elastic and in a viscous
// step (each tet's shear scaled, a history stress of the shear modulus's size).
TEST_CASE("mean dilatation: the tangent is the forces' derivative", "[unit][solver]") {
  const double alpha = GENERATE(2.0, -3.0);
  const bool mixed = GENERATE(false, true), viscous = GENERATE(false, true);
  INFO("alpha " << alpha << ", two solids a cell " << mixed << ", viscous step " << viscous);
  const FemModel m = block(true, alpha, mixed);
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> d(-1, 1);
  FemState st = displaced(m, [&](const Vec3& X) { return Vec3(0.05 * X.y() - 0.03 * X.z(), -0.06 * X.y(), 0.04 * X.x()); });
  for (int i = 0; i < m.n_dofs; ++i) st.u[i] += 2e-4 * d(rng);
  if (viscous) {
    const int nt = m.mesh.n_tets();
    st.inputs.viscous_scale.resize(nt);
    st.inputs.viscous_stress_PK2_Pa.resize(nt);
    for (int t = 0; t < nt; ++t) {
      st.inputs.viscous_scale[t] = 0.4 + 0.5 * ((t * 7) % 11) / 10.0;
      Mat3 S = Mat3::NullaryExpr([&]() { return d(rng); });
      st.inputs.viscous_stress_PK2_Pa[t] = 0.3 * m.tet_material[t].mu_Pa * (S + S.transpose());
    }
  }
  const fem_terms::Eval e = eval(m, st, st.u, true);
  REQUIRE(e.trip.empty());  // no contacts, joints or bodies: the pattern is the whole tangent
  const Eigen::MatrixXd Kd = dense_tangent(m, e);
  CHECK((Kd - Kd.transpose()).cwiseAbs().maxCoeff() <= 1e-9 * Kd.cwiseAbs().maxCoeff());
  const double step = 1e-7;
  double worst = 0;
  for (int j = 0; j < m.n_dofs; j += 7) {
    Eigen::VectorXd up = st.u, dn = st.u;
    up[j] += step;
    dn[j] -= step;
    const Eigen::VectorXd fd = (eval(m, st, up, false).grad - eval(m, st, dn, false).grad) / (2 * step);
    worst = std::max(worst, (fd - Kd.col(j)).cwiseAbs().maxCoeff() / Kd.col(j).cwiseAbs().maxCoeff());
  }
  CHECK(worst < 1e-5);
}

// Newton's step may leave the cells' pressure stiffness out of its tangent (newton.cpp). The
// energy and the forces are the same; at rest (no pressure) so is the tangent; compressed 5 % (nu
// 0.4995: the cells' pressure about 50 times the shear modulus) the exact tangent has negative
// eigenvalues far beyond what the tets' own terms give, and Newton's keeps only those. The term
// is held apart from the rest of the tangent (Eval::k_pressure), which is the one without it.
TEST_CASE("mean dilatation: Newton's tangent without the cells' pressure stiffness", "[unit][solver]") {
  const FemModel m = block(true, 2, false, 0.4995);
  const double mu = m.tet_material[0].mu_Pa;
  const FemState rest = displaced(m, [](const Vec3&) { return Vec3::Zero(); });
  const Eigen::MatrixXd K0 = dense_tangent(m, eval(m, rest, rest.u, true));
  CHECK((K0 - dense_tangent(m, eval(m, rest, rest.u, true, false))).cwiseAbs().maxCoeff() <=
        1e-12 * K0.cwiseAbs().maxCoeff());  // the rest state's round-off pressure
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> d(-1, 1);
  FemState st = displaced(m, [](const Vec3& X) { return Vec3(0, 0, -0.05 * X.z()); });
  for (int i = 0; i < m.n_dofs; ++i) st.u[i] += 1e-5 * d(rng);
  const fem_terms::Eval exact = eval(m, st, st.u, true), newton = eval(m, st, st.u, true, false);
  CHECK(newton.energy == exact.energy);
  CHECK((newton.grad - exact.grad).cwiseAbs().maxCoeff() == 0.0);
  REQUIRE(exact.k_pressure.size() == exact.k_elastic.size());
  CHECK(newton.k_pressure.empty());
  CHECK(exact.k_elastic == newton.k_elastic);
  auto lowest = [&](const fem_terms::Eval& e) {
    return Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(dense_tangent(m, e), Eigen::EigenvaluesOnly).eigenvalues()[0];
  };
  // An eigenvalue of order mu h, h the cells' size.
  const double l_exact = lowest(exact) / (mu * kCellM), l_newton = lowest(newton) / (mu * kCellM);
  INFO("lowest eigenvalue / (mu h): exact " << l_exact << ", Newton's " << l_newton);
  CHECK(l_exact < -1.0);
  CHECK(l_newton > 0.01 * l_exact);
}

// Tied nodes (FemModel::NodeTie) under mean dilatation: a block of a nearly incompressible solid
// (nu 0.4995), a layer 8 x 2 x 2 cells of 1 cm on a fixed floor, pressed down on the first three
// columns of its top. Its cells cut in four across by three columns between each two, every new
// column's nodes above the floor tied to the two old columns beside it (as the body's tissue away
// from a fine patch), it keeps the coarse layer's unknowns: its cells between a tie's masters
// share one volume term (structured_cells with the ties) and it answers as the coarse layer does.
// With one volume term per cell, four times the volume constraints bear on the same unknowns and
// it locks (stiffer by 17 %); the layer cut in four and untied shows where the finer mesh goes.
TEST_CASE("mean dilatation: the cells between tied nodes' masters share one volume term", "[unit][solver]") {
  const double h = 0.01, f_N = 0.1;
  // The work of the load (N m): the block's compliance under it.
  auto compliance = [&](int split, bool tie, bool merge) {
    const int ni = 8 * split + 1, nj = 3, nk = 3;
    FemModel m;
    const std::vector<int> id = append_structured(m.mesh, ni, nj, nk, false, 0, [&](int i, int j, int k) {
      return Vec3(h * i / split, h * j, h * k);
    });
    m.tet_material.assign(m.mesh.n_tets(), NeoHookean::from_young_poisson(20e3, 0.4995));
    m.node_dof.assign(m.mesh.n_nodes(), {kFixed, kFixed, kFixed});
    m.node_force_N.assign(m.mesh.n_nodes(), Vec3::Zero());
    auto node = [&](int i, int j, int k) { return id[(k * nj + j) * ni + i]; };
    std::vector<std::array<int, 3>> ties;
    for (int k = 1; k < nk; ++k)
      for (int j = 0; j < nj; ++j)
        for (int i = 0; i < ni; ++i) {
          if (tie && i % split != 0) {
            const int i0 = i - i % split, i1 = i0 + split;  // the coarse columns either side
            ties.push_back({node(i, j, k), node(i0, j, k), node(i1, j, k)});
            m.node_ties.push_back({node(i, j, k), node(i0, j, k), node(i1, j, k), static_cast<double>(i1 - i) / split});
            continue;
          }
          for (int c = 0; c < 3; ++c) m.node_dof[node(i, j, k)][c] = m.n_dofs++;
        }
    std::vector<int> loaded;
    for (int i = 0; i <= 3 * split; i += split)
      for (int j = 0; j < nj; ++j) loaded.push_back(node(i, j, nk - 1));
    for (int n : loaded) m.node_force_N[n] = Vec3(0, 0, -f_N);
    m.dilatation_groups = merge ? structured_cells(0, id, ni, nj, nk, ties) : structured_cells(0, m.mesh.n_tets());
    m.finalize();
    FemState st;
    st.reset(m);
    REQUIRE(solve_equilibrium(m, st, SolverSettings{}).converged);
    const std::vector<Vec3> x = node_positions(m, st);
    double work = 0;
    for (int n : loaded) work += m.node_force_N[n].dot(x[n] - m.mesh.X[n]);
    return std::make_pair(work, static_cast<int>(m.dilatation_groups.size()));
  };
  const auto [coarse, coarse_groups] = compliance(1, false, false);
  const auto [merged, merged_groups] = compliance(4, true, true);
  const auto [per_cell, per_cell_groups] = compliance(4, true, false);
  const auto [fine, fine_groups] = compliance(4, false, false);
  INFO("compliance (N m): coarse " << coarse << ", tied and merged " << merged << ", tied, a term per cell " << per_cell
                                   << ", halved untied " << fine);
  CHECK(coarse_groups == 32);
  CHECK(merged_groups == 32);  // the 128 cells in 32 fours
  CHECK(per_cell_groups == 128);
  CHECK(merged == Approx(coarse).epsilon(0.02));
  CHECK(per_cell < 0.9 * coarse);
  CHECK(std::abs(merged - fine) < std::abs(per_cell - fine));
}
