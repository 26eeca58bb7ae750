// Supine on a roller, the foam-rolling position for the back: knees bent, feet on the floor, hips
// lifted, hands behind the head (or on the chest), the roller across the back.
//
// The model stays in its flat-lying frame (anatomy/body_model.h); the body starts in that frame
// pitched head-up by an angle about the hip, so instead of moving the body, gravity is turned and
// the supports placed in the body's frame. The start pitch follows from geometry: the roller rests
// on the floor (its axis at its outer radius), the hip is `hip_lift_m` above where it lies flat,
// the unloaded back just touches the roller. The solve then finds the pose (bones turn exactly).
//   - Legs: the thighs and shanks hold the pelvis at the hip (the pelvis's frame origin, where
//     the legs' lumped mass acts) like two springs to the feet, `foot_distance_m` apart. They hang
//     on a placed body in the world's frame and push only upward (a foot cannot pull the floor);
//     horizontally and in roll and yaw they hold both ways. Their reaction is the feet's share of
//     the body weight: it comes out of equilibrium, it is not set.
//   - Hip muscles: the pelvis's pitch held against a placed frame at the start pitch (the
//     thighs), `hip_muscle_Nm_per_deg`. Without some moment there the trunk under the low back
//     tips the hips up and the feet would have to pull.
//   - Trunk muscles holding the pose: a rotational stiffness added to every motion segment.
//   - The roller is a rigid shape in the body's frame, its foam a compliant layer (gear/roller.h),
//     acting on points spread over the skin's triangles.
//   - The floor under the roller is a rigid plane in the world: when the roller is small (a ball,
//     a peanut) or low on the back, the head and shoulders come down on it.
// Placement::start_tilt_rad turns the body's start further about the hip with every support
// where it was: a different first guess for the same problem (a test's).
// From rest, where the target's start would put the back's skin deep through the floor (a high
// hip lift with the roller low on the back), the solve starts with the hips lifted less and
// lifts them to the target in steps (cold_start, RollSession).
#pragma once

#include "pose/posture.h"

namespace backroll {

class SupineOnRoller final : public Posture {
 public:
  const char* kind() const override { return "supine_on_roller"; }
  std::shared_ptr<const PosedModel> build(const BodySpec& body, const RollerSpec& roller,
                                          const PostureParams& p) const override;
  // T2's to L5's spinous process (T1 is left out: the mesh ends at C7).
  std::pair<double, double> path(const PosedModel& m) const override;
  Placement placement(const PosedModel& m, double s_m) const override;
  void apply(const PosedModel& m, const Placement& pl, FemInputs& in) const override;
  // The hips lifted less, where the unloaded back at rest reaches at most to the floor, when the
  // target would start it more than kColdStartDepthM through the floor (a high lift with the
  // roller low on the back starts the shoulders under it).
  Placement cold_start(const PosedModel& m, const Placement& target) const override;
};

constexpr double kColdStartDepthM = 0.01;

}  // namespace backroll
