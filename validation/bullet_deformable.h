// Shared plumbing of backroll's Bullet adapters (bullet_world.cpp, bullet_torso.cpp): the
// deformable world's parts, and a tetrahedral btSoftBody built from our own arrays. Internal to
// sim/: only the adapters' .cpp files include it, so Bullet's types stay out of public headers.
#pragma once

#include <BulletSoftBody/btDeformableBodySolver.h>
#include <BulletSoftBody/btDeformableMultiBodyConstraintSolver.h>
#include <BulletSoftBody/btDeformableMultiBodyDynamicsWorld.h>
#include <BulletSoftBody/btDeformableNeoHookeanForce.h>
#include <BulletSoftBody/btSoftBody.h>
#include <BulletSoftBody/btSoftBodyHelpers.h>
#include <BulletSoftBody/btSoftBodyRigidBodyCollisionConfiguration.h>
#include <btBulletDynamicsCommon.h>

#include <algorithm>
#include <array>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "fem/neo_hookean.h"
#include "fem/tet_mesh.h"

namespace backroll {

inline btVector3 bt(const Vec3& v) { return btVector3(v.x(), v.y(), v.z()); }

// The parts of a btDeformableMultiBodyDynamicsWorld (VolumetricDeformable.cpp's setup), with
// gravity g (m/s^2, along z) set on both the rigid and the soft side.
struct DeformableWorldCore {
  std::unique_ptr<btSoftBodyRigidBodyCollisionConfiguration> config;
  std::unique_ptr<btCollisionDispatcher> dispatcher;
  std::unique_ptr<btDbvtBroadphase> broadphase;
  std::unique_ptr<btDeformableBodySolver> deformable_solver;
  std::unique_ptr<btDeformableMultiBodyConstraintSolver> solver;
  std::unique_ptr<btDeformableMultiBodyDynamicsWorld> world;

  explicit DeformableWorldCore(double gravity_z) {
    config = std::make_unique<btSoftBodyRigidBodyCollisionConfiguration>();
    dispatcher = std::make_unique<btCollisionDispatcher>(config.get());
    broadphase = std::make_unique<btDbvtBroadphase>();
    deformable_solver = std::make_unique<btDeformableBodySolver>();
    solver = std::make_unique<btDeformableMultiBodyConstraintSolver>();
    solver->setDeformableSolver(deformable_solver.get());
    world = std::make_unique<btDeformableMultiBodyDynamicsWorld>(dispatcher.get(), broadphase.get(), solver.get(),
                                                                 config.get(), deformable_solver.get());
    world->setGravity(btVector3(0, 0, gravity_z));
    world->getWorldInfo().m_gravity.setValue(0, 0, gravity_z);
  }
};

// A tetrahedral soft body from node positions, node masses (0 = fixed) and tets (indices into
// X, positive volume). Every unique tet edge becomes a link: Bullet's node tree is built along
// links, and a body without them never finishes its first step (BULLET_NOTES.md).
inline btSoftBody* make_tet_soft_body(btSoftBodyWorldInfo& info, std::vector<btVector3> X, std::vector<btScalar> mass,
                                      const std::vector<Tet>& tets) {
  auto* sb = new btSoftBody(&info, static_cast<int>(X.size()), X.data(), mass.data());
  std::set<std::pair<int, int>> edges;
  for (const Tet& t : tets) {
    sb->appendTetra(t[0], t[1], t[2], t[3]);
    for (int a = 0; a < 4; ++a)
      for (int b = a + 1; b < 4; ++b) edges.insert({std::min(t[a], t[b]), std::max(t[a], t[b])});
  }
  for (const auto& e : edges) sb->appendLink(e.first, e.second);
  sb->initializeDmInverse();
  sb->m_tetraScratches.resize(sb->m_tetras.size());
  sb->m_tetraScratchesTn.resize(sb->m_tetras.size());
  btSoftBodyHelpers::generateBoundaryFaces(sb);
  sb->m_sleepingThreshold = 0;  // the default puts a body to sleep and zeroes its velocity
  return sb;
}

// Bullet's Neo-Hookean is Smith et al.'s stable form; its small-strain Lame parameters match
// (mu, lambda) for mu' = 4/3 mu, lambda' = lambda + 5/6 mu (Smith et al. 2018, sec. 3.4).
inline std::unique_ptr<btDeformableNeoHookeanForce> make_neo_hookean_force(const NeoHookean& mat, double damping) {
  return std::make_unique<btDeformableNeoHookeanForce>(4.0 / 3.0 * mat.mu_Pa, mat.lambda_Pa + 5.0 / 6.0 * mat.mu_Pa,
                                                       damping);
}

}  // namespace backroll
