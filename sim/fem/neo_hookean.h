// Compressible Neo-Hookean solid, the textbook form (e.g. Bonet & Wood, Nonlinear Continuum
// Mechanics for Finite Element Analysis, eq. 6.27):
//
//   W(F) = mu/2 (tr(F^T F) - 3) - mu ln J + lambda/2 (ln J)^2,   J = det F,
//
// which reduces to linear elasticity with Lame parameters (mu, lambda) at small strain, so
// E and nu map one-to-one: mu = E / (2 (1 + nu)), lambda = E nu / ((1 + nu)(1 - 2 nu)).
// (Bullet's btDeformableNeoHookeanForce is the "stable Neo-Hookean" of Smith et al. 2018,
// whose parameters do not map this way; see docs/validation.md.)
//
// Or, with ogden_alpha != 2, its one-term Ogden generalisation (compressible, not split):
//
//   W(F) = 2 mu / alpha^2 (l1^alpha + l2^alpha + l3^alpha - 3) - 2 mu / alpha ln J + lambda/2 (ln J)^2,
//
// l_i the principal stretches: alpha = 2 is the form above, and every alpha gives the same small-
// strain Lame parameters (mu, lambda). A negative alpha stiffens the solid in compression: fat
// (Mihai et al. 2015, J R Soc Interface 12:20150486, read: abstract: a subclass of Ogden models fits
// brain and fat, whose shear modulus grows under compression; neo-Hookean does not). The stress
// of the alpha part is the matrix function S = 2 mu / alpha C^(alpha/2 - 1) of C = F^T F, and its
// tangent the Daleckii-Krein formula on C's eigenbasis (divided differences of that power).
//
// Optionally reinforced by up to two families of tension-only fibres (a fascia, a ligament):
//
//   W_f = sum_i k/2 (I4_i - 1)^2  where I4_i = |F a_i|^2 > 1, else 0,
//
// a_i the unit fibre directions in the reference state; a family's small-strain tensile modulus
// along its fibres is 4k. Stretched fibres stiffen the solid; compressed or slack ones add
// nothing, so a fibrous sheet keeps its tensile stiffness without the same stiffness in
// compression and shear.
#pragma once

#include <Eigen/Core>
#include <array>

namespace backroll {

using Mat3 = Eigen::Matrix3d;

struct NeoHookean {
  double mu_Pa = 0;      // shear modulus (Pa)
  double lambda_Pa = 0;  // first Lame parameter (Pa)
  double ogden_alpha = 2;  // 2: neo-Hookean (above); otherwise the one-term Ogden form
  double fibre_k_Pa = 0;                       // k above (Pa), per family
  int n_fibres = 0;                            // 0, 1 or 2 families
  std::array<Eigen::Vector3d, 2> fibre_dir{};  // unit reference directions

  static NeoHookean from_young_poisson(double youngs_modulus_Pa, double poisson_ratio);
  double youngs_modulus_Pa() const;
  double poisson_ratio() const;
  // The same law with its shear terms (mu, the fibres' k) scaled by s and its volume term (lambda)
  // kept: W, P and the tangent are linear in (mu, lambda, k) at a given F, so this is
  // s W_shear + W_volume. s = 1: the law itself; with lambda_Pa = 0 after it: the shear part alone.
  NeoHookean shear_scaled(double s) const {
    NeoHookean m = *this;
    m.mu_Pa *= s;
    m.fibre_k_Pa *= s;
    return m;
  }

  // Strain energy density (J/m^3); +infinity where J <= 0 (inverted element).
  double energy_density(const Mat3& F) const;
  // First Piola-Kirchhoff stress dW/dF (Pa).
  Mat3 pk1(const Mat3& F) const;
  // Directional derivative of pk1 at F along dF (the exact tangent), given F^{-1} and ln J.
  Mat3 dpk1(const Mat3& F, const Mat3& F_inv, double log_J, const Mat3& dF) const;
  // A linear tet's tangent: d f_a / d x_b in node-major 3x3 blocks, for the nodal forces
  // f_a = V P(F) g_a, g_a the shape-function gradients (the rows of G), F = sum_b x_b g_b^T.
  // dpk1 along dF = e_j g_b^T in closed form, h = F^{-T} g:
  //   K_ab = V [mu (g_a.g_b) I + (mu - lambda ln J) h_b h_a^T + lambda h_a h_b^T
  //             + sum over stretched fibres 2k (a.g_a)(a.g_b) ((I4 - 1) I + 2 Fa Fa^T)];
  // with Ogden's alpha, mu (g_a.g_b) I is (g_a.S g_b) I + the derivative of S (above) along
  // each node's motion, and the mu of (mu - lambda ln J) is 2 mu / alpha.
  Eigen::Matrix<double, 12, 12> tet_tangent(const Mat3& F, const Mat3& F_inv, double log_J,
                                            const Eigen::Matrix<double, 4, 3>& G, double V) const;

 private:
  bool is_ogden() const { return ogden_alpha != 2; }
  double log_J_coefficient() const { return is_ogden() ? 2 * mu_Pa / ogden_alpha : mu_Pa; }  // of -ln J
};

}  // namespace backroll
