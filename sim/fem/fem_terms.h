// Inside the solver (fem/): the energy and its derivatives term by term, the kinematics of nodes,
// bodies and joints they share, and the shape of a placed body. quasi_static.h is the interface.
#pragma once

#include <Eigen/SparseCore>
#include <array>
#include <utility>
#include <vector>

#include "fem/quasi_static.h"

namespace backroll {
namespace fem_terms {

using Triplet = Eigen::Triplet<double>;

// The configuration at dofs u (with the state's body orientations): every body's rotation and
// frame origin, every node's position and, when asked, the node kinematics J there (derivatives
// with respect to a small spatial rotation of each body, fem/quasi_static.h).
struct Pose {
  std::vector<rotation::Quatd> q;  // per body: its rotation from rest
  std::vector<Mat3> R;             // ... as a matrix
  std::vector<Vec3> origin;        // per body: its frame origin now
  std::vector<Vec3> x;             // per node
  std::vector<FemModel::NodeKinematics> kin;  // per node, when asked for
};
Pose pose_of(const FemModel& m, const FemState& st, const Eigen::VectorXd& u, bool want_kin);
// The same for the bodies only (x and kin left empty): what a joint or a body's query reads.
Pose bodies_of(const FemModel& m, const FemState& st, const Eigen::VectorXd& u);
Vec3 rigid_pos_of(const FemModel& m, const FemInputs& in, const Eigen::VectorXd& u, int b);

// A joint's relative motion as six numbers along its axes (translations, then rotations) and,
// when asked, their first and second derivatives with respect to the twelve local variables:
// body a's translation and small rotation, then body b's (fem/joint_motion.cpp says how).
struct JointMotion {
  Eigen::Matrix<double, 6, 1> delta = Eigen::Matrix<double, 6, 1>::Zero();
  std::array<int, 12> dof{};  // the local variables' global dofs, or kFixed
  Eigen::Matrix<double, 6, 12> jac = Eigen::Matrix<double, 6, 12>::Zero();
  std::array<Eigen::Matrix<double, 12, 12>, 6> hess{};
};
JointMotion joint_motion(const FemModel& m, const Pose& pose, const Joint& j, bool derivatives);

// How far a push-only support that has let go still counts as near (Eval::near_supports): a
// body resting on it lifts by micrometres when the scene around it is placed anew.
constexpr double kSupportNearM = 1e-3;

// Spring energy, force dE/ddelta and stiffness of one joint row at relative motion delta.
struct SpringEval {
  double energy, force, stiffness;
};
SpringEval spring(const Joint& j, int r, double delta);

// A rigid shape seen from the model's frame, its body turned by R: the shape's own functions at
// R^T p, the gradient and curvature turned back. Unturned (R = I: every roller) it calls the shape
// directly.
class PosedShape {
 public:
  PosedShape(const RigidShape& s, const Mat3& R) : s_(s), R_(R), turned_(!R.isIdentity(0)) {}
  double signed_distance(const Vec3& p, Vec3* normal) const {
    if (!turned_) return s_.signed_distance(p, normal);
    const double g = s_.signed_distance(R_.transpose() * p, normal);
    if (normal) *normal = R_ * *normal;
    return g;
  }
  Mat3 hessian(const Vec3& p) const {
    return turned_ ? Mat3(R_ * s_.hessian(R_.transpose() * p) * R_.transpose()) : s_.hessian(p);
  }
  double distance_lower_bound(const Vec3& p) const {
    return s_.distance_lower_bound(turned_ ? Vec3(R_.transpose() * p) : p);
  }

 private:
  const RigidShape& s_;
  Mat3 R_;
  bool turned_;
};

// The inputs fit the model, and only placed bodies are moved or turned (throws otherwise).
void check_inputs(const FemModel& m, const FemInputs& in);

// Slave i of a rigid contact set: its nodes with their weights (one node, or a surface point's
// three); returns how many.
int slave_of(const RigidContactSet& cs, size_t i, std::array<std::pair<int, double>, 3>& who);

// A dense rank-one part of the tangent, k v v^T (a fluid cavity's pressure-volume coupling).
struct RankOne {
  Eigen::VectorXd v;
  double k = 0;
};

struct Eval {
  double energy = 0;
  // The size of the terms the energy sums (the tissue's and the loads' work, each taken
  // positive): the scale its round-off is judged against when the terms cancel (a viscous step).
  double energy_magnitude = 0;
  Eigen::VectorXd grad;           // dE/du: forces, and moments about each body's current origin
  std::vector<Vec3> node_grad;    // dE/dx per node (N), before it is carried to the dofs
  std::vector<double> k_elastic;  // the tets' tangent, in FemModel::elastic_pattern's places
  // The grid cells' pressure stiffness (add_dilatation), in the same places, apart from k_elastic:
  // the indefinite part that Newton's step may leave out (newton.cpp). Empty when not asked for.
  std::vector<double> k_pressure;
  std::vector<Triplet> trip;      // the rest of the tangent: joints, contacts
  std::vector<Triplet> trip_neg;  // the contact curvature's negative semi-definite part
  std::vector<RankOne> rank_one;  // added to the tangent by the solver (Sherman-Morrison-Woodbury)
  double max_penetration = 0;
  // Push-only supports let go a hair's breadth from touching (kSupportNearM): no force, no
  // stiffness. newton_step adds the stiffness when the forces press the support's body into it.
  struct NearSupport {
    std::array<int, 12> dof{};                         // the joint's local variables' dofs, or kFixed
    Eigen::Matrix<double, 12, 1> jac = Eigen::Matrix<double, 12, 1>::Zero();  // d delta / d local
    double k = 0, delta = 0;
  };
  std::vector<NearSupport> near_supports;
  std::vector<std::vector<double>> rigid_lam, surface_lam;  // contact forces lambda_c (N)
  int active = 0;                                           // active contacts, all sets
};

// A tet's 12 x 12 tangent (node-major blocks, d(dE/dx_a)/dx_b) carried to the dofs through J
// into the tet's places in the fixed pattern (an elastic or a fluid tet).
void add_tet_tangent(const FemModel& m, const Pose& p, int tet, const Eigen::Matrix<double, 12, 12>& K, Eval& ev);
// One node pair's 3 x 3 block of such a tangent carried to the dofs (J_a^T K_ab J_b) into the
// pattern's values k (k_elastic or k_pressure) from slot on (slot moved past the pair's entries).
void add_node_block(const FemModel::NodeKinematics& ka, const FemModel::NodeKinematics& kb,
                    const Eigen::Ref<const Eigen::Matrix3d>& Kab, const int*& slot, std::vector<double>& k);

// Fluid cavities (fem/fluid_cavity.cpp): volume and first moment over a cavity's tets at node
// positions x, the pressure at its reference point, and the term.
struct CavitySums {
  double V = 0;
  Vec3 M = Vec3::Zero();
};
CavitySums cavity_sums(const FemModel& m, const std::vector<Vec3>& x, int cavity);
double cavity_pressure_at_reference(const FemModel& m, int cavity, const CavitySums& s, double load);
void add_cavities(const FemModel& m, const FemInputs& in, const Pose& p, double load, bool want_grad,
                  bool want_hess, Eval& ev);

// Energy (and optionally gradient and Hessian triplets) at displacement u with load factor `load`.
// The Hessian is exact, the grid cells' pressure stiffness in k_pressure, unless
// `cells_pressure_stiffness` is false: then it leaves that part out (newton.cpp says when Newton's
// step does without it); the energy and gradient are the same either way.
Eval evaluate(const FemModel& m, const FemState& st, const Eigen::VectorXd& u, double load, bool want_grad,
              bool want_hess, bool cells_pressure_stiffness = true);

}  // namespace fem_terms
}  // namespace backroll
