// A joint's relative motion, exact at any rotation, and its first and second derivatives with
// respect to small motions of its two bodies (fem/fem_terms.h).
//
// Translation rows: body b's point seen from body a, d = Ra^T (x_b - x_a), whose expansion to
// second order in the small rotations is written out below. Rotation rows: the rotation vector
// phi = log(Ra^T Rb). Turning a by da and b by db changes Ra^T Rb to exp(eta) Ra^T Rb with, by the
// Baker-Campbell-Hausdorff formula, eta = Ra^T (db - da) - (Ra^T da) x (Ra^T db) / 2 + O(3);
// phi(eta) = log(exp(eta) Q) is differentiated twice in its three variables by automatic
// differentiation (Eigen's AutoDiffScalar, nested once) of the same code that gives its value.
#include "fem/fem_terms.h"

#include <Eigen/Core>
#include <unsupported/Eigen/AutoDiff>

namespace backroll {
namespace fem_terms {

namespace {

using Inner = Eigen::AutoDiffScalar<Eigen::Vector3d>;
using Outer = Eigen::AutoDiffScalar<Eigen::Matrix<Inner, 3, 1>>;

Mat3 skew(const Vec3& v) {
  Mat3 S;
  S << 0, -v.z(), v.y(), v.z(), 0, -v.x(), -v.y(), v.x(), 0;
  return S;
}

// log(exp(eta) q) at eta = 0: its value, gradient G (row k: d phi_k / d eta) and Hessians.
struct LogJet {
  Vec3 phi;
  Mat3 G;
  std::array<Mat3, 3> H;
};
LogJet log_jet(const rotation::Quatd& q) {
  Eigen::Matrix<Outer, 3, 1> eta;
  for (int k = 0; k < 3; ++k) {
    eta[k].value() = Inner(0.0, Vec3(Vec3::Unit(k)));
    eta[k].derivatives().setConstant(Inner(0.0, Vec3::Zero()));
    eta[k].derivatives()[k] = Inner(1.0, Vec3::Zero());
  }
  rotation::Quat<Outer> qc{Outer(q.w), Eigen::Matrix<Outer, 3, 1>()};
  for (int k = 0; k < 3; ++k) {
    qc.v[k].value() = Inner(q.v[k], Vec3::Zero());
    qc.v[k].derivatives().setConstant(Inner(0.0, Vec3::Zero()));
  }
  qc.w.value() = Inner(q.w, Vec3::Zero());
  qc.w.derivatives().setConstant(Inner(0.0, Vec3::Zero()));
  const Eigen::Matrix<Outer, 3, 1> phi = rotation::log_map(rotation::multiply(rotation::exp_map(eta), qc));
  LogJet j;
  for (int k = 0; k < 3; ++k) {
    j.phi[k] = phi[k].value().value();
    j.G.row(k) = phi[k].value().derivatives().transpose();
    for (int l = 0; l < 3; ++l) j.H[k].row(l) = phi[k].derivatives()[l].derivatives().transpose();
  }
  return j;
}

}  // namespace

JointMotion joint_motion(const FemModel& m, const Pose& pose, const Joint& j, bool derivatives) {
  JointMotion jm;
  // Each body's rotation, origin and lever to the joint's point (the ground: fixed at rest).
  auto frame = [&](int b, rotation::Quatd* q, Mat3* R, Vec3* o, Vec3* r) {
    *q = b < 0 ? rotation::identity() : pose.q[b];
    *R = b < 0 ? Mat3::Identity() : pose.R[b];
    *o = b < 0 ? Vec3::Zero() : pose.origin[b];
    *r = j.point_m - (b < 0 ? Vec3::Zero() : m.rigid_bodies[b].rest_position_m);
  };
  rotation::Quatd qa, qb;
  Mat3 Ra, Rb;
  Vec3 oa, ob, ra, rb;
  frame(j.body_a, &qa, &Ra, &oa, &ra);
  frame(j.body_b, &qb, &Rb, &ob, &rb);
  const Vec3 s = Rb * rb;       // b's lever, turned
  const Vec3 w = ob + s - oa;   // from a's origin to b's point
  const Vec3 d = Ra.transpose() * w - ra;
  const rotation::Quatd rel = rotation::multiply(rotation::conjugate(qa), qb);
  jm.delta.head<3>() = j.axes * d;
  // A wheel's slip (Joint::rolling_radius_m): row 1 plus the radius times rotation row 0.
  const double rho = j.rolling_radius_m;
  if (!derivatives) {
    jm.delta.tail<3>() = j.axes * rotation::log_map(rel);
    jm.delta[1] += rho * jm.delta[3];
    return jm;
  }
  for (int side = 0; side < 2; ++side) {
    const int body = side == 0 ? j.body_a : j.body_b;
    for (int k = 0; k < 6; ++k) jm.dof[6 * side + k] = body < 0 ? kFixed : m.rigid_bodies[body].dof[k];
  }
  // Local variables: 0-2 a's translation, 3-5 a's rotation, 6-8 b's translation, 9-11 b's rotation.
  for (int i = 0; i < 3; ++i) {
    const Vec3 e = Ra * j.axes.row(i).transpose();  // the row's axis in the world
    auto& J = jm.jac;
    J.block<1, 3>(i, 0) = -e.transpose();
    J.block<1, 3>(i, 3) = -w.cross(e).transpose();
    J.block<1, 3>(i, 6) = e.transpose();
    J.block<1, 3>(i, 9) = s.cross(e).transpose();
    Eigen::Matrix<double, 12, 12>& H = jm.hess[i];
    H.setZero();
    H.block<3, 3>(9, 9) = 0.5 * (e * s.transpose() + s * e.transpose()) - e.dot(s) * Mat3::Identity();
    H.block<3, 3>(3, 3) = 0.5 * (e * w.transpose() + w * e.transpose()) - e.dot(w) * Mat3::Identity();
    const Mat3 E = skew(e);
    H.block<3, 3>(3, 6) = E;
    H.block<3, 3>(6, 3) = E.transpose();
    H.block<3, 3>(3, 0) = -E;
    H.block<3, 3>(0, 3) = -E.transpose();
    const Mat3 M = e.dot(s) * Mat3::Identity() - s * e.transpose();
    H.block<3, 3>(3, 9) = M;
    H.block<3, 3>(9, 3) = M.transpose();
  }
  const LogJet lj = log_jet(rel);
  jm.delta.tail<3>() = j.axes * lj.phi;
  for (int i = 0; i < 3; ++i) {
    const Eigen::RowVector3d g = j.axes.row(i) * lj.G;  // d row / d eta
    Mat3 h = Mat3::Zero();
    for (int k = 0; k < 3; ++k) h += j.axes(i, k) * lj.H[k];
    const Eigen::RowVector3d gw = g * Ra.transpose();
    jm.jac.block<1, 3>(3 + i, 3) = -gw;
    jm.jac.block<1, 3>(3 + i, 9) = gw;
    Eigen::Matrix<double, 12, 12>& H = jm.hess[3 + i];
    H.setZero();
    const Mat3 hw = Ra * h * Ra.transpose();
    H.block<3, 3>(3, 3) = hw;
    H.block<3, 3>(9, 9) = hw;
    const Mat3 mixed = -hw + 0.5 * skew(Ra * g.transpose());
    H.block<3, 3>(3, 9) = mixed;
    H.block<3, 3>(9, 3) = mixed.transpose();
  }
  if (rho != 0) {
    jm.delta[1] += rho * jm.delta[3];
    jm.jac.row(1) += rho * jm.jac.row(3);
    jm.hess[1] += rho * jm.hess[3];
  }
  return jm;
}

}  // namespace fem_terms
}  // namespace backroll
