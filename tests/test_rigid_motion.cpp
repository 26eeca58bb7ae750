// A rigid motion of the whole body must give no strain and no elastic force. The solver carries
// each bone's tissue by x = o + c + R (X - o) with R an exact rotation (fem/rotation.h), so a
// turn of any size is rigid; before, the rotation was linearised (x = X + c + theta x r) and a
// turn of 14.3 degrees, the trunk's onto a roller under the low back, strained the tissue by 8.2.
#include <catch2/catch.hpp>

#include <Eigen/Geometry>
#include <array>
#include <cmath>

#include "anatomy/body_model.h"
#include "run/roll.h"

using namespace backroll;

namespace {

// The body (coarse mesh) with every dof set to the rigid motion x -> R x + t.
struct Moved {
  BodyModel m;
  FemState st;
};
Moved rigidly_moved(const Mat3& R, const Vec3& t, double angle, const Vec3& axis) {
  const Scenario sc = load_scenario(std::string(BACKROLL_ASSET_DIR) + "/scenarios/coarse.toml");
  Moved mv{build_body(sc.body), {}};
  const FemModel& fem = mv.m.fem;
  mv.st.reset(fem);
  for (int n = 0; n < fem.mesh.n_nodes(); ++n) {
    const Vec3 d = R * fem.mesh.X[n] + t - fem.mesh.X[n];
    for (int c = 0; c < 3; ++c)
      if (fem.node_dof[n][c] >= 0) mv.st.u[fem.node_dof[n][c]] = d[c];
  }
  for (const RigidBody& b : fem.rigid_bodies) {
    const Vec3 c = R * b.rest_position_m + t - b.rest_position_m;
    for (int k = 0; k < 3; ++k) {
      if (b.dof[k] >= 0) mv.st.u[b.dof[k]] = c[k];
      if (b.dof[3 + k] >= 0) mv.st.u[b.dof[3 + k]] = angle * axis[k];
    }
  }
  return mv;
}

// The largest Green strain |F^T F - I| / 2 over the tissue, and the largest elastic nodal force
// over the body weight (round-off: cancellation in F at metre-scale motions of millimetre tets).
void strain_and_force(const Moved& mv, double* strain, double* force) {
  const FemModel& fem = mv.m.fem;
  const std::vector<Vec3> x = node_positions(fem, mv.st);
  *strain = 0;
  for (int t = 0; t < fem.mesh.n_tets(); ++t) {
    Mat3 F = Mat3::Zero();
    for (int q = 0; q < 4; ++q) F += x[fem.mesh.tets[t][q]] * fem.tet_grad[t].row(q);
    *strain = std::max(*strain, 0.5 * (F.transpose() * F - Mat3::Identity()).norm());
  }
  *force = 0;
  for (const Vec3& f : internal_forces(fem, mv.st)) *force = std::max(*force, f.norm());
  *force /= mv.m.total_mass_kg * 9.81;
}

}  // namespace

TEST_CASE("rigid motion: a translation of the whole body gives no strain", "[rigid][kinematics]") {
  const Moved mv = rigidly_moved(Mat3::Identity(), Vec3(0.3, -0.2, 0.5), 0, Vec3::UnitX());
  double strain, force;
  strain_and_force(mv, &strain, &force);
  INFO("largest strain " << strain << ", largest elastic nodal force " << force << " of the body weight");
  // Round-off only: a 0.6 m motion differenced over millimetre tets (1.0e-12 with the columns on
  // the spinous processes' corners, whose cells are the narrowest).
  CHECK(strain < 1e-11);
  CHECK(force < 1e-10);
}

TEST_CASE("rigid motion: a rotation of the whole body by 0-180 degrees gives no strain", "[rigid][kinematics]") {
  const std::array<Vec3, 3> axes = {Vec3::UnitX(), Vec3::UnitY(), Vec3::UnitZ()};
  for (const Vec3& axis : axes)
    for (double deg : {2.7, 14.3, 45.0, 90.0, 180.0}) {
      const double a = deg * 3.14159265358979323846 / 180;
      const Mat3 R = Eigen::AngleAxisd(a, axis).toRotationMatrix();
      const Moved mv = rigidly_moved(R, Vec3::Zero(), a, axis);
      double strain, force;
      strain_and_force(mv, &strain, &force);
      INFO("rotation " << deg << " deg about (" << axis.transpose() << "): largest strain " << strain
                       << ", largest elastic nodal force " << force << " of the body weight");
      CHECK(strain < 1e-9);
      CHECK(force < 1e-10);
    }
}
