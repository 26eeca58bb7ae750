// Fluid cavities (fem/quasi_static.h: FluidCavity): the potential of a pressurised, heavy fluid
// filling a set of tets, its forces and its tangent.
//
// Volume and first moment are sums over the cavity's tets, V = sum V_t and M = sum V_t c_t (c_t
// the tet's centroid); both equal integrals over the cavity's boundary, so the inner nodes drop
// out exactly and the tets may distort or invert. With P = load p0 - dV / C the pressure at the
// reference point and p_t = P + load rho g.(c_t - reference) the pressure at a tet's centroid,
//   dE/dx_a = -p_t dV_t/dx_a - load rho V_t g / 4                       (per tet, node a)
//   d2E/dx_a dx_b = -p_t d2V_t/dx_a dx_b - load rho/4 (dV_t/dx_a g^T + g dV_t/dx_b^T)
// plus (1/C) (dV/du)(dV/du)^T over the whole cavity: a dense rank-one term, which the solver
// applies by the Sherman-Morrison-Woodbury formula (fem/newton.cpp) instead of filling the
// sparse tangent.
#include <Eigen/Dense>

#include "fem/fem_terms.h"

namespace backroll {
namespace fem_terms {

namespace {

Mat3 skew(const Vec3& v) {
  Mat3 S;
  S << 0, -v.z(), v.y(), v.z(), 0, -v.x(), -v.y(), v.x(), 0;
  return S;
}

// A tet's signed volume, its gradient (column a: dV/dx_a) and, when asked, its Hessian.
struct TetVolume {
  double V = 0;
  Eigen::Matrix<double, 3, 4> dV;
  Eigen::Matrix<double, 12, 12> d2V;
};

TetVolume tet_volume(const std::vector<Vec3>& x, const Tet& e, bool want_hess) {
  TetVolume r;
  const Vec3 e1 = x[e[1]] - x[e[0]], e2 = x[e[2]] - x[e[0]], e3 = x[e[3]] - x[e[0]];
  r.V = e1.dot(e2.cross(e3)) / 6.0;
  r.dV.col(1) = e2.cross(e3) / 6.0;
  r.dV.col(2) = e3.cross(e1) / 6.0;
  r.dV.col(3) = e1.cross(e2) / 6.0;
  r.dV.col(0) = -(r.dV.col(1) + r.dV.col(2) + r.dV.col(3));
  if (!want_hess) return r;
  // Over the edges e1..e3: d2V/de1 de2 = -[e3]x/6, d2V/de1 de3 = [e2]x/6, d2V/de2 de3 = -[e1]x/6.
  std::array<std::array<Mat3, 3>, 3> He;
  He[0][0] = He[1][1] = He[2][2] = Mat3::Zero();
  He[0][1] = -skew(e3) / 6.0;
  He[0][2] = skew(e2) / 6.0;
  He[1][2] = -skew(e1) / 6.0;
  He[1][0] = He[0][1].transpose();
  He[2][0] = He[0][2].transpose();
  He[2][1] = He[1][2].transpose();
  // Onto the nodes: e_a = x_a - x_0.
  r.d2V.setZero();
  for (int a = 1; a < 4; ++a)
    for (int b = 1; b < 4; ++b) {
      const Mat3& H = He[a - 1][b - 1];
      r.d2V.block<3, 3>(3 * a, 3 * b) += H;
      r.d2V.block<3, 3>(0, 3 * b) -= H;
      r.d2V.block<3, 3>(3 * a, 0) -= H;
      r.d2V.block<3, 3>(0, 0) += H;
    }
  return r;
}

Vec3 centroid(const std::vector<Vec3>& x, const Tet& e) { return 0.25 * (x[e[0]] + x[e[1]] + x[e[2]] + x[e[3]]); }

}  // namespace

CavitySums cavity_sums(const FemModel& m, const std::vector<Vec3>& x, int c) {
  CavitySums s;
  for (int t : m.cavities[c].tets) {
    const double V = tet_volume(x, m.mesh.tets[t], false).V;
    s.V += V;
    s.M += V * centroid(x, m.mesh.tets[t]);
  }
  return s;
}

double cavity_pressure_at_reference(const FemModel& m, int c, const CavitySums& s, double load) {
  const FluidCavity& cav = m.cavities[c];
  return load * cav.p0_Pa - (s.V - cav.V0_m3) / cav.compliance_m3_per_Pa;
}

void add_cavities(const FemModel& m, const FemInputs& in, const Pose& p, double load, bool want_grad,
                  bool want_hess, Eval& ev) {
  for (size_t c = 0; c < m.cavities.size(); ++c) {
    const FluidCavity& cav = m.cavities[c];
    const CavitySums s = cavity_sums(m, p.x, static_cast<int>(c));
    const double dV = s.V - cav.V0_m3;
    const Vec3 rg = load * cav.density_kg_m3 * in.gravity_m_s2;  // load rho g
    ev.energy += -load * cav.p0_Pa * dV + 0.5 * dV * dV / cav.compliance_m3_per_Pa -
                 rg.dot(s.M - cav.M0_m4 - cav.reference_m * dV);
    if (!want_grad) continue;
    const double P = cavity_pressure_at_reference(m, static_cast<int>(c), s, load);
    std::vector<Vec3> dVdx;  // dV/dx per node, for the rank-one term
    if (want_hess) dVdx.assign(m.mesh.n_nodes(), Vec3::Zero());
    for (int t : cav.tets) {
      const Tet& e = m.mesh.tets[t];
      const TetVolume tv = tet_volume(p.x, e, want_hess);
      const double pt = P + rg.dot(centroid(p.x, e) - cav.reference_m);
      for (int a = 0; a < 4; ++a) ev.node_grad[e[a]] += -pt * tv.dV.col(a) - 0.25 * tv.V * rg;
      if (!want_hess) continue;
      for (int a = 0; a < 4; ++a) dVdx[e[a]] += tv.dV.col(a);
      Eigen::Matrix<double, 12, 12> K = -pt * tv.d2V;
      for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b)
          K.block<3, 3>(3 * a, 3 * b) -= 0.25 * (tv.dV.col(a) * rg.transpose() + rg * tv.dV.col(b).transpose());
      add_tet_tangent(m, p, t, K, ev);
    }
    if (!want_hess) continue;
    RankOne r1;
    r1.v = Eigen::VectorXd::Zero(m.n_dofs);
    r1.k = 1.0 / cav.compliance_m3_per_Pa;
    for (int n = 0; n < m.mesh.n_nodes(); ++n) {
      const FemModel::NodeKinematics& k = p.kin[n];
      for (int q = 0; q < k.n; ++q) r1.v[k.dof[q]] += k.J.col(q).dot(dVdx[n]);
    }
    ev.rank_one.push_back(std::move(r1));
  }
}

}  // namespace fem_terms

CavityReading cavity_reading(const FemModel& m, const FemState& st, int c, const std::vector<Vec3>& x) {
  const fem_terms::CavitySums s = fem_terms::cavity_sums(m, x, c);
  CavityReading r;
  r.volume_m3 = s.V;
  r.pressure_Pa = fem_terms::cavity_pressure_at_reference(m, c, s, 1.0);
  r.rho_g = m.cavities[c].density_kg_m3 * st.inputs.gravity_m_s2;
  r.weight_N = s.V * r.rho_g;
  r.reference_m = m.cavities[c].reference_m;
  return r;
}

CavityReading cavity_reading(const FemModel& m, const FemState& st, int c) {
  return cavity_reading(m, st, c, fem_terms::pose_of(m, st, st.u, false).x);
}

}  // namespace backroll
