// The energy and its derivatives, term by term: elasticity, prescribed loads, joints, contact
// against rigid shapes and against deformable surfaces (fem/fem_terms.h).
#include "fem/fem_terms.h"

#include <Eigen/Eigenvalues>
#include <Eigen/Geometry>
#include <Eigen/LU>
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace backroll {
namespace fem_terms {

Pose bodies_of(const FemModel& m, const FemState& st, const Eigen::VectorXd& u) {
  const size_t nb = m.rigid_bodies.size();
  Pose p;
  p.q.resize(nb);
  p.R.resize(nb);
  p.origin.resize(nb);
  for (size_t b = 0; b < nb; ++b) {
    const std::array<int, 6>& dof = m.rigid_bodies[b].dof;
    Vec3 theta = Vec3::Zero();
    for (int c = 0; c < 3; ++c)
      if (dof[3 + c] >= 0) theta[c] = u[dof[3 + c]];
    rotation::Quatd q0 = b < st.body_rotation.size() ? st.body_rotation[b] : rotation::identity();
    const Mat3& turn = st.inputs.body_pose[b].rotation;  // a placed body's (then q0 is the identity)
    if (!turn.isIdentity(0)) {
      const Eigen::Quaterniond t(turn);
      q0 = rotation::multiply(q0, rotation::Quatd{t.w(), t.vec()});
    }
    p.q[b] = theta == Vec3::Zero() ? q0 : rotation::multiply(rotation::exp_map(theta), q0);
    p.R[b] = rotation::to_matrix(p.q[b]);
    p.origin[b] = rigid_pos_of(m, st.inputs, u, static_cast<int>(b));
  }
  return p;
}

Pose pose_of(const FemModel& m, const FemState& st, const Eigen::VectorXd& u, bool want_kin) {
  Pose p = bodies_of(m, st, u);
  p.x = m.mesh.X;
  for (int i = 0; i < m.mesh.n_nodes(); ++i) {
    const FemModel::NodeKinematics& k = m.node_kin[i];
    if (k.on_body()) {
      p.x[i] = Vec3::Zero();
      for (int r = 0; r < 2 && k.body[r] >= 0; ++r) p.x[i] += k.weight[r] * (p.origin[k.body[r]] + p.R[k.body[r]] * k.lever[r]);
    } else {
      for (int d = 0; d < k.n; ++d) p.x[i] += k.J.col(d) * u[k.dof[d]];
    }
  }
  if (!want_kin) return p;
  p.kin = m.node_kin;
  for (FemModel::NodeKinematics& k : p.kin) {
    if (!k.on_body()) continue;
    std::array<Vec3, 2> r;
    for (int b = 0; b < 2 && k.body[b] >= 0; ++b) r[b] = p.R[k.body[b]] * k.lever[b];
    for (int d = 0; d < k.n; ++d) {
      const int b = k.comp[d] / 6, c = k.comp[d] % 6;
      if (c >= 3) k.J.col(d) = k.weight[b] * Vec3::Unit(c - 3).cross(r[b]);
    }
  }
  return p;
}

SpringEval spring(const Joint& j, int r, double delta) {
  const double k = r < 3 ? j.translational_N_per_m[r] : j.rotational_Nm_per_rad[r - 3];
  if (r == j.push_only_axis && delta > 0) return {0.0, 0.0, 0.0};
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

namespace {
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
}  // namespace

int slave_of(const RigidContactSet& cs, size_t i, std::array<std::pair<int, double>, 3>& who) {
  if (i < cs.slave_nodes.size()) {
    who[0] = {cs.slave_nodes[i], 1.0};
    return 1;
  }
  const SurfacePoint& sp = cs.slave_points[i - cs.slave_nodes.size()];
  for (int a = 0; a < 3; ++a) who[a] = {sp.node[a], sp.w[a]};
  return 3;
}

void check_inputs(const FemModel& m, const FemInputs& in) {
  const size_t nb = m.rigid_bodies.size();
  if (in.node_force_N.size() != static_cast<size_t>(m.mesh.n_nodes()) || in.body_force_N.size() != nb ||
      in.body_torque_Nm.size() != nb || in.body_pose.size() != nb || (!in.slip_reference.empty() && in.slip_reference.size() != nb))
    throw std::invalid_argument("FemInputs: one entry per node and per rigid body expected");
  const size_t nt = static_cast<size_t>(m.mesh.n_tets());
  if (!in.viscous_scale.empty() && (in.viscous_scale.size() != nt || in.viscous_stress_PK2_Pa.size() != nt))
    throw std::invalid_argument("FemInputs: a viscous step needs one scale and one stress per tet");
  for (size_t b = 0; b < nb; ++b) {
    const BodyPose& p = in.body_pose[b];
    const bool moved = p.origin_m != m.rigid_bodies[b].rest_position_m, turned = !p.rotation.isIdentity(0);
    if ((moved || turned) && m.body_carries_tissue[b])
      throw std::invalid_argument("FemInputs: a body that carries tissue cannot be placed");
  }
}

namespace {

// Gradient of one gap function: (dof, coefficient) pairs for the tangent, and the same as a
// direction per node (weight x normal) and per rigid dof for the forces.
struct GapGrad {
  std::vector<std::pair<int, double>> e;
  std::vector<std::pair<int, Vec3>> nodes;
  std::vector<std::pair<int, double>> rigid;
  void add_node(const Pose& p, int node, double w, const Vec3& n) {
    if (!p.kin.empty())
      for (int d = 0; d < p.kin[node].n; ++d) e.emplace_back(p.kin[node].dof[d], w * n.dot(p.kin[node].J.col(d)));
    nodes.emplace_back(node, w * n);
  }
  // The master body's motion: its translation moves the surface along n, its turn (a small
  // spatial rotation about its origin, the slave at lever r from it) by r x n.
  void add_rigid(const FemModel& m, int body, double w, const Vec3& n, const Vec3& r) {
    const Vec3 rn = r.cross(n);
    for (int c = 0; c < 6; ++c) {
      const int d = m.rigid_bodies[body].dof[c];
      if (d < 0) continue;
      const double coef = w * (c < 3 ? n[c] : rn[c - 3]);
      e.emplace_back(d, coef);
      rigid.emplace_back(d, coef);
    }
  }
};

// A slave pressing with force lam (>= 0) along its gap's gradient, with stiffness kt: its force
// on the nodes and bodies and its tangent kt (dg/du)(dg/du)^T.
void push_term(const GapGrad& gg, double lam, double kt, bool want_hess, Eval& ev) {
  ++ev.active;
  for (const auto& [node, dir] : gg.nodes) ev.node_grad[node] -= lam * dir;
  for (const auto& [d, c] : gg.rigid) ev.grad[d] -= lam * c;
  if (want_hess)
    for (const auto& [di, ci] : gg.e)
      for (const auto& [dj, cj] : gg.e) ev.trip.emplace_back(di, dj, kt * ci * cj);
}

// ALM contact term for one slave: potential (lam_c^2 - lam_bar^2) / 2k, lam_c = max(0, lam_bar - k g).
double contact_term(double g, const GapGrad& gg, double k, double lam_bar, bool want_hess, Eval& ev) {
  const double lam = std::max(0.0, lam_bar - k * g);
  ev.energy += (lam * lam - lam_bar * lam_bar) / (2.0 * k);
  ev.max_penetration = std::max(ev.max_penetration, -g);
  if (lam > 0) push_term(gg, lam, k, want_hess, ev);
  return lam;
}

// A compliant layer's term (gap g < 0 compresses it): the layer's potential, force and stiffness.
// At or past the layer's depth the energy is infinite and the line search steps back.
double layer_term(double g, const GapGrad& gg, const CompliantLayer& layer, double k, bool want_hess, Eval& ev) {
  if (g >= 0) return 0.0;
  const double W = layer.energy(k, -g);
  ev.energy += W;
  if (!std::isfinite(W)) return 0.0;
  const double lam = layer.force(k, -g);
  push_term(gg, lam, layer.stiffness(k, -g), want_hess, ev);
  return lam;
}

// Elasticity: every solid tet's energy, its nodal forces and tangent (fluid tets: add_cavities),
// with a viscous step's history when the inputs hold one (FemInputs::viscous_scale).
void add_elastic(const FemModel& m, const FemInputs& in, const Pose& p, bool want_grad, bool want_hess, Eval& ev) {
  const bool viscous = !in.viscous_scale.empty();
  for (int t = 0; t < m.mesh.n_tets(); ++t) {
    if (m.tet_cavity[t] >= 0) continue;
    const Tet& e = m.mesh.tets[t];
    const Eigen::Matrix<double, 4, 3>& G = m.tet_grad[t];
    const Mat3 F = deformation_gradient(m, p.x, t);
    // A tet of a dilatation group: its own terms here, the group's volume term in add_dilatation;
    // a viscous step's shear terms scaled (step_material).
    const NeoHookean mat = step_material(m, in, t);
    const double W = mat.energy_density(F);
    if (!std::isfinite(W)) {
      ev.energy = std::numeric_limits<double>::infinity();
      return;
    }
    const double V = m.tet_volume_m3[t];
    ev.energy += V * W;
    ev.energy_magnitude += std::abs(V * W);
    if (viscous) {
      const double Wh = V * 0.5 * (in.viscous_stress_PK2_Pa[t].cwiseProduct(F.transpose() * F - Mat3::Identity())).sum();
      ev.energy += Wh;
      ev.energy_magnitude += std::abs(Wh);
    }
    if (!want_grad) continue;
    const Mat3 P = viscous ? Mat3(mat.pk1(F) + F * in.viscous_stress_PK2_Pa[t]) : mat.pk1(F);
    const Eigen::Matrix<double, 3, 4> f = V * P * G.transpose();  // column a: dE/dx_a
    for (int a = 0; a < 4; ++a) ev.node_grad[e[a]] += f.col(a);
    if (!want_hess) continue;
    // d(f_a)/d(x_b), node-major blocks; a viscous step's history adds dF S: V (g_a^T S g_b) I.
    Eigen::Matrix<double, 12, 12> Ke =
        mat.tet_tangent(F, F.inverse(), std::log(F.determinant()), G, V);
    if (viscous) {
      const Eigen::Matrix4d GSG = V * G * in.viscous_stress_PK2_Pa[t] * G.transpose();
      for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b) Ke.block<3, 3>(3 * a, 3 * b).diagonal().array() += GSG(a, b);
    }
    add_tet_tangent(m, p, t, Ke, ev);
  }
}

// Mean dilatation (FemModel::dilatation_groups): each group's volume term V psi(J), psi =
// lambda/2 (ln J)^2 with the group's share of lambda (GroupData), at the group's volume ratio
// J = v / V, v = sum of its tets' volumes v_t.
// With h_a = F^-T g_a a tet's dv_t/dx_a = v_t h_a and d2v_t/dx_a dx_b = v_t (h_a h_b^T - h_b h_a^T),
// so with G_a = sum_t v_t h_a (each node's over the group's tets):
//   force_a = psi'(J) G_a,  K_ab = psi''(J) / V G_a G_b^T + psi'(J) sum_t v_t (h_a h_b^T - h_b h_a^T),
// psi' = lambda ln J / J, psi'' = lambda (1 - ln J) / J^2; the volume term does not relax in a
// viscous step (FemInputs::viscous_scale). The second part of K, the pressure psi'(J) times the
// volume's second derivative, is indefinite: it goes to ev.k_pressure, apart from the rest, and
// `pressure_stiffness` false leaves it out.
void add_dilatation(const FemModel& m, const Pose& p, bool want_grad, bool want_hess, bool pressure_stiffness,
                    Eval& ev) {
  std::vector<Mat3> F;  // reused across groups (a cell: 6 tets, 8 nodes)
  std::vector<Vec3> Ga;
  std::vector<Eigen::Matrix<double, 3, 4>> h;
  std::vector<double> vt;
  Eigen::MatrixXd K;
  for (size_t g = 0; g < m.group_data.size(); ++g) {
    const FemModel::GroupData& d = m.group_data[g];
    const std::vector<int>& tets = m.dilatation_groups[g];
    const int nn = static_cast<int>(d.nodes.size());
    double v = 0;
    F.resize(tets.size());
    vt.resize(tets.size());
    for (size_t i = 0; i < tets.size(); ++i) {
      F[i] = deformation_gradient(m, p.x, tets[i]);
      vt[i] = F[i].determinant() * m.tet_volume_m3[tets[i]];
      v += vt[i];
    }
    const double J = v / d.V0_m3;
    if (!(J > 0)) {
      ev.energy = std::numeric_limits<double>::infinity();
      return;
    }
    const double lam = d.lambda_Pa;
    const double lnJ = std::log(J);
    const double E = d.V0_m3 * 0.5 * lam * lnJ * lnJ;
    ev.energy += E;
    ev.energy_magnitude += std::abs(E);
    if (!want_grad) continue;
    const double d1 = lam * lnJ / J, d2 = lam * (1 - lnJ) / (J * J);
    Ga.assign(nn, Vec3::Zero());
    h.resize(tets.size());
    for (size_t i = 0; i < tets.size(); ++i) {
      const int t = tets[i];
      h[i] = F[i].inverse().transpose() * m.tet_grad[t].transpose();
      for (int a = 0; a < 4; ++a) Ga[d.local[i][a]] += vt[i] * h[i].col(a);
    }
    for (int a = 0; a < nn; ++a) ev.node_grad[d.nodes[a]] += d1 * Ga[a];
    if (!want_hess) continue;
    K.setZero(3 * nn, 3 * nn);
    for (int a = 0; a < nn; ++a)
      for (int b = 0; b < nn; ++b) K.block<3, 3>(3 * a, 3 * b) = (d2 / d.V0_m3) * Ga[a] * Ga[b].transpose();
    const int* const first = m.elastic_pattern.slot.data() + m.elastic_pattern.group_first[g];
    const int* slot = first;
    for (int a = 0; a < nn; ++a)
      for (int b = 0; b < nn; ++b)
        add_node_block(p.kin[d.nodes[a]], p.kin[d.nodes[b]], K.block<3, 3>(3 * a, 3 * b), slot, ev.k_elastic);
    if (!pressure_stiffness) continue;
    K.setZero();
    for (size_t i = 0; i < tets.size(); ++i)
      for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b)
          K.block<3, 3>(3 * d.local[i][a], 3 * d.local[i][b]) +=
              (d1 * vt[i]) * (h[i].col(a) * h[i].col(b).transpose() - h[i].col(b) * h[i].col(a).transpose());
    slot = first;
    for (int a = 0; a < nn; ++a)
      for (int b = 0; b < nn; ++b)
        add_node_block(p.kin[d.nodes[a]], p.kin[d.nodes[b]], K.block<3, 3>(3 * a, 3 * b), slot, ev.k_pressure);
  }
}

// Prescribed loads (the state's inputs), scaled by the load factor: each node's force, each
// body's force at its load point (turning with it) and its torque. Potential: minus their work.
void add_loads(const FemModel& m, const FemState& st, const Pose& p, const Eigen::VectorXd& u, double load,
               std::vector<Mat3>& lever_sum, Eval& ev) {
  for (int i = 0; i < m.mesh.n_nodes(); ++i) {
    if (m.node_kin[i].n == 0) continue;
    const Vec3 f = load * st.inputs.node_force_N[i];
    ev.energy -= f.dot(p.x[i] - m.mesh.X[i]);
    ev.energy_magnitude += std::abs(f.dot(p.x[i] - m.mesh.X[i]));
    ev.node_grad[i] -= f;
  }
  for (size_t bi = 0; bi < m.rigid_bodies.size(); ++bi) {
    const RigidBody& b = m.rigid_bodies[bi];
    const Vec3 F = load * st.inputs.body_force_N[bi], tau = load * st.inputs.body_torque_Nm[bi];
    const Vec3 r = p.R[bi] * b.load_offset_m;  // from where the inputs place it
    const Vec3 moved = p.origin[bi] - st.inputs.body_pose[bi].origin_m + r - st.inputs.body_pose[bi].rotation * b.load_offset_m;
    ev.energy -= F.dot(moved);
    const Vec3 moment = r.cross(F);
    for (int c = 0; c < 3; ++c) {
      if (b.dof[c] >= 0) ev.grad[b.dof[c]] -= F[c];
      if (b.dof[3 + c] >= 0) {
        ev.energy -= tau[c] * u[b.dof[3 + c]];
        ev.grad[b.dof[3 + c]] -= moment[c] + tau[c];
      }
    }
    lever_sum[bi] -= F * r.transpose();
  }
}

// Joints: springs on the exact relative motion (joint_motion), tangent by the chain rule.
void add_joints(const FemModel& m, const Pose& p, bool want_grad, bool want_hess, Eval& ev) {
  for (const Joint& j : m.joints) {
    const JointMotion jm = joint_motion(m, p, j, want_grad);  // a wheel's slip row included
    Eigen::Matrix<double, 12, 12> H = Eigen::Matrix<double, 12, 12>::Zero();
    Eigen::Matrix<double, 12, 1> g = Eigen::Matrix<double, 12, 1>::Zero();
    for (int r = 0; r < 6; ++r) {
      const SpringEval sp = spring(j, r, jm.delta[r]);
      ev.energy += sp.energy;
      if (!want_grad) continue;
      if (want_hess && r == j.push_only_axis && jm.delta[r] > 0 && jm.delta[r] < kSupportNearM)
        ev.near_supports.push_back({jm.dof, jm.jac.row(r).transpose(), j.translational_N_per_m[r], jm.delta[r]});
      g += sp.force * jm.jac.row(r).transpose();
      if (want_hess) H += sp.stiffness * jm.jac.row(r).transpose() * jm.jac.row(r) + sp.force * jm.hess[r];
    }
    if (!want_grad) continue;
    for (int k = 0; k < 12; ++k) {
      if (jm.dof[k] < 0) continue;
      ev.grad[jm.dof[k]] += g[k];
      if (want_hess)  // every pair, zero or not: the tangent's pattern stays the same between steps
        for (int l = 0; l < 12; ++l)
          if (jm.dof[l] >= 0) ev.trip.emplace_back(jm.dof[k], jm.dof[l], H(k, l));
    }
  }
}

// A slave's motion relative to a material point of `body` at lever r from the body's origin, per
// dof: its column d(x_slave - x_point)/du. The slave's nodes (weights x their kinematics), then the
// body's translation (-e) and its turn (a small spatial rotation moves the point by theta x r).
using Columns = std::vector<std::pair<int, Vec3>>;
Columns relative_columns(const FemModel& m, const Pose& p, const std::array<std::pair<int, double>, 3>& who, int nw,
                         int body, const Vec3& r) {
  Columns cols;
  for (int a = 0; a < nw; ++a) {
    const FemModel::NodeKinematics& k = p.kin[who[a].first];
    for (int q = 0; q < k.n; ++q) cols.emplace_back(k.dof[q], who[a].second * k.J.col(q));
  }
  const std::array<int, 6>& dof = m.rigid_bodies[body].dof;
  for (int c = 0; c < 3; ++c) {
    if (dof[c] >= 0) cols.emplace_back(dof[c], -Vec3::Unit(c));
    if (dof[3 + c] >= 0) cols.emplace_back(dof[3 + c], r.cross(Vec3::Unit(c)));
  }
  return cols;
}

// The tangent's terms cols^T A cols of a 3 x 3 block A on a relative motion.
void add_block(const Columns& cols, const Mat3& A, std::vector<Triplet>& out) {
  for (const auto& [di, ci] : cols) {
    const Vec3 Aci = A * ci;
    for (const auto& [dj, cj] : cols) out.emplace_back(di, dj, cj.dot(Aci));
  }
}

// The curvature term of one compliant contact point, -lam d2g/dz2 = Hg, with z the point relative
// to the shape's body (cols).
void add_curvature(const Mat3& Hg, const Columns& cols, Eval& ev) {
  // Split into its positive and negative semi-definite parts: the negative part (a point
  // sliding off a convex bump) goes to its own triplets, so the solver can drop it when
  // the whole tangent is indefinite. cols^T A cols keeps the sign of A.
  Eigen::SelfAdjointEigenSolver<Mat3> eig;
  eig.computeDirect(Hg);
  const Vec3 lp = eig.eigenvalues().cwiseMax(0.0), ln = eig.eigenvalues().cwiseMin(0.0);
  add_block(cols, eig.eigenvectors() * lp.asDiagonal() * eig.eigenvectors().transpose(), ev.trip);
  if (ln.minCoeff() < 0) add_block(cols, eig.eigenvectors() * ln.asDiagonal() * eig.eigenvectors().transpose(), ev.trip_neg);
}

// The gap from point x to slave i's surface (its facet, or the body's shape) with the body at
// origin o turned by R, and the surface's outward normal; NaN when the shape's cheap bound says
// it is certainly apart (`may_skip`: then no force acts).
double rigid_gap(const FemModel& m, const RigidContactSet& cs, size_t i, const Vec3& o, const Mat3& R,
                 const Vec3& x, bool may_skip, Vec3& n) {
  if (!cs.facet_normal.empty()) {
    n = R * cs.facet_normal[i];
    return n.dot(x - o - R * cs.facet_point_m[i]);
  }
  const PosedShape shape(*m.rigid_bodies[cs.body].shape, R);
  if (may_skip && shape.distance_lower_bound(x - o) > 0) return std::numeric_limits<double>::quiet_NaN();
  return shape.signed_distance(x - o, &n);
}

// The tangent's terms from a facet's turn under a slave pressing with force lam: the facet's
// normal turns with the body (dn = theta x n), so the gap g = n . (x - o) - const has
// d2g/dx dtheta = -[n]x, d2g/dc dtheta = [n]x and d2g/dtheta2 = sym(n r^T) - (n . r) I
// (r = x - o); the energy's are -lam times these. The last goes to the body's lever sum
// (carry_to_dofs makes sym(S) - tr(S) I of it).
void add_facet_turn(const FemModel& m, const Pose& p, int body, const std::array<std::pair<int, double>, 3>& who,
                    int nw, const Vec3& n, const Vec3& r, double lam, std::vector<Mat3>& lever_sum, Eval& ev) {
  const std::array<int, 6>& dof = m.rigid_bodies[body].dof;
  Mat3 nx;
  nx << 0, -n.z(), n.y(), n.z(), 0, -n.x(), -n.y(), n.x(), 0;
  const Mat3 Exq = lam * nx;  // d2E/dx dtheta
  for (int j = 0; j < 3; ++j) {
    const int dj = dof[3 + j];
    if (dj < 0) continue;
    for (int a = 0; a < nw; ++a) {
      const FemModel::NodeKinematics& k = p.kin[who[a].first];
      for (int q = 0; q < k.n; ++q) {
        const double v = who[a].second * k.J.col(q).dot(Exq.col(j));
        ev.trip.emplace_back(k.dof[q], dj, v);
        ev.trip.emplace_back(dj, k.dof[q], v);
      }
    }
    for (int c = 0; c < 3; ++c)
      if (dof[c] >= 0) {
        ev.trip.emplace_back(dof[c], dj, -Exq(c, j));
        ev.trip.emplace_back(dj, dof[c], -Exq(c, j));
      }
  }
  lever_sum[body] -= lam * n * r.transpose();
}

// Contact against rigid shapes and facets (each carried by its body where the state puts it).
void add_rigid_contacts(const FemModel& m, const FemState& st, const Pose& p, bool want_hess,
                        std::vector<Mat3>& lever_sum, Eval& ev) {
  ev.rigid_lam.resize(m.rigid_contacts.size());
  for (size_t s = 0; s < m.rigid_contacts.size(); ++s) {
    const RigidContactSet& cs = m.rigid_contacts[s];
    const Vec3& o = p.origin[cs.body];
    const Mat3& R = p.R[cs.body];
    const bool turns = m.rigid_bodies[cs.body].dof[3] >= 0 || m.rigid_bodies[cs.body].dof[4] >= 0 ||
                       m.rigid_bodies[cs.body].dof[5] >= 0;
    ev.rigid_lam[s].assign(cs.n_slaves(), 0.0);
    for (size_t i = 0; i < cs.n_slaves(); ++i) {
      std::array<std::pair<int, double>, 3> who{};
      const int nw = slave_of(cs, i, who);
      const Vec3 x = cs.slave_position(i, p.x);
      // Certainly apart and carrying no multiplier: no force, no energy (skipping is exact).
      const double lam_bar = cs.compliant ? 0.0 : st.rigid_mult[s][i];
      Vec3 n;
      const double g = rigid_gap(m, cs, i, o, R, x, lam_bar == 0, n);
      if (std::isnan(g) || (lam_bar == 0 && g > 0)) continue;
      GapGrad gg;
      for (int a = 0; a < nw; ++a) gg.add_node(p, who[a].first, who[a].second, n);
      gg.add_rigid(m, cs.body, -1.0, n, x - o);
      const double lam = ev.rigid_lam[s][i] =
          cs.compliant ? layer_term(g, gg, cs.layer, cs.penalty_N_per_m[i], want_hess, ev)
                       : contact_term(g, gg, cs.penalty_N_per_m[i], lam_bar, want_hess, ev);
      // A turning body takes the slave's push at the slave's place: its moment is in gg's
      // rotation part; the lever's and the facet's turn go to the tangent here.
      if (want_hess && turns && lam > 0) add_facet_turn(m, p, cs.body, who, nw, n, x - o, lam, lever_sum, ev);
      // A compliant layer presses in deep, where the shape's curvature turns the force as the
      // point moves: the tangent's curvature term -lam d2g/dx2 (for a rigid surface g ~ 0 and it
      // is left out; a facet has none). Without it Newton converges slowly on a patterned roller.
      if (want_hess && cs.compliant && lam > 0 && cs.facet_normal.empty())
        add_curvature(-lam * PosedShape(*m.rigid_bodies[cs.body].shape, R).hessian(x - o),
                      relative_columns(m, p, who, nw, cs.body, x - o), ev);
    }
  }
}

// The friction law along slip y (fem/quasi_static.h): the potential f0 per unit mu N, the force
// factor f1(y)/y and the tangent's factor (f1'(y) y - f1(y)) / y^3 (times s s^T).
struct FrictionLaw {
  double f0, f1_over_y, dd;
};
FrictionLaw friction_law(double y, double eps) {
  if (y >= eps) return {y, 1.0 / y, -1.0 / (y * y * y)};
  return {y * y / eps - y * y * y / (3 * eps * eps) + eps / 3, 2 / eps - y / (eps * eps), y > 0 ? -1.0 / (eps * eps * y) : 0.0};
}

// The turn of a contact set's body since its slip reference (FemInputs::slip_reference).
Mat3 turn_since_reference(const FemState& st, const Pose& p, int body) {
  return p.R[body] * st.inputs.slip_reference_of(body).rotation.transpose();
}

// One slave's friction at the current configuration: its slip d against the surface's material
// point it stood at in the reference (the body at rest, the surface's body at its slip
// reference), that point's lever rho from the body's origin now, the lagged normal n (carried by the
// body, so the energy does not change when the slave and the body turn together) and N, the
// tangential slip s = d - n (n . d) and the force F = dE/dd (the slave gets -F).
struct FrictionPoint {
  Vec3 d, rho, n, s, F;
  double N = 0, muN = 0;
  FrictionLaw law{};
};
bool friction_point(const FemModel& m, const FemState& st, const Pose& p, size_t set, size_t i, FrictionPoint& fp) {
  const RigidContactSet& cs = m.rigid_contacts[set];
  const Vec3& Nn = st.friction_normal[set][i];  // in the body's reference frame
  fp.N = Nn.norm();
  if (fp.N == 0) return false;
  const BodyPose& ref = st.inputs.slip_reference_of(cs.body);
  const Mat3 T = turn_since_reference(st, p, cs.body);
  fp.n = T * Nn / fp.N;
  fp.rho = T * (cs.slave_position(i, m.mesh.X) - ref.origin_m);
  fp.d = cs.slave_position(i, p.x) - p.origin[cs.body] - fp.rho;
  fp.s = fp.d - fp.n * fp.n.dot(fp.d);
  fp.muN = cs.friction * fp.N;
  fp.law = friction_law(fp.s.norm(), cs.friction_slip_m);
  fp.F = fp.muN * fp.law.f1_over_y * fp.s;
  return true;
}

// Friction on the rigid contact sets that have it (fem/quasi_static.h). The energy mu N f0(|s|)
// depends on the slip d and on the normal n, which turns with the body: its derivatives in both,
// with A = dF/ds = c I + mu N f'' s s^T (c = mu N f1/|s|):
//   E_d = F, E_n = -(n.d) F; E_dd = P A P; E_dn = -(n.d) A - n F^T + c (n.d) n n^T;
//   E_nn = -(F d^T + d F^T) + (n.d)^2 A + c ((n.d)(n d^T + d n^T) + d d^T),
// carried to the dofs by d's columns (the slave's nodes, the body's translation -I and turn
// rho x e) and n's (the body's turn, e x n), with the turn's second-order terms of the material
// point and of the normal in the body's lever sum.
void add_friction(const FemModel& m, const FemState& st, const Pose& p, bool want_grad, bool want_hess,
                  std::vector<Mat3>& lever_sum, Eval& ev) {
  for (size_t s = 0; s < m.rigid_contacts.size(); ++s) {
    const RigidContactSet& cs = m.rigid_contacts[s];
    if (cs.friction <= 0 || s >= st.friction_normal.size() || st.friction_normal[s].empty()) continue;
    const std::array<int, 6>& dof = m.rigid_bodies[cs.body].dof;
    for (size_t i = 0; i < cs.n_slaves(); ++i) {
      FrictionPoint fp;
      if (!friction_point(m, st, p, s, i, fp)) continue;
      ev.energy += fp.muN * fp.law.f0;
      if (!want_grad) continue;
      const Vec3& F = fp.F;
      const double nd = fp.n.dot(fp.d);
      const Vec3 En = -nd * F;
      std::array<std::pair<int, double>, 3> who{};
      const int nw = slave_of(cs, i, who);
      for (int a = 0; a < nw; ++a) ev.node_grad[who[a].first] += who[a].second * F;
      for (int c = 0; c < 3; ++c) {
        if (dof[c] >= 0) ev.grad[dof[c]] -= F[c];
        if (dof[3 + c] >= 0) ev.grad[dof[3 + c]] += F.cross(fp.rho)[c] + fp.n.cross(En)[c];
      }
      lever_sum[cs.body] += -F * fp.rho.transpose() + En * fp.n.transpose();
      if (!want_hess) continue;
      const Mat3 I = Mat3::Identity(), P = I - fp.n * fp.n.transpose();
      const double c = fp.muN * fp.law.f1_over_y;
      const Mat3 A = c * I + fp.muN * fp.law.dd * fp.s * fp.s.transpose();
      Eigen::Matrix<double, 6, 6> H;
      H.topLeftCorner<3, 3>() = P * A * P;
      H.topRightCorner<3, 3>() = -nd * A - fp.n * F.transpose() + c * nd * fp.n * fp.n.transpose();
      H.bottomLeftCorner<3, 3>() = H.topRightCorner<3, 3>().transpose();
      H.bottomRightCorner<3, 3>() = -(F * fp.d.transpose() + fp.d * F.transpose()) + nd * nd * A +
                                    c * (nd * (fp.n * fp.d.transpose() + fp.d * fp.n.transpose()) + fp.d * fp.d.transpose());
      std::vector<std::pair<int, Eigen::Matrix<double, 6, 1>>> cols;
      for (const auto& [dof_i, col] : relative_columns(m, p, who, nw, cs.body, fp.rho)) {
        Eigen::Matrix<double, 6, 1> v;
        v << col, Vec3::Zero();
        cols.emplace_back(dof_i, v);
      }
      for (int k = 0; k < 3; ++k)  // the normal turns with the body
        if (dof[3 + k] >= 0)
          for (auto& [dof_i, v] : cols)
            if (dof_i == dof[3 + k]) v.tail<3>() = Vec3::Unit(k).cross(fp.n);
      for (const auto& [di, ci] : cols) {
        const Eigen::Matrix<double, 6, 1> Hci = H * ci;
        for (const auto& [dj, cj] : cols) ev.trip.emplace_back(di, dj, cj.dot(Hci));
      }
    }
  }
}

// Contact against deformable surfaces (closest point, normal frozen per evaluation).
void add_surface_contacts(const FemModel& m, const FemState& st, const Pose& p, bool want_hess, Eval& ev) {
  const std::vector<Vec3>& x = p.x;
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
      gg.add_node(p, node, 1.0, n);
      for (int v = 0; v < 3; ++v) gg.add_node(p, tri[v], -best_w[v], n);
      ev.surface_lam[s][i] = contact_term(g, gg, cs.penalty_N_per_m[i], lam_bar, want_hess, ev);
    }
  }
}

// The nodes' forces carried to the dofs through J, and the geometric tangent of every force on a
// turning lever: for a body, sym(S) - tr(S) I with S = sum g r^T over its points (g = dE/dx at
// the point, r its lever from the body's origin), the second-order term of exp(theta) r.
void carry_to_dofs(const FemModel& m, const Pose& p, bool want_hess, std::vector<Mat3>& lever_sum, Eval& ev) {
  for (int i = 0; i < m.mesh.n_nodes(); ++i) {
    const FemModel::NodeKinematics& k = m.node_kin[i];
    if (k.n == 0) continue;
    const Vec3& g = ev.node_grad[i];
    if (!k.on_body()) {
      for (int d = 0; d < k.n; ++d) ev.grad[k.dof[d]] += k.J(k.comp[d], d) * g[k.comp[d]];  // J: 1, or a tie's weight
      continue;
    }
    // Each body the node rides takes its share of the force, at the node's point on it.
    std::array<Vec3, 2> gw, moment;
    for (int b = 0; b < 2 && k.body[b] >= 0; ++b) {
      const Vec3 r = p.R[k.body[b]] * k.lever[b];
      gw[b] = k.weight[b] * g;
      moment[b] = r.cross(gw[b]);
      lever_sum[k.body[b]] += gw[b] * r.transpose();
    }
    for (int d = 0; d < k.n; ++d) {
      const int b = k.comp[d] / 6, c = k.comp[d] % 6;
      ev.grad[k.dof[d]] += c < 3 ? gw[b][c] : moment[b][c - 3];
    }
  }
  if (!want_hess) return;
  for (size_t b = 0; b < m.rigid_bodies.size(); ++b) {
    const Mat3& S = lever_sum[b];
    const Mat3 H = 0.5 * (S + S.transpose()) - S.trace() * Mat3::Identity();
    const std::array<int, 6>& dof = m.rigid_bodies[b].dof;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j)
        if (dof[3 + i] >= 0 && dof[3 + j] >= 0) ev.trip.emplace_back(dof[3 + i], dof[3 + j], H(i, j));
  }
}

}  // namespace

// One node pair's block of the elastic tangent, B = J_a^T K_ab J_b over the nodes' dofs, added
// into the pattern at slot (moved past it); a free node's J is the identity, and a product with
// it is left out (bit for bit the same). J's unused columns are zero: fixed sizes.
void add_node_block(const FemModel::NodeKinematics& ka, const FemModel::NodeKinematics& kb,
                    const Eigen::Ref<const Eigen::Matrix3d>& Kab, const int*& slot, std::vector<double>& k) {
  if (ka.n == 0 || kb.n == 0) return;
  using Cols = Eigen::Matrix<double, 3, Eigen::Dynamic, 0, 3, 12>;
  using Rows = Eigen::Matrix<double, Eigen::Dynamic, 3, 0, 12, 3>;
  if (ka.identity && kb.identity) {
    for (int q = 0; q < 3; ++q)
      for (int r = 0; r < 3; ++r) k[*slot++] += Kab(q, r);
  } else if (ka.identity) {
    const Cols B = Kab * kb.J.leftCols(kb.n);
    for (int q = 0; q < 3; ++q)
      for (int r = 0; r < kb.n; ++r) k[*slot++] += B(q, r);
  } else if (kb.identity) {
    const Rows B = ka.J.leftCols(ka.n).transpose() * Kab;
    for (int q = 0; q < ka.n; ++q)
      for (int r = 0; r < 3; ++r) k[*slot++] += B(q, r);
  } else {
    const Cols KJ = Kab * kb.J.leftCols(kb.n);
    for (int q = 0; q < ka.n; ++q)
      for (int r = 0; r < kb.n; ++r) k[*slot++] += ka.J.col(q).dot(KJ.col(r));
  }
}

void add_tet_tangent(const FemModel& m, const Pose& p, int t, const Eigen::Matrix<double, 12, 12>& K, Eval& ev) {
  const Tet& e = m.mesh.tets[t];
  const int* slot = m.elastic_pattern.slot.data() + m.elastic_pattern.tet_first[t];
  for (int a = 0; a < 4; ++a)
    for (int b = 0; b < 4; ++b) add_node_block(p.kin[e[a]], p.kin[e[b]], K.block<3, 3>(3 * a, 3 * b), slot, ev.k_elastic);
}

Eval evaluate(const FemModel& m, const FemState& st, const Eigen::VectorXd& u, double load, bool want_grad,
              bool want_hess, bool cells_pressure_stiffness) {
  Eval ev;
  ev.grad = Eigen::VectorXd::Zero(m.n_dofs);
  ev.node_grad.assign(m.mesh.n_nodes(), Vec3::Zero());
  const Pose p = pose_of(m, st, u, want_grad);
  std::vector<Mat3> lever_sum(m.rigid_bodies.size(), Mat3::Zero());
  if (want_hess) ev.k_elastic.assign(m.elastic_pattern.inner.size(), 0.0);
  if (want_hess && cells_pressure_stiffness && !m.group_data.empty()) ev.k_pressure.assign(ev.k_elastic.size(), 0.0);
  add_elastic(m, st.inputs, p, want_grad, want_hess, ev);
  if (!std::isfinite(ev.energy)) return ev;
  add_dilatation(m, p, want_grad, want_hess, cells_pressure_stiffness, ev);
  if (!std::isfinite(ev.energy)) return ev;
  add_loads(m, st, p, u, load, lever_sum, ev);
  add_joints(m, p, want_grad, want_hess, ev);
  add_rigid_contacts(m, st, p, want_hess, lever_sum, ev);
  add_friction(m, st, p, want_grad, want_hess, lever_sum, ev);
  add_surface_contacts(m, st, p, want_hess, ev);
  add_cavities(m, st.inputs, p, load, want_grad, want_hess, ev);
  if (want_grad) carry_to_dofs(m, p, want_hess, lever_sum, ev);
  return ev;
}

}  // namespace fem_terms

std::vector<double> rigid_contact_forces(const FemModel& m, const FemState& st, int set) {
  return rigid_contact_forces(m, st, set, node_positions(m, st));
}

namespace {
// The force (N, >= 0) slave i of rigid contact set `set` presses with at gap g: the foam's law,
// or the augmented-Lagrangian multiplier and penalty.
double slave_force(const FemState& st, const RigidContactSet& cs, size_t set, size_t i, double g) {
  if (cs.compliant) return g < 0 ? cs.layer.force(cs.penalty_N_per_m[i], -g) : 0.0;
  return std::max(0.0, st.rigid_mult[set][i] - cs.penalty_N_per_m[i] * g);
}
}  // namespace

std::vector<double> rigid_contact_forces(const FemModel& m, const FemState& st, int set, const std::vector<Vec3>& x) {
  const fem_terms::Pose p = fem_terms::bodies_of(m, st, st.u);
  const RigidContactSet& cs = m.rigid_contacts.at(set);
  std::vector<double> f(cs.n_slaves(), 0.0);
  for (size_t i = 0; i < cs.n_slaves(); ++i) {
    Vec3 n;
    const double g = fem_terms::rigid_gap(m, cs, i, p.origin[cs.body], p.R[cs.body], cs.slave_position(i, x), false, n);
    f[i] = slave_force(st, cs, set, i, g);
  }
  return f;
}

double lag_friction(const FemModel& m, FemState& st, double weight) {
  st.friction_normal.resize(m.rigid_contacts.size());
  const fem_terms::Pose p = fem_terms::pose_of(m, st, st.u, false);
  double moved = 0;
  for (size_t s = 0; s < m.rigid_contacts.size(); ++s) {
    const RigidContactSet& cs = m.rigid_contacts[s];
    if (cs.friction <= 0) continue;
    std::vector<Vec3> lagged = std::move(st.friction_normal[s]);
    const bool had = lagged.size() == cs.n_slaves();
    st.friction_normal[s].assign(cs.n_slaves(), Vec3::Zero());
    const Mat3 to_reference = fem_terms::turn_since_reference(st, p, cs.body).transpose();
    for (size_t i = 0; i < cs.n_slaves(); ++i) {
      const bool may_skip = cs.compliant || st.rigid_mult[s][i] == 0;
      Vec3 n;
      const double g = fem_terms::rigid_gap(m, cs, i, p.origin[cs.body], p.R[cs.body],
                                            cs.slave_position(i, p.x), may_skip, n);
      if (!std::isnan(g)) {
        const double lam = slave_force(st, cs, s, i, g);
        if (lam > 0) st.friction_normal[s][i] = to_reference * (lam * n);
      }
      if (!had) continue;
      const Vec3 now = st.friction_normal[s][i];
      moved = std::max(moved, cs.friction * (now - lagged[i]).norm());
      if (weight < 1) st.friction_normal[s][i] = lagged[i] + weight * (now - lagged[i]);
    }
  }
  return moved;
}

std::vector<Vec3> rigid_friction_forces(const FemModel& m, const FemState& st, int set) {
  const RigidContactSet& cs = m.rigid_contacts.at(set);
  std::vector<Vec3> f(cs.n_slaves(), Vec3::Zero());
  if (cs.friction <= 0 || static_cast<size_t>(set) >= st.friction_normal.size() || st.friction_normal[set].empty())
    return f;
  const fem_terms::Pose p = fem_terms::pose_of(m, st, st.u, false);
  fem_terms::FrictionPoint fp;
  for (size_t i = 0; i < cs.n_slaves(); ++i)
    if (fem_terms::friction_point(m, st, p, set, i, fp)) f[i] = -fp.F;
  return f;
}

}  // namespace backroll
