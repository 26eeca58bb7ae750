#include "fem/rigid_shape.h"

#include <cmath>
#include <limits>

namespace backroll {

double RigidShape::distance_lower_bound(const Vec3&) const {
  return -std::numeric_limits<double>::infinity();
}

Eigen::Matrix3d RigidShape::hessian(const Vec3& p) const {
  constexpr double h = 1e-5;
  Eigen::Matrix3d H;
  for (int c = 0; c < 3; ++c) {
    Vec3 a = p, b = p, na, nb;
    a[c] += h;
    b[c] -= h;
    signed_distance(a, &na);
    signed_distance(b, &nb);
    H.col(c) = (na - nb) / (2 * h);
  }
  return 0.5 * (H + H.transpose());
}

double CylinderShape::signed_distance(const Vec3& p, Vec3* normal) const {
  const double rho = std::hypot(p.x(), p.y());
  // Radial unit vector; on the axis any radial direction will do (pick -y: "down").
  const Vec3 er = rho > 1e-15 ? Vec3(p.x() / rho, p.y() / rho, 0.0) : Vec3(0, -1, 0);
  const Vec3 ez(0, 0, p.z() >= 0 ? 1.0 : -1.0);
  const double dr = rho - r_;
  const double dz = std::abs(p.z()) - h_;
  if (dr <= 0 && dz <= 0) {  // inside: nearest of mantle and cap
    if (dr >= dz) {
      if (normal) *normal = er;
      return dr;
    }
    if (normal) *normal = ez;
    return dz;
  }
  if (dz <= 0) {  // beside the mantle
    if (normal) *normal = er;
    return dr;
  }
  if (dr <= 0) {  // beyond a cap
    if (normal) *normal = ez;
    return dz;
  }
  const double d = std::hypot(dr, dz);  // beyond the rim
  if (normal) *normal = (dr * er + dz * ez) / d;
  return d;
}

double SphereShape::signed_distance(const Vec3& p, Vec3* normal) const {
  const double n = p.norm();
  if (normal) *normal = n > 1e-15 ? Vec3(p / n) : Vec3(0, -1, 0);
  return n - r_;
}

}  // namespace backroll
