// The torso in a Bullet world (btDeformableMultiBodyDynamicsWorld): the floor as a static plane,
// every bone a btRigidBody (its boxes in a btCompoundShape, its own and lumped mass), every joint
// a btGeneric6DofSpring2Constraint with the joint's six stiffnesses, and the tissue as one
// btSoftBody per region (Bullet applies one material per soft body: each region gets its
// btDeformableNeoHookeanForce with the Smith-form Lame parameters matching its E and nu), whose
// bone-attached nodes are anchored to their bone (appendDeformableAnchor). Nodes on a region
// boundary appear in each region's body.
//
// Equilibrium comes from backroll's quasi-static solver over the same model (Bullet's
// deformable solver diverges under contact at SI scale: see docs/validation.md); sync_from_torso writes the
// solved state into the world, so Bullet-side clients (collision queries, a future Bullet
// renderer) see the solution.
#pragma once

#include <memory>

#include "anatomy/body_model.h"

namespace backroll {

struct BulletTorsoWorld;
struct BulletTorsoDeleter {
  void operator()(BulletTorsoWorld* w) const;
};
using BulletTorsoPtr = std::unique_ptr<BulletTorsoWorld, BulletTorsoDeleter>;

BulletTorsoPtr make_bullet_torso(const BodyModel& m);
// Writes the solved state (node positions, bone poses) into the world.
void sync_from_torso(BulletTorsoWorld& w, const BodyModel& m, const FemState& state);

struct BulletTorsoCounts {
  int rigid_bodies = 0, constraints = 0, soft_bodies = 0, soft_nodes = 0, tetras = 0, anchors = 0;
  double total_mass_kg = 0;  // bones + soft-body nodes, as Bullet holds them
};
BulletTorsoCounts bullet_torso_counts(const BulletTorsoWorld& w);
// Largest distance between a model node / bone origin and its Bullet copy (m), and the largest
// angle between a bone's model rotation and Bullet's (rad).
struct MirrorError {
  double node_m = 0, bone_m = 0, bone_rad = 0;
};
MirrorError bullet_mirror_error(const BulletTorsoWorld& w, const BodyModel& m, const FemState& state);

}  // namespace backroll
