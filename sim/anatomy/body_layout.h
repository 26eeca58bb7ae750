// Inside the body builder (anatomy/): the skin line of the spinous-process tips and the level
// positions along it (1), the tissue column at any point of the back (2), and a bone's drawing
// box (3). Not part of the public interface: body_model.h is.
#pragma once

#include <array>
#include <cmath>
#include <functional>
#include <vector>

#include "anatomy/body_model.h"

namespace backroll {
namespace body_layout {

inline constexpr double kPi = 3.14159265358979323846;
inline constexpr double kG = 9.81;
inline constexpr double kDeg = kPi / 180.0;

double smoothstep(double u);

// ---- 1. The spine curve --------------------------------------------------------------------

// The tip line C(s) with caudal tangent t(s) and posterior normal n(s), tabulated.
struct SpineCurve {
  double ds = 5e-4, s0 = -0.2;
  std::vector<Vec3> C, t, n;
  void build(double s_end, const std::function<double(double)>& kappa) {
    const int N = static_cast<int>((s_end - s0) / ds) + 2;
    // Integrate the angle from s = 0 (C7, angle 0) both ways.
    std::vector<double> phi(N, 0.0);
    const int i0 = static_cast<int>(std::lround(-s0 / ds));
    for (int i = i0 + 1; i < N; ++i) phi[i] = phi[i - 1] + kappa(s0 + (i - 0.5) * ds) * ds;
    for (int i = i0 - 1; i >= 0; --i) phi[i] = phi[i + 1] - kappa(s0 + (i + 0.5) * ds) * ds;
    C.assign(N, Vec3::Zero());
    t.resize(N);
    n.resize(N);
    for (int i = 0; i < N; ++i) {
      t[i] = Vec3(0, -std::cos(phi[i]), std::sin(phi[i]));
      n[i] = Vec3(0, -std::sin(phi[i]), -std::cos(phi[i]));
    }
    for (int i = i0 + 1; i < N; ++i) C[i] = C[i - 1] + 0.5 * (t[i - 1] + t[i]) * ds;
    for (int i = i0 - 1; i >= 0; --i) C[i] = C[i + 1] - 0.5 * (t[i] + t[i + 1]) * ds;
  }
  void frame(double s, Vec3& c, Vec3& tt, Vec3& nn) const {
    const double u = std::clamp((s - s0) / ds, 0.0, static_cast<double>(C.size() - 1) - 1e-9);
    const int i = static_cast<int>(u);
    const double w = u - i;
    c = (1 - w) * C[i] + w * C[i + 1];
    tt = ((1 - w) * t[i] + w * t[i + 1]).normalized();
    nn = ((1 - w) * n[i] + w * n[i + 1]).normalized();
  }
  Vec3 point(double x, double s, double h) const {
    Vec3 c, tt, nn;
    frame(s, c, tt, nn);
    return c + x * Vec3::UnitX() + h * nn;
  }
};

// Everything derived from the data that the generator needs, per level and along s.
struct Layout {
  const BodySpec& p;
  SpineCurve curve;
  std::array<double, 20> s_tip{};   // C7..S2
  std::array<double, 19> s_base{};  // T1..S1 (index 1..18), lamina junction
  PerLevel sp_len{}, h_lam{};
  double s_rib_end = 0, s_crest = 0, s_pelvis = 0;

  explicit Layout(const BodySpec& pp) : p(pp) {
    const double L = p.skin_line_length_m * p.height_m / p.reference_height_m;
    for (int i = 0; i < 20; ++i) {
      // Linear interpolation of the anchor fractions in level index.
      size_t a = 0;
      while (a + 2 < p.anchor_levels.size() && p.anchor_levels[a + 1] <= i) ++a;
      const double l0 = p.anchor_levels[a], l1 = p.anchor_levels[a + 1];
      const double f0 = p.anchor_fractions[a], f1 = p.anchor_fractions[a + 1];
      s_tip[i] = L * (f0 + (f1 - f0) * (i - l0) / (l1 - l0));
    }
    for (int v = 0; v < kLevels; ++v) {
      sp_len[v] = p.tip_to_body_m[v] - p.canal_depth_m[v];
      h_lam[v] = -sp_len[v] * std::cos(p.sp_inclination_deg[v] * kDeg);
      s_base[v + 1] = s_tip[v + 1] - sp_len[v] * std::sin(p.sp_inclination_deg[v] * kDeg);
    }
    s_base[18] = s_tip[18] - sp_len[16] * std::sin(p.sp_inclination_deg[16] * kDeg);
    s_rib_end = 0.5 * (s_base[10] + s_base[11]);
    s_crest = s_tip[p.iliac_crest_level];
    s_pelvis = 0.5 * (s_tip[17] + s_tip[18]);
    // Kyphosis over the thoracic tips, lordosis from T12 to S1.
    const double kt = p.kyphosis_deg * kDeg / (s_tip[12] - s_tip[1]);
    const double kl = -p.lordosis_deg * kDeg / (s_tip[18] - s_tip[12]);
    const double st1 = s_tip[1], st12 = s_tip[12], ss1 = s_tip[18];
    curve.build(s_tip[19] + 0.1, [=](double s) {
      if (s >= st1 && s < st12) return kt;
      if (s >= st12 && s < ss1) return kl;
      return 0.0;
    });
  }

  // A per-level value at skin-line position s (linear between the tips, clamped at the ends).
  double lv(const PerLevel& a, double s) const {
    if (s <= s_tip[1]) return a[0];
    for (int v = 0; v + 1 < kLevels; ++v)
      if (s <= s_tip[v + 2]) return a[v] + (a[v + 1] - a[v]) * (s - s_tip[v + 1]) / (s_tip[v + 2] - s_tip[v + 1]);
    return a[kLevels - 1];
  }
  // The vertebra (0..16) whose interval of tip (or base) positions holds s; 17 = the pelvis.
  int owner(double s, bool by_base) const {
    for (int v = 0; v < kLevels; ++v) {
      const double here = by_base ? s_base[v + 1] : s_tip[v + 1];
      const double next = by_base ? s_base[v + 2] : s_tip[v + 2];
      if (s < 0.5 * (here + next)) return v;
    }
    return kLevels;
  }
};

// ---- 2. Tissue columns -----------------------------------------------------------------------

enum class Zone { Ridge, Lamina, Wall };

struct Column {
  Zone zone = Zone::Lamina;
  double h_deep = 0;      // the deep boundary (bone, rib wall or abdominal depth)
  double h_wall = 0;      // the bone/wall surface (= h_deep except in the lumbar flanks)
  double h_band_top = 0;  // top of the muscle band (= bottom of the fascia)
  double h_skin = 0;
  double t_skin = 0, t_fat = 0, t_fascia = 0;
  double t_muscle = 0;    // muscle above the wall
  double deep_weight = 0; // 1 where the abdominal region lies under the muscles
  // The band row placed on the wall's plane (h_wall), where a bone inside the band holds the
  // tissue there (a lumbar transverse process, a floating rib: BodyBuilder::wall_holder), and
  // that bone; -1: none.
  int wall_row = -1, wall_bone = -1;
};

// The tissue column at (x across, s along the skin line): layer depths over the bone surface.
Column column(const Layout& L, double x, double s);

// A box from a to b (its x axis), `up` fixing its roll, half widths across and through.
BoneBox box_between(const Vec3& a, const Vec3& b, const Vec3& up, double half_w, double half_t);

}  // namespace body_layout
}  // namespace backroll
