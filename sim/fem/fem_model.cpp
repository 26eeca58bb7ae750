// The constant model's preparation (per-tet data, node kinematics, the tangent's pattern) and the
// state's inputs.
#include "fem/quasi_static.h"

#include <Eigen/LU>
#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace backroll {

void FemModel::finalize() {
  const int nn = mesh.n_nodes(), nt = mesh.n_tets();
  if (static_cast<int>(tet_material.size()) != nt)
    throw std::invalid_argument("FemModel: one material per tet expected");
  if (!tet_relaxation.empty() && static_cast<int>(tet_relaxation.size()) != nt)
    throw std::invalid_argument("FemModel: one relaxation per tet (or none) expected");
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
      k.body[0] = b;
    } else {
      for (int c = 0; c < 3; ++c)
        if (node_dof[i][c] >= 0) {
          k.dof[k.n] = node_dof[i][c];
          k.comp[k.n] = c;
          k.J.col(k.n) = Vec3::Unit(c);
          ++k.n;
        }
    }
  }
  for (const NodeSplit& sp : node_splits) {
    if (sp.node < 0 || sp.node >= nn || node_kin[sp.node].body[0] < 0 || node_kin[sp.node].body[1] >= 0 ||
        sp.body < 0 || sp.body >= nb || sp.body == node_kin[sp.node].body[0] || !(sp.w > 0 && sp.w < 1))
      throw std::invalid_argument("FemModel: a node split needs a node on one body, another body and 0 < w < 1");
    NodeKinematics& k = node_kin[sp.node];
    k.body[1] = sp.body;
    k.weight = {sp.w, 1 - sp.w};
  }
  for (int i = 0; i < nn; ++i) {
    NodeKinematics& k = node_kin[i];
    for (int r = 0; r < 2 && k.body[r] >= 0; ++r) {
      const RigidBody& rb = rigid_bodies[k.body[r]];
      k.lever[r] = mesh.X[i] - rb.rest_position_m;
      for (int d = 0; d < 6; ++d)
        if (rb.dof[d] >= 0) {
          k.dof[k.n] = rb.dof[d];
          k.comp[k.n] = 6 * r + d;
          // At rest: theta x lever for a rotation (fem_terms::Pose turns the lever with the body).
          k.J.col(k.n) = k.weight[r] * (d < 3 ? Vec3(Vec3::Unit(d)) : Vec3(Vec3::Unit(d - 3).cross(k.lever[r])));
          ++k.n;
        }
    }
  }
  tie_nodes();
  for (NodeKinematics& k : node_kin)
    k.identity = !k.on_body() && k.n == 3 && k.J.leftCols<3>() == Mat3::Identity();
  body_anchors.assign(nb, 0);
  body_carries_tissue.assign(nb, 0);
  for (const NodeKinematics& k : node_kin)
    for (int b : k.body)
      if (b >= 0) body_anchors[b] = body_carries_tissue[b] = 1;
  for (const Joint& j : joints) {
    if (j.body_a < -1 || j.body_a >= nb || j.body_b < -1 || j.body_b >= nb || j.body_a == j.body_b)
      throw std::invalid_argument("FemModel: joint '" + j.name + "' joins missing bodies");
    for (int b : {j.body_a, j.body_b})
      if (b >= 0) body_anchors[b] = 1;
    if (j.push_only_axis >= 3 || j.stiffen_axis >= 3)
      throw std::invalid_argument("FemModel: joint '" + j.name + "': an axis is 0, 1 or 2");
  }
  for (const RigidContactSet& c : rigid_contacts) {
    if (c.n_slaves() != c.penalty_N_per_m.size() || c.body < 0 ||
        c.body >= static_cast<int>(rigid_bodies.size()))
      throw std::invalid_argument("FemModel: bad rigid contact set");
    const bool facets = !c.facet_normal.empty();
    if (facets ? c.facet_normal.size() != c.n_slaves() || c.facet_point_m.size() != c.n_slaves()
               : !rigid_bodies[c.body].shape)
      throw std::invalid_argument("FemModel: a rigid contact set needs its body's shape or a facet per slave");
  }
  for (const SurfaceContactSet& c : surface_contacts)
    if (c.slave_nodes.size() != c.penalty_N_per_m.size())
      throw std::invalid_argument("FemModel: bad surface contact set");
  tet_cavity.assign(nt, -1);
  for (size_t c = 0; c < cavities.size(); ++c) {
    FluidCavity& cav = cavities[c];
    if (!(cav.compliance_m3_per_Pa > 0) || !(cav.density_kg_m3 >= 0) || cav.tets.empty())
      throw std::invalid_argument("FemModel: cavity '" + cav.name + "' needs tets and a compliance > 0");
    cav.V0_m3 = 0;
    cav.M0_m4 = Vec3::Zero();
    for (int t : cav.tets) {
      if (t < 0 || t >= nt || tet_cavity[t] >= 0)
        throw std::invalid_argument("FemModel: cavity '" + cav.name + "' lists a missing or shared tet");
      tet_cavity[t] = static_cast<int>(c);
      const Tet& e = mesh.tets[t];
      cav.V0_m3 += tet_volume_m3[t];
      cav.M0_m4 += tet_volume_m3[t] * 0.25 * (mesh.X[e[0]] + mesh.X[e[1]] + mesh.X[e[2]] + mesh.X[e[3]]);
    }
  }
  group_tets();
  build_elastic_pattern();
}

void FemModel::group_tets() {
  const int nt = mesh.n_tets();
  tet_group.assign(nt, -1);
  group_data.assign(dilatation_groups.size(), {});
  for (size_t g = 0; g < dilatation_groups.size(); ++g) {
    const std::vector<int>& tets = dilatation_groups[g];
    GroupData& d = group_data[g];
    if (tets.empty()) throw std::invalid_argument("FemModel: an empty dilatation group");
    double lam_V = 0;
    for (int t : tets) {
      if (t < 0 || t >= nt || tet_group[t] >= 0 || tet_cavity[t] >= 0)
        throw std::invalid_argument("FemModel: a dilatation group lists a missing, shared or fluid tet");
      tet_group[t] = static_cast<int>(g);
      d.V0_m3 += tet_volume_m3[t];
      lam_V += tet_volume_m3[t] * group_lambda_share_Pa(t);
      d.nodes.insert(d.nodes.end(), mesh.tets[t].begin(), mesh.tets[t].end());
    }
    d.lambda_Pa = lam_V / d.V0_m3;
    std::sort(d.nodes.begin(), d.nodes.end());
    d.nodes.erase(std::unique(d.nodes.begin(), d.nodes.end()), d.nodes.end());
    for (int t : tets) {
      std::array<int, 4> l{};
      for (int a = 0; a < 4; ++a)
        l[a] = static_cast<int>(std::lower_bound(d.nodes.begin(), d.nodes.end(), mesh.tets[t][a]) - d.nodes.begin());
      d.local.push_back(l);
    }
  }
}

void FemModel::tie_nodes() {
  const int nn = mesh.n_nodes();
  std::vector<char> tied(nn, 0);
  for (const NodeTie& t : node_ties) {
    if (t.node < 0 || t.node >= nn || t.a < 0 || t.a >= nn || t.b < 0 || t.b >= nn || t.a == t.b)
      throw std::invalid_argument("FemModel: a node tie names a missing node");
    tied[t.node] = 1;
  }
  for (const NodeTie& t : node_ties) {
    if (!(t.w >= 0 && t.w <= 1)) throw std::invalid_argument("FemModel: a node tie's weight is outside [0, 1]");
    if (node_kin[t.node].n != 0 || node_kin[t.node].on_body())
      throw std::invalid_argument("FemModel: a tied node has dofs or a body of its own");
    for (int m : {t.a, t.b})
      if (tied[m] || node_kin[m].on_body())
        throw std::invalid_argument("FemModel: a node tie's master is on a body or tied itself");
    NodeKinematics& k = node_kin[t.node];
    for (const auto& [m, w] : {std::pair<int, double>{t.a, t.w}, {t.b, 1 - t.w}})
      for (int d = 0; d < node_kin[m].n; ++d, ++k.n) {  // a master's fixed components stay fixed
        k.dof[k.n] = node_kin[m].dof[d];
        k.comp[k.n] = node_kin[m].comp[d];
        k.J.col(k.n) = w * Vec3::Unit(k.comp[k.n]);
      }
  }
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
  for (const GroupData& d : group_data)
    for (int a : d.nodes) adj[a].insert(adj[a].end(), d.nodes.begin(), d.nodes.end());
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
  for (const Tet& e : mesh.tets) {
    tp.tet_first.push_back(static_cast<int>(tp.slot.size()));
    for (int a = 0; a < 4; ++a)
      for (int b = 0; b < 4; ++b) {
        const NodeKinematics &ka = node_kin[e[a]], &kb = node_kin[e[b]];
        for (int p = 0; p < ka.n; ++p)
          for (int q = 0; q < kb.n; ++q) tp.slot.push_back(place(ka.dof[p], kb.dof[q]));
      }
  }
  for (const GroupData& d : group_data) {
    tp.group_first.push_back(static_cast<int>(tp.slot.size()));
    for (int a : d.nodes)
      for (int b : d.nodes) {
        const NodeKinematics &ka = node_kin[a], &kb = node_kin[b];
        for (int p = 0; p < ka.n; ++p)
          for (int q = 0; q < kb.n; ++q) tp.slot.push_back(place(ka.dof[p], kb.dof[q]));
      }
  }
}

size_t FemModel::elastic_entries() const {
  size_t n = 0;
  for (const Tet& e : mesh.tets)
    for (int a = 0; a < 4; ++a)
      for (int b = 0; b < 4; ++b) n += static_cast<size_t>(node_kin[e[a]].n) * node_kin[e[b]].n;
  for (const GroupData& d : group_data)
    for (int a : d.nodes)
      for (int b : d.nodes) n += static_cast<size_t>(node_kin[a].n) * node_kin[b].n;
  return n;
}

FemInputs FemInputs::of(const FemModel& m) {
  FemInputs in;
  in.node_force_N = m.node_force_N;
  in.gravity_m_s2 = m.gravity_m_s2;
  for (const RigidBody& b : m.rigid_bodies) {
    in.body_force_N.push_back(b.applied_force_N);
    in.body_torque_Nm.push_back(b.applied_torque_Nm);
    in.body_pose.push_back({b.rest_position_m, Mat3::Identity()});
  }
  return in;
}

double FemInputs::load_scale_N(const FemModel& m) const {
  double s = 0;
  for (const FluidCavity& c : m.cavities)
    s += std::abs(c.p0_Pa) * std::pow(c.V0_m3, 2.0 / 3.0) + c.density_kg_m3 * c.V0_m3 * gravity_m_s2.norm();
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
  body_rotation.assign(nb, rotation::identity());
  rigid_mult.assign(m.rigid_contacts.size(), {});
  for (size_t i = 0; i < m.rigid_contacts.size(); ++i)
    rigid_mult[i].assign(m.rigid_contacts[i].n_slaves(), 0.0);
  friction_normal.assign(m.rigid_contacts.size(), {});
  surface_mult.assign(m.surface_contacts.size(), {});
  for (size_t i = 0; i < m.surface_contacts.size(); ++i)
    surface_mult[i].assign(m.surface_contacts[i].slave_nodes.size(), 0.0);
}

Mat3 deformation_gradient(const FemModel& m, const std::vector<Vec3>& x, int t) {
  Mat3 F = Mat3::Zero();
  for (int a = 0; a < 4; ++a) F += x[m.mesh.tets[t][a]] * m.tet_grad[t].row(a);
  return F;
}

double group_volume_ratio(const FemModel& m, const std::vector<Vec3>& x, int g) {
  double v = 0;
  for (int t : m.dilatation_groups[g]) v += deformation_gradient(m, x, t).determinant() * m.tet_volume_m3[t];
  return v / m.group_data[g].V0_m3;
}

std::vector<double> group_volume_ratios(const FemModel& m, const std::vector<Vec3>& x) {
  std::vector<double> r(m.group_data.size());
  for (size_t g = 0; g < r.size(); ++g) r[g] = group_volume_ratio(m, x, static_cast<int>(g));
  return r;
}

TissueVolume tissue_volume(const FemModel& m, const std::vector<Vec3>& x) {
  const std::vector<double> group_ratio = group_volume_ratios(m, x);
  TissueVolume v;
  for (int t = 0; t < m.mesh.n_tets(); ++t) {
    if (m.tet_cavity[t] >= 0) continue;
    const double J = deformation_gradient(m, x, t).determinant();
    v.min_J = std::min(v.min_J, J);
    const int g = m.tet_group.empty() ? -1 : m.tet_group[t];
    v.least = std::min(v.least, g >= 0 ? group_ratio[g] : J);
  }
  return v;
}

namespace {
// The pk1 of a tet's group's volume term at the group's volume ratio (none without a group).
Mat3 group_pk1(const FemModel& m, int t, const Mat3& F, double group_ratio) {
  const int g = m.tet_group.empty() ? -1 : m.tet_group[t];
  if (g < 0) return Mat3::Zero();
  return (m.group_data[g].lambda_Pa * std::log(group_ratio) / group_ratio * F.determinant()) * F.inverse().transpose();
}
// A tet's own law (own_material; a model whose tets are not grouped yet has no tet_group).
NeoHookean own_law(const FemModel& m, int t) { return m.tet_group.empty() ? m.tet_material[t] : m.own_material(t); }
}  // namespace

Mat3 elastic_pk1(const FemModel& m, int t, const Mat3& F, double group_ratio) {
  return own_law(m, t).pk1(F) + group_pk1(m, t, F, group_ratio);
}

NeoHookean step_material(const FemModel& m, const FemInputs& in, int t) {
  const NeoHookean own = own_law(m, t);
  return in.viscous_scale.empty() ? own : own.shear_scaled(in.viscous_scale[t]);
}

Mat3 tissue_pk1(const FemModel& m, const FemInputs& in, int t, const Mat3& F, double group_ratio) {
  Mat3 P = step_material(m, in, t).pk1(F) + group_pk1(m, t, F, group_ratio);
  if (!in.viscous_scale.empty()) P += F * in.viscous_stress_PK2_Pa[t];
  return P;
}

double hydrostatic_pressure_Pa(const FemModel& m, const std::vector<Vec3>& x, int t) {
  const Mat3 F = deformation_gradient(m, x, t);
  const int g = m.tet_group.empty() ? -1 : m.tet_group[t];
  const Mat3 P = elastic_pk1(m, t, F, g < 0 ? 1.0 : group_volume_ratio(m, x, g));
  const Mat3 sigma = P * F.transpose() / F.determinant();
  return -sigma.trace() / 3;
}

void FemState::fold_rotations(const FemModel& m) {
  for (size_t b = 0; b < m.rigid_bodies.size(); ++b) {
    const std::array<int, 6>& dof = m.rigid_bodies[b].dof;
    Vec3 theta = Vec3::Zero();
    for (int c = 0; c < 3; ++c)
      if (dof[3 + c] >= 0) theta[c] = u[dof[3 + c]], u[dof[3 + c]] = 0;
    if (theta != Vec3::Zero())
      body_rotation[b] = rotation::normalized(rotation::multiply(rotation::exp_map(theta), body_rotation[b]));
  }
}

}  // namespace backroll
