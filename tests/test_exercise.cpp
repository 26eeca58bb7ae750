// The other exercises (pose/exercise_model.h, run/exercise.h): the forces balance, the shares
// follow from statics, the person mirrored gives the same figures, softer foam spreads the load,
// bone nearer the skin concentrates it, the contact follows the roller's place, and a pose that
// does not fit the body is refused.
#include <catch2/catch.hpp>
#include <cmath>

#include "measure/validity.h"
#include "run/exercise.h"
#include "viz/exercise_scene.h"

using namespace backroll;

namespace {

ExerciseSpec hip_flexors() { return load_exercise_spec(exercise_path("hip_flexors")); }

ExerciseResult solve(const ExerciseSpec& e, const char* roller, const Vec2& at) {
  ExerciseSession s(build_exercise_model(e, load_roller_spec(roller_path(roller))));
  const ExerciseResult r = s.solve_at(at);
  INFO(e.name << ", " << roller << " at (" << at.x() << ", " << at.y() << "): " << r.solve.message);
  REQUIRE(r.solve.converged);
  return r;
}

// The same exercise on the other side: every x mirrored (the person, the region, what it holds).
ExerciseSpec mirrored(ExerciseSpec e) {
  for (auto& p : e.points) p.second.x() = -p.second.x();
  e.centre_m.x() = -e.centre_m.x();
  for (BonyPoint& b : e.bones) b.at.x() = -b.at.x(), b.angle_deg = -b.angle_deg;
  for (Vec2& p : e.path_m) p.x() = -p.x();
  for (Structure& s : e.structures) {
    s.x_m = -s.x_m;
    s.x_range = Vec2(-s.x_range[1], -s.x_range[0]);
  }
  return e;
}

}  // namespace

TEST_CASE("exercise: the roller and the supports carry the body's weight", "[exercise]") {
  const ExerciseSpec e = hip_flexors();
  const ExerciseResult r = solve(e, "standard", Vec2(0, 0));
  CHECK(r.valid);
  double up = r.roller_N;
  for (double s : r.support_N) {
    CHECK(s >= 0);  // supports only push
    up += s;
  }
  CHECK(up == Approx(r.weight_N).epsilon(0.01));
  // The weight: every segment of de Leva's table (100 % of the body's mass) under gravity.
  CHECK(r.weight_N == Approx(75.0 * 9.81).epsilon(1e-9));
  CHECK(r.roller_share > 0);
  CHECK(r.roller_share < 1);
  // The roller rolls along the path (y): only the supports on the core (the forearms) hold it
  // there, by friction; the CSV's support_friction is their push along y over their push up, and a
  // valid position needs no more than a floor gives.
  double core_up = 0;
  for (size_t i = 0; i < e.supports.size(); ++i)
    if (e.supports[i].limb < 0) core_up += r.support_N[i];
  CHECK(core_up > 0);
  CHECK(r.support_friction == Approx(std::abs(r.supports_along_N) / core_up));
  CHECK(r.support_friction <= kFeetFrictionMax);
}

TEST_CASE("exercise: the weight's shares follow from statics, not from the supports' stiffness", "[exercise]") {
  // The core rests on three points and each leg pivots over its one support: stiffer supports (or
  // stiffer hips) move the shares only through the small change of pose.
  const ExerciseSpec e = hip_flexors();
  ExerciseSpec stiff = e, held = e;
  for (ExerciseSupport& s : stiff.supports) s.stiffness_N_per_m *= 10;
  for (Limb& l : held.limbs) l.Nm_per_deg *= 4;
  const ExerciseResult a = solve(e, "standard", Vec2(0, 0)), b = solve(stiff, "standard", Vec2(0, 0)), c = solve(held, "standard", Vec2(0, 0));
  CHECK(b.roller_share == Approx(a.roller_share).margin(0.01));
  CHECK(c.roller_share == Approx(a.roller_share).margin(0.01));
  for (size_t s = 0; s < a.support_N.size(); ++s) {
    INFO(e.supports[s].name);
    CHECK(b.support_N[s] == Approx(a.support_N[s]).margin(0.01 * a.weight_N));
    CHECK(c.support_N[s] == Approx(a.support_N[s]).margin(0.01 * a.weight_N));
  }
}

TEST_CASE("exercise: the person mirrored gives the same figures", "[exercise]") {
  const ExerciseSpec e = hip_flexors();
  const ExerciseResult a = solve(e, "standard", Vec2(0, 0.01)), b = solve(mirrored(e), "standard", Vec2(0, 0.01));
  CHECK(b.roller_N == Approx(a.roller_N).epsilon(1e-4));
  CHECK(b.peak_Pa == Approx(a.peak_Pa).epsilon(1e-4));
  CHECK(b.area_m2 == Approx(a.area_m2).epsilon(1e-4));
  REQUIRE(a.support_N.size() == 4);
  for (size_t s = 0; s < a.support_N.size(); ++s) CHECK(b.support_N[s] == Approx(a.support_N[s]).epsilon(1e-4).margin(0.01));
  for (size_t s = 0; s < a.structures.size(); ++s) {
    INFO(a.structures[s].name);
    CHECK(b.structures[s].skin_peak_Pa == Approx(a.structures[s].skin_peak_Pa).epsilon(1e-4).margin(1));
    CHECK(b.structures[s].tissue_peak_Pa == Approx(a.structures[s].tissue_peak_Pa).epsilon(1e-4).margin(1));
  }
}

TEST_CASE("exercise: a softer roller lowers the peak and widens the contact", "[exercise]") {
  const ExerciseSpec e = hip_flexors();
  const ExerciseResult soft = solve(e, "soft", Vec2(0, 0)), standard = solve(e, "standard", Vec2(0, 0)), ball = solve(e, "ball", Vec2(0, 0));
  CHECK(soft.peak_Pa < standard.peak_Pa);
  CHECK(soft.area_m2 > standard.area_m2);
  // A ball presses a round patch, not a line across the thigh: a smaller area, a higher peak.
  CHECK(ball.area_m2 < standard.area_m2);
  CHECK(ball.peak_Pa > standard.peak_Pa);
}

TEST_CASE("exercise: bone nearer the skin raises the pressure over it", "[exercise]") {
  ExerciseSpec e = hip_flexors();
  REQUIRE(!e.bones.empty());
  size_t asis = e.structures.size();
  for (size_t s = 0; s < e.structures.size(); ++s)
    if (e.structures[s].name == "ASIS") asis = s;
  REQUIRE(asis < e.structures.size());
  const Vec2 y = e.path_m.back();  // the roller nearest the bony point
  const ExerciseResult deep = [&] {
    ExerciseSpec d = e;
    d.bones[0].depth_m = 0.03;
    return solve(d, "standard", y);
  }();
  const ExerciseResult near = solve(e, "standard", y);
  CHECK(near.structures[asis].skin_peak_Pa > deep.structures[asis].skin_peak_Pa);
}

TEST_CASE("exercise: glutes: the roller carries the sitting body; more medially, more pressure over the sciatic nerve", "[exercise]") {
  // The place across is where the body tilts to meet the roller (pose/exercise_model.h): the
  // skin's lowest line moves medially (+x) over the same anatomy.
  ExerciseSpec e = load_exercise_spec(exercise_path("glutes"));
  e.element_size_m = 0.007;  // coarser than the file's 5 mm: the same physics at a third of the cost
  ExerciseSession s(build_exercise_model(e, load_roller_spec(roller_path("standard"))));
  const ExerciseResult r = s.solve_at(Vec2(0, 0)), m = s.solve_at(Vec2(0.015, 0));
  REQUIRE(r.solve.converged);
  REQUIRE(m.solve.converged);
  INFO("centre: " << r.invalid_reason << "; medial: " << m.invalid_reason);
  CHECK(r.valid);
  CHECK(m.valid);
  double up = r.roller_N;
  for (double f : r.support_N) up += f;
  CHECK(up == Approx(r.weight_N).epsilon(0.01));
  CHECK(r.roller_share > 0.5);  // sitting: most of the weight on the buttock
  size_t sciatic = e.structures.size();
  for (size_t i = 0; i < e.structures.size(); ++i)
    if (e.structures[i].name == "sciatic nerve") sciatic = i;
  REQUIRE(sciatic < e.structures.size());
  CHECK(m.structures[sciatic].skin_peak_Pa > r.structures[sciatic].skin_peak_Pa);
  for (const ExerciseMeasure& x : exercise_measures(e))
    for (const ExerciseResult* p : {&r, &m}) {
      INFO(x.key);
      CHECK(std::isfinite(x.get(*p)));
    }
  // (The tissue's pressure 5 cm down, under a contact 130 cm2 wide, moves by about 1 % for this
  // shift, less than its mesh error (docs/limits.md): not a test.)
}

TEST_CASE("exercise: lats: rocking towards the hand moves the hand's share onto the roller", "[exercise]") {
  // Side-lying, the core rests on the roller, the hip and the top hand in front. The roller's place
  // moving forward (+x, towards the hand) shortens the hand's lever about the line from the roller
  // to the hip: statics move the weight from the hand to the roller.
  const ExerciseSpec e = load_exercise_spec(exercise_path("lats"));
  size_t hand = e.supports.size();
  for (size_t i = 0; i < e.supports.size(); ++i)
    if (e.supports[i].name == "left hand") hand = i;
  REQUIRE(hand < e.supports.size());
  ExerciseSession s(build_exercise_model(e, load_roller_spec(roller_path("standard")), -0.03));
  const ExerciseResult back = s.solve_at(Vec2(-0.03, 0)), front = s.solve_at(Vec2(0.03, 0));
  for (const ExerciseResult* r : {&back, &front}) {
    CHECK(r->valid);
    double up = r->roller_N;
    for (double f : r->support_N) up += f;
    CHECK(up == Approx(r->weight_N).epsilon(0.01));
  }
  CHECK(front.support_N[hand] < back.support_N[hand]);
  CHECK(front.roller_N > back.roller_N);
  // The contact followed the place: it lies over the scapula's border behind, not in front.
  size_t scapula = e.structures.size();
  for (size_t i = 0; i < e.structures.size(); ++i)
    if (e.structures[i].name == "scapula's lateral border") scapula = i;
  REQUIRE(scapula < e.structures.size());
  CHECK(back.structures[scapula].skin_peak_Pa > kExerciseContactThresholdPa);
  CHECK(front.structures[scapula].skin_peak_Pa == 0);
}

TEST_CASE("exercise: a ridge's footprint: its crest, its rounded ends and its turn", "[exercise]") {
  BonyPoint rib;
  rib.ridge = true;
  rib.at = Vec2(0.01, 0.02);
  rib.half_m = Vec2(0.05, 0.01);  // 10 cm long, 2 cm wide
  rib.angle_deg = 90;             // running along y
  CHECK(rib.reach2(rib.at) == Approx(0).margin(1e-12));
  CHECK(rib.reach2(rib.at + Vec2(0, 0.039)) == Approx(0).margin(1e-12));  // on the crest, short of the rounded end
  CHECK(rib.reach2(rib.at + Vec2(0.01, 0)) == Approx(1));                 // a half-width across: the edge
  CHECK(rib.reach2(rib.at + Vec2(0.005, 0.02)) == Approx(0.25));
  CHECK(rib.reach2(rib.at + Vec2(0, 0.05)) == Approx(1));                 // the end's tip
  CHECK(rib.reach2(rib.at + Vec2(0.006, 0.048)) == Approx((0.006 * 0.006 + 0.008 * 0.008) / 1e-4));
  BonyPoint point = rib;
  point.ridge = false;  // an ellipse of the same half axes, turned the same
  CHECK(point.reach2(point.at + Vec2(0, 0.05)) == Approx(1));
  CHECK(point.reach2(point.at + Vec2(0.01, 0)) == Approx(1));
  CHECK(point.reach2(point.at + Vec2(0, 0.025)) == Approx(0.25));
}

TEST_CASE("exercise: a contact reaching the region's side is not valid", "[exercise]") {
  // The region's sides ride on the bone: a contact reaching them reads the block's edge. The hip
  // flexors' region cut to 6 cm either way is too small for the soft roller's contact, which
  // spreads across the thigh (it reaches about 5.7 cm from the roller's place); the file's 10 cm
  // is not.
  ExerciseSpec e = hip_flexors();
  const ExerciseResult wide = solve(e, "soft", Vec2(0, 0));
  CHECK(wide.valid);
  CHECK(wide.edge_clearance_m >= kExerciseEdgeClearanceM);
  e.half_m = Vec2(0.06, 0.06);
  const ExerciseResult cut = solve(e, "soft", Vec2(0, 0));
  CHECK_FALSE(cut.valid);
  CHECK(cut.edge_clearance_m < kExerciseEdgeClearanceM);
  CHECK_THAT(cut.invalid_reason, Catch::Contains("region is too small"));
}

TEST_CASE("exercise: a scenario of the back and an exercise's file are named for what they are", "[exercise]") {
  // The two kinds of posture (docs/architecture.md) read different files; one given for the
  // other says which command runs it, instead of a missing key.
  const std::string scenario = std::string(BACKROLL_ASSET_DIR) + "/scenarios/compare.toml", exercise = exercise_path("lats");
  CHECK_THROWS_WITH(load_exercise_spec(scenario), Catch::Contains("a scenario of the back") &&
                                                      Catch::Contains("backroll compare " + scenario));
  CHECK_THROWS_WITH(load_scenario(exercise), Catch::Contains("an exercise's file") &&
                                                 Catch::Contains("backroll exercise " + exercise));
}

TEST_CASE("exercise: a pose that does not fit the body is refused", "[exercise]") {
  ConfigOverride longer{"pose.points.right_knee", ConfigValue(1.5), "test", ConfigOverride::Op::scale};
  CHECK_THROWS_WITH(load_exercise_spec(exercise_path("hip_flexors"), {longer}),
                    Catch::Contains("pose.limb[0].segments") && Catch::Contains("the body file's figure"));
}

TEST_CASE("exercise scene: the drawn skin carries the roller's force; a drawn capsule encloses its volume", "[exercise][view]") {
  const ExerciseSpec e = load_exercise_spec(exercise_path("lats"));
  ExerciseSession s(build_exercise_model(e, load_roller_spec(roller_path("standard"))));
  const ExerciseResult r = s.solve_at(Vec2(0, 0));
  REQUIRE(r.valid);
  const ExerciseScene sc = exercise_scene(s, r);
  REQUIRE(sc.tissue_pressure_Pa.size() == sc.tissue.pos.size());
  // The nodes' pressures over the skin's triangles, pushing up: the roller's force (each node's
  // pressure is its share of the contact force over its share of the area, so they integrate to
  // the force; the areas here are the deformed skin's, the contact points' the skin's at rest).
  double up = 0;
  for (const Tri& t : sc.tissue.tris) {
    const Vec3f n = (sc.tissue.pos[t[1]] - sc.tissue.pos[t[0]]).cross(sc.tissue.pos[t[2]] - sc.tissue.pos[t[0]]);
    const double p = (sc.tissue_pressure_Pa[t[0]] + sc.tissue_pressure_Pa[t[1]] + sc.tissue_pressure_Pa[t[2]]) / 3.0;
    up += p * 0.5 * std::abs(n.z());
  }
  INFO("the drawn pressure's force " << up << " N, the roller's " << r.roller_N << " N");
  CHECK(up == Approx(r.roller_N).epsilon(0.02));
  // The roller where the solve put it: its top at the contact, under the region.
  const Eigen::Vector3f c = sc.roller_pose.topRightCorner<3, 1>();
  CHECK(c.x() == Approx(e.centre_m.x()).margin(1e-9));
  CHECK(c.y() == Approx(e.centre_m.y()).margin(1e-9));
  // A capsule: outward (positive volume by the divergence theorem) and the volume of a cylinder
  // with two half-spheres, as far as an 18-gon's area is the circle's (0.980).
  TriMesh cap;
  append_capsule(cap, Vec3f(0, 0, 0), Vec3f(0, 0.3f, 0), 0.05f, 0.05f);
  double V = 0;
  for (const Tri& t : cap.tris) V += cap.pos[t[0]].dot(cap.pos[t[1]].cross(cap.pos[t[2]])) / 6.0;
  const double exact = M_PI * 0.05 * 0.05 * 0.3 + 4.0 / 3.0 * M_PI * std::pow(0.05, 3);
  CHECK(V > 0.95 * exact);
  CHECK(V < exact);
}
