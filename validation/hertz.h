// Analytic Hertz contact (K. L. Johnson, Contact Mechanics, 1985, ch. 4): the reference the
// contact core is validated against. Valid for small contact size (a/R << 1), thick bodies,
// frictionless contact and linear elasticity.
#pragma once

#include <cmath>

namespace backroll::hertz {

// Effective modulus of two bodies: 1/E* = (1 - nu1^2)/E1 + (1 - nu2^2)/E2. A rigid body has
// E = infinity (pass E2 <= 0 for rigid).
inline double effective_modulus(double E1, double nu1, double E2 = 0, double nu2 = 0) {
  double inv = (1 - nu1 * nu1) / E1;
  if (E2 > 0) inv += (1 - nu2 * nu2) / E2;
  return 1.0 / inv;
}

struct LineContact {
  double half_width_m;  // a = sqrt(4 F' R / (pi E*))
  double peak_Pa;       // p0 = sqrt(F' E* / (pi R)) = 2 F' / (pi a)
};
inline LineContact line(double force_per_length_N_per_m, double radius_m, double E_star) {
  const double a = std::sqrt(4 * force_per_length_N_per_m * radius_m / (M_PI * E_star));
  return {a, 2 * force_per_length_N_per_m / (M_PI * a)};
}

struct PointContact {
  double radius_m;  // a = (3 F R / (4 E*))^(1/3)
  double peak_Pa;   // p0 = 3 F / (2 pi a^2)
};
inline PointContact sphere(double force_N, double radius_m, double E_star) {
  const double a = std::cbrt(3 * force_N * radius_m / (4 * E_star));
  return {a, 3 * force_N / (2 * M_PI * a * a)};
}

}  // namespace backroll::hertz
