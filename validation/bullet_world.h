// The Bullet adapter: the one place that builds Bullet objects from backroll's scene.
//
// A ContactScene becomes a btDeformableMultiBodyDynamicsWorld: the tissue as a btSoftBody
// (same nodes and tetrahedra) with a btDeformableNeoHookeanForce, floor nodes of mass 0 (fixed),
// the roller as a btRigidBody with a btCylinderShapeZ pushed by the scene's load (no floor plane:
// the fixed floor nodes are the floor). Two uses:
//   - mirror: after backroll's quasi-static solve, the solved node positions and the roller pose
//     are written into the world (sync_from_scene), so Bullet-side clients see the solution;
//   - measure: Bullet's own implicit deformable solver is stepped on the same scene
//     (run_bullet_dynamics) and its state read back with backroll's pressure extraction, which
//     is how the comparison of the two solvers in docs/validation.md was made.
#pragma once

#include <memory>
#include <string>

#include "validation/contact_case.h"

namespace backroll {

struct BulletContactWorld;  // opaque: Bullet's types stay inside bullet_world.cpp

struct BulletWorldDeleter {
  void operator()(BulletContactWorld* w) const;
};
using BulletWorldPtr = std::unique_ptr<BulletContactWorld, BulletWorldDeleter>;

struct BulletWorldSettings {
  double tissue_density_kg_m3 = 1000;  // lumped node masses
  double roller_mass_kg = 0.1;
  double time_step_s = 1.0 / 240.0;
  double damping = 0.05;               // Bullet's Neo-Hookean damping ratio
};

// Rigid-roller scenes only (the compliant roller has no Bullet counterpart here).
BulletWorldPtr make_bullet_world(const ContactScene& scene, const BulletWorldSettings& s = {});
// Writes the scene's current solution (node positions, roller position) into the world.
void sync_from_scene(BulletContactWorld& w, const ContactScene& scene);
int bullet_node_count(const BulletContactWorld& w);
Vec3 bullet_node_position(const BulletContactWorld& w, int node);
Vec3 bullet_roller_position(const BulletContactWorld& w);

struct BulletRunReport {
  int steps = 0;
  double seconds = 0;
  bool finite = true;            // no NaN/inf in node positions
  bool diverged = false;         // NaN, a node faster than 10 m/s, or the roller through the block
  std::string status;            // "settling", or why it diverged
  double max_node_speed_m_s = 0; // at the last step
  double roller_drop_m = 0;      // roller displacement (down positive)
  ContactResult result;          // pressure read back from Bullet's state (in-plane components)
};
// Steps Bullet's implicit deformable solver `steps` times with the scene's load and reads back.
BulletRunReport run_bullet_dynamics(const ContactScene& scene, int steps, const BulletWorldSettings& s = {});

}  // namespace backroll
