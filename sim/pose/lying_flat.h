// Lying supine on a rigid floor under gravity, the smallest posture: the body's reference (segment
// motions on the roller are measured against it) and the check that its weight reaches the floor.
// No roller and no controls: the floor (frictionless, the plane z = 0 of the body's frame) holds
// the back, and the pelvis's motions the floor cannot hold (x, y and the turn about z) are fixed.
#pragma once

#include "pose/posture.h"

namespace backroll {

// The torso lying supine on a rigid floor under gravity, solved to static equilibrium.
struct SettleResult {
  SolveReport solve;
  FemState state;
  double weight_N = 0;            // total gravity load (positive)
  double floor_reaction_N = 0;    // sum of the skin's contact forces, vertical (positive up)
  double floor_reaction_xy_N = 0; // horizontal part (frictionless floor: ~0)
  double contact_area_m2 = 0;     // skin area in contact with the floor
  double min_J = 0;               // smallest tet volume ratio (> 0: no inversion)
  double max_tissue_displacement_m = 0;
  double pelvis_drop_m = 0;       // vertical motion of the pelvis
};
// Adds the floor to `m` (if not yet there) and solves. Contact force per skin node is read from
// the residual (f_int - f_ext), so the reaction check is independent of the contact multipliers.
SettleResult settle_on_floor(BodyModel& m, const SolverSettings& s);
// The same on a model that has its floor (a LyingFlat model's body), under the model's own loads,
// from `start` (a state of m's mesh) when given, else from rest.
SettleResult settle(const BodyModel& m, const SolverSettings& s, const FemState* start = nullptr);

class LyingFlat final : public Posture {
 public:
  const char* kind() const override { return "lying_flat"; }
  std::shared_ptr<const PosedModel> build(const BodySpec& body, const RollerSpec& roller,
                                          const PostureParams& p) const override;
  std::pair<double, double> path(const PosedModel&) const override { return {1, 0}; }  // no roller
  Placement placement(const PosedModel&, double) const override { return {}; }
  void apply(const PosedModel& m, const Placement& pl, FemInputs& in) const override;
};

}  // namespace backroll
