#include "measure/validity.h"

#include <cmath>
#include <fmt/core.h>

#include "measure/registry.h"

namespace backroll {

Validity check_validity(const PosedModel& pm, const Frame& f) {
  auto fail = [](std::string why) { return Validity{false, std::move(why)}; };
  for (const Measure& m : measure_registry())
    if (!std::isfinite(m.get(f))) return fail("measure " + m.key + " is not finite");
  if (!(f.min_J > 0)) return fail(fmt::format("an element is inverted (smallest volume ratio {:.3g})", f.min_J));
  if (f.tissue_volume_ratio < kTissueVolumeMin)
    return fail(fmt::format("a part of the tissue keeps {:.0f} % of its volume (soft tissue keeps nearly all of it; allowed "
                            "at least {:.0f} %)",
                            100 * f.tissue_volume_ratio, 100 * kTissueVolumeMin));
  const double W = f.weight_N;
  if (!(W > 0)) return fail("the body has no weight");
  // World frame, z up: the supports' forces on the body balance its weight.
  const Vec3 sum = f.roller_force_N + f.feet_force_N + f.floor_force_N + f.seat_force_N;
  const double imbalance = (sum - Vec3(0, 0, W)).norm() / W;
  if (imbalance > kBalanceTol)
    return fail(fmt::format("the supports do not balance the weight: off by {:.1f} % of it (allowed {:.0f} %)",
                            100 * imbalance, 100 * kBalanceTol));
  const struct {
    const char* name;
    double share;
  } shares[] = {{"the roller", f.roller_force_N.z() / W},
                {"the feet", f.feet_force_N.z() / W},
                {"the floor", f.floor_force_N.z() / W},
                {"the seat (the floor under the pelvis)", f.seat_force_N.z() / W}};
  for (const auto& s : shares)
    if (s.share < -kShareTol || s.share > 1 + kShareTol)
      return fail(fmt::format("the weight on {} is {:.1f} %: a support can only push (allowed 0..100 %)", s.name,
                              100 * s.share));
  if (pm.roller_body >= 0) {
    if (f.roller_share < kRollerContactMin)
      return fail(fmt::format("the roller carries {:.2g} % of the weight ({:.2g} N): the pose lifts the back off it",
                              100 * f.roller_share, f.roller_force_N.norm()));
  }
  return {};
}

}  // namespace backroll
