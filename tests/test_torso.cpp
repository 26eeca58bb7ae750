// The torso model built from assets/bodies/*.toml: structure, data fidelity, mass, equilibrium on
// the floor, and the spine's stiffness against cadaver data.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "validation/bullet_torso.h"
#include "report/model_export.h"
#include "io/toml_reader.h"
#include "pose/lying_flat.h"
#include "measure/frame.h"
#include "measure/pressure_mat.h"
#include "run/roll.h"
#include "anatomy/body_layout.h"
#include "anatomy/model_stats.h"
#include "validation/spine_specimen.h"

using namespace backroll;

namespace {
const BodySpec& adult() {
  static const BodySpec p = load_body_spec(default_body_path());
  return p;
}
const BodyModel& adult_model() {
  static const BodyModel m = build_body(adult());
  return m;
}
// The default adult's T1-T12 specimen with and without the rib cage at +-2 N m (several tests).
const RibCageComparison& adult_rib_cage() {
  static const RibCageComparison c = rib_cage_comparison(adult(), 2.0);
  return c;
}
std::string data(const std::string& f) { return std::string(BACKROLL_TEST_DATA) + "/" + f; }
}  // namespace

TEST_CASE("every vertebra, rib, joint and region exists and ribs attach to the right levels", "[torso][unit]") {
  const BodyModel& m = adult_model();
  for (int v = 0; v < kLevels; ++v) {
    CHECK(m.bones[m.vertebra[v]].kind == BoneKind::Vertebra);
    CHECK(m.bones[m.vertebra[v]].name == level_name(v + 1));
    const Joint& j = m.fem.joints[m.intervertebral_joint[v]];
    CHECK(j.body_a == m.vertebra[v]);
    CHECK(j.body_b == (v + 1 < kLevels ? m.vertebra[v + 1] : m.pelvis));
  }
  CHECK(m.bones[m.pelvis].kind == BoneKind::Pelvis);
  REQUIRE(m.sternum >= 0);
  // Every rib is a chain of segments about the data's segment length along its bony arc, the
  // segments joined in order by shaft beams.
  const BodySpec& p = adult();
  int rib_bodies = 0, expected = 0;
  for (const Bone& b : m.bones) rib_bodies += b.kind == BoneKind::Rib;
  for (int k = 0; k < kRibs; ++k)
    for (int side = 0; side < 2; ++side) {
      const std::vector<int>& segs = m.rib_segments[k][side];
      REQUIRE(!segs.empty());
      expected += static_cast<int>(segs.size());
      double arc = 0;
      for (int s : segs) {
        CHECK(m.bones[s].kind == BoneKind::Rib);
        CHECK(m.bones[s].level == k + 1);
        for (const BoneBox& bx : m.bones[s].boxes) arc += 2 * bx.half_m.x();
      }
      INFO("rib " << k + 1 << ": " << segs.size() << " segments over " << arc << " m");
      CHECK(arc / segs.size() <= p.rib_segment_m * 1.001);
      CHECK((segs.size() == 1 || arc / (segs.size() - 1) > p.rib_segment_m));
      for (size_t i = 1; i < segs.size(); ++i) {
        bool shaft = false;
        for (const Joint& j : m.fem.joints)
          shaft |= j.body_a == segs[i - 1] && j.body_b == segs[i] && j.name.find("-shaft") != std::string::npos;
        CHECK(shaft);
      }
    }
  CHECK(rib_bodies == expected);
  for (int k = 0; k < kRibs; ++k)
    for (int side = 0; side < 2; ++side) {
      const int rp = m.rib_segments[k][side].front(), ra = m.rib_segments[k][side].back();
      // The costovertebral joint hangs rib k+1 on vertebra T(k+1); the cartilage goes from the
      // rib's last segment to the sternum (ribs 1-7), to the rib above (8-10), nowhere (11-12).
      bool on_vertebra = false, to_sternum = false, to_rib_above = false, cartilage_any = false;
      for (const Joint& j : m.fem.joints) {
        if (j.body_b == rp && j.body_a == m.vertebra[k]) on_vertebra = true;
        if (j.name.find("-cartilage") == std::string::npos || j.body_b != ra) continue;
        cartilage_any = true;
        if (j.body_a == m.sternum) to_sternum = true;
        if (k > 0 && j.body_a == m.rib_segments[k - 1][side].back()) to_rib_above = true;
      }
      CHECK(on_vertebra);
      CHECK(to_sternum == (k < 7));
      CHECK(to_rib_above == (k >= 7 && k < 10));
      CHECK(cartilage_any == (k < 10));
    }
  const std::vector<RegionStats> rs = region_stats(m);
  for (const RegionStats& r : rs) {
    INFO(r.name);
    CHECK(r.tets > 0);
  }
}

TEST_CASE("kidneys lie at T11-L3, the right one lower, partly behind ribs 11-12", "[torso][unit]") {
  const BodyModel& m = adult_model();
  const auto& names = region_names();
  const int left = static_cast<int>(std::find(names.begin(), names.end(), "kidney_left") - names.begin());
  const int right = static_cast<int>(std::find(names.begin(), names.end(), "kidney_right") - names.begin());
  double lo[2] = {1e9, 1e9}, hi[2] = {-1e9, -1e9}, xmin[2] = {1e9, 1e9};
  for (int t = 0; t < m.fem.mesh.n_tets(); ++t) {
    const int r = m.tet_region[t];
    if (r != left && r != right) continue;
    Vec3 c = Vec3::Zero();
    for (int v : m.fem.mesh.tets[t]) c += 0.25 * m.node_local[v];
    const int k = r == left ? 0 : 1;
    lo[k] = std::min(lo[k], c.y()), hi[k] = std::max(hi[k], c.y());
    xmin[k] = std::min(xmin[k], std::abs(c.x()));
    CHECK((r == left ? c.x() > 0 : c.x() < 0));  // x = the subject's left
  }
  const auto& s = m.sp_tip_s_m;  // index: C7 = 0, T1..T12 = 1..12, L1..L5 = 13..17
  for (int k = 0; k < 2; ++k) {
    CHECK(lo[k] < s[15]);  // overlaps T12-L3
    CHECK(hi[k] > s[12]);
    CHECK(xmin[k] > 0.02);  // lateral to the spine
  }
  CHECK(lo[1] > lo[0]);  // the right kidney sits lower
  // Whole: each kidney's elements fill its ellipsoid to within the outline's staircase (before,
  // the bone under the transverse processes cut off their medial third). The ellipsoid is laid
  // out in the tissue's own coordinates (across, along the skin line, height), so the elements'
  // volume is taken there too; in space the lordosis fans the depth out.
  const BodySpec p = adult();
  double volume[2] = {0, 0};
  for (int t = 0; t < m.fem.mesh.n_tets(); ++t)
    if (m.tet_region[t] == left || m.tet_region[t] == right) {
      const Tet& T = m.fem.mesh.tets[t];
      volume[m.tet_region[t] == right] += std::abs(tet_signed_volume(m.node_local[T[0]], m.node_local[T[1]], m.node_local[T[2]], m.node_local[T[3]]));
    }
  const int top[2] = {p.kidney_left_top, p.kidney_right_top}, bottom[2] = {p.kidney_left_bottom, p.kidney_right_bottom};
  for (int k = 0; k < 2; ++k) {
    const double ellipsoid = 4.0 / 3.0 * M_PI * p.kidney_halfwidth_m * p.kidney_halfthickness_m * 0.5 * (s[bottom[k]] - s[top[k]]);
    INFO((k ? "right" : "left") << " kidney " << volume[k] * 1e6 << " cm3, its ellipsoid " << ellipsoid * 1e6 << " cm3");
    CHECK(volume[k] == Approx(ellipsoid).epsilon(0.1));
  }
  // Ribs 11 and 12 carry tissue nodes lateral to the spine at the kidney's upper pole.
  int on_floating = 0;
  for (int n = 0; n < m.fem.mesh.n_nodes(); ++n) {
    const int b = m.fem.node_body[n];
    if (b >= 0 && m.bones[b].kind == BoneKind::Rib && m.bones[b].level >= 11) ++on_floating;
  }
  CHECK(on_floating > 0);
}

TEST_CASE("mesh: no inverted or degenerate tets, no floating tissue", "[torso][unit]") {
  const BodyModel& m = adult_model();
  // The solid's tets: the abdominal fluid's carry no stiffness (only their volume counts, and
  // they may fold), and the flattest tets lie there, where the abdomen deepens beside the
  // vertebral body (0.17 deg).
  TetMesh solid = m.fem.mesh;
  solid.tets.clear();
  for (int t = 0; t < m.fem.mesh.n_tets(); ++t)
    if (m.fem.tet_cavity[t] < 0) solid.tets.push_back(m.fem.mesh.tets[t]);
  REQUIRE(solid.n_tets() < m.fem.mesh.n_tets());
  const MeshQuality q = mesh_quality(solid);
  WARN("dihedral angles " << q.min_dihedral_deg << " - " << q.max_dihedral_deg << " deg, max aspect " << q.max_aspect
                          << ", smallest tet " << q.min_volume_m3 * 1e9 << " mm^3");
  CHECK(q.min_volume_m3 > 1e-10);   // every tet has volume (0.1 mm^3)
  CHECK(q.min_dihedral_deg > 0.2);  // thin layers make flat tets, but none collapses
  CHECK(q.max_dihedral_deg < 179.0);
  CHECK(floating_tets(m) == 0);
}

// The band's rows away from the kidneys follow their neighbours (BodyBuilder::band_ties): each
// tied node lies on the segment between its masters (so the tie is exact for a field linear
// along the column), none is in or on a kidney, in the abdomen's fluid, on bone or on a contact,
// and the unknowns drop.
TEST_CASE("mesh: the band's tied rows lie between their masters, away from kidneys, fluid and contacts", "[torso][unit]") {
  const BodyModel& m = adult_model();
  const FemModel& fem = m.fem;
  REQUIRE(!fem.node_ties.empty());
  std::vector<char> avoid(fem.mesh.n_nodes(), 0);
  const int kl = region_index("kidney_left"), kr = region_index("kidney_right");
  for (int t = 0; t < fem.mesh.n_tets(); ++t)
    if (m.tet_region[t] == kl || m.tet_region[t] == kr || fem.tet_cavity[t] >= 0)
      for (int v : fem.mesh.tets[t]) avoid[v] = 1;
  for (const RigidContactSet& c : fem.rigid_contacts)
    for (int v : c.slave_nodes) avoid[v] = 1;
  int bad_place = 0, bad_where = 0;
  for (const FemModel::NodeTie& t : fem.node_ties) {
    const Vec3 on_line = t.w * fem.mesh.X[t.a] + (1 - t.w) * fem.mesh.X[t.b];
    if ((fem.mesh.X[t.node] - on_line).norm() > 1e-9) ++bad_place;
    if (avoid[t.node] || fem.node_body[t.node] >= 0) ++bad_where;
  }
  CHECK(bad_place == 0);
  CHECK(bad_where == 0);
  BodySpec untied = adult();
  untied.tie_band_rows = false;
  const BodyModel u = build_body(untied);
  INFO(fem.node_ties.size() << " tied nodes: " << u.fem.n_dofs << " -> " << fem.n_dofs << " unknowns");
  CHECK(fem.n_dofs == u.fem.n_dofs - 3 * static_cast<int>(fem.node_ties.size()));
}

// A fine patch where the roller acts (BodySpec::patch_size_m): cells of its size within its
// half-length of its level's tip and its half-width of the midline, growing by at most 1.25 per
// cell outside (the last cell taking the remainder, up to 1.5 of its size) to the body's sizes;
// where the cells along have grown to twice its size the columns it added follow the mesh's own
// columns (ties between masters that are free), so they add no unknowns there.
TEST_CASE("mesh: a patch is fine where the roller acts and adds no unknowns away from it", "[torso][unit]") {
  const BodySpec coarse = scaled_mesh(adult(), 2.0);
  BodySpec p = coarse;
  p.patch_size_m = 0.004;
  p.patch_level = 15;  // L3
  p.patch_halflength_m = 0.05;
  p.patch_halfwidth_m = 0.05;
  const BodyModel m = build_body(p);
  const SkinGrid g(m), g0(build_body(coarse));
  const double c = m.sp_tip_s_m[15];
  auto spacing_ok = [](const std::vector<double>& v, double centre, double half, double fine, double coarse_size) {
    int bad = 0;
    for (size_t j = 0; j + 1 < v.size(); ++j) {
      const double h = v[j + 1] - v[j];
      const bool inside = v[j] >= centre - half - 1e-9 && v[j + 1] <= centre + half + 1e-9;
      if (h > (inside ? fine : 1.5 * coarse_size) + 1e-9) ++bad;
      // Outwards from the patch each cell is at most 1.25 times the one before (the last 1.5x more).
      const bool above = v[j] >= centre + half - 1e-9, below = v[j + 1] <= centre - half + 1e-9;
      if (above && j > 0 && h > 1.25 * 1.5 * (v[j] - v[j - 1]) + 1e-9) ++bad;
      if (below && j + 2 < v.size() && h > 1.25 * 1.5 * (v[j + 2] - v[j + 1]) + 1e-9) ++bad;
    }
    return bad;
  };
  CHECK(spacing_ok(g.ss, c, p.patch_halflength_m, p.patch_size_m, coarse.axial_size_m) == 0);
  CHECK(spacing_ok(g.xs, 0.0, p.patch_halfwidth_m, p.patch_size_m, coarse.max_lateral_size_m) == 0);
  for (size_t i = 0; i < g.xs.size(); ++i) CHECK(g.xs[i] == Approx(-g.xs[g.xs.size() - 1 - i]).margin(1e-12));
  CHECK(g.ss.size() > g0.ss.size());
  CHECK(g.xs.size() > g0.xs.size());
  // The ties: masters free, tied nodes off bone, between their masters across the back.
  const FemModel& fem = m.fem;
  std::vector<char> tied(fem.mesh.n_nodes(), 0);
  for (const FemModel::NodeTie& t : fem.node_ties) tied[t.node] = 1;
  int bad = 0;
  for (const FemModel::NodeTie& t : fem.node_ties) {
    if (tied[t.a] || tied[t.b] || fem.node_body[t.node] >= 0 || fem.node_body[t.a] >= 0 || fem.node_body[t.b] >= 0) ++bad;
    if (!(t.w >= 0 && t.w <= 1)) ++bad;
  }
  CHECK(bad == 0);
  // Far from the patch a row of skin nodes has free nodes only on the mesh's own columns (or
  // the ridge's): as many as the mesh without the patch has.
  std::map<double, int> free_in_row;
  for (int k : m.skin_nodes) {
    const double s = m.node_local[k].y();
    const size_t j = std::lower_bound(g.ss.begin(), g.ss.end(), s - 1e-9) - g.ss.begin();
    const double h = std::min(j > 0 ? g.ss[j] - g.ss[j - 1] : 1.0, j + 1 < g.ss.size() ? g.ss[j + 1] - g.ss[j] : 1.0);
    if (h >= 2 * p.patch_size_m && !tied[k]) ++free_in_row[g.ss[j]];
  }
  REQUIRE(!free_in_row.empty());
  int ridge = 0;
  for (double x : g.xs) ridge += std::abs(x) <= p.sp_base_halfwidth_m + 1e-9 ? 1 : 0;
  for (const auto& [s, n] : free_in_row) CHECK(n <= static_cast<int>(g0.xs.size()) + ridge);
}

TEST_CASE("columns on the spinous processes' corners at every mesh; the tissue rests on each tip", "[torso][unit]") {
  for (double scale : {1.0, 1.5, 2.0, 3.0}) {
    const BodySpec p = scaled_mesh(adult(), scale);
    const BodyModel m = build_body(p);
    std::set<double> cols;
    for (int n : m.skin_nodes) cols.insert(m.node_local[n].x());
    const std::vector<double> xs(cols.begin(), cols.end());
    INFO("scale " << scale << ": " << xs.size() << " columns");
    auto has = [&](double x) {
      return std::any_of(xs.begin(), xs.end(), [&](double c) { return std::abs(c - x) < 1e-12; });
    };
    for (double x : {0.0, p.sp_tip_halfwidth_m, p.sp_base_halfwidth_m}) {
      CHECK(has(x));
      CHECK(has(-x));
    }
    for (size_t i = 0; i < xs.size(); ++i) {
      CHECK(std::abs(xs[i] + xs[xs.size() - 1 - i]) < 1e-12);  // mirror-symmetric
      if (i > 0 && xs[i] <= p.sp_base_halfwidth_m + 1e-12 && xs[i - 1] >= -p.sp_base_halfwidth_m - 1e-12)
        CHECK(xs[i] - xs[i - 1] <= p.midline_size_m + 1e-12);
    }
    // Over every vertebra's tip the deepest nodes are free and rest on it; nowhere else. (On the
    // tests' coarse mesh, 36 mm along the spine, a short level may have no node over its tip.)
    int free_deep = 0, slaves = 0;
    for (int v = 0; v < kLevels; ++v) {
      if (scale <= 2) REQUIRE(m.sp_contact[v] >= 0);
      if (m.sp_contact[v] < 0) continue;
      const RigidContactSet& cs = m.fem.rigid_contacts[m.sp_contact[v]];
      CHECK(cs.body == m.vertebra[v]);
      CHECK(cs.facet_normal.size() == cs.slave_nodes.size());
      for (int k : cs.slave_nodes) {
        CHECK(m.fem.node_body[k] == -1);
        CHECK(std::abs(m.node_local[k].x()) <= p.sp_tip_halfwidth_m + 1e-12);
      }
      // The tips' load counts each node by the part of its width (half way to each neighbouring
      // column) over the tip: in every row along the spine those parts add up to the tip's width,
      // whatever the columns' spacing beside it.
      REQUIRE(m.sp_tip_share[v].size() == cs.slave_nodes.size());
      std::map<double, double> width_over_tip;  // by the row's place along the skin line
      for (size_t i = 0; i < cs.slave_nodes.size(); ++i) {
        const Vec3& X = m.node_local[cs.slave_nodes[i]];
        double lo = 0, hi = 0;
        SkinGrid::span(xs, X.x(), &lo, &hi);
        const double share = m.sp_tip_share[v][i];
        CHECK(share > 0);
        CHECK(share <= 1);
        if (std::abs(X.x()) < p.sp_tip_halfwidth_m - 1e-12) CHECK(share == 1);
        width_over_tip[X.y()] += share * (hi - lo);
      }
      for (const auto& [s, w] : width_over_tip) CHECK(w == Approx(2 * p.sp_tip_halfwidth_m).epsilon(1e-12));
      slaves += static_cast<int>(cs.slave_nodes.size());
    }
    for (int k = 0; k < m.fem.mesh.n_nodes(); ++k) free_deep += m.fem.node_body[k] == -1 && m.node_local[k].z() <= 1e-12 &&
                                                               std::abs(m.node_local[k].x()) <= p.sp_tip_halfwidth_m + 1e-12;
    CHECK(free_deep == slaves);
  }
}

TEST_CASE("the band rows a transverse process or floating rib holds lie on its plane at every mesh", "[torso][unit]") {
  // Every node a bone holds inside the tissue (not its column's deepest, not one the abdomen's
  // fluid alone touches, not on the mesh's cut sides) is on the wall's plane of its column, on
  // the main job's mesh, on one refined x 0.7 and with a fine patch: the nearest row as generated
  // lay up to half a row off, 8-10 mm apart between the first two under the floating ribs.
  BodySpec patch = scaled_mesh(adult(), 2.0);
  patch.patch_size_m = 0.004;
  patch.patch_level = 15;  // L3
  patch.patch_halflength_m = 0.06;
  patch.patch_halfwidth_m = 0.08;
  for (const BodySpec& p : {scaled_mesh(adult(), 2.0), scaled_mesh(adult(), 1.4), patch}) {
    const BodyModel m = build_body(p);
    const body_layout::Layout L(p);
    const TetMesh& mesh = m.fem.mesh;
    const int fluid = region_index("abdominal_content");
    std::vector<char> solid(mesh.n_nodes(), 0);
    for (int t = 0; t < mesh.n_tets(); ++t)
      if (m.tet_region[t] != fluid)
        for (int v : mesh.tets[t]) solid[v] = 1;
    double x_lo = 1e9, x_hi = -1e9, s_lo = 1e9, s_hi = -1e9;
    std::map<std::pair<double, double>, double> deepest;
    for (const Vec3& v : m.node_local) {
      x_lo = std::min(x_lo, v.x()), x_hi = std::max(x_hi, v.x()), s_lo = std::min(s_lo, v.y()), s_hi = std::max(s_hi, v.y());
      auto [it, fresh] = deepest.insert({{v.x(), v.y()}, v.z()});
      if (!fresh) it->second = std::min(it->second, v.z());
    }
    int by_vertebra = 0, by_floating_rib = 0, off = 0;
    std::set<int> floating;
    for (int r : {10, 11})
      for (int side : {0, 1})
        for (int b : m.rib_segments[r][side]) floating.insert(b);
    for (int n = 0; n < mesh.n_nodes(); ++n) {
      const Vec3& v = m.node_local[n];
      const int b = m.fem.node_body[n];
      if (b < 0 || !solid[n] || v.z() <= deepest[{v.x(), v.y()}]) continue;
      if (v.x() == x_lo || v.x() == x_hi || v.y() == s_lo || v.y() == s_hi) continue;
      const bool vertebra = std::find(m.vertebra.begin(), m.vertebra.end(), b) != m.vertebra.end();
      by_vertebra += vertebra;
      by_floating_rib += floating.count(b) > 0;
      if (std::abs(v.z() - body_layout::column(L, v.x(), v.y()).h_wall) > 1e-12 || !(vertebra || floating.count(b))) ++off;
    }
    INFO("held by the lumbar vertebrae " << by_vertebra << ", by ribs 11-12 " << by_floating_rib);
    CHECK(by_vertebra >= 10);
    CHECK(by_floating_rib >= 20);
    CHECK(off == 0);
  }
}

TEST_CASE("tissue depth over each spinous process matches the data within one element", "[torso][unit]") {
  for (const std::string& file : {default_body_path(), std::string(BACKROLL_ASSET_DIR) + "/bodies/small_female.toml"}) {
    const BodySpec p = load_body_spec(file);
    const BodyModel m = build_body(p);
    for (int v = 0; v < kLevels; ++v) {
      INFO(file << " " << level_name(v + 1));
      CHECK(std::abs(m.sp_tip_depth_m[v] - p.depth_over_sp_m[v]) <= m.mesh_max_depth_size_m);
      CHECK(std::abs(m.sp_tip_depth_m[v] - p.depth_over_sp_m[v]) <= 1e-3);  // in fact well inside
    }
  }
}

TEST_CASE("total mass equals the body mass; the second body really differs", "[torso][unit]") {
  const BodyModel& m = adult_model();
  const double g = 9.81;
  CHECK(-total_gravity_N(m) / g == Approx(adult().mass_kg).epsilon(0.01));
  double regions = 0;
  for (const RegionStats& r : region_stats(m)) regions += r.mass_kg;
  CHECK(regions == Approx(m.tissue_mass_kg).epsilon(1e-9));
  const BodySpec small = load_body_spec(std::string(BACKROLL_ASSET_DIR) + "/bodies/small_female.toml");
  const BodyModel ms = build_body(small);
  CHECK(-total_gravity_N(ms) / g == Approx(55.0).epsilon(0.01));
  CHECK_FALSE(small.male);
  CHECK(ms.sp_tip_depth_m[15] < m.sp_tip_depth_m[15] - 0.003);  // thinner tissue over L4
  CHECK(ms.sp_tip_s_m[19] < m.sp_tip_s_m[19]);                   // shorter back
}

TEST_CASE("bad body files: file, key, value and allowed range", "[torso][unit]") {
  auto msg = [](const std::string& f) {
    try {
      load_body_spec(f);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(msg(data("bad_torso_range.toml")),
             Catch::Contains("bad_torso_range.toml:3") && Catch::Contains("body.mass_kg = 500") &&
                 Catch::Contains("[30, 200]"));
  CHECK_THAT(msg(data("bad_torso_key.toml")), Catch::Contains("unknown key 'tissue.fat_thicknes_m'"));
  CHECK_THAT(msg(data("bad_torso_count.toml")), Catch::Contains("spine.body_width_m has 2 values: expected 17"));
  CHECK_THAT(msg(data("bad_torso_level.toml")), Catch::Contains("kidneys.left_top_level = \"T15\""));
  CHECK_THAT(msg(data("missing.toml")), Catch::Contains("cannot open"));
  // A tissue nearer incompressible than 0.49 needs each cell's volume term (each tet's locks): the
  // body's tissues are at 0.4995, so without the cell's term the first one checked is refused.
  const std::string body = std::string(BACKROLL_ASSET_DIR) + "/bodies/default.toml";
  std::string why = "no error";
  try {
    load_body_spec(body, {{"mesh.mean_dilatation", ConfigValue(false), "test"}});
  } catch (const ConfigError& e) {
    why = e.what();
  }
  CHECK_THAT(why, Catch::Contains("poisson_ratio = 0.4995") && Catch::Contains("[0, 0.49]") &&
                      Catch::Contains("mesh.mean_dilatation = true"));
  const ConfigOverride fat_nu{"materials.subcutaneous_fat.poisson_ratio", ConfigValue(0.4999), "test"};
  const BodySpec cells = load_body_spec(body, {fat_nu});
  CHECK(cells.materials.at("subcutaneous_fat").poisson_ratio == 0.4999);
  // Ogden's alpha: not near 0 (the law divides by it); taken into the solid's law.
  why = "no error";
  try {
    load_body_spec(body, {{"materials.subcutaneous_fat.ogden_alpha", ConfigValue(0.2), "test"}});
  } catch (const ConfigError& e) {
    why = e.what();
  }
  CHECK_THAT(why, Catch::Contains("materials.subcutaneous_fat.ogden_alpha = 0.2") &&
                      Catch::Contains("[-20, -0.5] or [0.5, 20]"));
  const BodySpec ogden = load_body_spec(body, {{"materials.subcutaneous_fat.ogden_alpha", ConfigValue(-3.0), "test"}});
  CHECK(solid_law(ogden.materials.at("subcutaneous_fat")).ogden_alpha == -3.0);
  CHECK(solid_law(ogden.materials.at("erector_spinae")).ogden_alpha == 2.0);
}

TEST_CASE("the abdomen: lying flat the kidneys carry the abdominal fluid's pressure, left as right",
          "[torso][validation]") {
  // A symmetric body (the right kidney at the left one's levels) on the test suite's mesh.
  BodySpec p = scaled_mesh(adult(), 3.0);
  p.kidney_right_top = p.kidney_left_top;
  p.kidney_right_bottom = p.kidney_left_bottom;
  BodyModel m = build_body(p);
  REQUIRE(m.abdomen >= 0);
  REQUIRE(m.kidney_element_rows >= 4);
  // The fluid lies in the lumbar flanks only: below T8's tip, beside the transverse processes
  // (before, tets on the spinous processes' flanks from T1 down were fluid too).
  for (int t : m.fem.cavities[m.abdomen].tets) {
    Vec3 c = Vec3::Zero();
    for (int v : m.fem.mesh.tets[t]) c += 0.25 * m.node_local[v];
    REQUIRE(c.y() > m.sp_tip_s_m[8]);
    REQUIRE(std::abs(c.x()) > 0.5 * *std::min_element(p.tp_halfspan_m.begin(), p.tp_halfspan_m.end()));
  }
  SolverSettings s;
  s.gap_tol_m = 1e-6;
  // The roll's tolerance (run/roll.h), as the flat-floor settle below: Newton's last steps
  // converge linearly with the nearly incompressible tissue (fem/quasi_static.h).
  s.residual_rtol = 1e-4;
  const SettleResult r = settle_on_floor(m, s);
  INFO(r.solve.message);
  REQUIRE(r.solve.converged);
  const KidneyReading k = kidney_reading(m, r.state, node_positions(m.fem, r.state));
  const CavityReading c = cavity_reading(m.fem, r.state, m.abdomen);
  WARN("lying flat: abdominal fluid " << c.pressure_Pa << " Pa at its reference, " << k.fluid_Pa
       << " Pa at the kidneys; kidneys " << k.left_mean_Pa << " / " << k.right_mean_Pa << " Pa (left / right), peak "
       << k.peak_Pa << " Pa; " << m.kidney_element_rows << " element rows through a kidney");
  // The weight, the fluid's included, reaches the floor.
  CHECK(r.floor_reaction_N == Approx(r.weight_N).epsilon(0.01));
  CHECK(r.min_J > 0);
  // A soft organ immersed in a fluid carries the fluid's pressure; hung on the posterior wall by
  // its fat it also takes the wall's strain, so allow a third either way.
  CHECK(k.fluid_Pa > 0);
  CHECK(k.mean_Pa == Approx(k.fluid_Pa).epsilon(0.33));
  // Mirror-symmetric body: left = right.
  CHECK(std::abs(k.left_mean_Pa - k.right_mean_Pa) < 0.02 * std::abs(k.mean_Pa) + 5);
}

TEST_CASE("supine on a flat floor: equilibrium, floor reaction = body weight", "[torso][validation]") {
  BodyModel m = build_body(adult());
  SolverSettings s;
  s.gap_tol_m = 1e-6;
  // The roll's tolerance (run/roll.h): Newton's last steps converge linearly with the nearly
  // incompressible tissue (fem/quasi_static.h), and 1e-8 of the load took 116 s on the full mesh.
  s.residual_rtol = 1e-4;
  const SettleResult r = settle_on_floor(m, s);
  INFO(r.solve.message);
  REQUIRE(r.solve.converged);
  WARN("floor reaction " << r.floor_reaction_N << " N vs weight " << r.weight_N << " N; contact "
                          << r.contact_area_m2 * 1e4 << " cm2; min J " << r.min_J << "; "
                          << r.solve.newton_iterations << " Newton iterations, " << r.solve.seconds << " s");
  CHECK(std::isfinite(r.floor_reaction_N));
  CHECK(r.floor_reaction_N == Approx(r.weight_N).epsilon(0.01));
  CHECK(r.floor_reaction_xy_N < 1e-3 * r.weight_N);  // a frictionless floor pushes straight up
  CHECK(r.min_J > 0);                                // no tissue inversion
  CHECK(r.state.u.allFinite());
  CHECK(r.pelvis_drop_m > 0);                        // it did settle under its weight

  // The same model in a Bullet world holds the solved state.
  BulletTorsoPtr w = make_bullet_torso(m);
  const BulletTorsoCounts c = bullet_torso_counts(*w);
  CHECK(c.rigid_bodies == static_cast<int>(m.bones.size()));
  CHECK(c.constraints == static_cast<int>(m.fem.joints.size()));
  CHECK(c.soft_bodies == static_cast<int>(region_names().size()));
  CHECK(c.tetras == m.fem.mesh.n_tets());
  int attached = 0;
  for (int b : m.fem.node_body) attached += b >= 0;
  CHECK(c.anchors >= attached);
  CHECK(c.total_mass_kg == Approx(m.total_mass_kg).epsilon(1e-9));
  sync_from_torso(*w, m, r.state);
  const MirrorError e = bullet_mirror_error(*w, m, r.state);
  CHECK(e.node_m < 1e-12);
  CHECK(e.bone_m < 1e-9);
  CHECK(e.bone_rad < 1e-9);
}

TEST_CASE("joint assembly: a specimen's rotation is the sum of its segments' compliances", "[torso][unit]") {
  // Without ribs the thoracic spine is springs in series: T1's rotation under a flexion moment
  // (linear: the bilinear part is in extension) must equal M * sum(1/k_i) to round-off.
  // Flexion turns the cranial vertebra by +e_lat relative to the caudal one.
  const BodySpec& p = adult();
  const double M = 0.5;
  double expect = 0;
  for (int v = 0; v < 11; ++v) expect += M / (p.reference_moment_Nm / (p.flexion_rom_deg[v]));  // deg
  const double got = specimen_rotation_deg(p, Cage::NoRibs, 1, 12, SpineAxis::FlexionExtension, M);
  CHECK(got == Approx(expect).epsilon(1e-6));
}

TEST_CASE("costal cartilage: a solid rectangle in a sheath that carries Forman 2010's share", "[torso][unit]") {
  BodySpec p = adult();
  const double E = p.cartilage_E_Pa, w = p.cartilage_width_m, t = p.cartilage_thickness_m;
  p.cartilage_perichondrium_share = 0;
  const CartilageSection bare = cartilage_section(p);
  CHECK(bare.EA_N == Approx(E * w * t));
  CHECK(bare.EI_wall_Nm2 == Approx(E * w * t * t * t / 12));
  CHECK(bare.EI_body_Nm2 == Approx(E * t * w * w * w / 12));
  CHECK(bare.sheath_Et_N_per_m == 0);
  // Saint-Venant's rectangle lies between the thin-strip limit w t^3 / 3 and 0.141 w t^3 (square).
  CHECK(bare.GJ_Nm2 < E / 2.9 * w * t * t * t / 3);
  CHECK(bare.GJ_Nm2 > E / 2.9 * 0.141 * w * t * t * t);

  p.cartilage_perichondrium_share = adult().cartilage_perichondrium_share;
  const CartilageSection full = cartilage_section(p);
  // The sheath's second moments, integrated independently round its outline (thin wall): bending
  // through the wall about the axis along w (distance y from it), and along the body (axis along t).
  const int n = 4000;
  double I_wall = 0, I_body = 0, perimeter = 0;
  auto edge = [&](double x0, double y0, double x1, double y1) {
    for (int i = 0; i < n; ++i) {
      const double f = (i + 0.5) / n, x = x0 + f * (x1 - x0), y = y0 + f * (y1 - y0);
      const double ds = std::hypot(x1 - x0, y1 - y0) / n;
      I_wall += y * y * ds, I_body += x * x * ds, perimeter += ds;
    }
  };
  edge(-w / 2, -t / 2, w / 2, -t / 2), edge(w / 2, -t / 2, w / 2, t / 2);
  edge(w / 2, t / 2, -w / 2, t / 2), edge(-w / 2, t / 2, -w / 2, -t / 2);
  const double Et = full.sheath_Et_N_per_m;
  CHECK(full.EI_wall_Nm2 - bare.EI_wall_Nm2 == Approx(Et * I_wall).epsilon(1e-4));
  CHECK(full.EI_body_Nm2 - bare.EI_body_Nm2 == Approx(Et * I_body).epsilon(1e-4));
  CHECK(full.EA_N - bare.EA_N == Approx(Et * perimeter).epsilon(1e-6));
  // Stripping the sheath removes the measured share of the through-wall bending stiffness.
  CHECK(1 - bare.EI_wall_Nm2 / full.EI_wall_Nm2 == Approx(p.cartilage_perichondrium_share).epsilon(1e-9));
  // Bredt's closed tube, G = E / 3: 4 A^2 G t / perimeter.
  CHECK(full.GJ_Nm2 - bare.GJ_Nm2 == Approx(4 * (w * t) * (w * t) * (Et / 3) / perimeter).epsilon(1e-6));
}

TEST_CASE("lumbar extension stiffens with facet engagement and lies in the published range", "[torso][validation]") {
  // The in-vitro range at 7.5 N m (LumbarExtensionData: 2.5-6 deg, 1.25-3.0 N m/deg);
  // `backroll model spine` prints the same figures.
  const BodySpec& p = adult();
  const LumbarExtensionData d;
  for (int level = d.first_level; level <= d.last_level; ++level) {
    INFO(level_name(level) << "-" << level_name(level + 1));
    const double k_small = segment_extension_stiffness_Nm_per_deg(p, level, kNeutralZoneMomentNm);
    const double k_ref = segment_extension_stiffness_Nm_per_deg(p, level, d.moment_Nm);
    CHECK(k_ref >= d.stiffness_lo());
    CHECK(k_ref <= d.stiffness_hi());
    CHECK(k_ref > 1.3 * k_small);  // stiffer once the facets engage
  }
}

TEST_CASE("the rib cage stiffens the thoracic spine in every mode", "[torso][validation]") {
  const RibCageComparison& c = adult_rib_cage();
  for (int a = 0; a < 3; ++a) {
    INFO("mode " << a << ": ROM with ribs " << c.rom_with_deg(a) << " deg, without " << c.rom_without_deg(a) << " deg");
    CHECK(c.rom_with_deg(a) > 0);
    CHECK(c.increase_pct(a) > 5.0);  // removing the ribs frees the spine
  }
}

TEST_CASE("rib-cage stiffening by region lies within Mannen 2018's 95 % intervals", "[torso][validation]") {
  // Mannen 2018 Table 2 (n = 8, elastic zone): the intact / removed stiffness ratio per region
  // and mode. The specimens scatter widely (SDs up to 1.6x the mean), so the intervals are wide;
  // the check still rejects a rib cage bonded rigidly to the spine (below).
  auto outside = [](const RibCageComparison& c) {
    int n = 0;
    for (int a = 0; a < 3; ++a)
      for (int r = 0; r < 3; ++r) {
        const RatioInterval ci = mannen_ratio_interval(a, r);
        const double model = c.region_ratio(a, r);
        INFO("mode " << a << " region " << r << ": model " << model << ", cadaver " << ci.ratio << " [" << ci.lo
                     << ", " << ci.hi << "]");
        n += !(model >= std::max(1.0, ci.lo) && model <= ci.hi);
      }
    return n;
  };
  CHECK(outside(rib_cage_comparison(adult(), 5.0)) == 0);
  BodySpec bonded = adult();
  bonded.costovertebral_N_per_m *= 500;
  bonded.costovertebral_Nm_per_rad *= 500;
  CHECK(outside(rib_cage_comparison(bonded, 5.0)) >= 3);
}

TEST_CASE("the resection steps take the cage apart as Liebsch 2017 did", "[torso][unit]") {
  BodyBuildOptions o;
  o.with_tissue = false;
  o.gravity = false;
  auto count = [](const BodyModel& m, const std::string& part) {
    int n = 0;
    for (const Joint& j : m.fem.joints) n += j.name.find(part) != std::string::npos;
    return n;
  };
  auto mass = [](const BodyModel& m, BoneKind kind) {
    double kg = 0;
    for (const Bone& b : m.bones) kg += b.kind == kind ? b.own_mass_kg : 0;
    return kg;
  };
  const BodyModel intact = build_body(adult(), o);
  CHECK(intact.sternum_right == -1);
  CHECK(count(intact, "-intercostal-") > 0);
  o.resection = Resection::Intercostals;
  const BodyModel no_ic = build_body(adult(), o);
  CHECK(count(no_ic, "-intercostal-") == 0);
  CHECK(no_ic.fem.joints.size() == intact.fem.joints.size() - count(intact, "-intercostal-"));
  CHECK(no_ic.bones.size() == intact.bones.size());
  // The sternum in two halves of half the mass, each holding its own side's cartilages.
  o.resection = Resection::Sternotomy;
  const BodyModel mst = build_body(adult(), o);
  REQUIRE(mst.sternum >= 0);
  REQUIRE(mst.sternum_right >= 0);
  CHECK(mst.bones.size() == intact.bones.size() + 1);
  CHECK(mass(mst, BoneKind::Sternum) == Approx(mass(intact, BoneKind::Sternum)));
  CHECK(mst.bones[mst.sternum].own_mass_kg == Approx(mst.bones[mst.sternum_right].own_mass_kg));
  int on_halves = 0;
  for (const Joint& j : mst.fem.joints) {
    if (j.name.find("-cartilage") == std::string::npos || mst.bones[j.body_b].level > 7) continue;
    const bool left = mst.bones[j.body_b].side > 0;
    CHECK(j.body_a == (left ? mst.sternum : mst.sternum_right));
    ++on_halves;
  }
  CHECK(on_halves == 14);
  // Ribs cut back to the stumps the costovertebral joints hold: no cartilage, shaft or sternum.
  o.resection = Resection::AnteriorCage;
  const BodyModel arc = build_body(adult(), o);
  CHECK(arc.sternum == -1);
  for (int k = 0; k < kRibs; ++k)
    for (int side = 0; side < 2; ++side) CHECK(arc.rib_segments[k][side].size() == 1);
  CHECK(count(arc, "-cartilage") == 0);
  CHECK(count(arc, "-shaft") == 0);
  CHECK(count(arc, "-costovertebral") == count(intact, "-costovertebral"));
  CHECK(count(arc, "-costotransverse") == count(intact, "-costotransverse"));
  CHECK(mass(arc, BoneKind::Rib) < mass(intact, BoneKind::Rib));
}

TEST_CASE("each resection step frees the spine, most where the cadavers' did", "[torso][validation]") {
  // Taking structures away can only free a linear elastic specimen, so the range of motion may not
  // fall at any step (the joints are linear but for facet contact in extension). And in each mode
  // the step that freed the cadavers most (Liebsch 2017, significant steps) frees the model most
  // too: FE and AR the anterior cage, LB the intercostals.
  const RibCageComparison& c = adult_rib_cage();
  const RibCageStudies& st = rib_cage_studies();
  for (int a = 0; a < 3; ++a) {
    for (int s = 1; s < kCageStates; ++s) {
      INFO("mode " << a << ", step " << cage_name(static_cast<Cage>(s)));
      CHECK(c.rom_deg[s][a] >= c.rom_deg[s - 1][a] * (1 - 1e-9));
    }
    int cadaver_max = -1, model_max = -1;
    for (int s = 1; s < kCageStates; ++s) {
      if (std::isnan(st.step_liebsch_pct[s][a])) continue;
      if (cadaver_max < 0 || st.step_liebsch_pct[s][a] > st.step_liebsch_pct[cadaver_max][a]) cadaver_max = s;
      if (model_max < 0 || c.step_pct(s, a) > c.step_pct(model_max, a)) model_max = s;
    }
    INFO("mode " << a << ": the cadavers' largest step " << cage_name(static_cast<Cage>(cadaver_max))
                 << ", the model's " << cage_name(static_cast<Cage>(model_max)));
    CHECK(model_max == cadaver_max);
  }
}

TEST_CASE("removing the intercostal sheet frees lateral bending as in Liebsch 2017", "[torso][validation]") {
  // Liebsch 2017: the intercostal muscles removed from the intact cage, T1-T12 ROM +22.4 % in
  // lateral bending (significant), flexion/extension not significant. Measured: +21.4 %, +5.2 %
  // (axial rotation: +10.3 % against +22.6 %, reported in docs/validation.md, not asserted).
  const RibCageComparison& c = adult_rib_cage();
  const RibCageStudies& st = rib_cage_studies();
  const int LB = static_cast<int>(SpineAxis::LateralBending), FE = static_cast<int>(SpineAxis::FlexionExtension);
  const int ic = static_cast<int>(Cage::NoIntercostals);
  auto step = [&](int a) { return c.step_pct(ic, a); };
  CHECK(step(LB) == Approx(st.step_liebsch_pct[ic][LB]).epsilon(0.25));
  CHECK(step(FE) < 0.5 * step(LB));
}

TEST_CASE("the caged specimen turns as far as the cadavers did, within their spread", "[torso][validation]") {
  // Liebsch, Graf & Wilke 2017 (n = 6): T1-T12 with the cage intact but the intercostal muscles
  // removed, +-2 N m: FE 12 +- 5, LB 18 +- 5, AR 25 +- 10 deg. The ratios above say how much the
  // cage stiffens; this says the stiffness itself is a cadaver's. Criterion: within two SDs of the
  // mean, the spread of the specimens. Measured: FE 20.9 (+1.8 SD), LB 21.8 (+0.8), AR 16.1 (-0.9).
  const RibCageComparison& c = adult_rib_cage();
  const RibCageStudies& st = rib_cage_studies();
  REQUIRE(c.moment_Nm == 2.0);
  for (int a = 0; a < 3; ++a) {
    const double rom = c.rom(Cage::NoIntercostals, a);
    INFO("mode " << a << ": model " << rom << " deg, cadavers " << st.rom_no_ic_graf_deg[a] << " +- "
                 << st.rom_no_ic_graf_sd_deg[a]);
    CHECK(std::abs(rom - st.rom_no_ic_graf_deg[a]) <= 2 * st.rom_no_ic_graf_sd_deg[a]);
  }
}

// KNOWN DEFECT (issue 4 stays open until this passes). Whole T1-T12 range of motion over the
// intact cage: Mannen 2018 (n = 8) removed the whole cage: +63 / +59 / +64 % (FE / AR / LB);
// Liebsch 2017 (n = 6) the anterior cage down to the rib stumps: +52 / +94 / +42 %, all
// significant. Each study is compared with the model's own state at that study's end (no ribs;
// stumps). Criterion: both within the span of the two studies' means, widened by 25 % each way
// (the protocols differ: 5 N m and a 400 N follower load against 2 N m and none). Lateral bending
// (stumps +51 %, no ribs +62 %) and axial rotation (+92 %, +108 %) meet it; flexion/extension
// (+32 %, +33 %) does not: the model's cage stiffens flexion at T3-T9 by x1.5-1.7, T1-T2 by
// x1.13 and T10-T12 not at all, and its sternal midline carries almost none of it (sternotomy
// +1.6 % against the cadavers' +11.9 %). Marked [!shouldfail]: when the model passes, Catch
// reports it and the tag must go.
TEST_CASE("rib-cage removal raises the thoracic range of motion by what cadaver studies report", "[torso][validation][!shouldfail]") {
  const RibCageComparison& c = adult_rib_cage();
  const RibCageStudies& st = rib_cage_studies();
  for (int a = 0; a < 3; ++a) {
    const double lo = std::min(st.rom_increase_mannen_pct[a], st.rom_increase_liebsch_pct[a]) * 0.75;
    const double hi = std::max(st.rom_increase_mannen_pct[a], st.rom_increase_liebsch_pct[a]) * 1.25;
    for (Cage end : {RibCageStudies::liebsch_end, RibCageStudies::mannen_end}) {
      INFO("mode " << a << ", intact to " << cage_name(end) << ": model +" << c.increase_pct(a, end)
                   << " %, cadaver span " << lo << "-" << hi << " %");
      CHECK(c.increase_pct(a, end) >= lo);
      CHECK(c.increase_pct(a, end) <= hi);
    }
  }
}

TEST_CASE("rib-cage stiffening converges with the rib segments and the intercostal strips", "[torso][validation]") {
  // Both are discretisations: halving each changes no regional ratio or ROM by more than 3 %.
  const RibCageComparison& base = adult_rib_cage();
  for (int variant = 0; variant < 2; ++variant) {
    BodySpec p = adult();
    (variant == 0 ? p.rib_segment_m : p.intercostal_strip_m) *= 0.5;
    const RibCageComparison fine = rib_cage_comparison(p, 2.0);
    for (int a = 0; a < 3; ++a) {
      INFO((variant == 0 ? "rib segments" : "intercostal strips") << " halved, mode " << a);
      CHECK(fine.rom_with_deg(a) == Approx(base.rom_with_deg(a)).epsilon(0.03));
      for (int r = 0; r < 3; ++r) CHECK(fine.region_ratio(a, r) == Approx(base.region_ratio(a, r)).epsilon(0.03));
    }
  }
}

TEST_CASE("exports: VTU with region and material cell data, OBJ with every region and bone", "[torso][unit]") {
  const BodyModel& m = adult_model();
  const std::string vtu = tissue_vtu(m, m.fem.mesh.X);
  CHECK_THAT(vtu, Catch::Contains("NumberOfPoints=\"" + std::to_string(m.fem.mesh.n_nodes()) + "\"") &&
                      Catch::Contains("NumberOfCells=\"" + std::to_string(m.fem.mesh.n_tets()) + "\"") &&
                      Catch::Contains("Name=\"region\"") && Catch::Contains("Name=\"youngs_modulus_Pa\"") &&
                      Catch::Contains("Name=\"poisson_ratio\"") && Catch::Contains("</VTKFile>"));
  // Cell arrays hold one value per tet: count the lines of the region array.
  const size_t a = vtu.find("Name=\"region\"");
  const size_t b = vtu.find("</DataArray>", a);
  const std::string region_block = vtu.substr(vtu.find('\n', a) + 1, b - vtu.find('\n', a) - 1);
  CHECK(std::count(region_block.begin(), region_block.end(), '\n') == m.fem.mesh.n_tets());

  const std::string obj = model_obj(m, m.fem.mesh.X);
  size_t boxes = 0;
  for (const Bone& bone : m.bones) boxes += bone.boxes.size();
  size_t v = 0, pos = 0;
  while ((pos = obj.find("\nv ", pos)) != std::string::npos) ++v, ++pos;
  CHECK(v == m.fem.mesh.X.size() + 8 * boxes);
  for (const std::string& r : region_names()) CHECK_THAT(obj, Catch::Contains("\no " + r + "\n"));
  for (const Bone& bone : m.bones) CHECK_THAT(obj, Catch::Contains("\no bone_" + bone.name + "\n"));
}

TEST_CASE("fascia fibres: two families in the sheet's plane, the ligament's along the spine", "[torso][unit]") {
  const BodyModel& m = adult_model();
  const TissueMaterial& fascia = adult().materials.at("thoracolumbar_fascia");
  REQUIRE(fascia.fibre_modulus_Pa > 0);
  const double th = fascia.fibre_angle_deg * 3.14159265358979323846 / 180;
  int sheet = 0, ligament = 0, other_with_fibres = 0;
  for (int t = 0; t < m.fem.mesh.n_tets(); ++t) {
    const NeoHookean& mat = m.fem.tet_material[t];
    if (m.tet_region[t] != region_index("thoracolumbar_fascia")) {
      other_with_fibres += mat.n_fibres > 0;
      continue;
    }
    for (int i = 0; i < mat.n_fibres; ++i) CHECK(mat.fibre_dir[i].norm() == Approx(1.0).epsilon(1e-12));
    if (m.tet_fibres[t] == BodyModel::Fibres::Sheet) {
      ++sheet;
      REQUIRE(mat.n_fibres == 2);
      // Mirror images about the transverse direction, at the data's angle to each other.
      CHECK(std::acos(std::clamp(mat.fibre_dir[0].dot(mat.fibre_dir[1]), -1.0, 1.0)) == Approx(2 * th).margin(0.02));
      // Small-strain modulus across the back of the two families together: the data's.
      const Vec3 across = (mat.fibre_dir[0] + mat.fibre_dir[1]).normalized();
      double E = 0;
      for (int i = 0; i < 2; ++i) E += 4 * mat.fibre_k_Pa * std::pow(across.dot(mat.fibre_dir[i]), 4);
      CHECK(E == Approx(fascia.fibre_modulus_Pa).epsilon(1e-3));
    } else {
      ++ligament;
      REQUIRE(mat.n_fibres == 1);
      CHECK(4 * mat.fibre_k_Pa == Approx(fascia.fibre_modulus_Pa));
      // Along the spine (y: cranial; the curves of the spine tilt it in the sagittal plane).
      CHECK(std::abs(mat.fibre_dir[0].x()) < 0.05);
      CHECK(std::abs(mat.fibre_dir[0].y()) > 0.7);
    }
  }
  CHECK(sheet > 100);
  CHECK(ligament > 10);
  CHECK(other_with_fibres == 0);
}
