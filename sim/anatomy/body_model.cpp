// The body builder's entry point and the model's public helpers (gravity, dofs, the floor). The
// builder's steps are in body_bones.cpp, body_joints.cpp, body_tissue.cpp and body_masses.cpp
// (anatomy/body_builder.h lists them); the spine curve and tissue columns in body_layout.cpp.
#include "anatomy/body_model.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "anatomy/body_builder.h"

namespace backroll {

namespace body_layout {

BodyBuilder::BodyBuilder(const BodySpec& params, const BodyBuildOptions& options)
    : p(params), o(options), L(params) {
  m.params = p;
  m.options = o;
  for (int i = 0; i < 20; ++i) m.sp_tip_s_m[i] = L.s_tip[i];
}

BodyModel BodyBuilder::build() {
  vertebrae();
  rib_geometry();
  stumps = o.with_ribs && o.resection >= Resection::AnteriorCage;
  ribs();
  sternum();
  spine_joints();
  rib_joints();
  intercostal_sheet();
  tissue();
  trunk_masses();
  lay_on_floor();
  materials();
  spinous_contacts();
  number_bone_dofs(m, {});
  return std::move(m);
}

}  // namespace body_layout

using body_layout::kG;

BodyModel build_body(const BodySpec& p, const BodyBuildOptions& o) {
  return body_layout::BodyBuilder(p, o).build();
}

namespace {
// Where a bone's weight acts, from its frame origin: its own mass at its centre of mass and the
// lumped masses (head, arms, legs) at the origin, one parallel force at their weighted point.
Vec3 weight_offset(const Bone& bo) {
  const double mass = bo.own_mass_kg + bo.attached_mass_kg;
  return mass > 0 ? Vec3(bo.own_mass_kg / mass * (bo.com_m - bo.origin_m)) : Vec3::Zero();
}
}  // namespace

void set_gravity(const BodyModel& m, const Vec3& down, FemInputs& in) {
  const TetMesh& mesh = m.fem.mesh;
  const Vec3 g = kG * down;
  in.body_force_N.resize(m.fem.rigid_bodies.size(), Vec3::Zero());
  in.body_torque_Nm.resize(m.fem.rigid_bodies.size(), Vec3::Zero());
  for (size_t b = 0; b < m.bones.size(); ++b) {
    const Bone& bo = m.bones[b];
    if ((weight_offset(bo) - m.fem.rigid_bodies[b].load_offset_m).norm() > 1e-12)
      throw std::logic_error("set_gravity: a bone's masses changed after its load point was set");
    in.body_force_N[b] = (bo.own_mass_kg + bo.attached_mass_kg) * g;  // at the load point, turning with it
    in.body_torque_Nm[b] = Vec3::Zero();
  }
  in.node_force_N.assign(mesh.n_nodes(), Vec3::Zero());
  in.gravity_m_s2 = g;  // the fluid cavities' weight, by their term
  std::vector<char> fluid(mesh.n_tets(), 0);
  for (const FluidCavity& c : m.fem.cavities)
    for (int t : c.tets) fluid[t] = 1;
  for (int t = 0; t < mesh.n_tets(); ++t) {
    if (fluid[t]) continue;
    const double rho = region_material(m.params, m.tet_region[t]).density_kg_m3;
    const double mt = rho * tet_signed_volume(mesh.X[mesh.tets[t][0]], mesh.X[mesh.tets[t][1]],
                                              mesh.X[mesh.tets[t][2]], mesh.X[mesh.tets[t][3]]);
    for (int a = 0; a < 4; ++a) in.node_force_N[mesh.tets[t][a]] += mt / 4 * g;
  }
}

void set_gravity(BodyModel& m, const Vec3& down) {
  for (size_t b = 0; b < m.bones.size(); ++b) m.fem.rigid_bodies[b].load_offset_m = weight_offset(m.bones[b]);
  FemInputs in;
  set_gravity(m, down, in);
  m.fem.node_force_N = in.node_force_N;
  m.fem.gravity_m_s2 = in.gravity_m_s2;
  for (size_t b = 0; b < m.bones.size(); ++b) {
    m.fem.rigid_bodies[b].applied_force_N = in.body_force_N[b];
    m.fem.rigid_bodies[b].applied_torque_Nm = in.body_torque_Nm[b];
  }
}

Vec3 total_gravity_vector_N(const FemModel& fem, const FemState& st) {
  Vec3 f = Vec3::Zero();
  for (const Vec3& v : st.inputs.node_force_N) f += v;
  for (const Vec3& v : st.inputs.body_force_N) f += v;
  for (size_t c = 0; c < fem.cavities.size(); ++c) f += cavity_reading(fem, st, static_cast<int>(c)).weight_N;
  return f;
}

void number_bone_dofs(BodyModel& m, const std::vector<std::pair<int, int>>& fixed,
                      const std::vector<std::pair<int, int>>& free_supports) {
  FemModel& fem = m.fem;
  const int nn = fem.mesh.n_nodes();
  fem.node_dof.assign(nn, {kFixed, kFixed, kFixed});
  std::vector<char> tied(nn, 0);
  for (const FemModel::NodeTie& t : fem.node_ties) tied.at(t.node) = 1;
  int nd = 0;
  for (int n = 0; n < nn; ++n)
    if ((fem.node_body.empty() || fem.node_body[n] < 0) && !tied[n])
      for (int c = 0; c < 3; ++c) fem.node_dof[n][c] = nd++;
  for (size_t b = 0; b < fem.rigid_bodies.size(); ++b) {
    RigidBody& rb = fem.rigid_bodies[b];
    for (int c = 0; c < 6; ++c) {
      // Bones move with the solve; the supports added after them (roller, floor, feet) are placed,
      // but for the components named free (a roller that rolls).
      const std::pair<int, int> bc(static_cast<int>(b), c);
      const bool support = rb.shape != nullptr || b >= m.bones.size();
      const bool fix = support ? std::find(free_supports.begin(), free_supports.end(), bc) == free_supports.end()
                               : std::find(fixed.begin(), fixed.end(), bc) != fixed.end();
      rb.dof[c] = fix ? kFixed : nd++;
    }
  }
  fem.n_dofs = nd;
  if (fem.node_force_N.size() != static_cast<size_t>(nn)) fem.node_force_N.assign(nn, Vec3::Zero());
  fem.finalize();
}

std::vector<double> skin_node_area(const BodyModel& m, const std::vector<Vec3>& x) { return node_areas(m.skin_faces, x); }

int add_floor(BodyModel& m) {
  const int body = add_floor_contact(m);
  number_bone_dofs(m, {{m.pelvis, 0}, {m.pelvis, 1}, {m.pelvis, 5}});
  return body;
}

int add_floor_contact(BodyModel& m) {
  FemModel& fem = m.fem;
  RigidBody floor;
  floor.shape = std::make_shared<FloorShape>();
  const int body = static_cast<int>(fem.rigid_bodies.size());
  fem.rigid_bodies.push_back(floor);
  // Penalty per node: proportional to its share of the skin area (1e7 N/m per cm^2: stiff against
  // the tissue, so the augmented-Lagrangian updates converge in a few rounds).
  const std::vector<double> area = skin_node_area(m, fem.mesh.X);
  RigidContactSet cs;
  cs.body = body;
  for (int n : m.skin_nodes) {
    cs.slave_nodes.push_back(n);
    cs.penalty_N_per_m.push_back(std::max(area[n], 1e-6) * 1e11);
  }
  fem.rigid_contacts.push_back(cs);
  return body;
}

double total_gravity_N(const BodyModel& m) {
  double f = 0;
  for (const Vec3& v : m.fem.node_force_N) f += v.z();
  for (const RigidBody& b : m.fem.rigid_bodies) f += b.applied_force_N.z();
  for (const FluidCavity& c : m.fem.cavities) f += c.density_kg_m3 * c.V0_m3 * m.fem.gravity_m_s2.z();
  return f;
}

}  // namespace backroll
