#include "pose/lying_flat.h"

#include <algorithm>

namespace backroll {

SettleResult settle_on_floor(BodyModel& m, const SolverSettings& s) {
  const bool has_floor = std::any_of(m.fem.rigid_bodies.begin(), m.fem.rigid_bodies.end(), [](const RigidBody& b) {
    return dynamic_cast<const FloorShape*>(b.shape.get()) != nullptr;
  });
  if (!has_floor) add_floor(m);
  return settle(m, s);
}

SettleResult settle(const BodyModel& m, const SolverSettings& s, const FemState* start) {
  SettleResult r;
  r.state.reset(m.fem);
  if (start) {
    const FemInputs own = r.state.inputs;
    r.state = *start;
    r.state.inputs = own;
  }
  r.solve = solve_equilibrium(m.fem, r.state, s);
  r.weight_N = -total_gravity_N(m);
  const std::vector<Vec3> fint = internal_forces(m.fem, r.state);
  const std::vector<Vec3> x = node_positions(m.fem, r.state);
  Vec3 reaction = Vec3::Zero();
  for (int n : m.skin_nodes) {
    const Vec3 fc = fint[n] - r.state.inputs.node_force_N[n];  // what the floor pushes with, at equilibrium
    reaction += fc;
  }
  r.floor_reaction_N = reaction.z();
  r.floor_reaction_xy_N = reaction.head<2>().norm();
  const std::vector<double> area = skin_node_area(m, x);
  for (int n : m.skin_nodes)
    if (x[n].z() < 1e-6) r.contact_area_m2 += area[n];
  r.min_J = 1e9;
  for (int t = 0; t < m.fem.mesh.n_tets(); ++t) {
    if (m.fem.tet_cavity[t] >= 0) continue;  // fluid
    const Tet& e = m.fem.mesh.tets[t];
    const double V = tet_signed_volume(x[e[0]], x[e[1]], x[e[2]], x[e[3]]);
    r.min_J = std::min(r.min_J, V / m.fem.tet_volume_m3[t]);
  }
  for (int n = 0; n < m.fem.mesh.n_nodes(); ++n)
    r.max_tissue_displacement_m = std::max(r.max_tissue_displacement_m, (x[n] - m.fem.mesh.X[n]).norm());
  r.pelvis_drop_m = -(rigid_position(m.fem, r.state, m.pelvis) - m.fem.rigid_bodies[m.pelvis].rest_position_m).z();
  return r;
}

std::shared_ptr<const PosedModel> LyingFlat::build(const BodySpec& body, const RollerSpec& roller,
                                                   const PostureParams& p) const {
  auto pm = std::make_shared<PosedModel>();
  pm->posture = this;
  pm->params = p;
  pm->roller = roller;  // not used: nothing to roll on
  pm->body = posed_body(body, p);
  pm->floor_body = add_floor(pm->body);
  pm->bone_inward = bone_inward_normals(pm->body);
  return pm;
}

void LyingFlat::apply(const PosedModel& m, const Placement&, FemInputs& in) const {
  in.body_pose[m.floor_body] = {m.body.fem.rigid_bodies[m.floor_body].rest_position_m, Mat3::Identity()};
  set_gravity(m.body, Vec3(0, 0, -1), in);
}

}  // namespace backroll
