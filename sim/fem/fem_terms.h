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

// Node positions X + J u, and a rigid body's rotation vector and frame position at dofs u.
std::vector<Vec3> positions_of(const FemModel& m, const Eigen::VectorXd& u);
Vec3 rigid_rot_of(const FemModel& m, const Eigen::VectorXd& u, int b);
Vec3 rigid_pos_of(const FemModel& m, const FemInputs& in, const Eigen::VectorXd& u, int b);

// One scalar row of a joint: delta = sum coef * u[dof], as (dof, coef) pairs.
using Row = std::vector<std::pair<int, double>>;
// The six rows of joint j: translations along its axes, then rotations about them.
std::array<Row, 6> joint_rows(const FemModel& m, const Joint& j);
double row_value(const Row& row, const Eigen::VectorXd& u);
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

struct Eval {
  double energy = 0;
  Eigen::VectorXd grad;
  std::vector<double> k_elastic;  // the tets' tangent, in FemModel::elastic_pattern's places
  std::vector<Triplet> trip;      // the rest of the tangent: joints, contacts
  std::vector<Triplet> trip_neg;  // the contact curvature's negative semi-definite part
  double max_penetration = 0;
  std::vector<std::vector<double>> rigid_lam, surface_lam;  // contact forces lambda_c (N)
  int active = 0;                                           // active contacts, all sets
};

// Energy (and optionally gradient and Hessian triplets) at displacement u with load factor `load`.
Eval evaluate(const FemModel& m, const FemState& st, const Eigen::VectorXd& u, double load, bool want_grad,
              bool want_hess);

}  // namespace fem_terms
}  // namespace backroll
