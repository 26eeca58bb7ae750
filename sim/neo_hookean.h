// Compressible Neo-Hookean solid, the textbook form (e.g. Bonet & Wood, Nonlinear Continuum
// Mechanics for Finite Element Analysis, eq. 6.27):
//
//   W(F) = mu/2 (tr(F^T F) - 3) - mu ln J + lambda/2 (ln J)^2,   J = det F,
//
// which reduces to linear elasticity with Lame parameters (mu, lambda) at small strain, so
// E and nu map one-to-one: mu = E / (2 (1 + nu)), lambda = E nu / ((1 + nu)(1 - 2 nu)).
// (Bullet's btDeformableNeoHookeanForce is the "stable Neo-Hookean" of Smith et al. 2018,
// whose parameters do not map this way; see README.)
#pragma once

#include <Eigen/Core>

namespace backroll {

using Mat3 = Eigen::Matrix3d;

struct NeoHookean {
  double mu_Pa = 0;      // shear modulus (Pa)
  double lambda_Pa = 0;  // first Lame parameter (Pa)

  static NeoHookean from_young_poisson(double youngs_modulus_Pa, double poisson_ratio);
  double youngs_modulus_Pa() const;
  double poisson_ratio() const;

  // Strain energy density (J/m^3); +infinity where J <= 0 (inverted element).
  double energy_density(const Mat3& F) const;
  // First Piola-Kirchhoff stress dW/dF (Pa).
  Mat3 pk1(const Mat3& F) const;
  // Directional derivative of pk1 at F along dF (the exact tangent), given F^{-1} and ln J.
  Mat3 dpk1(const Mat3& F_inv, double log_J, const Mat3& dF) const;
};

}  // namespace backroll
