#include "measure/validity.h"

#include <algorithm>
#include <cmath>
#include <fmt/core.h>

#include "measure/registry.h"

namespace backroll {

std::string tissue_volume_problem(double min_J, double least_volume) {
  if (!(min_J > 0)) return fmt::format("an element is inverted (smallest volume ratio {:.3g})", min_J);
  if (least_volume < kTissueVolumeMin)
    return fmt::format("a part of the tissue keeps {:.0f} % of its volume (soft tissue keeps nearly all of it; allowed "
                       "at least {:.0f} %)",
                       100 * least_volume, 100 * kTissueVolumeMin);
  return "";
}

std::string slide_problem(const std::string& what, double side_N, double up_N, double weight_N) {
  if (side_N <= kShareTol * weight_N || side_N <= kFeetFrictionMax * std::max(up_N, 0.0)) return "";
  const std::string need = up_N > kShareTol * weight_N ? fmt::format("a friction coefficient of {:.2g}", side_N / up_N)
                                                       : std::string("friction with next to no weight on it");
  return fmt::format("{} would slide: {:.0f} N along the floor and {:.0f} N down on it need {} (a floor gives bare feet, "
                     "hands or shoes a coefficient of at most about {:.1f})",
                     what, side_N, std::max(up_N, 0.0), need, kFeetFrictionMax);
}

Validity check_validity(const PosedModel& pm, const Frame& f) {
  auto fail = [](std::string why) { return Validity{false, std::move(why)}; };
  for (const Measure& m : measure_registry())
    if (!std::isfinite(m.get(f))) return fail("measure " + m.key + " is not finite");
  if (std::string why = tissue_volume_problem(f.min_J, f.tissue_volume_ratio); !why.empty()) return fail(why);
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
  if (std::string why = slide_problem("the feet", std::hypot(f.feet_force_N.x(), f.feet_force_N.y()), f.feet_force_N.z(), W);
      !why.empty())
    return fail(why);
  if (pm.roller_body >= 0) {
    if (f.roller_share < kRollerContactMin)
      return fail(fmt::format("the roller carries {:.2g} % of the weight ({:.2g} N): the pose lifts the back off it",
                              100 * f.roller_share, f.roller_force_N.norm()));
  }
  return {};
}

}  // namespace backroll
