#include <catch2/catch.hpp>

#include <Eigen/LU>

#include "neo_hookean.h"

using namespace backroll;

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
  const Mat3 P = m.pk1(F);
  const double h = 1e-7;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      Mat3 Fp = F, Fm = F;
      Fp(i, j) += h;
      Fm(i, j) -= h;
      const double dW = (m.energy_density(Fp) - m.energy_density(Fm)) / (2 * h);
      CHECK(dW == Approx(P(i, j)).margin(1e-4));
      Mat3 dF = Mat3::Zero();
      dF(i, j) = 1;
      const Mat3 dP = m.dpk1(F.inverse(), std::log(F.determinant()), dF);
      const Mat3 dP_fd = (m.pk1(Fp) - m.pk1(Fm)) / (2 * h);
      CHECK((dP - dP_fd).norm() < 1e-6 * dP.norm());
    }
  Mat3 inverted = Mat3::Identity();
  inverted(2, 2) = -1;
  CHECK(std::isinf(m.energy_density(inverted)));
}
