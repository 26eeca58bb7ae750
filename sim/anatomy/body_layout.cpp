#include "anatomy/body_layout.h"

#include <algorithm>

namespace backroll {
namespace body_layout {

double smoothstep(double u) {
  u = std::clamp(u, 0.0, 1.0);
  return u * u * (3 - 2 * u);
}

Column column(const Layout& L, double x, double s) {
  const BodySpec& p = L.p;
  Column c;
  const double ax = std::abs(x);
  c.t_skin = p.skin_thickness_m;
  c.t_fat = L.lv(p.fat_thickness_m, s);
  c.t_fascia = L.lv(p.fascia_thickness_m, s);
  const double t_sup = L.lv(p.superficial_thickness_m, s), t_para = L.lv(p.paraspinal_thickness_m, s);
  const double hl = L.lv(L.h_lam, s), tp = L.lv(p.tp_halfspan_m, s), es = L.lv(p.erector_halfwidth_m, s);
  const double a = L.lv(p.trunk_halfwidth_m, s), b = L.lv(p.trunk_depth_m, s);
  const double tip = p.sp_tip_halfwidth_m, base = p.sp_base_halfwidth_m;
  const double layers = c.t_skin + c.t_fat + c.t_fascia;

  auto wall = [&](double xx) {  // bone surface: ridge, laminae, then the trunk wall (ribs)
    if (xx <= tip) return 0.0;
    if (xx < base) return hl * (xx - tip) / (base - tip);
    if (xx <= tp) return hl;
    const double ptp = std::asin(std::min(0.95, tp / a)), ph = std::asin(std::min(0.95, xx / a));
    return hl - 0.5 * b * (std::cos(ptp) - std::cos(ph));
  };
  auto deep_muscle = [&](double xx) {
    if (xx <= tp) return t_para;
    if (xx >= es) return 0.0;
    return t_para * (1 - (xx - tp) / (es - tp));
  };
  c.zone = ax <= tip ? Zone::Ridge : ax <= tp ? Zone::Lamina : Zone::Wall;
  c.h_wall = wall(ax);
  // Abdominal region under the flank muscles: from the lowest rib-bearing level to the crest,
  // and across from the vertebral body's side, so that it reaches in front of the transverse
  // processes, where the kidneys' medial borders lie (the processes hold the tissue at their own
  // plane: BodyBuilder::tissue_attachments). The side ramps steeply, over kSide, as the psoas
  // lies against the body: ramps of 20-25 mm cut into the kidneys' medial borders again, and
  // their mean or peak pressure then moved by 9-18 % between mesh scales 2 and 1. The flattest
  // tets it makes are the fluid's (0.17 deg), which carry no stiffness. (From the processes'
  // tips, as before, the bone cut off the kidneys' medial third, 72 of 262 cm3, and the roller
  // pressed them into its slope.)
  constexpr double ramp = 0.04, kSide = 0.010;
  const double ws = smoothstep((s - L.s_rib_end) / ramp + 0.5) * (1 - smoothstep((s - L.s_crest) / ramp + 0.5));
  const double wx = smoothstep((ax - 0.5 * L.lv(p.body_width_m, s)) / kSide);
  c.deep_weight = ws * wx;
  c.h_deep = c.h_wall - c.deep_weight * p.abdominal_depth_m;
  // Skin: over the tip at the measured depth, blending to the paraspinal plateau.
  const double x_blend = base + 0.008;
  auto plateau = [&](double xx) { return wall(xx) + deep_muscle(xx) + t_sup + layers; };
  const double mid = L.lv(p.depth_over_sp_m, s);
  c.h_skin = ax < x_blend ? mid + (plateau(x_blend) - mid) * smoothstep(ax / x_blend) : plateau(ax);
  // Keep at least 1 mm of band (the data check guarantees it over the tips).
  c.h_skin = std::max(c.h_skin, c.h_wall + layers + 0.001);
  c.h_band_top = c.h_skin - layers;
  c.t_muscle = c.h_band_top - c.h_wall;
  return c;
}

BoneBox box_between(const Vec3& a, const Vec3& b, const Vec3& up, double half_w, double half_t) {
  BoneBox bx;
  bx.centre_m = 0.5 * (a + b);
  const Vec3 ax = (b - a).normalized();
  Vec3 side = up.cross(ax);
  if (side.norm() < 1e-9) side = ax.unitOrthogonal();
  side.normalize();
  bx.axes.col(0) = ax;
  bx.axes.col(1) = side;
  bx.axes.col(2) = ax.cross(side);
  bx.half_m = Vec3(0.5 * (b - a).norm(), half_w, half_t);
  return bx;
}


}  // namespace body_layout
}  // namespace backroll
