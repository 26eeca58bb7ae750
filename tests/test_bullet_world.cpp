#include <catch2/catch.hpp>

#include "validation/bullet_world.h"

using namespace backroll;

TEST_CASE("the Bullet world mirrors the solved scene", "[unit][bullet]") {
  ContactCaseParams p;
  p.mesh.fine_size_m = 0.002;
  ContactScene sc = build_contact_scene(p);
  REQUIRE(solve_contact_scene(sc).solve.converged);
  BulletWorldPtr w = make_bullet_world(sc);
  REQUIRE(bullet_node_count(*w) == sc.model.mesh.n_nodes());
  sync_from_scene(*w, sc);
  const std::vector<Vec3> x = node_positions(sc.model, sc.state);
  double max_dev = 0, max_disp = 0;
  for (int n = 0; n < bullet_node_count(*w); ++n) {
    max_dev = std::max(max_dev, (bullet_node_position(*w, n) - x[n]).norm());
    max_disp = std::max(max_disp, (x[n] - sc.model.mesh.X[n]).norm());
  }
  CHECK(max_disp > 1e-5);  // the scene really moved
  CHECK(max_dev == 0.0);
  CHECK((bullet_roller_position(*w) - rigid_position(sc.model, sc.state, sc.roller_body)).norm() == 0.0);
}

TEST_CASE("Bullet's deformable solver holds the unloaded block at rest", "[unit][bullet]") {
  ContactCaseParams p;
  p.mesh.fine_size_m = 0.004;
  ContactScene sc = build_contact_scene(p);
  sc.model.rigid_bodies[0].rest_position_m.y() += 0.05;  // roller lifted clear of the block
  sc.model.rigid_bodies[0].applied_force_N.setZero();
  const BulletRunReport r = run_bullet_dynamics(sc, 3);
  CHECK(r.finite);
  CHECK_FALSE(r.diverged);
  CHECK(r.max_node_speed_m_s < 1e-9);
}
