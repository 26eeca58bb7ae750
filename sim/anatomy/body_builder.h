// Inside build_body (anatomy/body_model.h): the steps that turn a body file into a model, each a
// function of a readable size sharing the builder's state. Sections, in build order:
//   bones    (body_bones.cpp)   vertebrae and pelvis, the ribs as chains of segments, the sternum
//   joints   (body_joints.cpp)  intervertebral joints, the rib articulations, rib shafts and
//                               costal cartilages as beams, the intercostal sheet
//   tissue   (body_tissue.cpp)  the structured tet mesh over the back, its regions, attachments
//                               to bone, the abdominal cavity, the tissue mass per level, and
//                               the contacts on the spinous processes' tips
//   masses   (body_masses.cpp)  de Leva's segment masses over the bones, the body laid on the
//                               floor, materials (with the fascia's fibres) and gravity
#pragma once

#include <array>
#include <string>
#include <vector>

#include "anatomy/body_layout.h"

namespace backroll {
namespace body_layout {

// A rib: a half-ellipse in the plane of its vertebra, on the trunk wall.
struct RibGeom {
  double a, b, hl, sb, ptp, pe, ps;
  double descent;  // how far down the skin line the front of the rib lies below its head
  std::vector<double> seg_phi;  // segment bounds along the arc, ptp .. pe
};

class BodyBuilder {
 public:
  BodyBuilder(const BodySpec& p, const BodyBuildOptions& o);
  BodyModel build();

 private:
  // Bones.
  void vertebrae();
  void rib_geometry();
  void ribs();
  void sternum();
  // Joints.
  void spine_joints();
  void rib_joints();
  void intercostal_sheet();
  // An Euler-Bernoulli beam between two bodies (rib shaft, costal cartilage).
  void beam(const std::string& name, int a, int b, const Vec3& at, const Vec3& tan, const Vec3& in_plane, double len,
            double EI_in, double EI_out, double GJ, double EA);
  // Tissue.
  void tissue();
  void tissue_grid();
  std::vector<double> across_axis(bool with_patch) const;
  std::vector<double> along_axis() const;
  static std::vector<double> growing_cells(double from, double to, double h, double h_max);
  void tissue_regions();
  int wall_holder(double x, double s, const Column& c) const;  // the bone holding the band at h_wall, or -1
  int band_row_nearest(const Column& c, double h) const;
  void tissue_attachments();
  void abdominal_cavity();
  void band_ties();
  void dilatation_groups();
  void share_deep_nodes();
  std::vector<char> patch_ties(const std::vector<char>& wet);
  void spinous_contacts();
  void tissue_masses();
  // Masses, placement, materials.
  void trunk_masses();
  void lay_on_floor();
  void materials();

  // Geometry helpers.
  Vec3 P(double x, double s, double h) const { return L.curve.point(x, s, h); }
  Mat3 frame_at(double s) const;
  Vec3 rib_point(int k, int side, double ph) const;
  Vec3 tangent(int k, int side, double ph) const;  // along the rib's arc, not normalised
  double arc_len(int k, double p0, double p1) const;
  int rib_segment_at(int k, int si, double ph) const;  // the segment of rib k (side si) at arc angle ph
  int rib_under(int k, int si, double ax) const;       // ... under a point ax from the midline
  int bone_under(double x, double s) const;            // the bone a deep tissue node at (x, s) rides on
  double row_h(const Column& c, int k) const;          // height of node row k in a tissue column

  const BodySpec& p;
  const BodyBuildOptions& o;
  const Layout L;
  BodyModel m;
  bool stumps = false;                 // the anterior cage resected down to rib stumps
  std::array<Vec3, 19> body_centre{};  // T1..L5 -> 0..16, S1 -> 17
  std::array<RibGeom, kRibs> rg{};
  std::vector<double> tissue_mass_by_body;
  // The tissue grid: columns across (xs) and along the skin line (ss), node rows through depth.
  std::vector<double> xs, ss;
  double s_lo = 0, s_hi = 0;
  int ni = 0, nj = 0, nk = 0, rows_m = 0, rows_f = 0, rows_d = 0, rows_k = 0;  // rows_m: the band's, all parts
  int tissue_first_tet = 0;  // the grid's first tet (each cell's 6 follow in order, fem/tet_mesh.h)
  std::vector<Column> cols;
  std::vector<int> ids, node_row;
  // The columns over the spinous processes' tips (grid i, j) and the vertebra each rests on.
  struct TipColumn {
    int i, j, bone;
  };
  std::vector<TipColumn> tip_columns;
};

}  // namespace body_layout
}  // namespace backroll
