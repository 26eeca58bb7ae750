#include "pose/supine_on_roller.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace backroll {

std::shared_ptr<const PosedModel> SupineOnRoller::build(const BodySpec& body, const RollerSpec& roller,
                                                        const PostureParams& p) const {
  auto pm = std::make_shared<PosedModel>();
  pm->posture = this;
  pm->params = p;
  pm->roller = roller;
  pm->body = posed_body(body, p);
  BodyModel& model = pm->body;
  FemModel& fem = model.fem;
  // The roller: a rigid shape each session places for each solve, free to roll on the floor from
  // there (translation along the body's y and z, rotation about its axis, x).
  RigidBody rb;
  rb.shape = std::make_shared<RollerShape>(roller);
  pm->roller_body = static_cast<int>(fem.rigid_bodies.size());
  fem.rigid_bodies.push_back(rb);
  // Its foam acts on points spread over the skin's triangles (gear/roller.h), with the friction
  // of its surface on a clothed back.
  RigidContactSet cs = foam_contact(roller, pm->roller_body, model.skin_faces, fem.mesh.X);
  pm->roller_contact = static_cast<int>(fem.rigid_contacts.size());
  fem.rigid_contacts.push_back(cs);
  // Where it touches the floor: a placed frame at its axis, turned to the world (axis 2 up), and a
  // joint that lets the roller roll without slipping (Joint::rolling_radius_m) and presses it on
  // the floor, both stiff beside the foam (the floor and the roller's bottom taken as rigid).
  RigidBody mount;
  pm->roller_mount_body = static_cast<int>(fem.rigid_bodies.size());
  fem.rigid_bodies.push_back(mount);
  Joint rolls;
  rolls.name = "roller on the floor";
  rolls.body_a = pm->roller_mount_body;
  rolls.body_b = pm->roller_body;
  rolls.translational_N_per_m = Vec3(0, kRollerFloorN_per_m, kRollerFloorN_per_m);
  rolls.push_only_axis = 2;
  rolls.rolling_radius_m = roller.outer_radius_m();
  pm->roller_floor_joint = static_cast<int>(fem.joints.size());
  fem.joints.push_back(rolls);
  // The floor under the roller, in the body's pitched frame: the head and shoulders come down on
  // it when the roller is small or far down the back. Rigid (augmented Lagrangian), the same
  // penalty per skin area as lying flat. Each session places and turns it for each solve.
  pm->floor_body = add_floor_contact(model);
  // The legs: two springs from the hip to the feet, half the foot distance either side, held
  // by the feet (a placed body whose frame is the world's, so the legs push along the world's
  // vertical: a foot can push on the floor, not pull). Horizontally they hold both ways (the feet
  // do not slide).
  const Vec3 H = model.bones[model.pelvis].origin_m;
  const double K = p.leg_N_per_m, w = 0.5 * p.foot_distance_m;
  // A joint at the hip from a new placed body (its frame set per placement by apply()) to the pelvis.
  auto held_from_placed_body = [&](const char* name) {
    RigidBody b;
    b.rest_position_m = H;
    fem.rigid_bodies.push_back(b);
    Joint j;
    j.name = name;
    j.body_a = static_cast<int>(fem.rigid_bodies.size()) - 1;
    j.body_b = model.pelvis;
    j.point_m = H;
    return j;
  };
  Joint legs = held_from_placed_body("legs");
  legs.translational_N_per_m = Vec3::Constant(2 * K);
  legs.push_only_axis = 2;
  pm->feet_body = legs.body_a;
  pm->hip_joint = static_cast<int>(fem.joints.size());
  fem.joints.push_back(legs);
  // The hip: the pelvis turns against the thighs, whose frame is the pelvis's at the placement's
  // pitch. In roll and yaw the two legs hold it (their springs w apart); in pitch the hip muscles.
  Joint hip = held_from_placed_body("hip");
  hip.rotational_Nm_per_rad = Vec3(p.hip_muscle_Nm_per_deg * 180 / 3.14159265358979323846, 2 * K * w * w, 2 * K * w * w);
  pm->thighs_body = hip.body_a;
  pm->hip_muscle_joint = static_cast<int>(fem.joints.size());
  fem.joints.push_back(hip);
  // Hips down: the floor under the buttocks, a spring at the hip that pushes the pelvis up only
  // (the pelvis lies at its flat-lying height, hip_lift_m = 0); the feet hold it horizontally.
  if (p.hips_down) {
    Joint seat = held_from_placed_body("seat");
    seat.translational_N_per_m = Vec3(0, 0, p.seat_N_per_m);
    seat.push_only_axis = 2;
    pm->seat_body = seat.body_a;
    pm->seat_joint = static_cast<int>(fem.joints.size());
    fem.joints.push_back(seat);
  }
  number_bone_dofs(model, {}, {{pm->roller_body, 1}, {pm->roller_body, 2}, {pm->roller_body, 3}});
  pm->bone_inward = bone_inward_normals(model);
  return pm;
}

namespace {

// The start pitch for the roller's centre (the body's frame) and a hip lift: the roller's axis at
// its outer radius above the floor, the hip at its flat height plus the lift: sin(a) v_y +
// cos(a) v_z = D with v = roller - hip in the flat frame.
double pitch_for_lift(const PosedModel& pm, const Vec3& centre_m, double lift_m) {
  const Vec3 H = pm.body.bones[pm.body.pelvis].origin_m;
  const Vec3 v = centre_m - H;
  const double D = pm.roller.outer_radius_m() - (H.z() + lift_m);
  const double rr = std::hypot(v.y(), v.z());
  return std::asin(std::clamp(D / rr, -1.0, 1.0)) - std::atan2(v.z(), v.y());
}

// How far the back's skin at rest stays above the floor the placement puts under the roller
// (negative: through it), the body unturned by start_tilt_rad.
double floor_clearance(const PosedModel& pm, const Placement& pl) {
  const Vec3 up = pitch_matrix(pl.pitch_rad).transpose() * Vec3::UnitZ();
  double least = std::numeric_limits<double>::infinity();
  for (int k : pm.body.skin_nodes) least = std::min(least, (pm.body.fem.mesh.X[k] - pl.centre_m).dot(up));
  return least + pm.roller.outer_radius_m();
}

}  // namespace

std::pair<double, double> SupineOnRoller::path(const PosedModel& m) const {
  return {m.body.sp_tip_s_m[2], m.body.sp_tip_s_m[kLevels]};
}

Placement SupineOnRoller::placement(const PosedModel& pm, double s_m) const {
  const BodyModel& model = pm.body;
  const FemModel& fem = model.fem;
  Placement pl;
  pl.s_m = s_m;
  // The roller under the skin at s: as close as it goes without touching the unloaded skin.
  Vec3 P, n;
  skin_midline(model, s_m, &P, &n);
  const RigidShape& shape = *fem.rigid_bodies[pm.roller_body].shape;
  auto clearance = [&](double d) {
    double g = 1e9;
    for (int k : model.skin_nodes) g = std::min(g, shape.signed_distance(fem.mesh.X[k] - (P + d * n), nullptr));
    return g;
  };
  double lo = 0, hi = 2 * pm.roller.outer_radius_m() + 0.1;
  for (int it = 0; it < 60; ++it) (clearance(0.5 * (lo + hi)) < 0 ? lo : hi) = 0.5 * (lo + hi);
  pl.centre_m = P + hi * n;
  pl.pitch_rad = pitch_for_lift(pm, pl.centre_m, pm.params.hip_lift_m);
  return pl;
}

Placement SupineOnRoller::cold_start(const PosedModel& pm, const Placement& target) const {
  if (floor_clearance(pm, target) >= -kColdStartDepthM) return target;
  Placement start = target;
  auto at_lift = [&](double lift) {
    start.pitch_rad = pitch_for_lift(pm, target.centre_m, lift);
    return floor_clearance(pm, start);
  };
  if (at_lift(0) < 0) return start;  // even lying with the hips down it reaches the floor
  double lo = 0, hi = pm.params.hip_lift_m;  // clear at lo, through the floor at hi
  for (int it = 0; it < 40; ++it) (at_lift(0.5 * (lo + hi)) >= 0 ? lo : hi) = 0.5 * (lo + hi);
  at_lift(lo);
  return start;
}

void SupineOnRoller::apply(const PosedModel& pm, const Placement& pl, FemInputs& in) const {
  // The supports stand where the pitch puts them; the body's frame is turned a further
  // start_tilt_rad about the hip (zero but in a test), so they are turned back by T in it.
  const Mat3 Rs = pl.world_rotation();
  const Mat3 T = Rs.transpose() * pitch_matrix(pl.pitch_rad);
  const Vec3 H = pm.body.bones[pm.body.pelvis].origin_m;
  const Vec3 centre = T * (pl.centre_m - H) + H;
  // The roller and its floor frame turned to the world: it rolls from there (a pattern's knob
  // stands straight up at the start whatever the pitch).
  in.body_pose[pm.roller_body] = {centre, Rs.transpose()};
  in.body_pose[pm.roller_mount_body] = {centre, Rs.transpose()};
  // The back's friction counts slip from the back at rest meeting the roller where the placement
  // puts it, whatever the start's extra tilt (a first guess, not a different touch-down).
  in.slip_reference = in.body_pose;
  in.slip_reference[pm.roller_body] = {pl.centre_m, pitch_matrix(pl.pitch_rad).transpose()};
  // The floor: world z = 0 where the roller's axis is at its outer radius, in the body's frame,
  // its plane (the floor shape's +z) turned to the world's up; the feet's frame is the world's.
  const Vec3 up = Rs.transpose() * Vec3::UnitZ();
  in.body_pose[pm.floor_body] = {centre - pm.roller.outer_radius_m() * up, Rs.transpose()};
  in.body_pose[pm.feet_body] = {H, Rs.transpose()};
  in.body_pose[pm.thighs_body] = {H, T};
  if (pm.seat_body >= 0) in.body_pose[pm.seat_body] = {H, Rs.transpose()};
  set_gravity(pm.body, -up, in);
}

}  // namespace backroll
