#include <catch2/catch.hpp>

#include <Eigen/LU>
#include <cmath>
#include <limits>

#include "fem/neo_hookean.h"

using namespace backroll;

namespace {
// At F, by central differences (step 1e-7): pk1 against the energy (Approx with the given relative
// and absolute tolerances) and dpk1 against pk1 (relative 1e-6), for every component of F; then a
// tet's tangent in closed form against dpk1.
void check_derivatives(const NeoHookean& m, const Mat3& F, double stress_epsilon, double stress_margin_Pa) {
  const Mat3 P = m.pk1(F);
  const double h = 1e-7;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      Mat3 Fp = F, Fm = F;
      Fp(i, j) += h;
      Fm(i, j) -= h;
      const double dW = (m.energy_density(Fp) - m.energy_density(Fm)) / (2 * h);
      CHECK(dW == Approx(P(i, j)).epsilon(stress_epsilon).margin(stress_margin_Pa));
      Mat3 dF = Mat3::Zero();
      dF(i, j) = 1;
      const Mat3 dP = m.dpk1(F, F.inverse(), std::log(F.determinant()), dF);
      const Mat3 dP_fd = (m.pk1(Fp) - m.pk1(Fm)) / (2 * h);
      CHECK((dP - dP_fd).norm() < 1e-6 * dP.norm());
    }
  // A tet's tangent in closed form against dpk1 along each node's motion: d f_a / d x_b with
  // f_a = V P g_a and dF = e_j g_b^T, on a tet of no special shape.
  Eigen::Matrix<double, 4, 3> X;
  X << 0, 0, 0, 0.011, 0.001, -0.002, 0.002, 0.009, 0.001, 0.001, 0.003, 0.012;
  Mat3 Dm;
  for (int k = 0; k < 3; ++k) Dm.col(k) = (X.row(k + 1) - X.row(0)).transpose();
  const Mat3 Dinv = Dm.inverse();
  Eigen::Matrix<double, 4, 3> G;
  G.bottomRows<3>() = Dinv;
  G.row(0) = -Dinv.colwise().sum();
  const double V = std::abs(Dm.determinant()) / 6;
  const Eigen::Matrix<double, 12, 12> K = m.tet_tangent(F, F.inverse(), std::log(F.determinant()), G, V);
  Eigen::Matrix<double, 12, 12> K_ref;
  for (int b = 0; b < 4; ++b)
    for (int j = 0; j < 3; ++j) {
      Mat3 dF = Mat3::Zero();
      dF.row(j) = G.row(b);
      const Eigen::Matrix<double, 3, 4> df = V * m.dpk1(F, F.inverse(), std::log(F.determinant()), dF) * G.transpose();
      for (int a = 0; a < 4; ++a) K_ref.block<3, 1>(3 * a, 3 * b + j) = df.col(a);
    }
  CHECK((K - K_ref).norm() < 1e-12 * K_ref.norm());
  CHECK((K - K.transpose()).norm() < 1e-12 * K.norm());  // the energy's Hessian: symmetric
}
}  // namespace


TEST_CASE("Neo-Hookean reduces to Hooke's law at small strain", "[unit][material]") {
  const double E = 50e3, nu = 0.3;
  const NeoHookean m = NeoHookean::from_young_poisson(E, nu);
  CHECK(m.youngs_modulus_Pa() == Approx(E));
  CHECK(m.poisson_ratio() == Approx(nu));
  // Uniaxial stress: stretch e along x, lateral strain -nu e, stress E e (first order).
  const double e = 1e-6;
  Mat3 F = Mat3::Identity();
  F(0, 0) += e;
  F(1, 1) -= nu * e;
  F(2, 2) -= nu * e;
  const Mat3 P = m.pk1(F);
  CHECK(P(0, 0) == Approx(E * e).epsilon(1e-5));
  CHECK(std::abs(P(1, 1)) < 1e-5 * E * e);
  CHECK(std::abs(P(2, 2)) < 1e-5 * E * e);
  CHECK(m.pk1(Mat3::Identity()).norm() < 1e-12);
}

TEST_CASE("Neo-Hookean stress is the energy gradient and the tangent its derivative", "[unit][material]") {
  const NeoHookean m = NeoHookean::from_young_poisson(20e3, 0.45);
  Mat3 F;
  F << 1.10, 0.05, -0.02, 0.03, 0.85, 0.04, -0.01, 0.02, 0.97;
  // Approx's default relative tolerance (100 float epsilons), 1e-4 Pa absolute.
  check_derivatives(m, F, std::numeric_limits<float>::epsilon() * 100, 1e-4);
  Mat3 inverted = Mat3::Identity();
  inverted(2, 2) = -1;
  CHECK(std::isinf(m.energy_density(inverted)));
}

TEST_CASE("Fibre-reinforced: stress is the energy gradient, the tangent its derivative", "[unit][material]") {
  NeoHookean m = NeoHookean::from_young_poisson(1.5e6, 0.49);
  m.n_fibres = 2;
  m.fibre_k_Pa = 40e6;
  m.fibre_dir = {Eigen::Vector3d(std::cos(0.5), std::sin(0.5), 0), Eigen::Vector3d(std::cos(0.5), -std::sin(0.5), 0)};
  Mat3 F;  // stretches the first family (I4 = 1.19), shortens the second (I4 = 0.98)
  F << 1.10, 0.05, -0.02, 0.15, 0.95, 0.04, -0.01, 0.02, 0.97;
  CHECK((F * m.fibre_dir[0]).squaredNorm() > 1.0);
  CHECK((F * m.fibre_dir[1]).squaredNorm() < 1.0);
  check_derivatives(m, F, 1e-6, 1e-2);
}

TEST_CASE("Fibres: modulus 4k along them in tension, nothing in compression", "[unit][material]") {
  NeoHookean m = NeoHookean::from_young_poisson(1e6, 0.3);
  const NeoHookean plain = m;
  m.n_fibres = 1;
  m.fibre_k_Pa = 25e6;  // 100 MPa along x
  m.fibre_dir[0] = Eigen::Vector3d::UnitX();
  const double e = 1e-6;
  Mat3 F = Mat3::Identity();
  F(0, 0) += e;
  // The fibre's part of the axial stress at small stretch: 4k e (to first order).
  CHECK(m.pk1(F)(0, 0) - plain.pk1(F)(0, 0) == Approx(4 * 25e6 * e).epsilon(1e-4));
  // Shortened or sheared across them, the fibres add nothing.
  Mat3 C = Mat3::Identity();
  C(0, 0) -= 0.05;
  CHECK((m.pk1(C) - plain.pk1(C)).norm() == 0.0);
  CHECK(m.energy_density(C) == plain.energy_density(C));
  Mat3 S = Mat3::Identity();
  S(1, 2) = 0.1;  // shear in the plane across the fibres: |F a| = 1
  CHECK((m.pk1(S) - plain.pk1(S)).norm() == 0.0);
}

TEST_CASE("Ogden (alpha != 2): stress is the energy gradient, the tangent its derivative; alpha 2 is neo-Hookean",
          "[unit][material]") {
  NeoHookean m = NeoHookean::from_young_poisson(2180, 0.49);  // the fat's
  const NeoHookean neo = m;
  Mat3 F;
  F << 1.10, 0.05, -0.02, 0.03, 0.55, 0.04, -0.01, 0.02, 1.30;
  for (double alpha : {-3.0, -8.0, 5.0}) {
    m.ogden_alpha = alpha;
    INFO("alpha " << alpha);
    CHECK(m.pk1(Mat3::Identity()).norm() < 1e-9);  // stress-free at rest
    check_derivatives(m, F, 1e-6, 1e-4);
    // Two equal stretches (the divided differences at their limit) and all three equal.
    check_derivatives(m, Eigen::Vector3d(0.6, 1.25, 1.25).asDiagonal().toDenseMatrix(), 1e-6, 1e-4);
    check_derivatives(m, 0.9 * Mat3::Identity(), 1e-6, 1e-4);
  }
  // alpha -> 2 is the neo-Hookean form (the Ogden path taken at alpha = 2 + 1e-9).
  m.ogden_alpha = 2 + 1e-9;
  CHECK((m.pk1(F) - neo.pk1(F)).norm() < 1e-6 * neo.pk1(F).norm());
  CHECK(m.energy_density(F) == Approx(neo.energy_density(F)).epsilon(1e-7));
  // The same small-strain Lame parameters whatever alpha: uniaxial stress E e at strain e.
  m.ogden_alpha = -3;
  const double e = 1e-6, nu = m.poisson_ratio();
  Mat3 Fs = Mat3::Identity();
  Fs(0, 0) += e;
  Fs(1, 1) -= nu * e;
  Fs(2, 2) -= nu * e;
  CHECK(m.pk1(Fs)(0, 0) == Approx(m.youngs_modulus_Pa() * e).epsilon(1e-4));
}

TEST_CASE("Ogden alpha -3 stiffens in compression as fat does in vivo (Hatt 2023: G = mu C^-1.18)", "[unit][material]") {
  // Incompressible uniaxial compression C_yy = s^2, the lateral stretches s^-1/2, and a small
  // shear superposed that moves material along the compression (y) across it (x): the shear
  // modulus d^2 W / d gamma^2, against Hatt et al. 2023's fit over their compressions (C_yy
  // 0.5-1). Taken at nu = 0.4999 (nearly incompressible) along an isochoric path.
  NeoHookean m = NeoHookean::from_young_poisson(2180, 0.4999);
  m.ogden_alpha = -3;
  const NeoHookean neo = NeoHookean::from_young_poisson(2180, 0.4999);
  auto shear_modulus = [](const NeoHookean& mat, double C_yy) {
    const double s = std::sqrt(C_yy), h = 1e-4;
    const Mat3 F0 = Eigen::Vector3d(1 / std::sqrt(s), s, 1 / std::sqrt(s)).asDiagonal();
    auto W = [&](double g) {
      Mat3 S = Mat3::Identity();
      S(1, 0) = g;  // y moves with x (isochoric)
      return mat.energy_density(S * F0);
    };
    return (W(h) - 2 * W(0) + W(-h)) / (h * h);
  };
  for (double C : {0.5, 0.6, 0.7, 0.8, 0.9}) {
    INFO("C_yy " << C);
    CHECK(shear_modulus(m, C) == Approx(m.mu_Pa * std::pow(C, -1.18)).epsilon(0.03));
  }
  // Neo-Hookean at the same mu stiffens too, but less: 62 % of the data at C_yy = 0.5.
  CHECK(shear_modulus(neo, 0.5) < 0.65 * neo.mu_Pa * std::pow(0.5, -1.18));
}
