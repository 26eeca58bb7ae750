#include "anatomy/body_builder.h"

#include <algorithm>
#include <cmath>

#include "io/toml_reader.h"

namespace backroll {
namespace body_layout {

// Intervertebral joints: six springs each, extension bilinear (the facets engaging), fitted to
// pass through the range of motion at the reference moment.
void BodyBuilder::spine_joints() {
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
}

// An Euler-Bernoulli beam of length len from body a to body b at `at`, its axis along `tan` and
// its in-plane direction (in the rib's plane, across the beam) along `in_plane`: axial EA/L,
// transverse 12EI/L^3, bending EI/L. EI_in bends it within the rib's plane, EI_out out of it (the
// front moving up or down the body).
void BodyBuilder::beam(const std::string& name, int a, int b, const Vec3& at, const Vec3& tan, const Vec3& in_plane,
                       double len, double EI_in, double EI_out, double GJ, double EA) {
  Joint j;
  j.name = name;
  j.body_a = a;
  j.body_b = b;
  j.point_m = at;
  const Vec3 t = tan.normalized();
  const Vec3 n = (in_plane - in_plane.dot(t) * t).normalized();  // in the plane, across the beam
  const Vec3 out = t.cross(n);                                   // out of the plane
  j.axes.row(0) = t.transpose();
  j.axes.row(1) = out.transpose();
  j.axes.row(2) = n.transpose();
  j.translational_N_per_m = Vec3(EA / len, 12 * EI_out / std::pow(len, 3), 12 * EI_in / std::pow(len, 3));
  j.rotational_Nm_per_rad = Vec3(GJ / len, EI_in / len, EI_out / len);
  m.fem.joints.push_back(j);
}

// Each rib on its vertebra (costovertebral and costotransverse springs; ribs 2-9 also on the
// vertebra above), its shaft's bending between segments, and its costal cartilage.
void BodyBuilder::rib_joints() {
  if (!o.with_ribs) return;
  FemModel& fem = m.fem;
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
}

void BodyBuilder::intercostal_sheet() {
  if (!o.with_ribs) return;
  FemModel& fem = m.fem;
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

}  // namespace body_layout
}  // namespace backroll
