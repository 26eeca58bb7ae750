// Quasi-static finite-element contact solver (Eigen), the engine under every backroll scene.
//
// Why our own solver: Bullet's deformable world integrates dynamics (implicit Euler) and leaves
// contact forces unrecorded; backroll needs the *static* equilibrium of soft tissue under a
// load, and the contact pressure accurate to a few percent. So the equilibrium is found here:
//
//   minimise  E(u) = sum_tets V0 W(F)  -  f_ext . u  -  F_rigid . c  +  contact potential,
//
// over the free nodal displacements u and the free translations c of rigid bodies (a roller
// pushed by a prescribed force), with Newton's method, an energy line search, and frictionless
// contact by the augmented Lagrangian method (penalty k, multipliers updated between Newton
// solves, so the converged gap error does not depend on k).
//
// Contact comes in two kinds, each a slave node against a master:
//   - a rigid shape (signed-distance function) carried by a rigid body;
//   - a deformable surface (triangles of another body), gap measured to the closest point.
// Converged means: (1) the largest nodal force residual is below residual_rtol x the applied
// load, (2) the deepest penetration is below gap_tol_m, both at once.
//
// Model (constant once built) and State (what the solve changes) are separate structs.
#pragma once

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <memory>
#include <string>
#include <vector>

#include "neo_hookean.h"
#include "rigid_shape.h"
#include "tet_mesh.h"

namespace backroll {

constexpr int kFixed = -1;  // dof index of a fixed (prescribed) component

struct RigidBody {
  std::shared_ptr<const RigidShape> shape;
  Vec3 rest_position_m = Vec3::Zero();        // position of the shape's frame at c = 0
  std::array<int, 3> dof = {kFixed, kFixed, kFixed};  // global dof of each translation, or kFixed
  Vec3 applied_force_N = Vec3::Zero();        // constant force on the body (a prescribed load)
};

struct RigidContactSet {
  int body = 0;                    // index into FemModel::rigid_bodies
  std::vector<int> slave_nodes;    // nodes that may touch the shape
  std::vector<double> penalty_N_per_m;  // penalty stiffness per slave node
};

struct SurfaceContactSet {
  std::vector<int> slave_nodes;    // nodes that may touch the master surface
  std::vector<double> penalty_N_per_m;
  std::vector<Tri> master_faces;   // outward-oriented triangles of the master body
};

struct FemModel {
  TetMesh mesh;
  std::vector<NeoHookean> tet_material;      // one per tet
  std::vector<std::array<int, 3>> node_dof;  // global dof of each node component, or kFixed
  std::vector<Vec3> node_force_N;            // constant external nodal forces (gravity, ...)
  std::vector<RigidBody> rigid_bodies;
  std::vector<RigidContactSet> rigid_contacts;
  std::vector<SurfaceContactSet> surface_contacts;
  int n_dofs = 0;

  // Precomputed per tet by finalize(): rest volume and shape-function gradients (rows).
  std::vector<double> tet_volume_m3;
  std::vector<Eigen::Matrix<double, 4, 3>> tet_grad;

  // Fills the per-tet data; throws on an inverted or degenerate tet or inconsistent sizes.
  void finalize();
  // Sum of all prescribed loads' magnitudes (N): the scale for the residual tolerance.
  double load_scale_N() const;
};

struct SolverSettings {
  double residual_rtol = 1e-8;  // converged when max |nodal residual| <= rtol x load scale
  double gap_tol_m = 1e-7;      // ... and the deepest penetration <= this
  int max_newton = 300;         // Newton iterations in all, over all multiplier updates
  int max_multiplier_updates = 30;
  int load_steps = 1;           // ramp the prescribed loads in this many equal steps
};

struct FemState {
  Eigen::VectorXd u;                             // free dofs (m), size n_dofs
  std::vector<std::vector<double>> rigid_mult;   // ALM multipliers (N) per rigid contact set
  std::vector<std::vector<double>> surface_mult; // ... per surface contact set
  void reset(const FemModel& m);                 // zero displacement, zero multipliers
};

struct SolveReport {
  bool converged = false;
  int newton_iterations = 0;
  int multiplier_updates = 0;
  double residual_max_N = 0;     // largest nodal force residual at the end
  double residual_tol_N = 0;     // the tolerance it was held to
  double penetration_max_m = 0;  // deepest contact penetration at the end
  double seconds = 0;
  std::string message;           // why it stopped
};

// Solves for equilibrium starting from `state` (warm start) and leaves the solution in it.
SolveReport solve_equilibrium(const FemModel& model, FemState& state, const SolverSettings& s);

// Current node positions X + displacement.
std::vector<Vec3> node_positions(const FemModel& model, const FemState& state);
// Current position of a rigid body's frame.
Vec3 rigid_position(const FemModel& model, const FemState& state, int body);

// Elastic internal force on every node (N), f_int = dE_elastic/dx, at the current state.
std::vector<Vec3> internal_forces(const FemModel& model, const FemState& state);

}  // namespace backroll
