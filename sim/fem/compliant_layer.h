// A compliant surface layer on a rigid shape (a roller's foam or rubber over its core): an
// elastic foundation (Winkler) whose pressure is a nonlinear function of the layer's compressive
// strain e = delta / h, delta the contact point's penetration into the shape, h the layer's depth:
//
//   p(e) = E0 phi(e),   phi(e) = P (1 - exp(-e / P)) + B (e / (1 - e))^2,   0 <= e < 1,
//
// E0 the initial modulus (phi'(0) = 1). The first term is linear at small strain and levels off
// at the plateau stress P E0 where a foam's cells buckle (no plateau, P = infinity: the linear
// term e of a solid such as rubber); the second is densification, the cells crushed together,
// and grows without bound as the compression approaches the layer's whole depth: no load can
// push a point through the layer into the core. The shape is that of Avalle, Belingardi &
// Montanini's foam law (Int J Impact Eng 2001, 25:455) with its singularity placed at e = 1.
//
// A contact point stands for an area A of the surface, and its stiffness at zero compression is
// k = A E0 / h (the penalty the contact set stores): force f = k h phi(e), potential k h^2 Phi(e)
// with Phi' = phi, tangent k phi'(e). A layer with depth 0 is the plain linear spring f = k delta.
#pragma once

#include <cmath>
#include <limits>

namespace backroll {

struct CompliantLayer {
  double depth_m = 0;     // h; 0: a linear spring without bound
  double plateau = 0;     // P = plateau stress / E0; 0: none (a solid: phi = e + ...)
  double densify = 0;     // B = densification coefficient / E0

  // The law's normalised pressure, its derivative and its integral at strain e (0 <= e < 1).
  double phi(double e) const {
    return (plateau > 0 ? -plateau * std::expm1(-e / plateau) : e) + densify * square(e / (1 - e));
  }
  double dphi(double e) const {
    return (plateau > 0 ? std::exp(-e / plateau) : 1.0) + 2 * densify * e / cube(1 - e);
  }
  double Phi(double e) const {
    // P e - P^2 (1 - exp(-e/P)) = P^2 (x + expm1(-x)), x = e/P: a series where it cancels.
    double lin = 0.5 * e * e;
    if (plateau > 0) {
      const double x = e / plateau;
      lin = plateau * plateau * (x < 1e-3 ? x * x * (0.5 - x / 6 + x * x / 24) : x + std::expm1(-x));
    }
    // Integral of (e / (1 - e))^2: 1/(1-e) + 2 ln(1-e) - (1-e), zero at e = 0.
    const double y = 1 - e;
    const double dens = e < 1e-3 ? e * e * e * (1.0 / 3 + e / 2) : 1 / y + 2 * std::log(y) - y;
    return lin + densify * dens;
  }

  // A contact point of stiffness k (N/m) compressed by delta (m): its force (N), its stiffness
  // d force / d delta (N/m) and its energy (J); the energy is infinite at or past the layer's depth.
  double force(double k, double delta) const { return depth_m > 0 ? k * depth_m * phi(delta / depth_m) : k * delta; }
  double stiffness(double k, double delta) const { return depth_m > 0 ? k * dphi(delta / depth_m) : k; }
  double energy(double k, double delta) const {
    if (depth_m <= 0) return 0.5 * k * delta * delta;
    if (delta >= depth_m) return std::numeric_limits<double>::infinity();
    return k * depth_m * depth_m * Phi(delta / depth_m);
  }

 private:
  static double square(double v) { return v * v; }
  static double cube(double v) { return v * v * v; }
};

}  // namespace backroll
