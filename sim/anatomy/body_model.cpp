// Sections: 1. the spine curve and level positions; 2. the tissue columns (layer depths over
// the bone surface); 3. bones; 4. joints; 5. the tissue mesh, regions and attachments;
// 6. masses and gravity; 7. placing the body on the floor.
#include "anatomy/body_model.h"

#include <Eigen/Geometry>
#include <algorithm>
#include <functional>
#include <cmath>
#include <map>
#include <sstream>
#include <stdexcept>

#include "io/toml_reader.h"

namespace backroll {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kG = 9.81;
constexpr double kDeg = kPi / 180.0;

double smoothstep(double u) {
  u = std::clamp(u, 0.0, 1.0);
  return u * u * (3 - 2 * u);
}

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
  const TorsoParams& p;
  SpineCurve curve;
  std::array<double, 20> s_tip{};   // C7..S2
  std::array<double, 19> s_base{};  // T1..S1 (index 1..18), lamina junction
  PerLevel sp_len{}, h_lam{};
  double s_rib_end = 0, s_crest = 0, s_pelvis = 0;

  explicit Layout(const TorsoParams& pp) : p(pp) {
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
};

Column column(const Layout& L, double x, double s) {
  const TorsoParams& p = L.p;
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
  // Abdominal region under the flank muscles: from the lowest rib-bearing level to the crest.
  const double ramp = 0.04;
  const double ws = smoothstep((s - L.s_rib_end) / ramp + 0.5) * (1 - smoothstep((s - L.s_crest) / ramp + 0.5));
  const double wx = smoothstep((ax - tp) / 0.025);
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

// ---- 3. Bones --------------------------------------------------------------------------------

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

}  // namespace

// ---- the builder -------------------------------------------------------------------------------

TorsoModel build_torso(const TorsoParams& p, const TorsoBuildOptions& o) {
  TorsoModel m;
  m.params = p;
  m.options = o;
  const Layout L(p);
  const SpineCurve& cv = L.curve;
  for (int i = 0; i < 20; ++i) m.sp_tip_s_m[i] = L.s_tip[i];
  auto P = [&](double x, double s, double h) { return cv.point(x, s, h); };
  auto frame_at = [&](double s) {
    Vec3 c, t, n;
    cv.frame(s, c, t, n);
    Mat3 f;
    f.col(0) = Vec3::UnitX();
    f.col(1) = t;
    f.col(2) = n;
    return f;
  };

  // Vertebrae and the pelvis.
  std::array<Vec3, 19> body_centre;  // T1..L5 -> 0..16, S1 -> 17
  for (int v = 0; v <= kLevels; ++v) {
    const int d = std::min(v, kLevels - 1);  // the sacrum borrows L5's dimensions
    const double sb = L.s_base[v + 1];
    const double hc = L.h_lam[d] - p.canal_depth_m[d] - 0.5 * p.body_depth_m[d];
    body_centre[v] = P(0, sb, hc);
    Bone b;
    b.kind = v < kLevels ? BoneKind::Vertebra : BoneKind::Pelvis;
    b.level = v < kLevels ? v + 1 : 0;
    b.name = v < kLevels ? level_name(v + 1) : "pelvis";
    b.origin_m = body_centre[v];
    b.com_m = P(0, sb, L.h_lam[d] - 0.5 * p.trunk_depth_m[d]);
    const Mat3 f = frame_at(sb);
    BoneBox body{body_centre[v], f, Vec3(0.5 * p.body_width_m[d], 0.5 * p.body_height_m[d], 0.5 * p.body_depth_m[d])};
    const Vec3 tipP = P(0, L.s_tip[v + 1], 0), baseP = P(0, sb, L.h_lam[d]);
    b.boxes.push_back(body);
    b.boxes.push_back(box_between(baseP, tipP, Vec3::UnitX(), p.sp_tip_halfwidth_m, 0.004));
    for (int side : {-1, 1}) {
      const Vec3 tpP = P(side * p.tp_halfspan_m[d], sb, L.h_lam[d] - 0.3 * p.canal_depth_m[d]);
      b.boxes.push_back(box_between(P(0, sb, L.h_lam[d] - 0.3 * p.canal_depth_m[d]), tpP, f.col(1), 0.004, 0.005));
    }
    if (v == kLevels) {  // sacrum and iliac wings, drawn as two plates
      const double sw = L.s_tip[19] + 0.03;
      for (int side : {-1, 1})
        b.boxes.push_back(box_between(P(side * 0.02, sb, L.h_lam[d]), P(side * 0.11, sw, L.h_lam[d] - 0.04),
                                      f.col(2), 0.04, 0.006));
    }
    m.bones.push_back(b);
  }
  for (int v = 0; v < kLevels; ++v) m.vertebra[v] = v;
  m.pelvis = kLevels;

  // Ribs: a half-ellipse in the plane of their vertebra, on the trunk wall.
  struct RibGeom {
    double a, b, hl, sb, ptp, pe, ps;
    double descent;  // how far down the skin line the front of the rib lies below its head
    std::vector<double> seg_phi;  // segment bounds along the arc, ptp .. pe
  };
  std::array<RibGeom, kRibs> rg{};
  auto rib_point = [&](int k, int side, double ph) {
    const RibGeom& g = rg[k];
    // Ribs slope down from back to front: the descent grows as (1 - cos) of the arc angle, so the
    // posterior part (under the back's tissue) stays at its vertebra's level.
    return P(side * g.a * std::sin(ph), g.sb + g.descent * 0.5 * (1 - std::cos(ph)),
             g.hl - 0.5 * g.b * (std::cos(g.ptp) - std::cos(ph)));
  };
  // The rib's direction along its arc at angle ph (not normalised).
  auto tangent = [&](int k, int side, double ph) {
    return Vec3(rib_point(k, side, ph + 1e-3) - rib_point(k, side, ph - 1e-3));
  };
  auto arc_len = [&](int k, double p0, double p1) {
    double len = 0;
    for (int i = 0; i < 32; ++i)
      len += (rib_point(k, 1, p0 + (p1 - p0) * (i + 1) / 32) - rib_point(k, 1, p0 + (p1 - p0) * i / 32)).norm();
    return len;
  };
  for (int k = 0; k < kRibs; ++k) {
    RibGeom& g = rg[k];
    g.a = p.trunk_halfwidth_m[k];
    g.b = p.trunk_depth_m[k];
    g.hl = L.h_lam[k];
    g.sb = L.s_base[k + 1];
    g.ptp = std::asin(std::min(0.95, p.tp_halfspan_m[k] / g.a));
    g.ps = kPi - std::asin(std::min(0.95, 0.015 / g.a));
    g.pe = g.ptp + p.bony_fraction[k] * (g.ps - g.ptp);
    const double lv_f = std::min(19.0, k + 1 + p.rib_descent_levels);  // level index of the front
    const int lo = static_cast<int>(lv_f);
    const double s_front = L.s_tip[lo] + (lo < 19 ? (lv_f - lo) * (L.s_tip[lo + 1] - L.s_tip[lo]) : 0.0);
    g.descent = std::max(0.0, s_front - L.s_tip[k + 1]);
    // Segments of about rib_segment_m of arc each, equal in arc angle.
    const int n = std::max(1, static_cast<int>(std::ceil(arc_len(k, g.ptp, g.pe) / p.rib_segment_m - 1e-9)));
    for (int i = 0; i <= n; ++i) g.seg_phi.push_back(g.ptp + (g.pe - g.ptp) * i / n);
  }
  // The segment of rib k (side si) that carries arc angle ph.
  auto rib_segment_at = [&](int k, int si, double ph) {
    const RibGeom& g = rg[k];
    const std::vector<int>& seg = m.rib_segments[k][si];
    size_t i = 0;
    while (i + 1 < seg.size() && ph > g.seg_phi[i + 1]) ++i;
    return seg[i];
  };
  const bool stumps = o.with_ribs && o.resection >= Resection::AnteriorCage;
  if (o.with_ribs) {
    for (int k = 0; k < kRibs; ++k)
      for (int si = 0; si < 2; ++si) {
        const int side = si == 0 ? 1 : -1;
        const RibGeom& g = rg[k];
        const int n = static_cast<int>(g.seg_phi.size()) - 1;
        const double total = arc_len(k, g.ptp, g.pe);
        const int boxes = std::max(2, (16 + n - 1) / n);
        for (int seg = 0; seg < (stumps ? 1 : n); ++seg) {
          const double p0 = g.seg_phi[seg], p1 = g.seg_phi[seg + 1];
          Bone b;
          b.kind = BoneKind::Rib;
          b.level = k + 1;
          b.side = side;
          b.name = "rib" + std::to_string(k + 1) + (side > 0 ? "_left" : "_right") +
                   (n > 1 ? "_" + std::to_string(seg + 1) : std::string());
          b.own_mass_kg = p.rib_mass_kg * arc_len(k, p0, p1) / total;
          Vec3 c = Vec3::Zero();
          for (int i = 0; i < boxes; ++i) {
            const Vec3 q0 = rib_point(k, side, p0 + (p1 - p0) * i / boxes);
            const Vec3 q1 = rib_point(k, side, p0 + (p1 - p0) * (i + 1) / boxes);
            c += 0.5 * (q0 + q1) / boxes;
            b.boxes.push_back(box_between(q0, q1, frame_at(g.sb).col(1), 0.006, 0.004));
          }
          b.origin_m = b.com_m = c;
          m.rib_segments[k][si].push_back(static_cast<int>(m.bones.size()));
          m.bones.push_back(b);
        }
      }
  }
  if (o.with_ribs && !stumps) {
    Bone st;
    st.kind = BoneKind::Sternum;
    st.name = "sternum";
    st.own_mass_kg = p.sternum_mass_kg;
    Vec3 c = Vec3::Zero();
    for (int k = 0; k < 7; ++k) c += 0.5 * (rib_point(k, 1, rg[k].ps) + rib_point(k, -1, rg[k].ps)) / 7;
    st.origin_m = st.com_m = c;
    const Vec3 top = 0.5 * (rib_point(0, 1, rg[0].ps) + rib_point(0, -1, rg[0].ps));
    const Vec3 bot = 0.5 * (rib_point(6, 1, rg[6].ps) + rib_point(6, -1, rg[6].ps));
    const double half_lateral = 0.005;
    if (o.resection >= Resection::Sternotomy) {  // two halves, each half as wide and heavy
      for (int side : {1, -1}) {
        Bone h = st;
        h.name = side > 0 ? "sternum_left" : "sternum_right";
        h.own_mass_kg = 0.5 * p.sternum_mass_kg;
        const Vec3 off = 0.5 * half_lateral * side * Vec3::UnitX();
        h.origin_m = h.com_m = c + off;
        h.boxes.push_back(box_between(top + off, bot + off, Vec3::UnitX(), 0.015, 0.5 * half_lateral));
        (side > 0 ? m.sternum : m.sternum_right) = static_cast<int>(m.bones.size());
        m.bones.push_back(h);
      }
    } else {
      st.boxes.push_back(box_between(top, bot, Vec3::UnitX(), 0.015, half_lateral));
      m.sternum = static_cast<int>(m.bones.size());
      m.bones.push_back(st);
    }
  }

  // ---- 4. Joints ------------------------------------------------------------------------------
  FemModel& fem = m.fem;
  const double Mref = p.reference_moment_Nm;
  for (int v = 0; v < kLevels; ++v) {
    Joint j;
    j.name = level_name(v + 1) + "-" + (v + 1 < kLevels ? level_name(v + 2) : std::string("S1"));
    j.body_a = v;      // cranial
    j.body_b = v + 1;  // caudal (the pelvis after L5)
    j.point_m = 0.5 * (body_centre[v] + body_centre[v + 1]);
    const Vec3 e_ax = (body_centre[v + 1] - body_centre[v]).normalized();
    const Vec3 e_lat = Vec3::UnitX();
    j.axes.row(0) = e_lat.transpose();
    j.axes.row(1) = e_ax.transpose();
    j.axes.row(2) = e_lat.cross(e_ax).normalized().transpose();
    j.translational_N_per_m = Vec3(p.shear_N_per_m, p.compression_N_per_m, p.shear_N_per_m);
    // Extension (+ about e_lat, caudal relative to cranial): bilinear through (ROM, Mref).
    const double th_f = p.facet_engagement_deg * kDeg, th_e = p.extension_rom_deg[v] * kDeg;
    const double k0 = Mref / (th_f + p.stiffening_ratio * (th_e - th_f));
    j.rotational_Nm_per_rad = Vec3(k0, Mref / (p.axial_rotation_rom_deg[v] * kDeg),
                                   Mref / (p.lateral_bending_rom_deg[v] * kDeg));
    j.stiffen_axis = 0;
    j.stiffen_sign = +1;
    j.stiffen_after_rad = th_f;
    j.stiffened_Nm_per_rad = p.stiffening_ratio * k0;
    j.opposite_Nm_per_rad = Mref / (p.flexion_rom_deg[v] * kDeg);
    m.intervertebral_joint[v] = static_cast<int>(fem.joints.size());
    fem.joints.push_back(j);
  }
  if (o.with_ribs) {
    const double kcv = p.costovertebral_N_per_m, kr = p.costovertebral_Nm_per_rad;
    const CartilageSection cs = cartilage_section(p);
    const RibSection rs = rib_section(p);
    for (int k = 0; k < kRibs; ++k)
      for (int si = 0; si < 2; ++si) {
        const int side = si == 0 ? 1 : -1;
        const RibGeom& g = rg[k];
        const std::vector<int>& segs = m.rib_segments[k][si];
        const int rp = segs.front(), ra = segs.back();
        const int vk = k;  // rib k+1 articulates with vertebra T(k+1)
        const double s_head = g.sb - (k >= 1 && k <= 8 ? 0.5 * p.body_height_m[k] : 0.0);
        const Vec3 head = P(side * (0.5 * p.body_width_m[k] + 0.004), s_head,
                            L.h_lam[k] - p.canal_depth_m[k] - 0.3 * p.body_depth_m[k]);
        Joint cv_head;
        cv_head.name = m.bones[rp].name + "-costovertebral";
        cv_head.body_a = vk;
        cv_head.body_b = rp;
        cv_head.point_m = head;
        cv_head.translational_N_per_m = Vec3::Constant(kcv);
        cv_head.rotational_Nm_per_rad = Vec3::Constant(kr);
        fem.joints.push_back(cv_head);
        Joint ct = cv_head;
        ct.name = m.bones[rp].name + "-costotransverse";
        ct.point_m = rib_point(k, side, g.ptp);
        ct.rotational_Nm_per_rad.setZero();
        fem.joints.push_back(ct);
        if (k >= 1 && k <= 8) {  // ribs 2-9: the head also sits on the vertebra above
          Joint up = cv_head;
          up.name = m.bones[rp].name + "-costovertebral-upper";
          up.body_a = vk - 1;
          up.rotational_Nm_per_rad.setZero();
          fem.joints.push_back(up);
        }
        // An Euler-Bernoulli beam of length len from body a to body b at `at`, its axis along `tan`
        // and its in-plane direction (in the rib's plane, across the beam) along `in_plane`:
        // axial EA/L, transverse 12EI/L^3, bending EI/L. EI_in bends it within the rib's plane,
        // EI_out out of it (the front moving up or down the body).
        auto beam = [&](const std::string& name, int a, int b, const Vec3& at, const Vec3& tan, const Vec3& in_plane,
                        double len, double EI_in, double EI_out, double GJ, double EA) {
          Joint j;
          j.name = name;
          j.body_a = a;
          j.body_b = b;
          j.point_m = at;
          const Vec3 t = tan.normalized();
          const Vec3 n = (in_plane - in_plane.dot(t) * t).normalized();  // in the plane, across the beam
          const Vec3 o = t.cross(n);                                     // out of the plane
          j.axes.row(0) = t.transpose();
          j.axes.row(1) = o.transpose();
          j.axes.row(2) = n.transpose();
          j.translational_N_per_m = Vec3(EA / len, 12 * EI_out / std::pow(len, 3), 12 * EI_in / std::pow(len, 3));
          j.rotational_Nm_per_rad = Vec3(GJ / len, EI_in / len, EI_out / len);
          fem.joints.push_back(j);
        };
        for (size_t i = 1; i < segs.size(); ++i) {  // the shaft's bending between its segments
          const double ph = g.seg_phi[i];
          const double len = arc_len(k, 0.5 * (g.seg_phi[i - 1] + ph), 0.5 * (ph + g.seg_phi[i + 1]));
          const Vec3 t = tangent(k, side, ph);
          beam(m.bones[segs[i - 1]].name + "-shaft", segs[i - 1], segs[i], rib_point(k, side, ph), t,
               t.cross(frame_at(g.sb).col(1)), len, rs.EI_in_Nm2, rs.EI_out_Nm2, rs.GJ_Nm2, 1e7 * len);
        }
        if (k < 10 && !stumps) {  // costal cartilage: ribs 1-7 to the sternum, 8-10 to the rib above
          // Ribs 1-7: the cartilage runs on along the rib's arc from its end to the sternum. Ribs
          // 8-10: it runs up the costal margin from the rib's end to the cartilage above
          // (interchondral joint). Its section is w wide along the body and t thick radially, so it
          // bends most easily within the wall (I = w t^3/12) and hardest along the body (t w^3/12).
          // The beam's spring sits at the cartilage's midpoint: a beam's two-end stiffness is
          // exactly a translational spring 12EI/L^3 and a rotational EI/L at its middle (at an
          // end, rotating the far end would be 3.25 times too stiff, the near end 4 times too soft).
          const Vec3 end = rib_point(k, side, g.pe);
          const Vec3 to_pt = k < 7 ? rib_point(k, side, g.ps) : rib_point(k - 1, side, rg[k - 1].pe);
          const double len = std::max(0.01, k < 7 ? arc_len(k, g.pe, g.ps) : (to_pt - end).norm());
          const double ph_mid = 0.5 * (g.pe + g.ps);
          const Vec3 mid = k < 7 ? rib_point(k, side, ph_mid) : Vec3(0.5 * (end + to_pt));
          const Vec3 t = k < 7 ? tangent(k, side, ph_mid) : Vec3(to_pt - end);
          // Radial direction of the wall there: across the rib's tangent, within its plane.
          const Vec3 tr = tangent(k, side, k < 7 ? ph_mid : g.pe).normalized();
          const Vec3 radial = tr.cross(frame_at(g.sb).col(1)).normalized();
          const int sternum = si == 1 && m.sternum_right >= 0 ? m.sternum_right : m.sternum;
          const int to = k < 7 ? sternum : m.rib_segments[k - 1][si].back();
          // Its "in-plane" bending is through the wall (radial); out of it, within the wall
          // across the cartilage (along the body).
          beam(m.bones[ra].name + "-cartilage", to, ra, mid, t, radial, len, cs.EI_wall_Nm2, cs.EI_body_Nm2, cs.GJ_Nm2,
               cs.EA_N);
        }
      }
    // Intercostal tissue between neighbouring ribs: a sheet, not a point. Each pair of ribs k,
    // k+1 is joined over the arc both cover (same angle round the wall) by springs at points a
    // short arc apart, each standing for the strip of sheet ds long between them: across the gap
    // (tension) E t ds / gap, along the ribs (in-plane shear) G t ds / gap, and through the wall
    // the strip as a Timoshenko beam of depth t (shear and bending in series). Spread along the
    // ribs, the strips also resist the ribs turning against each other, which a single spring at
    // the segments' centres did not.
    if (p.intercostal_thickness_m > 0 && o.resection == Resection::None) {
      const TissueMaterial& mat = p.materials.at("intercostal");
      const double E = mat.youngs_modulus_Pa, G = E / (2 * (1 + mat.poisson_ratio));
      const double t_ic = p.intercostal_thickness_m;
      for (int k = 0; k + 1 < kRibs; ++k) {
        const RibGeom &ga = rg[k], &gb = rg[k + 1];
        const double lo = std::max(ga.ptp, gb.ptp), hi = std::min(ga.pe, gb.pe);
        if (hi <= lo) continue;
        const double arc_a = arc_len(k, lo, hi), arc_b = arc_len(k + 1, lo, hi);
        const int n = std::max(2, static_cast<int>(std::ceil(arc_a / p.intercostal_strip_m)));
        const double ds = 0.5 * (arc_a + arc_b) / n;  // each strip's length along the ribs
        for (int si = 0; si < 2; ++si) {
          const int side = si == 0 ? 1 : -1;
          for (int i = 0; i < n; ++i) {
            const double ph = lo + (hi - lo) * (i + 0.5) / n;
            const Vec3 qa = rib_point(k, side, ph), qb = rib_point(k + 1, side, ph);
            const Vec3 e_gap = (qb - qa).normalized();
            const double gap = std::max(0.005, (qb - qa).norm());
            Vec3 tan = tangent(k, side, ph) + tangent(k + 1, side, ph);
            tan = (tan - tan.dot(e_gap) * e_gap).normalized();
            Joint j;
            j.body_a = rib_segment_at(k, si, ph);
            j.body_b = rib_segment_at(k + 1, si, ph);
            j.name = m.bones[j.body_a].name + "-intercostal-" + std::to_string(i + 1);
            j.point_m = 0.5 * (qa + qb);
            j.axes.row(0) = e_gap.transpose();
            j.axes.row(1) = tan.transpose();
            j.axes.row(2) = e_gap.cross(tan).transpose();
            const double k_shear = G * t_ic * ds / gap;
            const double k_bend = E * ds * std::pow(t_ic / gap, 3);
            j.translational_N_per_m = Vec3(E * t_ic * ds / gap, k_shear, 1 / (1 / k_shear + 1 / k_bend));
            fem.joints.push_back(j);
          }
        }
      }
    }
  }

  // ---- 5. Tissue mesh ---------------------------------------------------------------------------
  const int nb_bones = static_cast<int>(m.bones.size());
  std::vector<double> tissue_mass_by_body(nb_bones, 0.0);
  TetMesh& mesh = fem.mesh;
  if (o.with_tissue) {
    const double W = p.lateral_halfwidth_m, hm = p.midline_size_m;
    const int nf = 2 * static_cast<int>(std::ceil((p.sp_base_halfwidth_m + hm) / hm));
    const std::vector<double> xs = graded_axis(-W, W, -0.5 * nf * hm, 0.5 * nf * hm, hm, 1.25, p.max_lateral_size_m);
    const double s_lo = L.s_tip[1] - 0.01, s_hi = L.s_tip[19];
    const int nj = std::max(4, static_cast<int>(std::ceil((s_hi - s_lo) / p.axial_size_m))) + 1;
    std::vector<double> ss(nj);
    for (int j = 0; j < nj; ++j) ss[j] = s_lo + (s_hi - s_lo) * j / (nj - 1);
    m.mesh_axial_size_m = (s_hi - s_lo) / (nj - 1);
    const int ni = static_cast<int>(xs.size());
    const int rows_m = p.muscle_rows, rows_f = p.fat_rows;
    const int nk = rows_m + 1 + rows_f + 1 + 1;  // node rows: band, fascia, fat, skin
    std::vector<Column> cols(ni * nj);
    for (int j = 0; j < nj; ++j)
      for (int i = 0; i < ni; ++i) cols[j * ni + i] = column(L, xs[i], ss[j]);
    auto row_h = [&](const Column& c, int k) {
      if (k <= rows_m) return c.h_deep + (c.h_band_top - c.h_deep) * k / rows_m;
      if (k == rows_m + 1) return c.h_band_top + c.t_fascia;
      if (k <= rows_m + 1 + rows_f) return c.h_band_top + c.t_fascia + c.t_fat * (k - rows_m - 1) / rows_f;
      return c.h_skin;
    };
    const std::vector<int> ids = append_structured(mesh, ni, nj, nk, false, 0, [&](int i, int j, int k) {
      return P(xs[i], ss[j], row_h(cols[j * ni + i], k));
    }, (ni - 1) % 2 == 0 ? (ni - 1) / 2 : -1);  // cut mirror-symmetric about the midline
    m.node_local.resize(mesh.n_nodes());
    std::vector<int> node_row(mesh.n_nodes()), node_col(mesh.n_nodes());
    for (int k = 0; k < nk; ++k)
      for (int j = 0; j < nj; ++j)
        for (int i = 0; i < ni; ++i) {
          const int n = ids[(k * nj + j) * ni + i];
          m.node_local[n] = Vec3(xs[i], ss[j], row_h(cols[j * ni + i], k));
          node_row[n] = k;
          node_col[n] = j * ni + i;
        }
    for (int j = 0; j < nj; ++j)
      for (int i = 0; i < ni; ++i) m.skin_nodes.push_back(ids[((nk - 1) * nj + j) * ni + i]);
    // Depth over each spinous process as generated: the skin at x = 0 between columns.
    const int i0 = static_cast<int>(std::min_element(xs.begin(), xs.end(), [](double a, double b) {
                                      return std::abs(a) < std::abs(b);
                                    }) - xs.begin());
    m.mesh_max_depth_size_m = 0;
    for (int v = 0; v < kLevels; ++v) {
      const double s = L.s_tip[v + 1];
      const int j = std::clamp(static_cast<int>((s - s_lo) / (s_hi - s_lo) * (nj - 1)), 0, nj - 2);
      const double w = (s - ss[j]) / (ss[j + 1] - ss[j]);
      const double h = (1 - w) * cols[j * ni + i0].h_skin + w * cols[(j + 1) * ni + i0].h_skin;
      m.sp_tip_depth_m[v] = h;  // the bone is at h = 0 on the tip line
      for (int k = 0; k + 1 < nk; ++k)
        m.mesh_max_depth_size_m = std::max(m.mesh_max_depth_size_m,
                                           row_h(cols[j * ni + i0], k + 1) - row_h(cols[j * ni + i0], k));
    }

    // Regions, by the cell row and the centroid's position.
    const double sT5 = L.s_tip[5], sT12 = L.s_tip[12];
    const double k_s = 0.5 * (L.s_tip[p.kidney_left_top] + L.s_tip[p.kidney_left_bottom]);
    const double k_hl = 0.5 * (L.s_tip[p.kidney_left_bottom] - L.s_tip[p.kidney_left_top]);
    const double kr_s = 0.5 * (L.s_tip[p.kidney_right_top] + L.s_tip[p.kidney_right_bottom]);
    const double kr_hl = 0.5 * (L.s_tip[p.kidney_right_bottom] - L.s_tip[p.kidney_right_top]);
    m.tet_region.resize(mesh.n_tets());
    m.tet_fibres.assign(mesh.n_tets(), TorsoModel::Fibres::None);
    for (int t = 0; t < mesh.n_tets(); ++t) {
      Vec3 c = Vec3::Zero();
      int row = nk;
      for (int a = 0; a < 4; ++a) {
        c += 0.25 * m.node_local[mesh.tets[t][a]];
        row = std::min(row, node_row[mesh.tets[t][a]]);
      }
      const double x = c.x(), s = c.y(), h = c.z(), ax = std::abs(x);
      const Column col = column(L, x, s);
      std::string r;
      if (row == nk - 2) r = "skin";
      else if (row > rows_m) r = "subcutaneous_fat";
      else if (row == rows_m) r = "thoracolumbar_fascia";
      else {
        const double depth = col.h_skin - h, below_top = col.h_band_top - h;
        const double t_sup = L.lv(p.superficial_thickness_m, s);
        auto in_kidney = [&](double sc, double hl, int side) {
          const double dx = (x - side * p.kidney_lateral_centre_m) / p.kidney_halfwidth_m;
          const double dsv = (s - sc) / hl;
          const double dd = (depth - p.kidney_posterior_depth_m - p.kidney_halfthickness_m) / p.kidney_halfthickness_m;
          return dx * dx + dsv * dsv + dd * dd <= 1.0;
        };
        if (in_kidney(k_s, k_hl, +1)) r = "kidney_left";
        else if (in_kidney(kr_s, kr_hl, -1)) r = "kidney_right";
        else if (ax <= p.sp_tip_halfwidth_m) r = "thoracolumbar_fascia";  // supraspinous ligament over the tips
        else if (below_top < t_sup) {
          if (s <= sT5) r = below_top < p.trapezius_share * t_sup ? "trapezius" : "rhomboid";
          else if (s <= sT12 && ax < L.lv(p.erector_halfwidth_m, s)) r = "trapezius";
          else r = "latissimus_dorsi";
        } else if (below_top <= col.t_muscle) {
          r = ax <= L.lv(p.multifidus_halfwidth_m, s) ? "multifidus" : "erector_spinae";
        } else if (s > sT12 && ax < p.ql_halfwidth_m && below_top <= col.t_muscle + p.ql_thickness_m) {
          r = "quadratus_lumborum";
        } else {
          r = "abdominal_content";
        }
      }
      m.tet_region[t] = region_index(r);
      if (r == "thoracolumbar_fascia")
        m.tet_fibres[t] = row == rows_m ? TorsoModel::Fibres::Sheet : TorsoModel::Fibres::Ligament;
    }

    // The rib segment under a point ax from the midline (the rib's arc reaches ax at
    // a sin(ph) = ax on its posterior half).
    auto rib_under = [&](int k, int si, double ax) {
      return rib_segment_at(k, si, std::asin(std::min(1.0, ax / rg[k].a)));
    };
    // Attachments: every column's deepest node to the bone beneath; floating ribs 11-12 take
    // the band nodes nearest their wall depth.
    fem.node_body.assign(mesh.n_nodes(), -1);
    for (int j = 0; j < nj; ++j)
      for (int i = 0; i < ni; ++i) {
        const double x = xs[i], s = ss[j], ax = std::abs(x);
        const int si = x >= 0 ? 0 : 1;
        int body;
        if (s >= L.s_pelvis) body = m.pelvis;
        else if (ax <= p.sp_base_halfwidth_m) body = std::min(L.owner(s, false), kLevels);
        else if (ax <= L.lv(p.tp_halfspan_m, s)) body = std::min(L.owner(s, true), kLevels);
        else if (s > L.s_crest) body = m.pelvis;
        else {
          const int v = std::min(L.owner(s, true), kLevels);
          body = (o.with_ribs && v < 10 && s < L.s_rib_end) ? rib_under(v, si, ax) : v;
        }
        fem.node_body[ids[j * ni + i]] = body;
        if (o.with_ribs && ax > L.lv(p.tp_halfspan_m, s) && s < L.s_crest) {
          const int v = L.owner(s, true);
          if (v == 10 || v == 11) {
            const RibGeom& g = rg[v];
            if (ax <= g.a * std::sin(std::min(g.pe, kPi / 2))) {
              const Column& c = cols[j * ni + i];
              int best = -1;
              double bd = 1e9;
              for (int k = 1; k < rows_m; ++k) {
                const double d = std::abs(row_h(c, k) - c.h_wall);
                if (d < bd) bd = d, best = k;
              }
              if (best > 0) fem.node_body[ids[(best * nj + j) * ni + i]] = rib_under(v, si, ax);
            }
          }
        }
      }
    // Tissue mass (for the trunk bookkeeping) by the body whose level holds the centroid.
    for (int t = 0; t < mesh.n_tets(); ++t) {
      Vec3 c = Vec3::Zero();
      for (int a = 0; a < 4; ++a) c += 0.25 * m.node_local[mesh.tets[t][a]];
      const int v = c.y() >= L.s_pelvis ? m.pelvis : std::min(L.owner(c.y(), false), kLevels);
      const double V = std::abs(tet_signed_volume(mesh.X[mesh.tets[t][0]], mesh.X[mesh.tets[t][1]],
                                                  mesh.X[mesh.tets[t][2]], mesh.X[mesh.tets[t][3]]));
      tissue_mass_by_body[v] += region_material(p, m.tet_region[t]).density_kg_m3 * V;
    }
  } else {
    fem.node_body.clear();
  }
  fem.mesh.tet_body.assign(mesh.n_tets(), 0);

  // ---- 6. Masses ---------------------------------------------------------------------------------
  const double M = p.mass_kg;
  const double trunk = M * p.trunk_pct / 100;
  const std::array<double, 3> group_mass = {trunk * p.trunk_upper_share, trunk * p.trunk_middle_share,
                                            trunk * (1 - p.trunk_upper_share - p.trunk_middle_share)};
  auto group_of_level = [&](int level) {  // level 1..17, 18 = pelvis
    return level <= p.upper_trunk_last_level ? 0 : level <= p.middle_trunk_last_level ? 1 : 2;
  };
  std::array<double, 3> taken{};
  std::array<int, 3> carriers{};
  for (int b = 0; b < nb_bones; ++b) {
    const Bone& bo = m.bones[b];
    const int lvl = bo.kind == BoneKind::Vertebra ? bo.level
                    : bo.kind == BoneKind::Pelvis ? 18
                    : bo.kind == BoneKind::Rib    ? bo.level
                                                  : 1;
    taken[group_of_level(lvl)] += bo.own_mass_kg + tissue_mass_by_body[b];
    if (bo.kind == BoneKind::Vertebra || bo.kind == BoneKind::Pelvis) ++carriers[group_of_level(lvl)];
  }
  for (int b = 0; b < nb_bones; ++b) {
    Bone& bo = m.bones[b];
    if (bo.kind != BoneKind::Vertebra && bo.kind != BoneKind::Pelvis) continue;
    const int g = group_of_level(bo.kind == BoneKind::Pelvis ? 18 : bo.level);
    const double share = (group_mass[g] - taken[g]) / carriers[g];
    if (share < 0.05) {
      std::ostringstream os;
      os << p.source << ": the tissue generated in the " << (g == 0 ? "upper" : g == 1 ? "middle" : "lower")
         << " trunk (" << taken[g] << " kg) leaves less than 50 g per vertebra of that segment's "
         << group_mass[g] << " kg (de Leva share): the tissue layers are too thick for this body mass";
      throw std::runtime_error(os.str());
    }
    bo.own_mass_kg = share;
  }
  const double head = M * p.head_pct / 100;
  const double arms = 2 * M * (p.upper_arm_pct + p.forearm_pct + p.hand_pct) / 100;
  const double legs = 2 * M * (p.thigh_pct + p.shank_pct + p.foot_pct) / 100;
  m.bones[m.vertebra[0]].attached_mass_kg += head;
  for (int v = 1; v <= 3; ++v) m.bones[m.vertebra[v]].attached_mass_kg += arms / 3;
  m.bones[m.pelvis].attached_mass_kg += legs;

  // ---- 7. Place on the floor: rest on the two lowest humps of the back, COM between them. --------
  {
    std::vector<Vec3> pts;
    if (o.with_tissue)
      for (int n : m.skin_nodes) pts.push_back(mesh.X[n]);
    else
      for (const Bone& b : m.bones) pts.push_back(b.origin_m);
    double mass = 0, ycom = 0;
    for (const Bone& b : m.bones) {
      mass += b.own_mass_kg + b.attached_mass_kg;
      ycom += (b.own_mass_kg + b.attached_mass_kg) * b.com_m.y();
    }
    ycom /= std::max(mass, 1e-9);
    // Lower convex hull of the (y, z) points (monotone chain).
    std::vector<Eigen::Vector2d> q;
    for (const Vec3& v : pts) q.emplace_back(v.y(), v.z());
    std::sort(q.begin(), q.end(), [](const auto& a, const auto& b) { return a.x() < b.x() || (a.x() == b.x() && a.y() < b.y()); });
    std::vector<Eigen::Vector2d> hull;
    for (const auto& pt : q) {
      while (hull.size() >= 2) {
        const Eigen::Vector2d a = hull[hull.size() - 2], b = hull.back();
        if ((b.x() - a.x()) * (pt.y() - a.y()) - (b.y() - a.y()) * (pt.x() - a.x()) <= 0) hull.pop_back();
        else break;
      }
      hull.push_back(pt);
    }
    double angle = 0;
    for (size_t i = 0; i + 1 < hull.size(); ++i)
      if (hull[i].x() <= ycom && hull[i + 1].x() >= ycom)
        angle = std::atan2(hull[i + 1].y() - hull[i].y(), hull[i + 1].x() - hull[i].x());
    const Eigen::AngleAxisd rot(-angle, Vec3::UnitX());
    const Mat3 R = rot.toRotationMatrix();
    double zmin = 1e9;
    for (const Vec3& v : pts) zmin = std::min(zmin, (R * v).z());
    const Vec3 d(0, 0, -zmin);
    auto tf = [&](const Vec3& v) { return Vec3(R * v + d); };
    for (Vec3& x : mesh.X) x = tf(x);
    for (Bone& b : m.bones) {
      b.origin_m = tf(b.origin_m);
      b.com_m = tf(b.com_m);
      for (BoneBox& bx : b.boxes) {
        bx.centre_m = tf(bx.centre_m);
        bx.axes = R * bx.axes;
      }
    }
    for (Joint& j : fem.joints) {
      j.point_m = tf(j.point_m);
      j.axes = (R * j.axes.transpose()).transpose();
    }
  }

  // Rigid bodies, materials and gravity.
  fem.rigid_bodies.assign(m.bones.size(), RigidBody{});
  for (size_t b = 0; b < m.bones.size(); ++b) fem.rigid_bodies[b].rest_position_m = m.bones[b].origin_m;
  fem.tet_material.clear();
  m.tissue_mass_kg = 0;
  for (int t = 0; t < mesh.n_tets(); ++t) {
    const TissueMaterial& tm = region_material(p, m.tet_region[t]);
    NeoHookean mat = NeoHookean::from_young_poisson(tm.youngs_modulus_Pa, tm.poisson_ratio);
    const TorsoModel::Fibres fib = m.tet_fibres[t];
    if (tm.fibre_modulus_Pa > 0 && fib != TorsoModel::Fibres::None) {
      // The tet's transverse (x) and along-spine (s) directions in the world: its local-to-world
      // map from the structured coordinates (x, s, h) of its nodes.
      const Tet& e = mesh.tets[t];
      Mat3 Dl, Dw;
      for (int a = 0; a < 3; ++a) {
        Dl.col(a) = m.node_local[e[a + 1]] - m.node_local[e[0]];
        Dw.col(a) = mesh.X[e[a + 1]] - mesh.X[e[0]];
      }
      const Mat3 M = Dw * Dl.inverse();
      const Vec3 ex = M.col(0).normalized();
      const Vec3 es = (M.col(1) - M.col(1).dot(ex) * ex).normalized();
      if (fib == TorsoModel::Fibres::Sheet) {
        // Two families at +- theta: together their modulus across the back is the material's
        // (each family contributes E_family cos^4 theta along x), and E_family = 4k.
        const double th = tm.fibre_angle_deg * kPi / 180, c2 = std::cos(th) * std::cos(th);
        mat.n_fibres = 2;
        mat.fibre_dir = {Vec3(std::cos(th) * ex + std::sin(th) * es), Vec3(std::cos(th) * ex - std::sin(th) * es)};
        mat.fibre_k_Pa = tm.fibre_modulus_Pa / (2 * c2 * c2) / 4;
      } else {
        mat.n_fibres = 1;
        mat.fibre_dir[0] = es;
        mat.fibre_k_Pa = tm.fibre_modulus_Pa / 4;
      }
    }
    fem.tet_material.push_back(mat);
    m.tissue_mass_kg += tm.density_kg_m3 * tet_signed_volume(mesh.X[mesh.tets[t][0]], mesh.X[mesh.tets[t][1]],
                                                             mesh.X[mesh.tets[t][2]], mesh.X[mesh.tets[t][3]]);
  }
  set_gravity(m, o.gravity ? Vec3(0, 0, -1) : Vec3::Zero());
  m.total_mass_kg = m.tissue_mass_kg;
  for (const Bone& b : m.bones) m.total_mass_kg += b.own_mass_kg + b.attached_mass_kg;

  // Skin faces: the boundary triangles whose nodes are all skin nodes.
  if (o.with_tissue) {
    std::vector<char> is_skin(mesh.n_nodes(), 0);
    for (int n : m.skin_nodes) is_skin[n] = 1;
    for (const Tri& f : boundary_faces(mesh))
      if (is_skin[f[0]] && is_skin[f[1]] && is_skin[f[2]]) m.skin_faces.push_back(f);
  }
  number_bone_dofs(m, {});
  return m;
}

void set_gravity(const TorsoModel& m, const Vec3& down, FemInputs& in) {
  const TetMesh& mesh = m.fem.mesh;
  const Vec3 g = kG * down;
  in.body_force_N.resize(m.fem.rigid_bodies.size(), Vec3::Zero());
  in.body_torque_Nm.resize(m.fem.rigid_bodies.size(), Vec3::Zero());
  for (size_t b = 0; b < m.bones.size(); ++b) {
    const Bone& bo = m.bones[b];
    const Vec3 F_own = bo.own_mass_kg * g;
    in.body_force_N[b] = F_own + bo.attached_mass_kg * g;  // lumped masses act at the frame origin
    in.body_torque_Nm[b] = (bo.com_m - bo.origin_m).cross(F_own);
  }
  in.node_force_N.assign(mesh.n_nodes(), Vec3::Zero());
  for (int t = 0; t < mesh.n_tets(); ++t) {
    const double rho = region_material(m.params, m.tet_region[t]).density_kg_m3;
    const double mt = rho * tet_signed_volume(mesh.X[mesh.tets[t][0]], mesh.X[mesh.tets[t][1]],
                                              mesh.X[mesh.tets[t][2]], mesh.X[mesh.tets[t][3]]);
    for (int a = 0; a < 4; ++a) in.node_force_N[mesh.tets[t][a]] += mt / 4 * g;
  }
}

void set_gravity(TorsoModel& m, const Vec3& down) {
  FemInputs in;
  set_gravity(m, down, in);
  m.fem.node_force_N = in.node_force_N;
  for (size_t b = 0; b < m.bones.size(); ++b) {
    m.fem.rigid_bodies[b].applied_force_N = in.body_force_N[b];
    m.fem.rigid_bodies[b].applied_torque_Nm = in.body_torque_Nm[b];
  }
}

Vec3 total_gravity_vector_N(const FemInputs& in) {
  Vec3 f = Vec3::Zero();
  for (const Vec3& v : in.node_force_N) f += v;
  for (const Vec3& v : in.body_force_N) f += v;
  return f;
}

void number_bone_dofs(TorsoModel& m, const std::vector<std::pair<int, int>>& fixed) {
  FemModel& fem = m.fem;
  const int nn = fem.mesh.n_nodes();
  fem.node_dof.assign(nn, {kFixed, kFixed, kFixed});
  int nd = 0;
  for (int n = 0; n < nn; ++n)
    if (fem.node_body.empty() || fem.node_body[n] < 0)
      for (int c = 0; c < 3; ++c) fem.node_dof[n][c] = nd++;
  for (size_t b = 0; b < fem.rigid_bodies.size(); ++b) {
    RigidBody& rb = fem.rigid_bodies[b];
    for (int c = 0; c < 6; ++c) {
      const bool fix = rb.shape != nullptr ||
                       std::find(fixed.begin(), fixed.end(), std::make_pair(static_cast<int>(b), c)) != fixed.end();
      rb.dof[c] = fix ? kFixed : nd++;
    }
  }
  fem.n_dofs = nd;
  if (fem.node_force_N.size() != static_cast<size_t>(nn)) fem.node_force_N.assign(nn, Vec3::Zero());
  fem.finalize();
}

std::vector<double> skin_node_area(const TorsoModel& m, const std::vector<Vec3>& x) {
  std::vector<double> area(x.size(), 0.0);
  for (const Tri& f : m.skin_faces) {
    const double A = 0.5 * (x[f[1]] - x[f[0]]).cross(x[f[2]] - x[f[0]]).norm();
    for (int v : f) area[v] += A / 3;
  }
  return area;
}

int add_floor(TorsoModel& m) {
  const int body = add_floor_contact(m);
  number_bone_dofs(m, {{m.pelvis, 0}, {m.pelvis, 1}, {m.pelvis, 5}});
  return body;
}

int add_floor_contact(TorsoModel& m) {
  FemModel& fem = m.fem;
  RigidBody floor;
  floor.shape = std::make_shared<FloorShape>();
  const int body = static_cast<int>(fem.rigid_bodies.size());
  fem.rigid_bodies.push_back(floor);
  // Penalty per node: proportional to its share of the skin area (1e7 N/m per cm^2: stiff against
  // the tissue, so the augmented-Lagrangian updates converge in a few rounds).
  const std::vector<double> area = skin_node_area(m, fem.mesh.X);
  RigidContactSet cs;
  cs.body = body;
  for (int n : m.skin_nodes) {
    cs.slave_nodes.push_back(n);
    cs.penalty_N_per_m.push_back(std::max(area[n], 1e-6) * 1e11);
  }
  fem.rigid_contacts.push_back(cs);
  return body;
}

double total_gravity_N(const TorsoModel& m) {
  double f = 0;
  for (const Vec3& v : m.fem.node_force_N) f += v.z();
  for (const RigidBody& b : m.fem.rigid_bodies) f += b.applied_force_N.z();
  return f;
}

}  // namespace backroll
