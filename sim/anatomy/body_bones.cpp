#include "anatomy/body_builder.h"

#include <Eigen/Geometry>
#include <algorithm>
#include <cmath>

#include "io/toml_reader.h"

namespace backroll {
namespace body_layout {

Mat3 BodyBuilder::frame_at(double s) const {
  Vec3 c, t, n;
  L.curve.frame(s, c, t, n);
  Mat3 f;
  f.col(0) = Vec3::UnitX();
  f.col(1) = t;
  f.col(2) = n;
  return f;
}

Vec3 BodyBuilder::rib_point(int k, int side, double ph) const {
  const RibGeom& g = rg[k];
  // Ribs slope down from back to front: the descent grows as (1 - cos) of the arc angle, so the
  // posterior part (under the back's tissue) stays at its vertebra's level.
  return P(side * g.a * std::sin(ph), g.sb + g.descent * 0.5 * (1 - std::cos(ph)),
           g.hl - 0.5 * g.b * (std::cos(g.ptp) - std::cos(ph)));
}

Vec3 BodyBuilder::tangent(int k, int side, double ph) const {
  return Vec3(rib_point(k, side, ph + 1e-3) - rib_point(k, side, ph - 1e-3));
}

double BodyBuilder::arc_len(int k, double p0, double p1) const {
  double len = 0;
  for (int i = 0; i < 32; ++i)
    len += (rib_point(k, 1, p0 + (p1 - p0) * (i + 1) / 32) - rib_point(k, 1, p0 + (p1 - p0) * i / 32)).norm();
  return len;
}

int BodyBuilder::rib_segment_at(int k, int si, double ph) const {
  const RibGeom& g = rg[k];
  const std::vector<int>& seg = m.rib_segments[k][si];
  size_t i = 0;
  while (i + 1 < seg.size() && ph > g.seg_phi[i + 1]) ++i;
  return seg[i];
}

int BodyBuilder::rib_under(int k, int si, double ax) const {
  // The rib's arc reaches ax at a sin(ph) = ax on its posterior half.
  return rib_segment_at(k, si, std::asin(std::min(1.0, ax / rg[k].a)));
}

// Vertebrae and the pelvis: a body box, the spinous process, the transverse processes.
void BodyBuilder::vertebrae() {
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

}

// Each rib's ellipse, its slope down the body and its segments along the arc.
void BodyBuilder::rib_geometry() {
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
}

// The ribs as chains of rigid segments (only the first, the stump, after an anterior resection).
void BodyBuilder::ribs() {
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
}

// The sternum (in two halves after a sternotomy).
void BodyBuilder::sternum() {
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

}

}  // namespace body_layout
}  // namespace backroll
