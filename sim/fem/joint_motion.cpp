// A joint's relative motion, exact at any rotation, and its derivatives by automatic
// differentiation (Eigen's AutoDiffScalar, nested once for the second derivatives): the same
// templated code gives the value the energy uses and the tangent Newton needs, so they cannot
// disagree (fem/fem_terms.h).
#include "fem/fem_terms.h"

#include <Eigen/Core>
#include <unsupported/Eigen/AutoDiff>

namespace backroll {
namespace fem_terms {

namespace {

using rotation::Quat;
template <class S>
using V3 = Eigen::Matrix<S, 3, 1>;

// A body's frame as the joint sees it: rotation from rest, origin now, origin at rest.
template <class S>
struct Frame {
  Quat<S> q;
  V3<S> origin;
  Vec3 rest;
};

// Body b's motion relative to body a at the joint's point, in a's frame, along the joint's axes:
// the displacement of the point carried by b from the point carried by a, then the rotation
// vector of a's rotation undone from b's.
template <class S>
Eigen::Matrix<S, 6, 1> relative_motion(const Joint& j, const Frame<S>& a, const Frame<S>& b) {
  const V3<S> xb = b.origin + rotation::rotate(b.q, V3<S>((j.point_m - b.rest).template cast<S>()));
  const V3<S> xa = a.origin + rotation::rotate(a.q, V3<S>((j.point_m - a.rest).template cast<S>()));
  const V3<S> d = rotation::rotate(rotation::conjugate(a.q), V3<S>(xb - xa));
  const V3<S> phi = rotation::log_map(rotation::multiply(rotation::conjugate(a.q), b.q));
  const Eigen::Matrix<S, 3, 3> A = j.axes.template cast<S>();
  Eigen::Matrix<S, 6, 1> out;
  out.template head<3>() = A * d;
  out.template tail<3>() = A * phi;
  return out;
}

// Body `b`'s frame in the pose (index -1: the ground, fixed at the origin).
Frame<double> frame_of(const FemModel& m, const Pose& pose, int b) {
  if (b < 0) return {rotation::identity(), Vec3::Zero(), Vec3::Zero()};
  return {pose.q[b], pose.origin[b], m.rigid_bodies[b].rest_position_m};
}

using Inner = Eigen::AutoDiffScalar<Eigen::Matrix<double, 12, 1>>;
using Outer = Eigen::AutoDiffScalar<Eigen::Matrix<Inner, 12, 1>>;

// Local variable k (0-11) seeded at value zero: first and second derivative parts set.
Outer variable(int k) {
  Outer z;
  z.value() = Inner(0.0, Eigen::Matrix<double, 12, 1>::Unit(k));
  z.derivatives().setConstant(Inner(0.0));
  z.derivatives()[k] = Inner(1.0);
  return z;
}

Outer constant(double v) {
  Outer z;
  z.value() = Inner(v);
  z.derivatives().setConstant(Inner(0.0));
  return z;
}

// A frame moved by the local variables from `first`: translation, then a small spatial rotation.
Frame<Outer> moved(const Frame<double>& f, int first) {
  V3<Outer> dc, dth;
  for (int c = 0; c < 3; ++c) dc[c] = variable(first + c), dth[c] = variable(first + 3 + c);
  Quat<Outer> q0{constant(f.q.w), V3<Outer>()};
  V3<Outer> o;
  for (int c = 0; c < 3; ++c) q0.v[c] = constant(f.q.v[c]), o[c] = constant(f.origin[c]) + dc[c];
  return {rotation::multiply(rotation::exp_map(dth), q0), o, f.rest};
}

}  // namespace

JointMotion joint_motion(const FemModel& m, const Pose& pose, const Joint& j, bool derivatives) {
  JointMotion jm;
  const Frame<double> a = frame_of(m, pose, j.body_a), b = frame_of(m, pose, j.body_b);
  if (!derivatives) {
    jm.delta = relative_motion(j, a, b);
    return jm;
  }
  for (int side = 0; side < 2; ++side) {
    const int body = side == 0 ? j.body_a : j.body_b;
    for (int k = 0; k < 6; ++k) jm.dof[6 * side + k] = body < 0 ? kFixed : m.rigid_bodies[body].dof[k];
  }
  const Eigen::Matrix<Outer, 6, 1> r = relative_motion(j, moved(a, 0), moved(b, 6));
  for (int row = 0; row < 6; ++row) {
    jm.delta[row] = r[row].value().value();
    jm.jac.row(row) = r[row].value().derivatives().transpose();
    for (int k = 0; k < 12; ++k) jm.hess[row].row(k) = r[row].derivatives()[k].derivatives().transpose();
  }
  return jm;
}

}  // namespace fem_terms
}  // namespace backroll
