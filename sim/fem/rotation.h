// Finite rotations for the solver: unit quaternions, the exponential map from a rotation vector
// and the logarithm back. Written once for any scalar, so the joints' derivatives come from
// automatic differentiation of the same code that gives their values (fem/fem_terms.cpp).
//
// Why quaternions and rotation vectors: a body's orientation is stored as a unit quaternion
// (no drift, no singularity at any angle), and each Newton step turns it by a small rotation
// vector theta applied on the left, q = exp(theta) q0 (a spatial increment). The solver folds
// theta into q0 after every accepted step, so the gradient and the tangent are always taken at
// theta = 0, where the exponential's derivatives are simplest and exact (the second-order term
// of exp(theta) r is theta x (theta x r) / 2).
#pragma once

#include <Eigen/Core>
#include <cmath>

namespace backroll {
namespace rotation {

// A quaternion (w, v) of any scalar; Eigen's Quaternion class needs a plain floating type.
template <class S>
struct Quat {
  S w;
  Eigen::Matrix<S, 3, 1> v;
};

template <class S>
Quat<S> multiply(const Quat<S>& a, const Quat<S>& b) {
  return {a.w * b.w - a.v.dot(b.v), a.w * b.v + b.w * a.v + a.v.cross(b.v)};
}

template <class S>
Quat<S> conjugate(const Quat<S>& q) {
  return {q.w, -q.v};
}

// exp(theta): the rotation by |theta| about theta's direction. Near zero by series in |theta|^2,
// so it and its derivatives of every order are exact and finite at theta = 0.
template <class S>
Quat<S> exp_map(const Eigen::Matrix<S, 3, 1>& theta) {
  using std::cos;
  using std::sin;
  using std::sqrt;
  const S h2 = theta.squaredNorm() / 4.0;  // (half angle)^2
  S c, s;                                   // cos(h) and sin(h) / h
  if (h2 < 1e-4) {
    c = 1.0 - h2 / 2.0 + h2 * h2 / 24.0 - h2 * h2 * h2 / 720.0 + h2 * h2 * h2 * h2 / 40320.0;
    s = 1.0 - h2 / 6.0 + h2 * h2 / 120.0 - h2 * h2 * h2 / 5040.0 + h2 * h2 * h2 * h2 / 362880.0;
  } else {
    const S h = sqrt(h2);
    c = cos(h);
    s = sin(h) / h;
  }
  return {c, theta * S(s / 2.0)};
}

// log(q): the rotation vector (angle in [0, pi], times the axis) of a unit quaternion.
template <class S>
Eigen::Matrix<S, 3, 1> log_map(Quat<S> q) {
  using std::asin;
  using std::sqrt;
  if (q.w < 0) q = {-q.w, -q.v};  // the same rotation, the shorter way
  const S s2 = q.v.squaredNorm();  // sin^2(angle / 2)
  S f;                             // asin(s) / s
  if (s2 < 1e-3) {
    f = 1.0 + s2 * (1.0 / 6 + s2 * (3.0 / 40 + s2 * (5.0 / 112 + s2 * (35.0 / 1152))));
  } else if (s2 < 0.5) {
    const S s = sqrt(s2);
    f = asin(s) / s;
  } else {  // past 90 degrees asin loses precision: angle / 2 = acos(w)
    using std::acos;
    const S s = sqrt(s2);
    f = acos(q.w) / s;
  }
  return q.v * S(2.0 * f);
}

template <class S>
Eigen::Matrix<S, 3, 3> to_matrix(const Quat<S>& q) {
  const S w = q.w, x = q.v[0], y = q.v[1], z = q.v[2];
  Eigen::Matrix<S, 3, 3> R;
  R << 1.0 - 2.0 * (y * y + z * z), 2.0 * (x * y - w * z), 2.0 * (x * z + w * y),  //
      2.0 * (x * y + w * z), 1.0 - 2.0 * (x * x + z * z), 2.0 * (y * z - w * x),    //
      2.0 * (x * z - w * y), 2.0 * (y * z + w * x), 1.0 - 2.0 * (x * x + y * y);
  return R;
}

// Rotate r by q without forming the matrix.
template <class S>
Eigen::Matrix<S, 3, 1> rotate(const Quat<S>& q, const Eigen::Matrix<S, 3, 1>& r) {
  const Eigen::Matrix<S, 3, 1> t = q.v.cross(r) * S(2.0);
  return r + q.w * t + q.v.cross(t);
}

using Quatd = Quat<double>;
inline Quatd identity() { return {1.0, Eigen::Vector3d::Zero()}; }
inline Quatd normalized(const Quatd& q) {
  const double n = std::sqrt(q.w * q.w + q.v.squaredNorm());
  return {q.w / n, q.v / n};
}

}  // namespace rotation
}  // namespace backroll
