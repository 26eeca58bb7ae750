#include "fem/neo_hookean.h"

#include <Eigen/LU>
#include <cmath>
#include <limits>

namespace backroll {

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
  double W = 0.5 * mu_Pa * (F.squaredNorm() - 3.0) - mu_Pa * lnJ + 0.5 * lambda_Pa * lnJ * lnJ;
  for (int i = 0; i < n_fibres; ++i) {
    const double e = (F * fibre_dir[i]).squaredNorm() - 1.0;
    if (e > 0) W += 0.5 * fibre_k_Pa * e * e;
  }
  return W;
}

Mat3 NeoHookean::pk1(const Mat3& F) const {
  const Mat3 FinvT = F.inverse().transpose();
  const double lnJ = std::log(F.determinant());
  Mat3 P = mu_Pa * (F - FinvT) + lambda_Pa * lnJ * FinvT;
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
  Mat3 dP = mu_Pa * (dF - dFinvT) + lambda_Pa * (dlnJ * FinvT + log_J * dFinvT);
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
  const Eigen::Matrix4d GG = V * mu_Pa * G * G.transpose();
  const double c = V * (mu_Pa - lambda_Pa * log_J), l = V * lambda_Pa;
  Eigen::Matrix<double, 12, 12> K;
  for (int a = 0; a < 4; ++a)
    for (int b = 0; b < 4; ++b) {
      const Eigen::Vector3d ha = H.row(a).transpose(), hb = H.row(b).transpose();
      Mat3 Kab = c * hb * ha.transpose() + l * ha * hb.transpose();
      Kab.diagonal().array() += GG(a, b);
      K.block<3, 3>(3 * a, 3 * b) = Kab;
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
