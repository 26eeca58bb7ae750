#include "fem/neo_hookean.h"

#include <Eigen/Eigenvalues>
#include <Eigen/LU>
#include <cmath>
#include <limits>

namespace backroll {

namespace {
// The Ogden part's stress S = k C^beta (k = 2 mu / alpha, beta = alpha/2 - 1), on C's eigenbasis Q.
struct OgdenStress {
  Mat3 Q, S;
  Eigen::Vector3d L;  // ln of C's eigenvalues (the squared principal stretches)
  double k = 0, beta = 0;
};

OgdenStress ogden_stress(const Mat3& F, double mu, double alpha) {
  OgdenStress o;
  const Eigen::SelfAdjointEigenSolver<Mat3> es(F.transpose() * F);
  o.Q = es.eigenvectors();
  o.k = 2 * mu / alpha;
  o.beta = alpha / 2 - 1;
  o.L = es.eigenvalues().array().log();
  const Eigen::Vector3d f = (o.beta * o.L.array()).exp();  // the eigenvalues ^ beta
  o.S = o.Q * (o.k * f).asDiagonal() * o.Q.transpose();
  return o;
}

// The tangents' part: Gamma, k times the divided differences of x^beta between C's eigenvalues
// (its derivative where two are equal), so that dS along dC is Q (Gamma o (Q^T dC Q)) Q^T.
Mat3 ogden_gamma(const OgdenStress& o) {
  Mat3 Gamma;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      // (x^beta - y^beta) / (x - y) = y^(beta - 1) expm1(beta l) / expm1(l), l = ln(x / y):
      // no cancellation as x nears y, beta y^(beta - 1) at x = y.
      const double l = o.L[a] - o.L[b], y_pow = std::exp((o.beta - 1) * o.L[b]);
      Gamma(a, b) = o.k * y_pow * (l == 0 ? o.beta : std::expm1(o.beta * l) / std::expm1(l));
    }
  return Gamma;
}

// dS of the Ogden part along dC.
Mat3 ogden_dS(const OgdenStress& o, const Mat3& Gamma, const Mat3& dC) {
  return o.Q * Gamma.cwiseProduct(o.Q.transpose() * dC * o.Q) * o.Q.transpose();
}
}  // namespace

NeoHookean NeoHookean::from_young_poisson(double E, double nu) {
  NeoHookean m;
  m.mu_Pa = E / (2.0 * (1.0 + nu));
  m.lambda_Pa = E * nu / ((1.0 + nu) * (1.0 - 2.0 * nu));
  return m;
}

double NeoHookean::youngs_modulus_Pa() const {
  return mu_Pa * (3.0 * lambda_Pa + 2.0 * mu_Pa) / (lambda_Pa + mu_Pa);
}

double NeoHookean::poisson_ratio() const { return lambda_Pa / (2.0 * (lambda_Pa + mu_Pa)); }

double NeoHookean::energy_density(const Mat3& F) const {
  const double J = F.determinant();
  if (!(J > 0)) return std::numeric_limits<double>::infinity();
  const double lnJ = std::log(J);
  double W = -log_J_coefficient() * lnJ + 0.5 * lambda_Pa * lnJ * lnJ;
  if (!is_ogden()) {
    W += 0.5 * mu_Pa * (F.squaredNorm() - 3.0);
  } else {
    const Eigen::Vector3d c = Eigen::SelfAdjointEigenSolver<Mat3>(F.transpose() * F, Eigen::EigenvaluesOnly).eigenvalues();
    const double a = ogden_alpha;  // l_i^a = c_i^(a/2)
    W += 2 * mu_Pa / (a * a) * ((c.array().log() * (a / 2)).exp().sum() - 3.0);
  }
  for (int i = 0; i < n_fibres; ++i) {
    const double e = (F * fibre_dir[i]).squaredNorm() - 1.0;
    if (e > 0) W += 0.5 * fibre_k_Pa * e * e;
  }
  return W;
}

Mat3 NeoHookean::pk1(const Mat3& F) const {
  const Mat3 FinvT = F.inverse().transpose();
  const double lnJ = std::log(F.determinant());
  Mat3 P = (lambda_Pa * lnJ - log_J_coefficient()) * FinvT;
  P += is_ogden() ? Mat3(F * ogden_stress(F, mu_Pa, ogden_alpha).S) : Mat3(mu_Pa * F);
  for (int i = 0; i < n_fibres; ++i) {
    const Eigen::Vector3d& a = fibre_dir[i];
    const Eigen::Vector3d Fa = F * a;
    const double e = Fa.squaredNorm() - 1.0;
    if (e > 0) P += 2.0 * fibre_k_Pa * e * Fa * a.transpose();
  }
  return P;
}

Mat3 NeoHookean::dpk1(const Mat3& F, const Mat3& F_inv, double log_J, const Mat3& dF) const {
  // d(F^{-T}) = -F^{-T} dF^T F^{-T};  d(ln J) = tr(F^{-1} dF).
  const Mat3 FinvT = F_inv.transpose();
  const Mat3 dFinvT = -FinvT * dF.transpose() * FinvT;
  const double dlnJ = (F_inv * dF).trace();
  Mat3 dP = -log_J_coefficient() * dFinvT + lambda_Pa * (dlnJ * FinvT + log_J * dFinvT);
  if (!is_ogden()) {
    dP += mu_Pa * dF;
  } else {
    const OgdenStress o = ogden_stress(F, mu_Pa, ogden_alpha);
    dP += dF * o.S + F * ogden_dS(o, ogden_gamma(o), dF.transpose() * F + F.transpose() * dF);
  }
  for (int i = 0; i < n_fibres; ++i) {
    const Eigen::Vector3d& a = fibre_dir[i];
    const Eigen::Vector3d Fa = F * a, dFa = dF * a;
    const double e = Fa.squaredNorm() - 1.0;
    if (e > 0) dP += 2.0 * fibre_k_Pa * (e * dFa + 2.0 * Fa.dot(dFa) * Fa) * a.transpose();
  }
  return dP;
}

Eigen::Matrix<double, 12, 12> NeoHookean::tet_tangent(const Mat3& F, const Mat3& F_inv, double log_J,
                                                      const Eigen::Matrix<double, 4, 3>& G, double V) const {
  const Eigen::Matrix<double, 4, 3> H = G * F_inv;  // row a: h_a^T = g_a^T F^{-1}
  OgdenStress o;
  Mat3 Gamma;
  if (is_ogden()) o = ogden_stress(F, mu_Pa, ogden_alpha), Gamma = ogden_gamma(o);
  const Eigen::Matrix4d GG = is_ogden() ? Eigen::Matrix4d(V * G * o.S * G.transpose()) : Eigen::Matrix4d(V * mu_Pa * G * G.transpose());
  const double c = V * (log_J_coefficient() - lambda_Pa * log_J), l = V * lambda_Pa;
  Eigen::Matrix<double, 12, 12> K;
  for (int a = 0; a < 4; ++a)
    for (int b = 0; b < 4; ++b) {
      const Eigen::Vector3d ha = H.row(a).transpose(), hb = H.row(b).transpose();
      Mat3 Kab = c * hb * ha.transpose() + l * ha * hb.transpose();
      Kab.diagonal().array() += GG(a, b);
      K.block<3, 3>(3 * a, 3 * b) = Kab;
    }
  if (is_ogden())  // F dS g_a along dF = e_j g_b^T, where dC = g_b u^T + u g_b^T, u = F^T e_j
    for (int b = 0; b < 4; ++b)
      for (int j = 0; j < 3; ++j) {
        const Eigen::Vector3d g = G.row(b).transpose(), u = F.row(j).transpose();
        const Mat3 FdS = V * F * ogden_dS(o, Gamma, g * u.transpose() + u * g.transpose());
        for (int a = 0; a < 4; ++a) K.block<3, 1>(3 * a, 3 * b + j) += FdS * G.row(a).transpose();
      }
  for (int i = 0; i < n_fibres; ++i) {
    const Eigen::Vector3d& d = fibre_dir[i];
    const Eigen::Vector3d Fa = F * d;
    const double e = Fa.squaredNorm() - 1.0;
    if (!(e > 0)) continue;
    Mat3 M = 2.0 * Fa * Fa.transpose();
    M.diagonal().array() += e;
    const Eigen::Vector4d ga = G * d;  // a.g_a per node
    for (int a = 0; a < 4; ++a)
      for (int b = 0; b < 4; ++b) K.block<3, 3>(3 * a, 3 * b) += (2.0 * fibre_k_Pa * V * ga[a] * ga[b]) * M;
  }
  return K;
}

}  // namespace backroll
