#include "validation/bullet_torso.h"

#include <BulletDynamics/ConstraintSolver/btGeneric6DofSpring2Constraint.h>
#include <map>

#include "validation/bullet_deformable.h"

namespace backroll {

namespace {
Vec3 ev(const btVector3& v) { return Vec3(v.x(), v.y(), v.z()); }
constexpr int kFloorGroup = 1, kBoneGroup = 2;
}  // namespace

struct BulletTorsoWorld : DeformableWorldCore {
  BulletTorsoWorld() : DeformableWorldCore(-9.81) {}
  std::unique_ptr<btStaticPlaneShape> floor_shape;
  std::unique_ptr<btRigidBody> floor;
  std::vector<std::unique_ptr<btCompoundShape>> bone_shapes;
  std::vector<std::unique_ptr<btBoxShape>> boxes;
  std::vector<std::unique_ptr<btRigidBody>> bones;
  std::vector<Vec3> bone_frame_offset;  // bone origin in the Bullet body's frame (COM-centred)
  std::vector<std::unique_ptr<btGeneric6DofSpring2Constraint>> joints;
  std::vector<btSoftBody*> regions;                 // owned by the world
  std::vector<std::vector<int>> region_nodes;       // model node of each soft-body node
  std::vector<std::unique_ptr<btDeformableNeoHookeanForce>> forces;
  int anchors = 0;
  ~BulletTorsoWorld() {
    for (auto& j : joints) world->removeConstraint(j.get());
    for (auto& b : bones) world->removeRigidBody(b.get());
    if (floor) world->removeRigidBody(floor.get());
    for (btSoftBody* s : regions) {
      world->removeSoftBody(s);
      delete s;
    }
  }
};

void BulletTorsoDeleter::operator()(BulletTorsoWorld* w) const { delete w; }

BulletTorsoPtr make_bullet_torso(const BodyModel& m) {
  BulletTorsoPtr w(new BulletTorsoWorld);

  w->floor_shape = std::make_unique<btStaticPlaneShape>(btVector3(0, 0, 1), 0);
  w->floor = std::make_unique<btRigidBody>(btRigidBody::btRigidBodyConstructionInfo(0, nullptr, w->floor_shape.get()));
  w->world->addRigidBody(w->floor.get(), kFloorGroup, kBoneGroup);

  // Bones: compound of boxes around the centre of mass.
  for (const Bone& b : m.bones) {
    auto shape = std::make_unique<btCompoundShape>();
    for (const BoneBox& bx : b.boxes) {
      auto box = std::make_unique<btBoxShape>(bt(bx.half_m));
      btMatrix3x3 R(bx.axes(0, 0), bx.axes(0, 1), bx.axes(0, 2), bx.axes(1, 0), bx.axes(1, 1), bx.axes(1, 2),
                    bx.axes(2, 0), bx.axes(2, 1), bx.axes(2, 2));
      shape->addChildShape(btTransform(R, bt(bx.centre_m - b.com_m)), box.get());
      w->boxes.push_back(std::move(box));
    }
    const double mass = b.own_mass_kg + b.attached_mass_kg;
    btVector3 inertia(0, 0, 0);
    shape->calculateLocalInertia(mass, inertia);
    btTransform tr;
    tr.setIdentity();
    tr.setOrigin(bt(b.com_m));
    auto body = std::make_unique<btRigidBody>(btRigidBody::btRigidBodyConstructionInfo(mass, nullptr, shape.get(), inertia));
    body->setWorldTransform(tr);
    body->setActivationState(DISABLE_DEACTIVATION);
    w->world->addRigidBody(body.get(), kBoneGroup, kFloorGroup);  // bones touch the floor, not each other
    w->bone_frame_offset.push_back(b.origin_m - b.com_m);
    w->bones.push_back(std::move(body));
    w->bone_shapes.push_back(std::move(shape));
  }

  // Joints: 6-dof springs in the joint frame (ground joints have body_a = -1: fixed to the world).
  for (const Joint& j : m.fem.joints) {
    if (j.body_a < 0 || j.body_b < 0) continue;
    const Mat3 A = j.axes.transpose();  // columns: the joint axes
    btMatrix3x3 R(A(0, 0), A(0, 1), A(0, 2), A(1, 0), A(1, 1), A(1, 2), A(2, 0), A(2, 1), A(2, 2));
    auto local = [&](int b) { return btTransform(R, bt(j.point_m - m.bones[b].com_m)); };  // bodies start unrotated
    auto c = std::make_unique<btGeneric6DofSpring2Constraint>(*w->bones[j.body_a], *w->bones[j.body_b], local(j.body_a),
                                                              local(j.body_b));
    for (int d = 0; d < 6; ++d) {
      c->setLimit(d, 1, -1);  // free, held by the spring
      c->enableSpring(d, true);
      const double k = d < 3 ? j.translational_N_per_m[d] : j.rotational_Nm_per_rad[d - 3];
      c->setStiffness(d, k);
      c->setDamping(d, 0.1 * std::sqrt(std::max(k, 1e-12)));
      c->setEquilibriumPoint(d, 0);
    }
    w->world->addConstraint(c.get(), true);
    w->joints.push_back(std::move(c));
  }

  // Tissue: one soft body per region.
  const TetMesh& mesh = m.fem.mesh;
  for (size_t r = 0; r < region_names().size(); ++r) {
    std::vector<int> tets;
    for (int t = 0; t < mesh.n_tets(); ++t)
      if (m.tet_region[t] == static_cast<int>(r)) tets.push_back(t);
    if (tets.empty()) continue;
    std::map<int, int> local;
    std::vector<int> nodes;
    for (int t : tets)
      for (int v : mesh.tets[t])
        if (!local.count(v)) local[v] = static_cast<int>(nodes.size()), nodes.push_back(v);
    const TissueMaterial& tm = region_material(m.params, static_cast<int>(r));
    std::vector<btVector3> X;
    std::vector<btScalar> mass(nodes.size(), 0.0);
    for (int v : nodes) X.push_back(bt(mesh.X[v]));
    for (int t : tets)
      for (int v : mesh.tets[t]) mass[local[v]] += tm.density_kg_m3 * m.fem.tet_volume_m3[t] / 4;
    std::vector<Tet> local_tets;
    for (int t : tets) {
      const Tet& e = mesh.tets[t];
      local_tets.push_back({local[e[0]], local[e[1]], local[e[2]], local[e[3]]});
    }
    btSoftBody* sb = make_tet_soft_body(w->world->getWorldInfo(), X, mass, local_tets);
    w->world->addSoftBody(sb);
    auto f = make_neo_hookean_force(m.fem.tet_material[tets.front()], 0.05);
    w->world->addForce(sb, f.get());
    w->forces.push_back(std::move(f));
    for (size_t i = 0; i < nodes.size(); ++i) {
      const int b = m.fem.node_body.empty() ? -1 : m.fem.node_body[nodes[i]];
      if (b < 0) continue;
      sb->appendDeformableAnchor(static_cast<int>(i), w->bones[b].get());
      ++w->anchors;
    }
    w->regions.push_back(sb);
    w->region_nodes.push_back(nodes);
  }
  w->world->setImplicit(true);
  w->world->setUseProjection(true);
  return w;
}

void sync_from_torso(BulletTorsoWorld& w, const BodyModel& m, const FemState& st) {
  const std::vector<Vec3> x = node_positions(m.fem, st);
  for (size_t r = 0; r < w.regions.size(); ++r)
    for (size_t i = 0; i < w.region_nodes[r].size(); ++i) {
      btSoftBody::Node& n = w.regions[r]->m_nodes[static_cast<int>(i)];
      n.m_x = n.m_q = bt(x[w.region_nodes[r][i]]);
      n.m_v.setZero();
    }
  for (size_t b = 0; b < w.bones.size(); ++b) {
    const Vec3 c = rigid_position(m.fem, st, static_cast<int>(b));
    const Mat3 R = rigid_orientation(m.fem, st, static_cast<int>(b));
    const Eigen::Quaterniond q(R);
    const Vec3 com = c + R * (m.bones[b].com_m - m.bones[b].origin_m);
    btTransform tr(btQuaternion(q.x(), q.y(), q.z(), q.w()), bt(com));
    w.bones[b]->setWorldTransform(tr);
    w.bones[b]->setLinearVelocity(btVector3(0, 0, 0));
    w.bones[b]->setAngularVelocity(btVector3(0, 0, 0));
  }
}

BulletTorsoCounts bullet_torso_counts(const BulletTorsoWorld& w) {
  BulletTorsoCounts c;
  c.rigid_bodies = static_cast<int>(w.bones.size());
  c.constraints = w.world->getNumConstraints();
  c.soft_bodies = w.world->getSoftBodyArray().size();
  for (const btSoftBody* s : w.regions) {
    c.soft_nodes += s->m_nodes.size();
    c.tetras += s->m_tetras.size();
    for (int i = 0; i < s->m_nodes.size(); ++i) c.total_mass_kg += s->getMass(i);
  }
  c.anchors = w.anchors;
  for (const auto& b : w.bones) c.total_mass_kg += b->getMass();
  return c;
}

MirrorError bullet_mirror_error(const BulletTorsoWorld& w, const BodyModel& m, const FemState& st) {
  MirrorError e;
  const std::vector<Vec3> x = node_positions(m.fem, st);
  for (size_t r = 0; r < w.regions.size(); ++r)
    for (size_t i = 0; i < w.region_nodes[r].size(); ++i)
      e.node_m = std::max(e.node_m, (ev(w.regions[r]->m_nodes[static_cast<int>(i)].m_x) - x[w.region_nodes[r][i]]).norm());
  for (size_t b = 0; b < w.bones.size(); ++b) {
    const btTransform& tr = w.bones[b]->getWorldTransform();
    const Vec3 origin_bt = ev(tr * bt(w.bone_frame_offset[b]));
    const Vec3 th = rigid_rotation(m.fem, st, static_cast<int>(b));
    const Vec3 origin = rigid_position(m.fem, st, static_cast<int>(b));
    e.bone_m = std::max(e.bone_m, (origin_bt - origin).norm());
    const btQuaternion q = tr.getRotation();
    e.bone_rad = std::max(e.bone_rad, std::abs(static_cast<double>(q.getAngle()) - th.norm()));
  }
  return e;
}

}  // namespace backroll
