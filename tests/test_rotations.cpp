// Exact finite rotations in the solver (fem/rotation.h, fem/quasi_static.h): the exponential and
// logarithm maps, a body turned by any angle carrying its tissue without strain, joints that read
// the exact relative rotation, a gradient and tangent that are the energy's true derivatives at a
// turned configuration, and Newton's quadratic convergence through a large rotation.
#include <catch2/catch.hpp>

#include <Eigen/Geometry>
#include <cmath>
#include <memory>
#include <iostream>
#include <sstream>

#include "fem/fem_terms.h"
#include "fem/quasi_static.h"
#include "gear/roller.h"
#include "dense_tangent.h"

using namespace backroll;

namespace {

constexpr double kPi = 3.14159265358979323846;

Mat3 turn(double deg, const Vec3& axis) { return Eigen::AngleAxisd(deg * kPi / 180, axis.normalized()).toRotationMatrix(); }

// Two soft blocks (2 x 2 x 2 cm, 1 cm grid), each with its bottom layer riding on a body; body 0
// is held to the ground and body 1 to body 0 by joints with springs in every direction (one
// bilinear, two-sided, in turned axes). Gravity on the tissue, each body's weight off its origin
// and a torque: every term that turns with a body.
FemModel two_blocks() {
  FemModel m;
  for (int blk = 0; blk < 2; ++blk) {
    const double x0 = 0.05 * blk;
    append_structured(m.mesh, 3, 3, 3, false, 0, [&](int i, int j, int k) { return Vec3(x0 + 0.01 * i, 0.01 * j, 0.01 * k); });
    RigidBody b;
    b.rest_position_m = Vec3(x0 + 0.01, 0.01, -0.005);
    b.load_offset_m = Vec3(0.004, -0.003, -0.006);
    b.applied_force_N = Vec3(0.3, -0.2, -2.0);
    b.applied_torque_Nm = Vec3(0.01, 0.02 * blk, -0.015);
    m.rigid_bodies.push_back(b);
  }
  const int nn = m.mesh.n_nodes();
  m.tet_material.assign(m.mesh.n_tets(), NeoHookean::from_young_poisson(20e3, 0.4));
  m.node_dof.assign(nn, {kFixed, kFixed, kFixed});
  m.node_force_N.assign(nn, Vec3(0, 0, -0.01));
  m.node_body.assign(nn, -1);
  int nd = 0;
  for (int n = 0; n < nn; ++n) {
    if (m.mesh.X[n].z() < 1e-12) m.node_body[n] = m.mesh.X[n].x() < 0.04 ? 0 : 1;
    else for (int c = 0; c < 3; ++c) m.node_dof[n][c] = nd++;
  }
  for (RigidBody& b : m.rigid_bodies)
    for (int c = 0; c < 6; ++c) b.dof[c] = nd++;
  m.n_dofs = nd;
  Joint ground;
  ground.body_b = 0;
  ground.point_m = m.rigid_bodies[0].rest_position_m;
  ground.translational_N_per_m = Vec3(2e3, 3e3, 4e3);
  ground.rotational_Nm_per_rad = Vec3(0.5, 0.7, 0.9);
  m.joints.push_back(ground);
  Joint link;
  link.body_a = 0;
  link.body_b = 1;
  link.point_m = Vec3(0.04, 0.01, -0.005);
  link.axes = turn(25, Vec3(1, 2, 3));
  link.translational_N_per_m = Vec3(1e3, 2e3, 1.5e3);
  link.rotational_Nm_per_rad = Vec3(0.3, 0.4, 0.5);
  link.stiffen_axis = 1;
  link.stiffen_after_rad = 0.05;
  link.stiffened_Nm_per_rad = 1.2;
  link.opposite_Nm_per_rad = 0.2;
  m.joints.push_back(link);
  m.finalize();
  return m;
}

// The state in which every node and body of the model is moved by x -> R x + t, or, with
// `only_body`, just that body and the free nodes of its block.
FemState rigidly_moved(const FemModel& m, const Mat3& R, const Vec3& t, int only_body = -1) {
  FemState st;
  st.reset(m);
  const Eigen::AngleAxisd aa(R);
  for (int n = 0; n < m.mesh.n_nodes(); ++n) {
    if (only_body >= 0 && (m.mesh.X[n].x() < 0.04) != (only_body == 0)) continue;
    const Vec3 d = R * m.mesh.X[n] + t - m.mesh.X[n];
    for (int c = 0; c < 3; ++c)
      if (m.node_dof[n][c] >= 0) st.u[m.node_dof[n][c]] = d[c];
  }
  for (size_t b = 0; b < m.rigid_bodies.size(); ++b) {
    if (only_body >= 0 && static_cast<int>(b) != only_body) continue;
    const RigidBody& rb = m.rigid_bodies[b];
    const Vec3 c = R * rb.rest_position_m + t - rb.rest_position_m;
    for (int k = 0; k < 3; ++k) {
      st.u[rb.dof[k]] = c[k];
      st.u[rb.dof[3 + k]] = aa.angle() * aa.axis()[k];
    }
  }
  return st;
}

// two_blocks with each block's top pressing on a tilted plane carried by the other block's body
// (facets, as the tissue on a spinous process): 5 mm into it at rest.
FemModel two_blocks_on_facets() {
  FemModel m = two_blocks();
  const Vec3 n = Vec3(0.2, -0.1, 1).normalized();
  for (int body = 0; body < 2; ++body) {
    RigidContactSet cs;
    cs.body = body;
    for (int k = 0; k < m.mesh.n_nodes(); ++k) {
      const Vec3& X = m.mesh.X[k];
      if (X.z() < 0.02 - 1e-12 || (X.x() < 0.04) == (body == 0)) continue;  // the other block's top
      cs.slave_nodes.push_back(k);
      cs.penalty_N_per_m.push_back(1e3);
      cs.facet_normal.push_back(n);
      cs.facet_point_m.push_back(X - m.rigid_bodies[body].rest_position_m + 0.005 / n.z() * Vec3::UnitZ());
    }
    m.rigid_contacts.push_back(cs);
  }
  m.finalize();
  return m;
}

// two_blocks with a knobbed wheel (a patterned roller, 3 cm radius, axis along x, free in all six
// dofs) pressing 6 mm into block 0's top through a foam layer with friction, and held to body 0
// by a joint whose row 1 is its rolling slip: a curved shape on a turning body, friction with its
// slip measured against the wheel's turning surface, and a wheel's joint row.
FemModel two_blocks_under_a_wheel() {
  FemModel m = two_blocks();
  RollerSpec spec;
  spec.diameter_m = 0.06;
  spec.length_m = 0.1;
  spec.pattern = RollerPattern::Knobs;
  spec.pattern_height_m = 0.002;
  spec.pattern_pitch_m = 0.04;
  spec.pattern_around = 8;
  RigidBody w;
  w.shape = std::make_shared<RollerShape>(spec);
  w.rest_position_m = Vec3(0.01, 0.01, 0.02 + 0.03 - 0.006);
  for (int c = 0; c < 6; ++c) w.dof[c] = m.n_dofs++;
  m.rigid_bodies.push_back(w);
  Joint axle;
  axle.body_a = 0;
  axle.body_b = 2;
  axle.point_m = w.rest_position_m;
  axle.translational_N_per_m = Vec3(1e3, 2e3, 3e3);
  axle.rotational_Nm_per_rad = Vec3(0.1, 0.2, 0.3);
  axle.rolling_radius_m = 0.03;
  m.joints.push_back(axle);
  RigidContactSet cs;
  cs.body = 2;
  cs.compliant = true;
  cs.friction = 0.6;
  cs.friction_slip_m = 2e-3;
  for (int k = 0; k < m.mesh.n_nodes(); ++k)
    if (m.mesh.X[k].z() > 0.02 - 1e-12 && m.mesh.X[k].x() < 0.04) {
      cs.slave_nodes.push_back(k);
      cs.penalty_N_per_m.push_back(1e3);
    }
  m.rigid_contacts.push_back(cs);
  m.finalize();
  return m;
}

double elastic_energy(const FemModel& m, const FemState& st) {
  FemState unloaded = st;
  for (Vec3& f : unloaded.inputs.node_force_N) f.setZero();
  for (Vec3& f : unloaded.inputs.body_force_N) f.setZero();
  for (Vec3& f : unloaded.inputs.body_torque_Nm) f.setZero();
  FemModel no_joints = m;
  no_joints.joints.clear();
  return fem_terms::evaluate(no_joints, unloaded, unloaded.u, 1.0, false, false).energy;
}

}  // namespace

TEST_CASE("rotation maps: exp and log are inverse, exact at 0 and up to 180 degrees", "[unit][rotation]") {
  for (double deg : {0.0, 1e-7, 0.01, 2.7, 14.3, 45.0, 90.0, 135.0, 179.0, 180.0})
    for (const Vec3& axis : {Vec3(1, 0, 0), Vec3(0, 1, 0), Vec3(0, 0, 1), Vec3(1, -2, 0.5).normalized()}) {
      const Vec3 theta = deg * kPi / 180 * axis;
      const rotation::Quatd q = rotation::exp_map(theta);
      const Mat3 R = rotation::to_matrix(q);
      INFO(deg << " deg");
      CHECK((R - turn(deg, axis)).norm() < 1e-15);
      CHECK((rotation::rotate(q, Vec3(0.3, -0.1, 0.7)) - R * Vec3(0.3, -0.1, 0.7)).norm() < 1e-15);
      if (deg < 180) CHECK((rotation::log_map(q) - theta).norm() < 1e-14);
      else CHECK(std::abs(rotation::log_map(q).norm() - kPi) < 1e-14);  // +axis or -axis: the same turn
    }
}

TEST_CASE("rotations: a rigid motion of the whole model gives no strain, no elastic force, no joint motion",
          "[unit][rotation]") {
  const FemModel m = two_blocks();
  for (const Vec3& axis : {Vec3(1, 0, 0), Vec3(0, 1, 0), Vec3(0, 0, 1)})
    for (double deg : {0.0, 2.7, 14.3, 45.0, 90.0, 135.0, 180.0}) {
      const FemState st = rigidly_moved(m, turn(deg, axis), Vec3(0.2, -0.1, 0.3));
      INFO(deg << " deg about (" << axis.transpose() << ")");
      CHECK(std::abs(elastic_energy(m, st)) < 1e-15);
      double f = 0;
      for (const Vec3& v : internal_forces(m, st)) f = std::max(f, v.norm());
      CHECK(f < 1e-12);
      const JointState js = joint_state(m, st, 1);  // the link between the bodies (the other holds body 0 to the ground)
      CHECK(js.translation_m.norm() < 1e-15);
      CHECK(js.rotation_rad.norm() < 1e-15);
    }
}

TEST_CASE("rotations: each body turned alone with its tissue: no strain, and its joint reads the exact turn",
          "[unit][rotation]") {
  const FemModel m = two_blocks();
  const Vec3 axis = Vec3(0.3, -1, 0.4).normalized();
  for (double deg : {5.0, 60.0, 120.0, 179.0}) {
    // Body 1 and its block turned about the link's point: only the link moves, by exactly that turn.
    const Vec3 p = m.joints[1].point_m;
    const Mat3 R = turn(deg, axis);
    const FemState st = rigidly_moved(m, R, p - R * p, 1);
    INFO(deg << " deg");
    CHECK(std::abs(elastic_energy(m, st)) < 1e-15);
    const JointState js = joint_state(m, st, 1);
    CHECK(js.translation_m.norm() < 1e-15);
    CHECK((js.rotation_rad - m.joints[1].axes * (deg * kPi / 180 * axis)).norm() < 1e-13);
    CHECK(joint_state(m, st, 0).rotation_rad.norm() == 0);
    // Body 0 and its block turned about its origin: the ground joint reads the turn, and the link
    // (carried by body 0) reads body 1 turned back the other way.
    const Vec3 o = m.rigid_bodies[0].rest_position_m;
    const FemState s0 = rigidly_moved(m, R, o - R * o, 0);
    CHECK(std::abs(elastic_energy(m, s0)) < 1e-15);
    CHECK((joint_state(m, s0, 0).rotation_rad - deg * kPi / 180 * axis).norm() < 1e-13);
    CHECK((joint_state(m, s0, 1).rotation_rad + m.joints[1].axes * (deg * kPi / 180 * axis)).norm() < 1e-13);
  }
}

TEST_CASE("rotations: the gradient and tangent are the energy's derivatives at a turned configuration",
          "[unit][rotation]") {
  // Without contact, and with each block pressing on a plane its neighbour's body carries
  // (a facet turning with that body: the contact's gap, force and tangent follow the turn).
  const int variant = GENERATE(0, 1, 2);
  const bool facets = variant == 1, wheel = variant == 2;
  INFO((facets ? "with facets" : wheel ? "with a knobbed wheel and friction" : "without contact"));
  const FemModel m = facets ? two_blocks_on_facets() : wheel ? two_blocks_under_a_wheel() : two_blocks();
  // A configuration far from rest: both bodies turned and shifted, the tissue strained, the
  // link's stiffened side engaged.
  FemState st = rigidly_moved(m, turn(70, Vec3(1, 1, 0)), Vec3(0.01, 0.02, -0.01));
  Eigen::VectorXd noise = Eigen::VectorXd::Zero(m.n_dofs);
  for (int d = 0; d < m.n_dofs; ++d) noise[d] = 1e-3 * std::sin(1.7 * d + 0.3);
  st.u += noise;
  for (int c = 0; c < 3; ++c) st.u[m.rigid_bodies[1].dof[3 + c]] += 0.08 * std::cos(c + 0.5);
  st.fold_rotations(m);  // theta = 0: the derivatives are with respect to small turns from here
  for (std::vector<double>& lam : st.rigid_mult) lam.assign(lam.size(), 0.5);  // multipliers in play
  if (wheel) {  // lagged normal forces, turned and of different sizes
    std::vector<Vec3>& Nn = st.friction_normal.back();
    Nn.resize(m.rigid_contacts.back().n_slaves());
    for (size_t i = 0; i < Nn.size(); ++i) Nn[i] = (0.4 + 0.1 * i) * Vec3(0.1 * std::sin(i), -0.2, 1).normalized();
  }
  const fem_terms::Eval ev = fem_terms::evaluate(m, st, st.u, 1.0, true, true);
  if (facets || wheel) {  // every slave pressing, none near letting go (the energy is smooth there)
    for (const std::vector<double>& lam : ev.rigid_lam)
      for (double l : lam) REQUIRE(l > (wheel ? 0.01 : 1.0));
  }
  const Eigen::MatrixXd H = dense_tangent(m, ev);
  if (!wheel) CHECK(ev.trip_neg.empty());
  auto E = [&](const Eigen::VectorXd& du) { return fem_terms::evaluate(m, st, st.u + du, 1.0, false, false).energy; };
  const double h = 1e-5;
  double g_err = 0, g_max = 0, h_err = 0, h_max = 0;
  for (int k = 0; k < m.n_dofs; ++k) {
    Eigen::VectorXd ek = Eigen::VectorXd::Zero(m.n_dofs);
    ek[k] = h;
    g_err = std::max(g_err, std::abs((E(ek) - E(-ek)) / (2 * h) - ev.grad[k]));
    g_max = std::max(g_max, std::abs(ev.grad[k]));
  }
  // The tangent against second differences of the energy: every entry of the bodies' rotation
  // block (where the geometric terms live, small beside the tissue's stiffness: checked on
  // their own scale), and whole columns for every body dof and a few tissue dofs.
  std::vector<int> rot;
  for (const RigidBody& b : m.rigid_bodies)
    for (int c = 3; c < 6; ++c) rot.push_back(b.dof[c]);
  auto fd_entry = [&](int k, int l) {
    Eigen::VectorXd a = Eigen::VectorXd::Zero(m.n_dofs), b = a;
    a[k] = h;
    b[l] = h;
    return (E(a + b) - E(a - b) - E(b - a) + E(-a - b)) / (4 * h * h);
  };
  double r_err = 0, r_max = 0;
  for (int k : rot)
    for (int l : rot) {
      r_err = std::max(r_err, std::abs(fd_entry(k, l) - H(k, l)));
      r_max = std::max(r_max, std::abs(H(k, l)));
    }
  INFO("rotation block: largest " << r_max << ", error " << r_err);
  CHECK(r_err < 1e-5 * r_max);
  std::vector<int> columns = {0, 7, m.n_dofs / 2};  // some tissue dofs and every body dof
  for (const RigidBody& b : m.rigid_bodies) columns.insert(columns.end(), b.dof.begin(), b.dof.end());
  for (int k : columns) {
    for (int l = 0; l < m.n_dofs; ++l) {
      h_err = std::max(h_err, std::abs(fd_entry(k, l) - H(k, l)));
      h_max = std::max(h_max, std::abs(H(k, l)));
    }
  }
  INFO("gradient: largest " << g_max << ", error " << g_err << "; tangent: largest " << h_max << ", error " << h_err);
  CHECK(g_err < 1e-6 * g_max);
  CHECK(h_err < 1e-4 * h_max);
  CHECK((H - H.transpose()).norm() < 1e-12 * H.norm());
}

TEST_CASE("rotations: Newton converges quadratically through a large rotation", "[unit][rotation]") {
  // Body 1's link made soft in rotation and its weight hung 5 cm off its origin: it swings down
  // through a large angle. (Its torque removed: a constant torque is not conservative under a
  // finite rotation, fem/quasi_static.h.)
  FemModel m = two_blocks();
  m.joints[1].rotational_Nm_per_rad = Vec3::Constant(0.02);
  m.joints[1].stiffen_axis = -1;
  m.rigid_bodies[1].load_offset_m = Vec3(0.0, 0.05, 0.0);
  for (RigidBody& b : m.rigid_bodies) b.applied_torque_Nm.setZero();
  FemState st;
  st.reset(m);
  SolverSettings s;
  s.residual_rtol = 1e-12;
  const SolveReport r = solve_equilibrium(m, st, s);
  std::ostringstream hist;
  for (double v : r.residual_history) hist << v << " ";
  INFO("residual history (N): " << hist.str() << "; link turned " << joint_state(m, st, 1).rotation_rad.norm() * 180 / kPi << " deg");
  REQUIRE(r.converged);
  CHECK(joint_state(m, st, 1).rotation_rad.norm() > 60 * kPi / 180);
  // The last steps: each residual at most about the square of the one before (relative to the first).
  const std::vector<double>& h = r.residual_history;
  REQUIRE(h.size() >= 3);
  const double r0 = h.front();
  const size_t n = h.size();
  const double a = h[n - 3] / r0, b = h[n - 2] / r0, c = h[n - 1] / r0;
  CHECK(b < 1e-3);
  CHECK(c <= 10 * b * b + 1e-13);
  CHECK(b <= 10 * a * a + 1e-13);
}
