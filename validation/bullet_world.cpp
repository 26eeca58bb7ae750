#include "validation/bullet_world.h"

#include <chrono>
#include <cmath>
#include <stdexcept>

#include "validation/bullet_deformable.h"

namespace backroll {

struct BulletContactWorld : DeformableWorldCore {
  BulletContactWorld() : DeformableWorldCore(0.0) {}  // no gravity: the load is the roller's force
  std::unique_ptr<btDeformableNeoHookeanForce> elastic;
  std::unique_ptr<btCylinderShapeZ> roller_shape;
  std::unique_ptr<btDefaultMotionState> roller_motion;
  std::unique_ptr<btRigidBody> roller;
  btSoftBody* tissue = nullptr;  // owned by the world
  int n_tissue_nodes = 0;
  btVector3 roller_force;
  ~BulletContactWorld() {
    if (world) {
      if (tissue) {
        world->removeSoftBody(tissue);
        delete tissue;
      }
      if (roller) world->removeRigidBody(roller.get());
    }
  }
};

void BulletWorldDeleter::operator()(BulletContactWorld* w) const { delete w; }

BulletWorldPtr make_bullet_world(const ContactScene& sc, const BulletWorldSettings& s) {
  if (sc.params.roller.compliant) throw std::invalid_argument("make_bullet_world: rigid roller scenes only");
  BulletWorldPtr w(new BulletContactWorld);

  // Tissue (a rigid-roller scene's mesh is the tissue alone).
  const FemModel& m = sc.model;
  const int nt = m.mesh.n_nodes();
  std::vector<btVector3> X;
  std::vector<btScalar> mass(m.mesh.n_nodes(), 0.0);
  for (const Vec3& p : m.mesh.X) X.push_back(bt(p));
  for (int t = 0; t < m.mesh.n_tets(); ++t) {
    const double share = s.tissue_density_kg_m3 * m.tet_volume_m3[t] / 4;
    for (int v : m.mesh.tets[t]) mass[v] += share;
  }
  for (int n : sc.floor_nodes) mass[n] = 0;  // mass 0: a fixed node
  w->n_tissue_nodes = nt;
  w->tissue = make_tet_soft_body(w->world->getWorldInfo(), X, mass, m.mesh.tets);
  w->tissue->m_cfg.kKHR = 1;
  w->tissue->m_cfg.kCHR = 1;
  w->tissue->m_cfg.kDF = 0;  // frictionless, like the Hertz problem
  w->tissue->m_cfg.collisions = btSoftBody::fCollision::SDF_RD | btSoftBody::fCollision::SDF_RDF;
  w->tissue->getCollisionShape()->setMargin(0.1 * sc.params.mesh.fine_size_m);
  w->world->addSoftBody(w->tissue);
  w->elastic = make_neo_hookean_force(m.tet_material.front(), s.damping);
  w->world->addForce(w->tissue, w->elastic.get());
  w->world->setImplicit(true);
  w->world->setUseProjection(true);
  w->world->setLineSearch(true);

  // Roller.
  const RigidBody& rb = m.rigid_bodies[sc.roller_body];
  const auto* cyl = dynamic_cast<const CylinderShape*>(rb.shape.get());
  w->roller_shape = std::make_unique<btCylinderShapeZ>(btVector3(cyl->radius_m(), cyl->radius_m(), cyl->half_length_m()));
  btTransform tr;
  tr.setIdentity();
  tr.setOrigin(bt(rb.rest_position_m));
  w->roller_motion = std::make_unique<btDefaultMotionState>(tr);
  btVector3 inertia(0, 0, 0);
  w->roller_shape->calculateLocalInertia(s.roller_mass_kg, inertia);
  w->roller = std::make_unique<btRigidBody>(btRigidBody::btRigidBodyConstructionInfo(
      s.roller_mass_kg, w->roller_motion.get(), w->roller_shape.get(), inertia));
  w->roller->setActivationState(DISABLE_DEACTIVATION);
  w->roller->setFriction(0);
  w->world->addRigidBody(w->roller.get());
  w->roller_force = bt(rb.applied_force_N);
  // No floor plane in the world: the floor nodes are already fixed (mass 0), and a
  // mass-0 node touching a static plane is a contact between two infinite masses (NaN in 3.24).
  return w;
}

void sync_from_scene(BulletContactWorld& w, const ContactScene& sc) {
  const std::vector<Vec3> x = node_positions(sc.model, sc.state);
  for (int n = 0; n < w.n_tissue_nodes; ++n) {
    w.tissue->m_nodes[n].m_x = bt(x[n]);
    w.tissue->m_nodes[n].m_q = bt(x[n]);
    w.tissue->m_nodes[n].m_v.setZero();
  }
  btTransform tr;
  tr.setIdentity();
  tr.setOrigin(bt(rigid_position(sc.model, sc.state, sc.roller_body)));
  w.roller->setWorldTransform(tr);
  w.roller->setLinearVelocity(btVector3(0, 0, 0));
}

int bullet_node_count(const BulletContactWorld& w) { return w.n_tissue_nodes; }

Vec3 bullet_node_position(const BulletContactWorld& w, int n) {
  const btVector3& p = w.tissue->m_nodes[n].m_x;
  return Vec3(p.x(), p.y(), p.z());
}

Vec3 bullet_roller_position(const BulletContactWorld& w) {
  const btVector3& p = w.roller->getWorldTransform().getOrigin();
  return Vec3(p.x(), p.y(), p.z());
}

BulletRunReport run_bullet_dynamics(const ContactScene& sc, int steps, const BulletWorldSettings& s) {
  BulletRunReport rep;
  BulletWorldPtr w = make_bullet_world(sc, s);
  const auto t0 = std::chrono::steady_clock::now();
  const double y0 = bullet_roller_position(*w).y();
  for (int i = 0; i < steps; ++i) {
    w->roller->applyCentralForce(w->roller_force);
    w->world->stepSimulation(s.time_step_s, 1, s.time_step_s);
    ++rep.steps;
    bool ok = std::isfinite(w->roller->getWorldTransform().getOrigin().y());
    for (int n = 0; ok && n < w->n_tissue_nodes; ++n) ok = std::isfinite(w->tissue->m_nodes[n].m_x.length2());
    if (!ok) {
      rep.finite = false;
      break;
    }
  }
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (int n = 0; n < w->n_tissue_nodes; ++n)
    rep.max_node_speed_m_s = std::max<double>(rep.max_node_speed_m_s, w->tissue->m_nodes[n].m_v.length());
  rep.roller_drop_m = y0 - bullet_roller_position(*w).y();
  // A quasi-static indentation moves nothing near 10 m/s, nor the roller through the block.
  if (!rep.finite) {
    rep.diverged = true;
    rep.status = "NaN after step " + std::to_string(rep.steps);
  } else if (!(rep.max_node_speed_m_s < 10.0) || !(std::abs(rep.roller_drop_m) < sc.params.tissue.thickness_m)) {
    rep.diverged = true;
    rep.status = "diverged (node speed " + std::to_string(rep.max_node_speed_m_s) + " m/s)";
  } else {
    rep.status = "running";
  }
  if (rep.diverged) return rep;
  // Read Bullet's state back through backroll's pressure extraction (in-plane components: the
  // Bullet slab cannot hold z, so its z motion is left out).
  ContactScene copy = sc;
  copy.state = FemState{};  // the model's own inputs (a test may have changed them)
  copy.state.reset(copy.model);
  for (int n = 0; n < w->n_tissue_nodes; ++n)
    for (int c = 0; c < 2; ++c)
      if (copy.model.node_dof[n][c] >= 0)
        copy.state.u[copy.model.node_dof[n][c]] = bullet_node_position(*w, n)[c] - copy.model.mesh.X[n][c];
  copy.state.u[copy.model.rigid_bodies[copy.roller_body].dof[1]] = -rep.roller_drop_m;
  rep.result = measure_contact_scene(copy);
  return rep;
}

}  // namespace backroll
