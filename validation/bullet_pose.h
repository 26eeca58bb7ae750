// An exercise's rigid pose settled in a Bullet world, against the quasi-static solve (issue 26: try
// Bullet's dynamics to settle the whole-body pose onto the roller and the floor, measure it against
// the quasi-static solver, use whichever is right; docs/model.md gives the result).
//
// The same bodies as the exercise's model (pose/exercise_model.h): the core and each limb a rigid
// body with de Leva's masses at their posed centres of mass (inertia from the segments as solid
// cylinders); each limb hinged on the core at its joint about the level axis across the line to
// its one support (free there as the quasi-static joint; held rigidly about the other two axes,
// where the quasi-static muscle springs hold it; fixed when it has no or several supports); each
// support a 1 cm sphere on the floor under its point, with friction on the core's (held sideways)
// and none on a limb's (it slides); the skin over the roller a sphere of the region's smaller
// radius of curvature on the core, resting on the roller, static and frictionless, at the place.
// Rigid contacts: no tissue and no foam, so no sinking in; and the supports collide with the
// roller too, where the quasi-static model lets it touch the region's skin only. Settled by damped
// dynamics until the bodies are at rest; the forces are the contact impulses over the time step,
// averaged over the last half second.
#pragma once

#include <string>
#include <vector>

#include "pose/exercise_model.h"

namespace backroll {

struct BulletPoseReport {
  double weight_N = 0;
  double roller_N = 0;              // the roller's push up on the body
  std::vector<double> support_N;    // per spec.supports: the floor's push up
  double core_turn_deg = 0;         // how far the core turned from the drawn pose
  double max_speed_m_s = 0;         // the fastest body point's speed at the end (settled: small)
  int steps = 0;
  double seconds = 0;               // wall time
};

// Settles the pose with the roller at `at_m` (from the region's centre) over `simulated_s` seconds.
BulletPoseReport settle_pose_in_bullet(const ExerciseSpec& spec, const RollerSpec& roller, const Vec2& at_m,
                                       double simulated_s = 6.0);

}  // namespace backroll
