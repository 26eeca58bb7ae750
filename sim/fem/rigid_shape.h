// Rigid contact shapes as exact signed-distance functions (negative inside), in the shape's
// local frame. The contact solver needs a gap that is exact and smooth near zero; Bullet's
// GJK/EPA returns the same distance outside a convex shape but only an approximate one inside
// (EPA on a curved surface), so these are the functions the solver calls, and a test checks
// them against Bullet's btGjkEpaSolver2::SignedDistance on the matching btCollisionShape.
#pragma once

#include <Eigen/Core>

namespace backroll {

using Vec3 = Eigen::Vector3d;

class RigidShape {
 public:
  virtual ~RigidShape() = default;
  // Signed distance (m) from p (local frame) to the surface; *normal gets its gradient (a unit
  // vector for an exact distance function).
  virtual double signed_distance(const Vec3& p, Vec3* normal) const = 0;
  // The distance's second derivative (1/m), for the contact tangent's curvature term; by default
  // central differences of the gradient (step 1e-5 m).
  virtual Eigen::Matrix3d hessian(const Vec3& p) const;
  // A cheap lower bound on signed_distance(p): where it is positive the point is certainly
  // outside, and a contact that carries no force there may skip the exact call. The default
  // (-infinity) never skips.
  virtual double distance_lower_bound(const Vec3& p) const;
};

// A solid cylinder whose axis is the local z axis, centred at the origin.
class CylinderShape final : public RigidShape {
 public:
  CylinderShape(double radius_m, double half_length_m) : r_(radius_m), h_(half_length_m) {}
  double signed_distance(const Vec3& p, Vec3* normal) const override;
  double radius_m() const { return r_; }
  double half_length_m() const { return h_; }

 private:
  double r_, h_;
};

// A solid sphere centred at the origin.
class SphereShape final : public RigidShape {
 public:
  explicit SphereShape(double radius_m) : r_(radius_m) {}
  double signed_distance(const Vec3& p, Vec3* normal) const override;

 private:
  double r_;
};

}  // namespace backroll

namespace backroll {

// A floor: the half-space n . p <= 0 (its top the plane through the local origin with unit
// normal n, by default +z).
class FloorShape final : public RigidShape {
 public:
  explicit FloorShape(const Vec3& normal = Vec3::UnitZ()) : n_(normal.normalized()) {}
  double signed_distance(const Vec3& p, Vec3* normal) const override {
    if (normal) *normal = n_;
    return n_.dot(p);
  }
  Eigen::Matrix3d hessian(const Vec3&) const override { return Eigen::Matrix3d::Zero(); }

 private:
  Vec3 n_;
};

}  // namespace backroll
