// Quasi-static finite-element contact solver (Eigen), the engine under every backroll scene.
//
// Why our own solver: Bullet's deformable world integrates dynamics (implicit Euler) and leaves
// contact forces unrecorded; backroll needs the *static* equilibrium of soft tissue under a
// load, and the contact pressure accurate to a few percent. So the equilibrium is found here:
//
//   minimise  E(u) = sum_tets V0 W(F)  -  f_ext . u  -  F_rigid . c  +  contact potential,
//
// over the free nodal displacements u and the free motions of rigid bodies (a roller pushed by a
// prescribed force, bones carrying tissue), with Newton's method, an energy line search, and
// contact by the augmented Lagrangian method (penalty k, multipliers updated between Newton
// solves, so the converged gap error does not depend on k).
//
// Friction (a rigid contact set's `friction`, Coulomb's mu) is regularised and lagged, as in
// incremental potential contact (Li et al., ACM TOG 2020): within one Newton solve each slave's
// normal force N and normal n are held at their last values, which makes friction a potential
//   mu N f0(|s|),  s = (I - n n^T) d,  f0' = f1(y) = 2y/eps - y^2/eps^2 (y < eps), 1 beyond,
// of the slave's slip d, its displacement relative to the surface's material point since the
// reference (the body at rest, the surface's body at FemInputs::slip_reference), n carried by the
// surface's body (so turning slave and surface together changes nothing: the friction's moment
// on the body is that of its force at the slave): the tangential force
// mu N f1(|s|) s/|s| sticks like a spring below eps and slides at exactly mu N beyond. N and n are
// those of the state each Newton step starts from, so at convergence they are the solution's own.
// The slip is counted from the reference, not from the previous solve: the same inputs give the
// same answer whatever state the solve starts from, which models a body lowered onto the surface
// and loaded once (no reversal of slip).
//
// Rigid bodies have up to 6 dofs: the translation c of the body's frame origin and a rotation.
// Rotations are exact at any angle (fem/rotation.h): the state keeps each body's orientation as a
// unit quaternion q0, and the rotation dofs in u are a rotation vector theta applied on top of it,
// q = exp(theta) q0. A tissue node attached to a body moves with it, x = o + c + R(q) (X - o).
// The solver folds theta into q0 after every accepted Newton step, so the gradient and the tangent
// are always taken at theta = 0: with respect to a small spatial rotation of each body, the
// gradient's rotational part being the moment about the body's current origin, the tangent's
// holding the geometric term of every force carried by a turning lever. A rigid motion of the
// whole model, by any angle, gives zero strain (tests/test_rigid_motion.cpp).
// Joints between bodies are springs on the relative motion at a point, in a joint frame carried
// by the first body: the second body's displacement of the point and its rotation relative to the
// first (a rotation vector, exact at any angle), both in the first body's frame. Linear, or
// bilinear in one direction (a stiffening extension, such as facets engaging).
//
// Contact comes in two kinds, each a slave node against a master:
//   - a rigid shape (signed-distance function) or a plane per slave (a facet) carried by a rigid
//     body;
//   - a deformable surface (triangles of another body), gap measured to the closest point.
// Converged means: (1) the largest nodal force residual is below residual_rtol x the applied
// load, (2) the deepest penetration is below gap_tol_m, both at once.
//
// Model and state, as in MuJoCo's mjModel / mjData: a FemModel is constant once finalized and may
// be shared read-only by any number of threads; a FemState holds everything one solve reads or
// changes: the inputs a client sets (loads, where the placed bodies stand) and the unknowns and
// contact multipliers the solver finds.
#pragma once

#include <algorithm>
#include <atomic>
#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <memory>
#include <string>
#include <vector>

#include "fem/compliant_layer.h"
#include "fem/neo_hookean.h"
#include "fem/rotation.h"
#include <array>
#include "fem/rigid_shape.h"
#include "fem/tet_mesh.h"

namespace backroll {

constexpr int kFixed = -1;  // dof index of a fixed (prescribed) component

struct RigidBody {
  std::shared_ptr<const RigidShape> shape;    // contact shape (in the body's frame), or null (a bone)
  Vec3 rest_position_m = Vec3::Zero();        // position of the body's frame origin at c = 0
                                              // (a placed body's default place: FemInputs)
  // Global dof of translation x, y, z then rotation about x, y, z, or kFixed.
  std::array<int, 6> dof = {kFixed, kFixed, kFixed, kFixed, kFixed, kFixed};
  // The loads a fresh state starts with (FemInputs): a constant force at the load point (the
  // frame origin + load_offset_m at rest, turning with the body: a weight at the centre of mass)
  // and a constant torque. A constant torque is not conservative under a finite rotation: its load
  // stiffness is skew and left out of the symmetric tangent, so keep torques to small turns (the
  // spine specimen's); a force at a point is exact at any angle.
  Vec3 applied_force_N = Vec3::Zero();
  Vec3 applied_torque_Nm = Vec3::Zero();
  Vec3 load_offset_m = Vec3::Zero();
};

// A spring on the relative motion of body b with respect to body a (index -1: the ground) at
// `point_m`: translation along each row of `axes` with stiffness translational_N_per_m, rotation
// about each row with rotational_Nm_per_rad. Point and axes are given at rest and are carried by
// body a. One rotational axis may stiffen in one direction:
// beyond stiffen_after_rad (measured along +axis, or -axis when stiffen_sign is -1) the
// stiffness becomes stiffened_Nm_per_rad (continuous moment, a bilinear curve); on the other
// side of zero it may differ (opposite_Nm_per_rad: flexion vs extension).
struct Joint {
  int body_a = -1, body_b = -1;
  Vec3 point_m = Vec3::Zero();
  Mat3 axes = Mat3::Identity();               // rows: unit axes, at rest (then carried by body a)
  Vec3 translational_N_per_m = Vec3::Zero();
  Vec3 rotational_Nm_per_rad = Vec3::Zero();
  // One translational axis may push only, as a support from below: its spring acts while body b
  // has moved against the axis (delta < 0) and lets go beyond (the feet on the floor).
  int push_only_axis = -1;                    // 0..2 or -1 for none
  int stiffen_axis = -1;                      // 0..2 or -1 for none
  int stiffen_sign = 1;
  double stiffen_after_rad = 0;
  double stiffened_Nm_per_rad = 0;
  double opposite_Nm_per_rad = 0;             // stiffness on the other side of zero (0: same)
  // A wheel (body b) on a floor (body a's axis 2 its normal): > 0 makes translation row 1 the
  // wheel's slip on the floor, delta_1 + radius x rotation_0, which is zero when it rolls about
  // axis 0 without slipping (exact at any angle of roll).
  double rolling_radius_m = 0;
  std::string name;
};

// A point on a surface triangle, x = sum_a w_a x_a over its three nodes (a quadrature point).
struct SurfacePoint {
  std::array<int, 3> node{};
  Vec3 w = Vec3::Zero();
  Vec3 position(const std::vector<Vec3>& x) const { return w[0] * x[node[0]] + w[1] * x[node[1]] + w[2] * x[node[2]]; }
};

struct RigidContactSet {
  int body = 0;                    // index into FemModel::rigid_bodies
  std::vector<int> slave_nodes;    // nodes that may touch the shape
  // Slave points on the surface's triangles, after the nodes: with them a shape smaller than the
  // node spacing (a ball under a coarse mesh) cannot slip between the nodes.
  std::vector<SurfacePoint> slave_points;
  std::vector<double> penalty_N_per_m;  // penalty stiffness per slave: the nodes, then the points
  size_t n_slaves() const { return slave_nodes.size() + slave_points.size(); }
  // Slave i's position at node positions x (a node's, or a point's on its triangle).
  Vec3 slave_position(size_t i, const std::vector<Vec3>& x) const {
    return i < slave_nodes.size() ? x[slave_nodes[i]] : slave_points[i - slave_nodes.size()].position(x);
  }
  // A compliant surface (a foam layer on the shape, an elastic foundation): the slave's force is
  // the layer's law of its penetration (fem/compliant_layer.h; penalty_N_per_m is the stiffness at
  // zero compression), a physical stiffness, so the penetration is the foam's compression and is
  // neither driven to zero nor counted against gap_tol_m.
  bool compliant = false;
  CompliantLayer layer;          // the law, when compliant (depth 0: a linear spring)
  // Instead of the body's shape, each slave may touch its own plane carried by the body (the
  // bone's surface under a tissue node, a facet): a point on it and its outward unit normal in
  // the body's frame, relative to the frame's origin, unturned. Empty: the body's shape. Either
  // may turn with the solve (free rotation dofs): the tangent holds the turn's terms, and for a
  // compliant set the shape's curvature coupled with the body's motion (fem/fem_terms.cpp).
  std::vector<Vec3> facet_point_m, facet_normal;
  // Coulomb friction on the surface (0: frictionless) and the slip over which it builds up
  // (the regularisation: below it a slave sticks as a spring of stiffness 2 mu N / eps).
  double friction = 0;
  double friction_slip_m = 1e-4;
};

struct SurfaceContactSet {
  std::vector<int> slave_nodes;    // nodes that may touch the master surface
  std::vector<double> penalty_N_per_m;
  std::vector<Tri> master_faces;   // outward-oriented triangles of the master body
};

// A fluid-filled cavity (the abdomen): the union of some of the mesh's tets, which then carry no
// elastic energy. Its wall nodes move with the tissue around it, its other nodes with a bone, so
// its volume is the enclosed volume whatever the inner nodes do (tets may even invert). Pressure
// at a point y, with V its volume and g gravity (FemInputs):
//   p(y) = load p0 - (V - V0) / C + load rho g.(y - reference),
// the pressure p0 at the reference point at rest, a compliance C for the rest of the cavity and
// the fluid's weight as a hydrostatic gradient. Potential (fem/fluid_cavity.cpp):
//   -load p0 (V - V0) + (V - V0)^2 / 2C - load rho g.(M - M0 - reference (V - V0)),
// M the first moment of volume.
struct FluidCavity {
  std::string name;
  std::vector<int> tets;
  double p0_Pa = 0;
  double compliance_m3_per_Pa = 0;
  double density_kg_m3 = 0;
  Vec3 reference_m = Vec3::Zero();
  double V0_m3 = 0;       // by finalize()
  Vec3 M0_m4 = Vec3::Zero();
};

// A tissue's stress relaxation (quasi-linear viscoelasticity, Fung): its stress under a strain
// held from time 0 is the elastic stress times G(t) = 1 - g (1 - exp(-t / tau)), one Prony term.
// g = 0: elastic. fem/viscoelastic.h steps it through time.
struct Relaxation {
  double g = 0;       // the share of the instantaneous stress that relaxes away
  double tau_s = 0;   // its time constant
};

// What each tet of a dilatation group keeps of lambda as its own volume term, in units of its mu
// (FemModel::dilatation_groups): 2, a solid of nu = 1/3. A rigid ball on a block of nu = 0.49
// read Hertz's peak pressure +1.7 / +1.9 % at h = a/4 / a/8 with it, -4.8 / -2.1 % with none
// (0), +10 / +9 % with 5, +61 / +74 % with each tet's whole lambda; with none, tets under a
// roller on the glutes collapsed to 2 % of their volume inside cells that kept theirs.
constexpr double kTetLambdaPerMu = 2.0;

struct FemModel {
  TetMesh mesh;
  std::vector<NeoHookean> tet_material;      // one per tet
  std::vector<Relaxation> tet_relaxation;    // one per tet, or empty: every tet elastic
  std::vector<std::array<int, 3>> node_dof;  // global dof of each node component, or kFixed
  std::vector<Vec3> node_force_N;            // the nodal loads a fresh state starts with (FemInputs)
  std::vector<int> node_body;                 // body a node is attached to, or -1; may be empty
  // A node on two bodies (tissue over the joint between two bones): it moves with node_body's
  // material point at weight w and with `body`'s at 1 - w (0 < w < 1), each the point where the
  // node is at rest, so the force on it passes to the two bodies in those shares.
  struct NodeSplit {
    int node = -1, body = -1;
    double w = 1;
  };
  std::vector<NodeSplit> node_splits;
  // A node that follows two others on a line through it (the mesh made coarser where it need not
  // be fine, its nodes kept so the mesh stays one structured grid): x = X + w u_a + (1 - w) u_b,
  // u_a and u_b the masters' displacements. The masters are nodes not on a body and not tied (a
  // component fixed in a master is zero in it); the tied node has no dofs of its own (node_dof
  // kFixed, node_body -1). The elements around it see a displacement linear along the line: a
  // conforming subspace of the fine mesh's.
  struct NodeTie {
    int node = -1, a = -1, b = -1;
    double w = 0;
  };
  std::vector<NodeTie> node_ties;
  // Mean dilatation (Nagtegaal, Parks & Rice 1974): groups of solid tets, each a structured
  // grid's hexahedral cell cut into 6 (fem/tet_mesh.h), whose volumetric term lambda/2 (ln J)^2
  // is taken once for the group at its volume ratio J = v / V (current over rest volume of the
  // whole group) instead of each tet's own. The shear terms stay each tet's. Linear tets of a
  // nearly incompressible solid (nu 0.49) lock: six volume constraints a cell against three
  // unknowns a node make the mesh too stiff and its answers slow to converge; one a cell does
  // not (the hexahedron with constant pressure, Q1-P0). Each tet keeps kTetLambdaPerMu x mu of
  // lambda as its own volume term (a solid of nu = 1/3, which does not lock), so that no tet
  // collapses inside its cell while its neighbours swell; the group takes the rest. A cell across
  // two materials (muscles side by side, a kidney's edge) is one group too: its volume term takes
  // the tets' rests of lambda weighted by their volumes (each tet's share of the cell's energy),
  // so the cell answers with one pressure, as the two solids' pressures are equal across their
  // interface. None of a group's tets is a cavity's.
  std::vector<std::vector<int>> dilatation_groups;
  std::vector<RigidBody> rigid_bodies;
  std::vector<Joint> joints;
  std::vector<RigidContactSet> rigid_contacts;
  std::vector<SurfaceContactSet> surface_contacts;
  std::vector<FluidCavity> cavities;
  Vec3 gravity_m_s2 = Vec3::Zero();          // what a fresh state's inputs start with (cavities' weight)
  int n_dofs = 0;

  // Precomputed per tet by finalize(): rest volume and shape-function gradients (rows).
  std::vector<double> tet_volume_m3;
  std::vector<Eigen::Matrix<double, 4, 3>> tet_grad;
  std::vector<int> tet_cavity;  // the cavity a tet is fluid of, or -1 (solid)
  // Per dilatation group, by finalize(): its rest volume, lambda, its nodes and, per tet of it, the
  // place of each of the tet's 4 nodes among them; per tet its group or -1.
  struct GroupData {
    double V0_m3 = 0, lambda_Pa = 0;  // the group's lambda: its tets' group_lambda_share_Pa, by volume
    std::vector<int> nodes;
    std::vector<std::array<int, 4>> local;
  };
  std::vector<GroupData> group_data;
  std::vector<int> tet_group;
  // Per node, by finalize(): its dofs (3 free, or up to two bodies' 6 each) and dx/du over them.
  // A free node's J is constant; a body's node has J = w [I, -[R lever]x] over the body's free
  // components (`comp`: 0-2 translation, 3-5 rotation; 6-11 the same of a second body), R the
  // body's current rotation (fem_terms::Pose), w its weight (1 on one body); a tied node's is
  // [w I, (1 - w) I] over its masters' free components.
  struct NodeKinematics {
    int n = 0;
    std::array<int, 12> dof{};
    std::array<int, 12> comp{};
    std::array<int, 2> body{-1, -1};                  // the bodies it rides (the second, or -1)
    std::array<Vec3, 2> lever{Vec3::Zero(), Vec3::Zero()};  // X - each body's frame origin, at rest
    std::array<double, 2> weight{1.0, 0.0};
    Eigen::Matrix<double, 3, 12> J = Eigen::Matrix<double, 3, 12>::Zero();
    bool identity = false;  // a free node with its three components: J = [I, 0], constant
    bool on_body() const { return body[0] >= 0; }
  };
  std::vector<NodeKinematics> node_kin;
  // The elastic tangent's sparsity, by finalize(): a column-compressed pattern over the dofs
  // (n x n, n = n_dofs then; dofs added later have empty columns) and, for every entry the
  // tets add (tet, node a, node b, dof p of a, dof q of b, in that order), its place in the
  // pattern. The solver adds into those places instead of sorting triplets.
  struct TangentPattern {
    int n = 0;
    std::vector<int> outer, inner;  // column starts (n + 1), row of each entry
    std::vector<int> slot;          // per tet entry, its index into inner
    std::vector<int> tet_first;     // per tet, its first entry in slot
    std::vector<int> group_first;   // per dilatation group (its node pairs, then dof pairs), after the tets'
  };
  TangentPattern elastic_pattern;

  // Per rigid body, by finalize(): whether tissue nodes or joints hang on it, and whether tissue
  // does (such a body's frame is fixed by the model: it cannot be placed through FemInputs).
  std::vector<char> body_anchors, body_carries_tissue;

  // Fills the per-tet data; throws on an inverted or degenerate tet or inconsistent sizes.
  void finalize();
  void tie_nodes();              // part of finalize(): node_ties into node_kin
  void group_tets();             // part of finalize(): dilatation_groups into group_data
  void build_elastic_pattern();  // part of finalize()
  size_t elastic_entries() const;  // the tangent entries the tets and groups add (slot's size)
  // A tet's own terms: its material, or for a dilatation group's tet the same keeping only
  // tet_own_lambda_Pa of lambda (the group's volume term holds the rest).
  NeoHookean own_material(int tet) const {
    NeoHookean m = tet_material[tet];
    if (tet_group[tet] >= 0) m.lambda_Pa = tet_own_lambda_Pa(tet);
    return m;
  }
  // A grouped tet's lambda: what it keeps as its own volume term (at most kTetLambdaPerMu x mu),
  // and the rest, which its group takes.
  double tet_own_lambda_Pa(int tet) const {
    return std::min(tet_material[tet].lambda_Pa, kTetLambdaPerMu * tet_material[tet].mu_Pa);
  }
  double group_lambda_share_Pa(int tet) const { return tet_material[tet].lambda_Pa - tet_own_lambda_Pa(tet); }
};

// Where a body stands at zero motion: its frame's origin and orientation (columns: the body's
// axes in the model's frame). A shape is evaluated in its body's frame.
struct BodyPose {
  Vec3 origin_m = Vec3::Zero();
  Mat3 rotation = Mat3::Identity();
};

// What a client sets before a solve, leaving the model untouched: the prescribed loads and the
// place of every body. Only a body that carries no tissue (a roller, a floor, the feet: a
// "placed" body, as MuJoCo's mocap bodies) may be moved or turned from its model pose, carrying
// its contact shape and the joints it holds. A placed body may still move with the solve (a
// roller that rolls): its dofs then move it from where the inputs place it, its rotation turning
// on top of the placed turn.
struct FemInputs {
  std::vector<Vec3> node_force_N;     // per node (N): gravity and other constant loads
  std::vector<Vec3> body_force_N;     // per rigid body (N), at its load point
  std::vector<Vec3> body_torque_Nm;   // per rigid body (N m)
  std::vector<BodyPose> body_pose;    // per rigid body
  // Per rigid body, where friction on its surface counts slip from (the body's place when the
  // tissue at rest first meets it); empty: body_pose.
  std::vector<BodyPose> slip_reference;
  const BodyPose& slip_reference_of(size_t body) const { return slip_reference.empty() ? body_pose[body] : slip_reference[body]; }
  Vec3 gravity_m_s2 = Vec3::Zero();   // the fluid cavities' weight (their tets get no node force)
  // A time step of viscoelastic tissue (fem/viscoelastic.h), per tet: its stress is
  //   P = viscous_scale P_shear(F) + P_volume(F) + F viscous_stress_PK2,
  // the step's share of the shear response (the law's mu and fibre terms), its volume response
  // (lambda's, which does not relax) whole, plus what its history leaves (a constant second
  // Piola-Kirchhoff stress): the derivative of the potential V (scale W_shear(F) + W_volume(F) +
  // S_h : E(F)), E = (F^T F - I) / 2. Empty: elastic.
  std::vector<double> viscous_scale;
  std::vector<Mat3> viscous_stress_PK2_Pa;
  // The model's own: its node_force_N, each body's applied force and torque, rest position and
  // no rotation.
  static FemInputs of(const FemModel& m);
  // Sum of all prescribed loads' magnitudes (N), the fluid cavities' (pressure on a face of their
  // volume's size, and weight) included: the scale for the residual tolerance.
  double load_scale_N(const FemModel& m) const;
};

struct SolverSettings {
  double residual_rtol = 1e-8;  // converged when max |nodal residual| <= rtol x load scale
  double gap_tol_m = 1e-7;      // ... and the deepest penetration <= this
  int max_newton = 300;         // Newton iterations in all, over all multiplier updates
  // Whether Newton's step tries the exact tangent, with the grid cells' pressure stiffness
  // (fem_terms.h), before the tangent without it (newton.cpp, newton_step). Without it a nearly
  // incompressible tissue's tangents stay positive definite under a roller, and the last steps
  // converge linearly; with it the last steps converge quadratically, and a step whose exact
  // tangent is indefinite costs a failed factorisation first. The body's solves (to 1e-4 of the
  // load, on large meshes) leave it out: on the main job's coarse mesh trying it first took 11 %
  // fewer Newton steps and no less time (docs/benchmarks.md, "The exact tangent first"). The
  // layered scene and the exercises (to 1e-8 of the load, on small meshes) try it first: without
  // it some crept to their 300th step.
  bool cells_pressure_stiffness = false;
  int max_multiplier_updates = 30;
  int load_steps = 1;           // ramp the prescribed loads in this many equal steps
  // Late Newton steps by conjugate gradients preconditioned by the last factorisation, where it
  // fits (fem/newton.cpp, reuse_step); false: every step factorises its own tangent.
  bool reuse_factorization = true;
  // Checked before every Newton iteration: when it reads true the solve stops at once with
  // converged = false and cancelled = true (an interactive client that no longer wants it).
  const std::atomic<bool>* cancel = nullptr;
};

// Which BLAS CHOLMOD runs on and whether factorisations may run in parallel (see fem/linear_solver.cpp).
std::string linear_solver_info();

struct FemState {
  FemInputs inputs;                              // loads and body places (set by the client)
  Eigen::VectorXd u;                             // free dofs (m, rad), size n_dofs
  // Per rigid body, its orientation before the rotation dofs in u act (identity at rest).
  std::vector<rotation::Quatd> body_rotation;
  std::vector<std::vector<double>> rigid_mult;   // ALM multipliers (N) per rigid contact set
  std::vector<std::vector<double>> surface_mult; // ... per surface contact set
  // Per rigid contact set with friction, per slave: the lagged normal force N n (N) friction acts
  // with (zero: not in contact), set by the solver from the state at each Newton step; in the
  // frame of the surface's body at its slip reference (the normal turns with the body).
  std::vector<std::vector<Vec3>> friction_normal;
  // Zero displacement and multipliers, bodies unturned; the inputs stay as set, or become the
  // model's when they do not fit it (a new state).
  void reset(const FemModel& m);
  // Folds the rotation dofs into body_rotation (the same configuration, theta = 0).
  void fold_rotations(const FemModel& m);
};

struct SolveReport {
  bool converged = false;
  int newton_iterations = 0;
  int multiplier_updates = 0;
  int relaxed_lags = 0;          // 1 when friction's lag cycled and was relaxed (newton.cpp)
  int factorizations = 0;        // including retries with a shifted diagonal
  int failed_factorizations = 0; // ... of them, those that met a non-positive pivot
  int analyses = 0;              // symbolic analyses (fill-reducing orderings) of a new pattern
  int reused_steps = 0;          // Newton steps solved on the last factorisation (no new one)
  int cg_iterations = 0;         // conjugate-gradient iterations those took (and failed tries)
  double factor_nonzeros = 0;    // the Cholesky factor of the pattern analysed: its nonzeros
  double factor_flops = 0;       // ... and the floating-point operations of one factorisation
  int factor_largest_front = 0;  // ... and the rows of its largest dense block (its top separator)
  double residual_max_N = 0;     // largest nodal force residual at the end
  double residual_tol_N = 0;     // the tolerance it was held to
  double penetration_max_m = 0;  // deepest contact penetration at the end
  double seconds = 0;
  // Where the time went (s): tangent and residual evaluation, sparse assembly, factorisation and
  // solve, line-search energy evaluations.
  double seconds_evaluate = 0, seconds_assemble = 0, seconds_factorize = 0, seconds_line_search = 0;
  double seconds_analyse = 0;  // of seconds_factorize: the fill-reducing orderings (analyses)
  std::string message;           // why it stopped
  // Stopped only because max_newton was reached: the state is a valid, better-than-before
  // iterate (every step passed the line search), just not yet at equilibrium.
  bool iteration_limit = false;
  bool cancelled = false;        // stopped by SolverSettings::cancel
  std::vector<double> residual_history;  // the largest nodal residual (N) at every Newton evaluation
};

// A tet's own law in the inputs' step: own_material, its shear terms scaled by a viscous step's
// viscous_scale (NeoHookean::shear_scaled).
NeoHookean step_material(const FemModel& model, const FemInputs& in, int tet);
// A tet's first Piola-Kirchhoff stress at F in the inputs' step: step_material's, its dilatation
// group's volume term at the group's volume ratio, and a viscous step's history F S_h.
Mat3 tissue_pk1(const FemModel& model, const FemInputs& in, int tet, const Mat3& F, double group_ratio);

struct NewtonWorkspace;
// What the solves of one model keep from one to the next: the tangent's sparsity pattern and the
// linear solver's analysis of it (the fill-reducing ordering, 40-50 ms on the main job's mesh,
// under a process-wide lock; 0.25 s on the fine patch's). The pattern analysed starts with every
// rigid contact's reach (each slave's dofs and its surface body's, coupled) and grows into the
// union of every tangent's met so far, each tangent padded to it with explicit zeros, so contacts
// coming and going (which add and drop entries) do not re-analyse. Before, every change of the
// contact set re-analysed: 8-12 times per rolled position; with the union only, 8 (main job's
// mesh) to 13 (fine patch) times in a solve from rest; with the reach, once. Results do not
// depend on it beyond round-off (the ordering changes the sums' order); one per session, not
// shared between threads.
class SolverCache {
 public:
  SolverCache();
  ~SolverCache();
  SolverCache(SolverCache&&) noexcept;
  SolverCache& operator=(SolverCache&&) noexcept;

 private:
  friend SolveReport solve_equilibrium(const FemModel&, FemState&, const SolverSettings&, SolverCache*);
  std::unique_ptr<NewtonWorkspace> w_;
  const FemModel* model_ = nullptr;
};

// Solves for equilibrium starting from `state` (warm start) and leaves the solution in it; with a
// cache, the linear solver's analysis is kept for the next solve of the same model.
SolveReport solve_equilibrium(const FemModel& model, FemState& state, const SolverSettings& s, SolverCache* cache = nullptr);

// Current node positions X + displacement.
std::vector<Vec3> node_positions(const FemModel& model, const FemState& state);
// Current position of a rigid body's frame.
Vec3 rigid_position(const FemModel& model, const FemState& state, int body);

// The tissue's force on every node (N), f_int = dE_elastic/dx, at the current state, a viscous
// step's history included (the fluid cavities' push is not in it: cavity_reading).
std::vector<Vec3> internal_forces(const FemModel& model, const FemState& state);
// The force (N, >= 0, along the surface's outward normal) with which each slave of rigid contact
// set `set` presses on its surface, at the current state: the contact law's (the multiplier
// and the penetration's penalty, or the foam's penalty x compression).
std::vector<double> rigid_contact_forces(const FemModel& model, const FemState& state, int set);
// The same at node positions x (node_positions(model, state)), for a caller that has them.
std::vector<double> rigid_contact_forces(const FemModel& model, const FemState& state, int set, const std::vector<Vec3>& x);
// Sets the state's lagged normal forces for friction (FemState::friction_normal) to the contact
// forces of its current configuration, or moves them that `weight` of the way there (0 < weight
// <= 1; all the way when there were none). Returns how far the friction bound of those forces
// was from the lagged one: the largest mu x |current - lagged| over the slaves (N).
double lag_friction(const FemModel& model, FemState& state, double weight = 1.0);
// The friction force (N) each slave of rigid contact set `set` gets from the surface, at the current
// state (zero without friction): tangential, at most mu x the lagged normal force.
std::vector<Vec3> rigid_friction_forces(const FemModel& model, const FemState& state, int set);
// A fluid cavity's volume (m3), its pressure at its reference point (Pa) and its weight (N,
// rho g V), at the current state (or at its node positions x, node_positions(model, state)).
struct CavityReading {
  double volume_m3 = 0, pressure_Pa = 0;
  Vec3 weight_N = Vec3::Zero();
  Vec3 reference_m = Vec3::Zero(), rho_g = Vec3::Zero();  // the reference point; the fluid's rho g
  // The pressure at point y: the reference's plus the fluid's weight over the height between.
  double pressure_at(const Vec3& y) const { return pressure_Pa + rho_g.dot(y - reference_m); }
};
CavityReading cavity_reading(const FemModel& model, const FemState& state, int cavity);
CavityReading cavity_reading(const FemModel& model, const FemState& state, int cavity, const std::vector<Vec3>& x);
// A tet's deformation gradient F at node positions x, and its hydrostatic pressure
// -tr(sigma)/3 (Pa, + compression) from the Cauchy stress sigma = P F^T / det F of its elastic
// response (a tissue without relaxation, as the kidneys, has no other).
Mat3 deformation_gradient(const FemModel& model, const std::vector<Vec3>& x, int tet);
double hydrostatic_pressure_Pa(const FemModel& model, const std::vector<Vec3>& x, int tet);
// A dilatation group's volume ratio (FemModel::dilatation_groups) at node positions x, and every
// group's; a solid tet's elastic first Piola-Kirchhoff stress at F, its volumetric part at its
// group's ratio when it has a group (group_ratio is then that ratio; unused otherwise).
double group_volume_ratio(const FemModel& model, const std::vector<Vec3>& x, int group);
std::vector<double> group_volume_ratios(const FemModel& model, const std::vector<Vec3>& x);
Mat3 elastic_pk1(const FemModel& model, int tet, const Mat3& F, double group_ratio);
// The solid tissue's volume at node positions x: the smallest tet's volume ratio (0 or less: one
// is inverted) and the least volume any part keeps (each tet's ratio, or its group's when it has
// one). The fluid cavities' tets are left out (they may fold, FluidCavity).
struct TissueVolume {
  double min_J = 1e9, least = 1e9;
};
TissueVolume tissue_volume(const FemModel& model, const std::vector<Vec3>& x);

// The signed distance (m) from point p to a rigid body's contact shape where the state puts the
// body (its place and turn), and the outward normal there when asked.
double body_signed_distance(const FemModel& model, const FemState& state, int body, const Vec3& p, Vec3* normal);
// A rigid body's rotation from rest: as a rotation vector (rad, angle in [0, pi] times the axis)
// and as a matrix, a placed body's turn (FemInputs::body_pose) included.
Vec3 rigid_rotation(const FemModel& model, const FemState& state, int body);
Mat3 rigid_orientation(const FemModel& model, const FemState& state, int body);

// A joint's relative motion in its frame (carried by its first body): translation (m) and
// rotation (rad, the components of the exact relative rotation vector), and the spring force (N)
// and moment (N m) it carries, positive along the joint's axes.
struct JointState {
  Vec3 translation_m, rotation_rad, force_N, moment_Nm;
};
JointState joint_state(const FemModel& model, const FemState& state, int joint);

}  // namespace backroll
