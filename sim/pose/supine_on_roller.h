// Supine on a roller, the foam-rolling position for the back: knees bent, feet on the floor, hips
// lifted, hands behind the head (or on the chest), the roller across the back.
//
// The model stays in its flat-lying frame (anatomy/body_model.h); the posed body is that frame
// pitched head-up by an angle about the hip, so instead of moving the body, gravity is turned and
// the roller placed in the body's frame. The pitch follows from geometry: the roller rests on the
// floor (its axis at its outer radius) and the hip is `hip_lift_m` above where it lies flat.
//   - Legs: the thighs and shanks hold the pelvis at the hip (the pelvis's frame origin, where
//     the legs' lumped mass acts) like two springs to the feet, `foot_distance_m` apart, so the
//     pelvis is free to pitch about the hip but not to roll or yaw freely. Their reaction is the
//     feet's share of the body weight: it comes out of equilibrium, it is not set.
//   - Trunk muscles holding the pose: a rotational stiffness added to every motion segment.
//   - The roller is a rigid shape in the body's frame, its foam a compliant layer (gear/roller.h),
//     acting on points spread over the skin's triangles.
//   - The floor under the roller is a rigid plane in the same pitched frame: when the roller is
//     small (a ball, a peanut) or low on the back, the head and shoulders come down on it.
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
};

// Most pieces a skin triangle is cut into along each edge for the roller's contact points.
constexpr int kMaxSubdivision = 8;

}  // namespace backroll
