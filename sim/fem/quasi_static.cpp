#include "fem/quasi_static.h"

#include <Eigen/Geometry>
#include <Eigen/LU>
#include <Eigen/Eigenvalues>
#include <Eigen/CholmodSupport>
#include <Eigen/SparseCholesky>
#include <algorithm>
#include <chrono>
#include <mutex>
#include <omp.h>
#include <dlfcn.h>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace backroll {

void FemModel::finalize() {
  const int nn = mesh.n_nodes(), nt = mesh.n_tets();
  if (static_cast<int>(tet_material.size()) != nt)
    throw std::invalid_argument("FemModel: one material per tet expected");
  if (static_cast<int>(node_dof.size()) != nn || static_cast<int>(node_force_N.size()) != nn)
    throw std::invalid_argument("FemModel: node_dof and node_force_N need one entry per node");
  tet_volume_m3.resize(nt);
  tet_grad.resize(nt);
  for (int t = 0; t < nt; ++t) {
    const Tet& e = mesh.tets[t];
    Mat3 Dm;
    for (int a = 0; a < 3; ++a) Dm.col(a) = mesh.X[e[a + 1]] - mesh.X[e[0]];
    const double V = Dm.determinant() / 6.0;
    if (!(V > 0)) throw std::runtime_error("FemModel: inverted or degenerate tetrahedron " + std::to_string(t));
    const Mat3 Dinv = Dm.inverse();
    Eigen::Matrix<double, 4, 3> G;
    G.block<3, 3>(1, 0) = Dinv;  // row a = grad N_a for a = 1..3
    G.row(0) = -Dinv.colwise().sum();
    tet_volume_m3[t] = V;
    tet_grad[t] = G;
  }
  const int nb = static_cast<int>(rigid_bodies.size());
  if (!node_body.empty() && static_cast<int>(node_body.size()) != nn)
    throw std::invalid_argument("FemModel: node_body needs one entry per node (or none)");
  node_kin.assign(nn, {});
  for (int i = 0; i < nn; ++i) {
    NodeKinematics& k = node_kin[i];
    const int b = node_body.empty() ? -1 : node_body[i];
    if (b >= nb) throw std::invalid_argument("FemModel: node attached to a missing body");
    if (b >= 0) {
      for (int c = 0; c < 3; ++c)
        if (node_dof[i][c] != kFixed)
          throw std::invalid_argument("FemModel: a node attached to a body cannot have own dofs");
      const RigidBody& rb = rigid_bodies[b];
      const Vec3 r = mesh.X[i] - rb.rest_position_m;
      Mat3 rx;  // theta x r = -[r]x theta
      rx << 0, r.z(), -r.y(), -r.z(), 0, r.x(), r.y(), -r.x(), 0;
      for (int d = 0; d < 6; ++d)
        if (rb.dof[d] >= 0) {
          k.dof[k.n] = rb.dof[d];
          k.J.col(k.n) = d < 3 ? Vec3(Vec3::Unit(d)) : Vec3(rx.col(d - 3));
          ++k.n;
        }
    } else {
      for (int c = 0; c < 3; ++c)
        if (node_dof[i][c] >= 0) {
          k.dof[k.n] = node_dof[i][c];
          k.J.col(k.n) = Vec3::Unit(c);
          ++k.n;
        }
    }
  }
  build_elastic_pattern();
  body_anchors.assign(nb, 0);
  for (int i = 0; i < nn; ++i)
    if (!node_body.empty() && node_body[i] >= 0) body_anchors[node_body[i]] = 1;
  for (const Joint& j : joints) {
    if (j.body_a < -1 || j.body_a >= nb || j.body_b < -1 || j.body_b >= nb || j.body_a == j.body_b)
      throw std::invalid_argument("FemModel: joint '" + j.name + "' joins missing bodies");
    for (int b : {j.body_a, j.body_b})
      if (b >= 0) body_anchors[b] = 1;
  }
  for (const RigidContactSet& c : rigid_contacts) {
    if (c.n_slaves() != c.penalty_N_per_m.size() || c.body < 0 ||
        c.body >= static_cast<int>(rigid_bodies.size()))
      throw std::invalid_argument("FemModel: bad rigid contact set");
    for (int d = 3; d < 6; ++d)
      if (rigid_bodies[c.body].dof[d] >= 0)
        throw std::invalid_argument("FemModel: a contact shape's body must not rotate");
  }
  for (const SurfaceContactSet& c : surface_contacts)
    if (c.slave_nodes.size() != c.penalty_N_per_m.size())
      throw std::invalid_argument("FemModel: bad surface contact set");
}

void FemModel::build_elastic_pattern() {
  TangentPattern& tp = elastic_pattern;
  tp = {};
  tp.n = n_dofs;
  for (const NodeKinematics& k : node_kin)
    for (int d = 0; d < k.n; ++d)
      if (k.dof[d] >= n_dofs) throw std::invalid_argument("FemModel: a dof beyond n_dofs");
  // Node adjacency through the tets, then each column's rows from its node's neighbours' dofs.
  const int nn = mesh.n_nodes();
  std::vector<std::vector<int>> adj(nn);
  for (const Tet& e : mesh.tets)
    for (int a = 0; a < 4; ++a)
      for (int b = 0; b < 4; ++b) adj[e[a]].push_back(e[b]);
  std::vector<std::vector<int>> rows(n_dofs);
  for (int j = 0; j < nn; ++j) {
    std::sort(adj[j].begin(), adj[j].end());
    adj[j].erase(std::unique(adj[j].begin(), adj[j].end()), adj[j].end());
    const NodeKinematics& kj = node_kin[j];
    for (int q = 0; q < kj.n; ++q)
      for (int i : adj[j])
        for (int p = 0; p < node_kin[i].n; ++p) rows[kj.dof[q]].push_back(node_kin[i].dof[p]);
  }
  tp.outer.assign(n_dofs + 1, 0);
  for (int c = 0; c < n_dofs; ++c) {
    std::sort(rows[c].begin(), rows[c].end());
    rows[c].erase(std::unique(rows[c].begin(), rows[c].end()), rows[c].end());
    tp.outer[c + 1] = tp.outer[c] + static_cast<int>(rows[c].size());
    tp.inner.insert(tp.inner.end(), rows[c].begin(), rows[c].end());
  }
  // The slots, in evaluate()'s order.
  auto place = [&](int r, int c) {
    const auto b = tp.inner.begin() + tp.outer[c], e = tp.inner.begin() + tp.outer[c + 1];
    return static_cast<int>(std::lower_bound(b, e, r) - tp.inner.begin());
  };
  for (const Tet& e : mesh.tets)
    for (int a = 0; a < 4; ++a)
      for (int b = 0; b < 4; ++b) {
        const NodeKinematics &ka = node_kin[e[a]], &kb = node_kin[e[b]];
        for (int p = 0; p < ka.n; ++p)
          for (int q = 0; q < kb.n; ++q) tp.slot.push_back(place(ka.dof[p], kb.dof[q]));
      }
}

FemInputs FemInputs::of(const FemModel& m) {
  FemInputs in;
  in.node_force_N = m.node_force_N;
  for (const RigidBody& b : m.rigid_bodies) {
    in.body_force_N.push_back(b.applied_force_N);
    in.body_torque_Nm.push_back(b.applied_torque_Nm);
    in.body_pose.push_back({b.rest_position_m, Mat3::Identity()});
  }
  return in;
}

double FemInputs::load_scale_N() const {
  double s = 0;
  for (const Vec3& f : node_force_N) s += f.norm();
  for (size_t b = 0; b < body_force_N.size(); ++b) s += body_force_N[b].norm() + body_torque_Nm[b].norm() / 0.1;
  return s;  // a torque counts as a force on a 10 cm lever
}

void FemState::reset(const FemModel& m) {
  const size_t nb = m.rigid_bodies.size();
  if (inputs.node_force_N.size() != static_cast<size_t>(m.mesh.n_nodes()) || inputs.body_force_N.size() != nb ||
      inputs.body_torque_Nm.size() != nb || inputs.body_pose.size() != nb)
    inputs = FemInputs::of(m);
  u = Eigen::VectorXd::Zero(m.n_dofs);
  rigid_mult.assign(m.rigid_contacts.size(), {});
  for (size_t i = 0; i < m.rigid_contacts.size(); ++i)
    rigid_mult[i].assign(m.rigid_contacts[i].n_slaves(), 0.0);
  surface_mult.assign(m.surface_contacts.size(), {});
  for (size_t i = 0; i < m.surface_contacts.size(); ++i)
    surface_mult[i].assign(m.surface_contacts[i].slave_nodes.size(), 0.0);
}

namespace {

using Triplet = Eigen::Triplet<double>;

std::vector<Vec3> positions_of(const FemModel& m, const Eigen::VectorXd& u) {
  std::vector<Vec3> x(m.mesh.X);
  for (int i = 0; i < m.mesh.n_nodes(); ++i) {
    const FemModel::NodeKinematics& k = m.node_kin[i];
    for (int d = 0; d < k.n; ++d) x[i] += k.J.col(d) * u[k.dof[d]];
  }
  return x;
}

Vec3 rigid_rot_of(const FemModel& m, const Eigen::VectorXd& u, int b) {
  Vec3 t = Vec3::Zero();
  for (int c = 0; c < 3; ++c)
    if (m.rigid_bodies[b].dof[3 + c] >= 0) t[c] = u[m.rigid_bodies[b].dof[3 + c]];
  return t;
}

// One scalar row of a joint: delta = sum coef * u[dof], as (dof, coef) pairs.
using Row = std::vector<std::pair<int, double>>;

void add_body_row(const FemModel& m, int b, double sign, const Vec3& point, const Vec3& e,
                  bool rotational, Row& row) {
  if (b < 0) return;
  const RigidBody& rb = m.rigid_bodies[b];
  const Vec3 re = (point - rb.rest_position_m).cross(e);  // d(e . theta x r)/d theta
  for (int c = 0; c < 3; ++c) {
    if (!rotational && rb.dof[c] >= 0) row.emplace_back(rb.dof[c], sign * e[c]);
    if (rb.dof[3 + c] >= 0) row.emplace_back(rb.dof[3 + c], sign * (rotational ? e[c] : re[c]));
  }
}

// The six rows of joint j: translations along its axes, then rotations about them.
std::array<Row, 6> joint_rows(const FemModel& m, const Joint& j) {
  std::array<Row, 6> rows;
  for (int r = 0; r < 6; ++r) {
    const Vec3 e = j.axes.row(r % 3).transpose();
    add_body_row(m, j.body_b, +1, j.point_m, e, r >= 3, rows[r]);
    add_body_row(m, j.body_a, -1, j.point_m, e, r >= 3, rows[r]);
  }
  return rows;
}

double row_value(const Row& row, const Eigen::VectorXd& u) {
  double v = 0;
  for (const auto& [d, c] : row) v += c * u[d];
  return v;
}

// Spring energy, force dE/ddelta and stiffness of one joint row at relative motion delta.
struct SpringEval {
  double energy, force, stiffness;
};
SpringEval spring(const Joint& j, int r, double delta) {
  const double k = r < 3 ? j.translational_N_per_m[r] : j.rotational_Nm_per_rad[r - 3];
  if (r - 3 != j.stiffen_axis || r < 3) return {0.5 * k * delta * delta, k * delta, k};
  const double y = j.stiffen_sign * delta, y0 = j.stiffen_after_rad;
  if (y < 0 && j.opposite_Nm_per_rad > 0) {
    const double ko = j.opposite_Nm_per_rad;
    return {0.5 * ko * y * y, ko * delta, ko};
  }
  if (y <= y0) return {0.5 * k * y * y, k * delta, k};
  const double k2 = j.stiffened_Nm_per_rad, dy = y - y0;
  return {0.5 * k * y0 * y0 + k * y0 * dy + 0.5 * k2 * dy * dy, j.stiffen_sign * (k * y0 + k2 * dy), k2};
}

Vec3 rigid_pos_of(const FemModel& m, const FemInputs& in, const Eigen::VectorXd& u, int b) {
  Vec3 p = in.body_pose[b].origin_m;
  for (int c = 0; c < 3; ++c)
    if (m.rigid_bodies[b].dof[c] >= 0) p[c] += u[m.rigid_bodies[b].dof[c]];
  return p;
}

// Closest point on triangle (a, b, c) to p, as barycentric weights (Ericson, Real-Time
// Collision Detection, sec. 5.1.5).
Eigen::Vector3d closest_barycentric(const Vec3& p, const Vec3& a, const Vec3& b, const Vec3& c) {
  const Vec3 ab = b - a, ac = c - a, ap = p - a;
  const double d1 = ab.dot(ap), d2 = ac.dot(ap);
  if (d1 <= 0 && d2 <= 0) return {1, 0, 0};
  const Vec3 bp = p - b;
  const double d3 = ab.dot(bp), d4 = ac.dot(bp);
  if (d3 >= 0 && d4 <= d3) return {0, 1, 0};
  const double vc = d1 * d4 - d3 * d2;
  if (vc <= 0 && d1 >= 0 && d3 <= 0) {
    const double v = d1 / (d1 - d3);
    return {1 - v, v, 0};
  }
  const Vec3 cp = p - c;
  const double d5 = ab.dot(cp), d6 = ac.dot(cp);
  if (d6 >= 0 && d5 <= d6) return {0, 0, 1};
  const double vb = d5 * d2 - d1 * d6;
  if (vb <= 0 && d2 >= 0 && d6 <= 0) {
    const double w = d2 / (d2 - d6);
    return {1 - w, 0, w};
  }
  const double va = d3 * d6 - d5 * d4;
  if (va <= 0 && (d4 - d3) >= 0 && (d5 - d6) >= 0) {
    const double w = (d4 - d3) / ((d4 - d3) + (d5 - d6));
    return {0, 1 - w, w};
  }
  const double denom = 1.0 / (va + vb + vc);
  const double v = vb * denom, w = vc * denom;
  return {1 - v - w, v, w};
}

// A rigid shape seen from the model's frame, its body turned by R: the shape's own functions at
// R^T p, the gradient and curvature turned back. Unturned (R = I: every roller) it calls the shape
// directly.
class PosedShape {
 public:
  PosedShape(const RigidShape& s, const Mat3& R) : s_(s), R_(R), turned_(!R.isIdentity(0)) {}
  double signed_distance(const Vec3& p, Vec3* normal) const {
    if (!turned_) return s_.signed_distance(p, normal);
    const double g = s_.signed_distance(R_.transpose() * p, normal);
    if (normal) *normal = R_ * *normal;
    return g;
  }
  Mat3 hessian(const Vec3& p) const {
    return turned_ ? Mat3(R_ * s_.hessian(R_.transpose() * p) * R_.transpose()) : s_.hessian(p);
  }
  double distance_lower_bound(const Vec3& p) const {
    return s_.distance_lower_bound(turned_ ? Vec3(R_.transpose() * p) : p);
  }

 private:
  const RigidShape& s_;
  Mat3 R_;
  bool turned_;
};

// The inputs fit the model, and only placed bodies are moved or turned.
void check_inputs(const FemModel& m, const FemInputs& in) {
  const size_t nb = m.rigid_bodies.size();
  if (in.node_force_N.size() != static_cast<size_t>(m.mesh.n_nodes()) || in.body_force_N.size() != nb ||
      in.body_torque_Nm.size() != nb || in.body_pose.size() != nb)
    throw std::invalid_argument("FemInputs: one entry per node and per rigid body expected");
  for (size_t b = 0; b < nb; ++b) {
    const BodyPose& p = in.body_pose[b];
    const bool moved = p.origin_m != m.rigid_bodies[b].rest_position_m, turned = !p.rotation.isIdentity(0);
    if ((moved || turned) && m.body_anchors[b])
      throw std::invalid_argument("FemInputs: a body that carries tissue or joints cannot be placed");
    for (int d = 3; d < 6; ++d)
      if (turned && m.rigid_bodies[b].dof[d] >= 0)
        throw std::invalid_argument("FemInputs: a body with free rotations cannot be turned");
  }
}

// Gradient of one gap function: a list of (dof, coefficient) pairs.
struct GapGrad {
  std::vector<std::pair<int, double>> e;
  void add_node(const FemModel& m, int node, double w, const Vec3& n) {
    const FemModel::NodeKinematics& k = m.node_kin[node];
    for (int d = 0; d < k.n; ++d) e.emplace_back(k.dof[d], w * n.dot(k.J.col(d)));
  }
  void add_rigid(const FemModel& m, int body, double w, const Vec3& n) {
    for (int c = 0; c < 3; ++c)
      if (m.rigid_bodies[body].dof[c] >= 0) e.emplace_back(m.rigid_bodies[body].dof[c], w * n[c]);
  }
};

struct Eval {
  double energy = 0;
  Eigen::VectorXd grad;
  std::vector<double> k_elastic;  // the tets' tangent, in FemModel::elastic_pattern's places
  std::vector<Triplet> trip;      // the rest of the tangent: joints, contacts
  std::vector<Triplet> trip_neg;  // the contact curvature's negative semi-definite part
  double max_penetration = 0;
  std::vector<std::vector<double>> rigid_lam, surface_lam;  // contact forces lambda_c (N)
  int active = 0;                                           // active contacts, all sets
};

// ALM contact term for one slave: potential (lam_c^2 - lam_bar^2) / 2k, lam_c = max(0, lam_bar - k g).
// A compliant set passes lam_bar = 0 and counts_gap = false: a plain spring on the penetration.
double contact_term(double g, const GapGrad& gg, double k, double lam_bar, bool want_hess, Eval& ev,
                    bool counts_gap = true) {
  const double lam = std::max(0.0, lam_bar - k * g);
  ev.energy += (lam * lam - lam_bar * lam_bar) / (2.0 * k);
  if (counts_gap) ev.max_penetration = std::max(ev.max_penetration, -g);
  if (lam > 0) {
    ++ev.active;
    for (const auto& [d, c] : gg.e) ev.grad[d] -= lam * c;
    if (want_hess)
      for (const auto& [di, ci] : gg.e)
        for (const auto& [dj, cj] : gg.e) ev.trip.emplace_back(di, dj, k * ci * cj);
  }
  return lam;
}

// Energy (and optionally gradient and Hessian triplets) at displacement u with load factor s.
Eval evaluate(const FemModel& m, const FemState& st, const Eigen::VectorXd& u, double load,
              bool want_grad, bool want_hess) {
  Eval ev;
  ev.grad = Eigen::VectorXd::Zero(m.n_dofs);
  const std::vector<Vec3> x = positions_of(m, u);
  if (want_hess) ev.k_elastic.assign(m.elastic_pattern.inner.size(), 0.0);
  const int* slot = m.elastic_pattern.slot.data();

  // Elasticity.
  for (int t = 0; t < m.mesh.n_tets(); ++t) {
    const Tet& e = m.mesh.tets[t];
    const Eigen::Matrix<double, 4, 3>& G = m.tet_grad[t];
    Mat3 F = Mat3::Zero();
    for (int a = 0; a < 4; ++a) F += x[e[a]] * G.row(a);
    const double W = m.tet_material[t].energy_density(F);
    if (!std::isfinite(W)) {
      ev.energy = std::numeric_limits<double>::infinity();
      return ev;
    }
    const double V = m.tet_volume_m3[t];
    ev.energy += V * W;
    if (!want_grad) continue;
    const Mat3 P = m.tet_material[t].pk1(F);
    const Eigen::Matrix<double, 3, 4> f = V * P * G.transpose();  // column a: dE/dx_a
    for (int a = 0; a < 4; ++a) {
      const FemModel::NodeKinematics& k = m.node_kin[e[a]];
      for (int d = 0; d < k.n; ++d) ev.grad[k.dof[d]] += k.J.col(d).dot(f.col(a));
    }
    if (!want_hess) continue;
    const Mat3 Finv = F.inverse();
    const double lnJ = std::log(F.determinant());
    Eigen::Matrix<double, 12, 12> Ke;  // d(f_a)/d(x_b), node-major blocks
    for (int b = 0; b < 4; ++b)
      for (int j = 0; j < 3; ++j) {
        Mat3 dF = Mat3::Zero();
        dF.row(j) = G.row(b);
        const Eigen::Matrix<double, 3, 4> df = V * m.tet_material[t].dpk1(F, Finv, lnJ, dF) * G.transpose();
        for (int a = 0; a < 4; ++a) Ke.block<3, 1>(3 * a, 3 * b + j) = df.col(a);
      }
    for (int a = 0; a < 4; ++a) {
      const FemModel::NodeKinematics& ka = m.node_kin[e[a]];
      if (ka.n == 0) continue;
      for (int b = 0; b < 4; ++b) {
        const FemModel::NodeKinematics& kb = m.node_kin[e[b]];
        if (kb.n == 0) continue;
        // J's unused columns are zero: fixed-size products (a free node's J is the identity).
        const Eigen::Matrix<double, 6, 6> B =
            ka.J.transpose() * (Ke.block<3, 3>(3 * a, 3 * b) * kb.J).eval();
        for (int p = 0; p < ka.n; ++p)
          for (int q = 0; q < kb.n; ++q) ev.k_elastic[*slot++] += B(p, q);
      }
    }
  }

  // Prescribed loads.
  for (int i = 0; i < m.mesh.n_nodes(); ++i) {
    const FemModel::NodeKinematics& k = m.node_kin[i];
    for (int d = 0; d < k.n; ++d) {
      const double fd = load * st.inputs.node_force_N[i].dot(k.J.col(d));
      ev.energy -= fd * u[k.dof[d]];
      ev.grad[k.dof[d]] -= fd;
    }
  }
  for (size_t bi = 0; bi < m.rigid_bodies.size(); ++bi) {
    const RigidBody& b = m.rigid_bodies[bi];
    for (int c = 0; c < 6; ++c)
      if (b.dof[c] >= 0) {
        const double fd = load * (c < 3 ? st.inputs.body_force_N[bi][c] : st.inputs.body_torque_Nm[bi][c - 3]);
        ev.energy -= fd * u[b.dof[c]];
        ev.grad[b.dof[c]] -= fd;
      }
  }

  // Joints: springs on linear rows of the rigid dofs.
  for (const Joint& j : m.joints) {
    const std::array<Row, 6> rows = joint_rows(m, j);
    for (int r = 0; r < 6; ++r) {
      if (rows[r].empty()) continue;
      const SpringEval sp = spring(j, r, row_value(rows[r], u));
      if (sp.stiffness == 0) continue;
      ev.energy += sp.energy;
      for (const auto& [d, c] : rows[r]) ev.grad[d] += sp.force * c;
      if (want_hess)
        for (const auto& [di, ci] : rows[r])
          for (const auto& [dj, cj] : rows[r]) ev.trip.emplace_back(di, dj, sp.stiffness * ci * cj);
    }
  }

  // Contact against rigid shapes.
  ev.rigid_lam.resize(m.rigid_contacts.size());
  for (size_t s = 0; s < m.rigid_contacts.size(); ++s) {
    const RigidContactSet& cs = m.rigid_contacts[s];
    const Vec3 c = rigid_pos_of(m, st.inputs, u, cs.body);
    const PosedShape shape(*m.rigid_bodies[cs.body].shape, st.inputs.body_pose[cs.body].rotation);
    const size_t nn = cs.slave_nodes.size();
    ev.rigid_lam[s].assign(cs.n_slaves(), 0.0);
    for (size_t i = 0; i < cs.n_slaves(); ++i) {
      // The slave's nodes and weights: one node, or a surface point's three.
      std::array<std::pair<int, double>, 3> who{};
      int nw = 0;
      if (i < nn) {
        who[nw++] = {cs.slave_nodes[i], 1.0};
      } else {
        const SurfacePoint& sp = cs.slave_points[i - nn];
        for (int a = 0; a < 3; ++a) who[nw++] = {sp.node[a], sp.w[a]};
      }
      const Vec3 p = i < nn ? x[cs.slave_nodes[i]] : cs.slave_points[i - nn].position(x);
      // Certainly apart and carrying no multiplier: no force, no energy (skipping is exact).
      const double lam_bar = cs.compliant ? 0.0 : st.rigid_mult[s][i];
      if (lam_bar == 0 && shape.distance_lower_bound(p - c) > 0) continue;
      Vec3 n;
      const double g = shape.signed_distance(p - c, &n);
      GapGrad gg;
      for (int a = 0; a < nw; ++a) gg.add_node(m, who[a].first, who[a].second, n);
      gg.add_rigid(m, cs.body, -1.0, n);
      const double lam = ev.rigid_lam[s][i] =
          cs.compliant ? contact_term(g, gg, cs.penalty_N_per_m[i], 0.0, want_hess, ev, false)
                       : contact_term(g, gg, cs.penalty_N_per_m[i], lam_bar, want_hess, ev);
      // A compliant layer presses in deep, where the shape's curvature turns the force as the
      // point moves: the tangent's curvature term -lam d2g/dx2 (for a rigid surface g ~ 0 and it
      // is left out). Without it Newton converges slowly on a patterned roller.
      if (want_hess && cs.compliant && lam > 0) {
        const Mat3 Hg = -lam * shape.hessian(p - c);
        // Split into its positive and negative semi-definite parts: the negative part (a point
        // sliding off a convex bump) goes to its own triplets, so the solver can drop it when
        // the whole tangent is indefinite. The weights' outer product is semi-definite, so each
        // part keeps its sign over the three nodes.
        Eigen::SelfAdjointEigenSolver<Mat3> eig;
        eig.computeDirect(Hg);
        const Vec3 lp = eig.eigenvalues().cwiseMax(0.0), ln = eig.eigenvalues().cwiseMin(0.0);
        const Mat3 parts[2] = {eig.eigenvectors() * lp.asDiagonal() * eig.eigenvectors().transpose(),
                               eig.eigenvectors() * ln.asDiagonal() * eig.eigenvectors().transpose()};
        for (int part = 0; part < 2; ++part) {
          if (part == 1 && ln.minCoeff() == 0) continue;
          std::vector<Triplet>& out = part == 0 ? ev.trip : ev.trip_neg;
          for (int a = 0; a < nw; ++a)
            for (int b = 0; b < nw; ++b) {
              const FemModel::NodeKinematics& ka = m.node_kin[who[a].first];
              const FemModel::NodeKinematics& kb = m.node_kin[who[b].first];
              const Mat3 B = who[a].second * who[b].second * parts[part];
              for (int q = 0; q < ka.n; ++q)
                for (int r = 0; r < kb.n; ++r)
                  out.emplace_back(ka.dof[q], kb.dof[r], ka.J.col(q).dot(B * kb.J.col(r)));
            }
        }
      }
    }
  }

  // Contact against deformable surfaces (closest point, normal frozen per evaluation).
  ev.surface_lam.resize(m.surface_contacts.size());
  for (size_t s = 0; s < m.surface_contacts.size(); ++s) {
    const SurfaceContactSet& cs = m.surface_contacts[s];
    ev.surface_lam[s].assign(cs.slave_nodes.size(), 0.0);
    Eigen::AlignedBox3d box;
    double edge = 0;
    for (const Tri& f : cs.master_faces) {
      for (int v : f) box.extend(x[v]);
      edge = std::max(edge, (x[f[0]] - x[f[1]]).norm());
    }
    for (size_t i = 0; i < cs.slave_nodes.size(); ++i) {
      const int node = cs.slave_nodes[i];
      const double lam_bar = st.surface_mult[s][i];
      Eigen::AlignedBox3d grown(box.min() - Vec3::Constant(edge), box.max() + Vec3::Constant(edge));
      if (!grown.contains(x[node])) {  // far away: inactive, constant potential
        ev.energy -= lam_bar * lam_bar / (2.0 * cs.penalty_N_per_m[i]);
        continue;
      }
      double best = std::numeric_limits<double>::infinity();
      int best_f = -1;
      Eigen::Vector3d best_w = Eigen::Vector3d::Zero();
      for (size_t f = 0; f < cs.master_faces.size(); ++f) {
        const Tri& tri = cs.master_faces[f];
        const Eigen::Vector3d w = closest_barycentric(x[node], x[tri[0]], x[tri[1]], x[tri[2]]);
        const Vec3 q = w[0] * x[tri[0]] + w[1] * x[tri[1]] + w[2] * x[tri[2]];
        const double d = (x[node] - q).squaredNorm();
        if (d < best) best = d, best_f = static_cast<int>(f), best_w = w;
      }
      const Tri& tri = cs.master_faces[best_f];
      const Vec3 n = (x[tri[1]] - x[tri[0]]).cross(x[tri[2]] - x[tri[0]]).normalized();
      const Vec3 q = best_w[0] * x[tri[0]] + best_w[1] * x[tri[1]] + best_w[2] * x[tri[2]];
      const double g = n.dot(x[node] - q);
      GapGrad gg;
      gg.add_node(m, node, 1.0, n);
      for (int v = 0; v < 3; ++v) gg.add_node(m, tri[v], -best_w[v], n);
      ev.surface_lam[s][i] = contact_term(g, gg, cs.penalty_N_per_m[i], lam_bar, want_hess, ev);
    }
  }
  return ev;
}

// CHOLMOD with the serial OpenBLAS is not safe to call from two threads at once: measured, two
// rollers solved in parallel gave results that changed from run to run (Newton iteration counts
// and the 6th digit), while one thread was bit-identical. The threaded OpenBLAS builds are safe
// to call from several threads; told to use one thread a call, each call runs on its caller,
// as deterministic as the serial build. So every CHOLMOD call (ordering, factorisation, solve)
// takes a process-wide lock unless the BLAS that is loaded says it is a threaded OpenBLAS; any
// other BLAS (reference, BLIS, ...) keeps the lock.
//
// Debian's CHOLMOD is built with OpenMP and a fixed team of 4 threads (CHOLMOD_OMP_NUM_THREADS,
// compiled in, so OMP_NUM_THREADS does not reach it) for its supernodal scatter loops. backroll
// parallelises across cases itself, and on 2 cores those teams' fork/join barriers cost more than
// their loops: measured on the standard roller along T2-L5 on one thread, 20.2 s with the teams,
// 13.8 s without (bit-identical results); a team of 2 took 14.1 s and more CPU. So each thread's
// first use of the lock also makes the OpenMP regions it starts run on itself alone (libgomp keeps
// max-active-levels per thread).
struct BlasInfo {
  bool thread_safe = false;
  std::string config;
};
const BlasInfo& blas_info() {
  static const BlasInfo info = [] {
    BlasInfo b;
    using ConfigFn = char* (*)();
    using ThreadsFn = void (*)(int);
    const auto config = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
    const auto threads = reinterpret_cast<ThreadsFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    b.config = config ? config() : "not OpenBLAS";
    if (config && threads && b.config.find("SINGLE_THREADED") == std::string::npos) {
      threads(1);
      b.thread_safe = true;
    }
    return b;
  }();
  return info;
}

}  // namespace

std::string linear_solver_info() {
  const BlasInfo& b = blas_info();
  return "CHOLMOD supernodal Cholesky; BLAS: " + b.config +
         (b.thread_safe ? " (threaded build, one thread a call: solves run in parallel)"
                        : " (not known thread-safe: one solve at a time)");
}

namespace {

class CholmodLock {
 public:
  CholmodLock() : lock_(mutex(), std::defer_lock) {
    thread_local const bool serial = (omp_set_max_active_levels(0), true);
    (void)serial;
    if (!blas_info().thread_safe) lock_.lock();
  }

 private:
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  std::unique_lock<std::mutex> lock_;
};

double median_penalty(const FemModel& m) {
  std::vector<double> k;
  for (const auto& c : m.rigid_contacts) k.insert(k.end(), c.penalty_N_per_m.begin(), c.penalty_N_per_m.end());
  for (const auto& c : m.surface_contacts) k.insert(k.end(), c.penalty_N_per_m.begin(), c.penalty_N_per_m.end());
  if (k.empty()) return 1.0;
  std::nth_element(k.begin(), k.begin() + k.size() / 2, k.end());
  return k[k.size() / 2];
}

}  // namespace

std::vector<Vec3> node_positions(const FemModel& model, const FemState& state) {
  return positions_of(model, state.u);
}

Vec3 rigid_position(const FemModel& model, const FemState& state, int body) {
  return rigid_pos_of(model, state.inputs, state.u, body);
}

Vec3 rigid_rotation(const FemModel& model, const FemState& state, int body) {
  return rigid_rot_of(model, state.u, body);
}

JointState joint_state(const FemModel& m, const FemState& st, int joint) {
  const Joint& j = m.joints[joint];
  const std::array<Row, 6> rows = joint_rows(m, j);
  JointState js;
  for (int r = 0; r < 6; ++r) {
    const double d = row_value(rows[r], st.u);
    const double f = spring(j, r, d).force;
    if (r < 3) js.translation_m[r] = d, js.force_N[r] = f;
    else js.rotation_rad[r - 3] = d, js.moment_Nm[r - 3] = f;
  }
  return js;
}

std::vector<Vec3> internal_forces(const FemModel& m, const FemState& st) {
  const std::vector<Vec3> x = positions_of(m, st.u);
  std::vector<Vec3> f(m.mesh.n_nodes(), Vec3::Zero());
  for (int t = 0; t < m.mesh.n_tets(); ++t) {
    const Tet& e = m.mesh.tets[t];
    const Eigen::Matrix<double, 4, 3>& G = m.tet_grad[t];
    Mat3 F = Mat3::Zero();
    for (int a = 0; a < 4; ++a) F += x[e[a]] * G.row(a);
    const Eigen::Matrix<double, 3, 4> fe = m.tet_volume_m3[t] * m.tet_material[t].pk1(F) * G.transpose();
    for (int a = 0; a < 4; ++a) f[e[a]] += fe.col(a);
  }
  return f;
}

SolveReport solve_equilibrium(const FemModel& m, FemState& st, const SolverSettings& s) {
  const auto t0 = std::chrono::steady_clock::now();
  SolveReport rep;
  if (st.u.size() != m.n_dofs) st.reset(m);
  check_inputs(m, st.inputs);
  rep.residual_tol_N = s.residual_rtol * std::max(st.inputs.load_scale_N(), 1e-30);
  const double k_reg = median_penalty(m);
  // CHOLMOD supernodal Cholesky (LL^T): an indefinite tangent fails to factorise and gets the
  // diagonal shift below. Its own printing is off: failures are handled here.
  Eigen::CholmodSupernodalLLT<Eigen::SparseMatrix<double>> chol;
  chol.cholmod().print = 0;
  // Relaxed supernode amalgamation: bigger dense blocks for BLAS, a few more flops. Measured on
  // the torso: factorisation 11.3 s -> 7.9 s over a settle (CHOLMOD's defaults: 4/16/48, 0.8/0.1/0.05).
  chol.cholmod().nrelax[0] = 16;
  chol.cholmod().nrelax[1] = 64;
  chol.cholmod().nrelax[2] = 256;
  chol.cholmod().zrelax[0] = 0.9;
  chol.cholmod().zrelax[1] = 0.3;
  chol.cholmod().zrelax[2] = 0.1;
  Eigen::SparseMatrix<double> K(m.n_dofs, m.n_dofs);
  std::vector<int> last_pattern;
  // The elastic part of the tangent in its fixed pattern (columns beyond the pattern's n, dofs
  // added after finalize(), are empty); the rest comes as triplets.
  const FemModel::TangentPattern& tp = m.elastic_pattern;
  size_t entries = 0;
  for (const Tet& e : m.mesh.tets)
    for (int a = 0; a < 4; ++a)
      for (int b = 0; b < 4; ++b) entries += static_cast<size_t>(m.node_kin[e[a]].n) * m.node_kin[e[b]].n;
  if (tp.n > m.n_dofs || tp.outer.size() != static_cast<size_t>(tp.n) + 1 || tp.slot.size() != entries)
    throw std::logic_error("solve_equilibrium: the model changed after finalize()");
  Eigen::SparseMatrix<double> Kel(m.n_dofs, m.n_dofs);
  Kel.resizeNonZeros(static_cast<Eigen::Index>(tp.inner.size()));
  std::copy(tp.outer.begin(), tp.outer.end(), Kel.outerIndexPtr());
  std::fill(Kel.outerIndexPtr() + tp.n + 1, Kel.outerIndexPtr() + m.n_dofs + 1, tp.outer.back());
  std::copy(tp.inner.begin(), tp.inner.end(), Kel.innerIndexPtr());
  Eigen::SparseMatrix<double> Kdyn(m.n_dofs, m.n_dofs);
  double shift_hint = 0;  // diagonal shift carried between Newton steps (see below)

  auto finish = [&](bool ok, const std::string& msg) {
    rep.converged = ok;
    rep.message = msg;
    rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return rep;
  };

  for (int step = 1; step <= s.load_steps; ++step) {
    const double load = static_cast<double>(step) / s.load_steps;
    while (true) {
      auto tic = std::chrono::steady_clock::now();
      auto toc = [&tic](double& acc) {
        const auto now = std::chrono::steady_clock::now();
        acc += std::chrono::duration<double>(now - tic).count();
        tic = now;
      };
      if (s.cancel && s.cancel->load(std::memory_order_relaxed)) {
        rep.cancelled = true;
        return finish(false, "cancelled");
      }
      Eval ev = evaluate(m, st, st.u, load, true, true);
      toc(rep.seconds_evaluate);
      if (!std::isfinite(ev.energy))
        return finish(false, "inverted element in the current state");
      rep.residual_max_N = ev.grad.size() ? ev.grad.cwiseAbs().maxCoeff() : 0.0;
      rep.penetration_max_m = ev.max_penetration;
      if (!std::isfinite(rep.residual_max_N)) return finish(false, "non-finite residual");
      if (rep.residual_max_N <= rep.residual_tol_N) {
        if (ev.max_penetration <= s.gap_tol_m) break;  // converged at this load step
        if (rep.multiplier_updates >= s.max_multiplier_updates)
          return finish(false, "contact multipliers did not converge (penetration above gap_tol_m)");
        // Augmented Lagrangian update: the multiplier takes the current contact force.
        for (size_t c = 0; c < m.rigid_contacts.size(); ++c)
          if (!m.rigid_contacts[c].compliant) st.rigid_mult[c] = ev.rigid_lam[c];
        st.surface_mult = ev.surface_lam;
        ++rep.multiplier_updates;
        continue;
      }
      if (rep.newton_iterations >= s.max_newton) {
        std::ostringstream os;
        os << "Newton did not converge in " << s.max_newton << " iterations (residual "
           << rep.residual_max_N << " N > " << rep.residual_tol_N << " N)";
        rep.iteration_limit = true;
        return finish(false, os.str());
      }
      ++rep.newton_iterations;
      // Before any contact is active a free rigid body has no stiffness: regularise its dofs
      // (this shapes the step only, never the equilibrium that the residual test accepts).
      if (ev.active == 0)
        for (const RigidBody& b : m.rigid_bodies)
          for (int c = 0; c < 6; ++c)
            if (b.dof[c] >= 0) ev.trip.emplace_back(b.dof[c], b.dof[c], c < 3 ? k_reg : k_reg * 1e-2);
      std::copy(ev.k_elastic.begin(), ev.k_elastic.end(), Kel.valuePtr());
      Kdyn.setFromTriplets(ev.trip.begin(), ev.trip.end());
      K = Kel + Kdyn;
      toc(rep.seconds_assemble);
      std::vector<int> pattern(K.innerIndexPtr(), K.innerIndexPtr() + K.nonZeros());
      pattern.insert(pattern.end(), K.outerIndexPtr(), K.outerIndexPtr() + K.outerSize() + 1);
      if (pattern != last_pattern) {
        CholmodLock lock;
        chol.analyzePattern(K);
        last_pattern.swap(pattern);
      }
      // The step, from the first of these that factorises and points downhill:
      //  1. the exact tangent, with the contact curvature's negative part (a point sliding off a
      //     convex bump): Newton's quadratic convergence near the solution;
      //  2. without that negative part (semi-definite by construction, so it fails only if the
      //     tissue's own tangent is indefinite);
      //  3. (2) with a diagonal shift: large compression, a free body. The shift that last worked,
      //     a tenth of it, is tried first, so a run of indefinite steps does not pay for a failed
      //     factorisation each time; it fades once the tangent is definite.
      // Measured on the spiked roller along T2-L5 (16 positions, one thread): shifting the exact
      // tangent took 319 Newton steps and 522 factorisations (62.6 s); this order, 152 and 234
      // (18.7 s). A saddle (the ridge balanced on a spike) gets the lengthening line search below.
      Eigen::VectorXd du;
      bool exact = false;
      auto try_factor = [&](const Eigen::SparseMatrix<double>& A) {
        CholmodLock lock;
        chol.factorize(A);
        ++rep.factorizations;
        if (chol.info() != Eigen::Success) return false;
        du = chol.solve(-ev.grad);
        return du.allFinite() && du.dot(ev.grad) < 0;
      };
      if (!ev.trip_neg.empty()) {
        Eigen::SparseMatrix<double> Kn(m.n_dofs, m.n_dofs);
        Kn.setFromTriplets(ev.trip_neg.begin(), ev.trip_neg.end());
        exact = try_factor(K + Kn);
      }
      const double diag_max = K.diagonal().cwiseAbs().maxCoeff();
      double shift = 0;
      if (exact) {
        shift_hint *= 0.1;
      } else {
        shift = shift_hint >= 1e-9 * diag_max ? shift_hint : 0.0;
        for (int d = 0; shift > 0 && d < m.n_dofs; ++d) K.coeffRef(d, d) += shift;
        bool ok = false;
        for (int attempt = 0; attempt < 8; ++attempt) {
          ok = try_factor(K);
          if (ok) break;
          const double next = shift == 0 ? 1e-6 * diag_max : shift * 10;
          for (int d = 0; d < m.n_dofs; ++d) K.coeffRef(d, d) += next - shift;
          shift = next;
        }
        if (!ok) du.resize(0);
        shift_hint = 0.1 * shift;
        exact = ok && ev.trip_neg.empty() && shift == 0;
      }
      toc(rep.seconds_factorize);
      if (du.size() == 0) return finish(false, "linear solve failed (tangent not positive definite)");
      // Backtracking line search on the energy (Armijo).
      const double slope = du.dot(ev.grad);
      double alpha = 1.0;
      bool accepted = false;
      const double grad_norm = ev.grad.norm();
      for (int ls = 0; ls < 40; ++ls) {
        const Eigen::VectorXd trial = st.u + alpha * du;
        const double e = evaluate(m, st, trial, load, false, false).energy;
        if (std::isfinite(e) && e <= ev.energy + 1e-4 * alpha * slope) {
          accepted = true;
        } else if (std::isfinite(e) && std::abs(e - ev.energy) <= 1e-11 * std::abs(ev.energy)) {
          // Near convergence the energy change drowns in round-off: judge the step by the
          // residual instead.
          accepted = evaluate(m, st, trial, load, true, false).grad.norm() < grad_norm;
        }
        if (accepted) {
          st.u = trial;
          if (alpha == 1.0 && !exact) {
            // A modified tangent (negative curvature dropped or shifted) does not know the
            // step's length: while doubling it keeps lowering the energy, go on (up to 16x).
            // Near a saddle this is what moves the state off it.
            double e_best = e;
            for (int k = 0; k < 4; ++k) {
              const Eigen::VectorXd longer = st.u + alpha * du;
              const double e2 = evaluate(m, st, longer, load, false, false).energy;
              if (!(std::isfinite(e2) && e2 < e_best)) break;
              e_best = e2;
              st.u = longer;
              alpha *= 2;
            }
          }
          break;
        }
        alpha *= 0.5;
      }
      toc(rep.seconds_line_search);
      if (!accepted) return finish(false, "line search failed (no energy decrease along Newton step)");
    }
  }
  return finish(true, "converged");
}

}  // namespace backroll
