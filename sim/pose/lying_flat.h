// Lying supine on a rigid floor under gravity: the body's reference posture (segment motions on
// the roller are measured against it) and the check that its weight reaches the floor.
#pragma once

#include "anatomy/body_model.h"

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
SettleResult settle_on_floor(TorsoModel& m, const SolverSettings& s);

}  // namespace backroll
