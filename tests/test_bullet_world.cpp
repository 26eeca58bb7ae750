#include <catch2/catch.hpp>

#include "io/catalog.h"
#include "run/exercise.h"
#include "validation/bullet_pose.h"
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

TEST_CASE("an exercise's rigid pose settled in Bullet: at rest, balanced, and the quasi-static's statics where the body barely turns",
          "[unit][bullet][exercise]") {
  // The hip flexors (the quasi-static core turns under 2 deg there) on a 1 cm mesh.
  const ExerciseSpec spec = load_exercise_spec(exercise_path("hip_flexors"), {{"region.element_size_m", 0.01, "test"}});
  const RollerSpec roller = load_roller_spec(spec.roller_file);
  const Vec2 at = spec.path_m[2];
  const BulletPoseReport b = settle_pose_in_bullet(spec, roller, at);
  double up = b.roller_N;
  for (double f : b.support_N) up += f;
  CHECK(std::abs(up - b.weight_N) < 0.01 * b.weight_N);  // the contacts carry the weight
  CHECK(b.max_speed_m_s < 1e-3);                          // at rest
  CHECK(b.core_turn_deg < 0.5);                           // rigid contacts: no sinking in
  ExerciseSession ses(build_exercise_model(spec, roller, at.x()));
  const ExerciseResult q = ses.solve_at(at);
  REQUIRE(q.valid);
  INFO("Bullet " << b.roller_N / b.weight_N << ", quasi-static " << q.roller_share << ", its core turned " << q.core_turn_deg << " deg");
  REQUIRE(q.core_turn_deg < 2.5);
  CHECK(std::abs(b.roller_N / b.weight_N - q.roller_share) < 0.02);
  for (size_t s = 0; s < spec.supports.size(); ++s) CHECK(std::abs(b.support_N[s] - q.support_N[s]) < 0.03 * b.weight_N);
}

TEST_CASE("every shipped exercise's drawn pose stands in Bullet: no support inside the roller, none lifted off", "[unit][bullet][exercise]") {
  // Bullet's bodies collide with the roller everywhere, the quasi-static model's only at the
  // region's skin: a hand or foot drawn where the roller lies tips the rigid pose over here.
  for (const std::string& name : catalog("exercises")) {
    INFO(name);
    const ExerciseSpec spec = load_exercise_spec(exercise_path(name));
    for (const std::string& roller_name : {std::string("standard"), std::string("ball")}) {
      INFO(roller_name);
      const BulletPoseReport b = settle_pose_in_bullet(spec, load_roller_spec(roller_path(roller_name)), spec.path_m[spec.path_m.size() / 2]);
      CHECK(b.core_turn_deg < 1.0);
      CHECK(b.max_speed_m_s < 1e-3);
      CHECK(b.roller_N > 0.2 * b.weight_N);
      for (double f : b.support_N) CHECK(f > 0);
    }
  }
}
