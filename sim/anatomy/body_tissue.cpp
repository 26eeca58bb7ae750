#include "anatomy/body_builder.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <stdexcept>

#include "io/toml_reader.h"

namespace backroll {
namespace body_layout {

// Node row k's height in a column. The band (rows 0..rows_m) has three parts in the lumbar flanks:
// rows_d rows from the deep boundary to the kidney's front (the abdominal cavity), rows_k through
// the kidney's depth, the rest to the top of the muscles; elsewhere its rows are even, and the
// two spacings blend with the column's abdominal weight. Then fascia, fat and skin.
double BodyBuilder::row_h(const Column& c, int k) const {
  if (k == c.wall_row && k > 0) return c.h_wall;
  if (k <= rows_m) {
    const double even = c.h_deep + (c.h_band_top - c.h_deep) * k / rows_m;
    if (c.deep_weight <= 0) return even;
    const double gap = 0.5 * (c.h_band_top - c.h_deep) / rows_m;  // keeps every part open
    const double back = std::clamp(c.h_skin - p.kidney_posterior_depth_m, c.h_deep + 2 * gap, c.h_band_top - gap);
    const double front = std::clamp(back - 2 * p.kidney_halfthickness_m, c.h_deep + gap, back - gap);
    const int rows_mus = rows_m - rows_d - rows_k;
    const double graded = k <= rows_d            ? c.h_deep + (front - c.h_deep) * k / rows_d
                          : k <= rows_d + rows_k ? front + (back - front) * (k - rows_d) / rows_k
                                                 : back + (c.h_band_top - back) * (k - rows_d - rows_k) / rows_mus;
    return (1 - c.deep_weight) * even + c.deep_weight * graded;
  }
  if (k == rows_m + 1) return c.h_band_top + c.t_fascia;
  if (k <= rows_m + 1 + rows_f) return c.h_band_top + c.t_fascia + c.t_fat * (k - rows_m - 1) / rows_f;
  return c.h_skin;
}

// One structured tetrahedral mesh over the back (columns across x and along s, rows through the
// depth: the muscle band, fascia, fat, skin), its regions, its attachments to bone, and the
// tissue's mass per level for the trunk's mass bookkeeping.
void BodyBuilder::tissue() {
  tissue_mass_by_body.assign(m.bones.size(), 0.0);
  if (o.with_tissue) {
    tissue_grid();
    tissue_regions();
    tissue_attachments();
    share_deep_nodes();
    abdominal_cavity();
    band_ties();
    dilatation_groups();
    tissue_masses();
  } else {
    m.fem.node_body.clear();
  }
  m.fem.mesh.tet_body.assign(m.fem.mesh.n_tets(), 0);
}

// Cells from `from` towards `to` (either way), the first `h`, each next 1.25 times the last up to
// `h_max`; the last cell takes the remainder. The node positions after `from`.
std::vector<double> BodyBuilder::growing_cells(double from, double to, double h, double h_max) {
  std::vector<double> out;
  const double dir = to >= from ? 1.0 : -1.0;
  double at = from;
  while (dir * (to - at) > 1e-12) {
    double next = at + dir * h;
    if (dir * (to - next) < 0.5 * h) next = to;
    out.push_back(next);
    at = next;
    h = std::min(1.25 * h, h_max);
  }
  return out;
}

// The columns across the back, mirror-symmetric: over the spinous process cells of at most the
// midline size with columns on the bone's corners (the tip's edge, the process's base), so the
// ridge the tissue rests on has the same shape on every mesh (columns only at multiples of the
// midline size cut the tip's corners and made its contact load swing with the mesh: 23 to 86 N
// at T7); then cells growing by 1.25 up to the largest lateral size. A patch (BodySpec
// patch_size_m) caps both at its size out to its half-width.
std::vector<double> BodyBuilder::across_axis(bool with_patch) const {
  const double W = p.lateral_halfwidth_m;
  const bool patch = with_patch && p.patch_size_m > 0;
  const double hm = patch ? std::min(p.midline_size_m, p.patch_size_m) : p.midline_size_m;
  const double tip = p.sp_tip_halfwidth_m, base = p.sp_base_halfwidth_m;
  std::vector<double> half = {0.0};
  auto cells = [&](double a, double b, double h) {
    const int n = std::max(1, static_cast<int>(std::ceil((b - a) / h - 1e-9)));
    for (int i = 1; i <= n; ++i) half.push_back(a + (b - a) * i / n);
  };
  cells(0.0, tip, hm);
  cells(tip, base, hm);
  if (patch && p.patch_halfwidth_m > base) cells(base, std::min(p.patch_halfwidth_m, W), p.patch_size_m);
  const double first = patch ? std::min(1.25 * p.patch_size_m, p.max_lateral_size_m) : hm;
  for (double x : growing_cells(half.back(), W, first, p.max_lateral_size_m))
    half.push_back(x);
  std::vector<double> all;
  for (size_t i = half.size(); i-- > 1;) all.push_back(-half[i]);
  all.insert(all.end(), half.begin(), half.end());
  return all;
}

// The columns along the skin line: even cells of at most the axial size; with a patch, cells of
// its size within its half-length of its level's spinous-process tip, growing by 1.25 beyond.
std::vector<double> BodyBuilder::along_axis() const {
  std::vector<double> v;
  if (!(p.patch_size_m > 0)) {
    const int n = std::max(4, static_cast<int>(std::ceil((s_hi - s_lo) / p.axial_size_m)));
    for (int j = 0; j <= n; ++j) v.push_back(s_lo + (s_hi - s_lo) * j / n);
    return v;
  }
  if (p.patch_level < 2 || p.patch_level > kLevels)
    throw std::logic_error("BodyBuilder: a patch that follows the roller is centred on a position before the body is built");
  const double c = L.s_tip[p.patch_level];
  const double f_lo = std::max(s_lo, c - p.patch_halflength_m), f_hi = std::min(s_hi, c + p.patch_halflength_m);
  const int n = std::max(1, static_cast<int>(std::ceil((f_hi - f_lo) / p.patch_size_m - 1e-9)));
  const double grow = std::min(1.25 * p.patch_size_m, p.axial_size_m);
  std::vector<double> below = growing_cells(f_lo, s_lo, grow, p.axial_size_m);
  v.assign(below.rbegin(), below.rend());
  for (int j = 0; j <= n; ++j) v.push_back(f_lo + (f_hi - f_lo) * j / n);
  for (double s : growing_cells(f_hi, s_hi, grow, p.axial_size_m)) v.push_back(s);
  return v;
}

// The grid, its node rows, the skin nodes and the depth over each spinous process as generated.
void BodyBuilder::tissue_grid() {
  TetMesh& mesh = m.fem.mesh;
  xs = across_axis(true);
  s_lo = L.s_tip[1] - 0.01;
  s_hi = L.s_tip[19];
  ss = along_axis();
  nj = static_cast<int>(ss.size());
  m.mesh_axial_size_m = 0;
  for (int j = 0; j + 1 < nj; ++j) m.mesh_axial_size_m = std::max(m.mesh_axial_size_m, ss[j + 1] - ss[j]);
  ni = static_cast<int>(xs.size());
  rows_d = 1;
  rows_k = p.kidney_rows;
  rows_m = rows_d + rows_k + p.muscle_rows;  // the band's rows (row_h)
  rows_f = p.fat_rows;
  nk = rows_m + 1 + rows_f + 1 + 1;  // node rows: band, fascia, fat, skin
  cols.assign(ni * nj, Column{});
  for (int j = 0; j < nj; ++j)
    for (int i = 0; i < ni; ++i) {
      Column& c = cols[j * ni + i];
      c = column(L, xs[i], ss[j]);
      c.wall_bone = wall_holder(xs[i], ss[j], c);
      if (c.wall_bone >= 0) c.wall_row = band_row_nearest(c, c.h_wall);
    }
  tissue_first_tet = mesh.n_tets();
  ids = append_structured(mesh, ni, nj, nk, false, 0, [&](int i, int j, int k) {
    return P(xs[i], ss[j], row_h(cols[j * ni + i], k));
  }, (ni - 1) % 2 == 0 ? (ni - 1) / 2 : -1);  // cut mirror-symmetric about the midline
  m.node_local.resize(mesh.n_nodes());
  node_row.assign(mesh.n_nodes(), 0);
  for (int k = 0; k < nk; ++k)
    for (int j = 0; j < nj; ++j)
      for (int i = 0; i < ni; ++i) {
        const int n = ids[(k * nj + j) * ni + i];
        m.node_local[n] = Vec3(xs[i], ss[j], row_h(cols[j * ni + i], k));
        node_row[n] = k;
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
    const int j = std::clamp(static_cast<int>(std::upper_bound(ss.begin(), ss.end(), s) - ss.begin()) - 1, 0, nj - 2);
    const double w = (s - ss[j]) / (ss[j + 1] - ss[j]);
    const double h = (1 - w) * cols[j * ni + i0].h_skin + w * cols[(j + 1) * ni + i0].h_skin;
    m.sp_tip_depth_m[v] = h;  // the bone is at h = 0 on the tip line
    for (int k = 0; k + 1 < nk; ++k)
      m.mesh_max_depth_size_m = std::max(m.mesh_max_depth_size_m,
                                         row_h(cols[j * ni + i0], k + 1) - row_h(cols[j * ni + i0], k));
  }

}

// Regions, by the cell row and the centroid's position.
void BodyBuilder::tissue_regions() {
  const TetMesh& mesh = m.fem.mesh;
  const double sT5 = L.s_tip[5], sT12 = L.s_tip[12];
  const double k_s = 0.5 * (L.s_tip[p.kidney_left_top] + L.s_tip[p.kidney_left_bottom]);
  const double k_hl = 0.5 * (L.s_tip[p.kidney_left_bottom] - L.s_tip[p.kidney_left_top]);
  const double kr_s = 0.5 * (L.s_tip[p.kidney_right_top] + L.s_tip[p.kidney_right_bottom]);
  const double kr_hl = 0.5 * (L.s_tip[p.kidney_right_bottom] - L.s_tip[p.kidney_right_top]);
  m.tet_region.resize(mesh.n_tets());
  m.tet_fibres.assign(mesh.n_tets(), BodyModel::Fibres::None);
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
      } else if (below_top <= col.t_muscle || col.deep_weight <= 0) {
        // Muscle down to the bone. (Where no abdomen lies beneath, a tet whose centroid falls
        // below the sloping bone surface is muscle too: before, such tets on the flanks of the
        // spinous processes, T1 to L5, became pockets of the abdominal fluid, 142 of them.)
        r = ax <= L.lv(p.multifidus_halfwidth_m, s) ? "multifidus" : "erector_spinae";
      } else if (s > sT12 && ax < p.ql_halfwidth_m && below_top <= col.t_muscle + p.ql_thickness_m) {
        r = "quadratus_lumborum";
      } else {
        // Behind the kidney (within its outline, back of its mid-depth): the fat that ties it to
        // the posterior wall; the rest is the abdominal cavity's fluid (abdominal_cavity()).
        auto behind_kidney = [&](double sc, double hl, int side) {
          const double dx = (x - side * p.kidney_lateral_centre_m) / p.kidney_halfwidth_m, dsv = (s - sc) / hl;
          return dx * dx + dsv * dsv <= 1.0 && depth <= p.kidney_posterior_depth_m + p.kidney_halfthickness_m;
        };
        r = behind_kidney(k_s, k_hl, +1) || behind_kidney(kr_s, kr_hl, -1) ? "perirenal_fat" : "abdominal_content";
      }
    }
    m.tet_region[t] = region_index(r);
    if (r == "thoracolumbar_fascia")
      m.tet_fibres[t] = row == rows_m ? BodyModel::Fibres::Sheet : BodyModel::Fibres::Ligament;
  }

}

// The bone under a deep tissue node at (x across, s along the skin line): the vertebra owning s
// over the spinous processes and laminae, the rib beneath in the thoracic wall, the lumbar
// vertebra under the flanks, the pelvis below the crest.
int BodyBuilder::bone_under(double x, double s) const {
  const double ax = std::abs(x);
  if (s >= L.s_pelvis) return m.pelvis;
  if (ax <= p.sp_base_halfwidth_m) return std::min(L.owner(s, false), kLevels);
  if (ax <= L.lv(p.tp_halfspan_m, s)) return std::min(L.owner(s, true), kLevels);
  if (s > L.s_crest) return m.pelvis;
  const int v = std::min(L.owner(s, true), kLevels);
  return (o.with_ribs && v < 10 && s < L.s_rib_end) ? rib_under(v, x >= 0 ? 0 : 1, ax) : v;
}

// The bone that holds the band at its wall plane (h_wall) inside a column, or -1: a lumbar
// transverse process where the abdomen reaches in front of it (column()), a floating rib (11-12)
// out to its end. Decided before the grid is made, so that the band row it holds lies on that
// plane on every mesh (Column::wall_row): the nearest row as generated lay up to half a row from
// it, the floating ribs' 8-10 mm apart between the main job's mesh and one refined x 0.7.
int BodyBuilder::wall_holder(double x, double s, const Column& c) const {
  const double ax = std::abs(x);
  const int bone = bone_under(x, s);
  if (c.zone == Zone::Lamina && c.deep_weight > 0 && bone < kLevels) return bone;
  if (o.with_ribs && c.zone == Zone::Wall && s < L.s_crest) {
    const int v = L.owner(s, true);
    if (v == 10 || v == 11) {
      const RibGeom& g = rg[v];
      if (ax <= g.a * std::sin(std::min(g.pe, kPi / 2))) return rib_under(v, x >= 0 ? 0 : 1, ax);
    }
  }
  return -1;
}

// The band row (not its top) whose height as generated is nearest h. Row 0, the deepest, lies on
// the wall where no abdomen is in front of it; a row above is moved onto h by at most half its
// gap to the next, so no element row collapses.
int BodyBuilder::band_row_nearest(const Column& c, double h) const {
  int best = -1;
  double bd = 1e9;
  for (int k = 0; k < rows_m; ++k) {
    const double d = std::abs(row_h(c, k) - h);
    if (d < bd) bd = d, best = k;
  }
  return best;
}

// Attachments: every column's deepest node to the bone beneath, except over a vertebra's
// spinous-process tip, where the tissue rests on the bone (spinous_contacts); and the band row
// on the wall's plane to the bone that holds it there (wall_holder), unless a kidney's.
void BodyBuilder::tissue_attachments() {
  FemModel& fem = m.fem;
  const TetMesh& mesh = fem.mesh;
  fem.node_body.assign(mesh.n_nodes(), -1);
  tip_columns.clear();
  const int kl = region_index("kidney_left"), kr = region_index("kidney_right");
  std::vector<char> kidney(mesh.n_nodes(), 0);  // nodes of the kidneys' tets stay free
  for (int t = 0; t < mesh.n_tets(); ++t)
    if (m.tet_region[t] == kl || m.tet_region[t] == kr)
      for (int v : mesh.tets[t]) kidney[v] = 1;
  for (int j = 0; j < nj; ++j)
    for (int i = 0; i < ni; ++i) {
      const int bone = bone_under(xs[i], ss[j]);
      if (std::abs(xs[i]) <= p.sp_tip_halfwidth_m && bone < kLevels) {
        tip_columns.push_back({i, j, bone});
        continue;
      }
      fem.node_body[ids[j * ni + i]] = bone;
      const Column& c = cols[j * ni + i];
      if (c.wall_row < 0) continue;  // (row 0: the holder takes the deepest node)
      const int n = ids[(c.wall_row * nj + j) * ni + i];
      if (!kidney[n]) fem.node_body[n] = c.wall_bone;
    }
}

// Mean dilatation (FemModel::dilatation_groups): each grid cell's solid tets, all 6 but where the
// cell holds some of the abdomen's fluid (a cell across two solids is one group: FemModel,
// "dilatation_groups"). Where nodes are tied (band_ties, patch_ties), the cells between a tie's
// two masters along its line are one group: the tied nodes add no unknowns, so a volume term per
// cell there would put several volume constraints on one element's unknowns, and a nearly
// incompressible tissue would lock (the thorax's bones away from a patch at L3 took 150 N from
// each other through such cells, docs/limits.md "Locking where the nodes are tied").
void BodyBuilder::dilatation_groups() {
  FemModel& fem = m.fem;
  fem.dilatation_groups.clear();
  if (!p.mean_dilatation) return;
  std::vector<std::array<int, 3>> ties;
  for (const FemModel::NodeTie& t : fem.node_ties) ties.push_back({t.node, t.a, t.b});
  const int fluid = region_index("abdominal_content");
  for (std::vector<int>& g : structured_cells(tissue_first_tet, ids, ni, nj, nk, ties)) {
    g.erase(std::remove_if(g.begin(), g.end(), [&](int t) { return m.tet_region[t] == fluid; }), g.end());
    if (!g.empty()) fem.dilatation_groups.push_back(std::move(g));
  }
}

// A deep node rides the bone under it; where its share of the deep surface (its shape function's
// support, weighted by it) lies over two bones, it rides both (FemModel::NodeSplit), each in
// proportion to the share over it: the force the tissue passes there goes to the bones as the
// surface's traction would, whichever side of the border the columns fall. Over three or more
// (a corner of four), the two largest shares. Without it (the default, docs/limits.md) the load
// over the border between a vertebra and a rib goes whole to the bone of the nearest column, and
// the rib cage's share at T7 read 20 % on the main job's mesh and 32 % on one refined x 0.7.
void BodyBuilder::share_deep_nodes() {
  FemModel& fem = m.fem;
  fem.node_splits.clear();
  if (!p.share_deep_nodes) return;
  // Samples of the hat function over [v[i-1], v[i+1]] (one side at the grid's ends): place, weight.
  auto hat = [](const std::vector<double>& v, int i) {
    std::vector<std::pair<double, double>> out;
    const int n = 16;
    for (int side : {-1, 1}) {
      const int o = i + side;
      if (o < 0 || o >= static_cast<int>(v.size())) continue;
      for (int q = 0; q < n; ++q) {
        const double f = (q + 0.5) / n;  // from the node to the neighbour
        out.emplace_back(v[i] + f * (v[o] - v[i]), (1 - f) * std::abs(v[o] - v[i]));
      }
    }
    return out;
  };
  for (int j = 0; j < nj; ++j) {
    const auto along = hat(ss, j);
    for (int i = 0; i < ni; ++i) {
      const int n = ids[j * ni + i];
      const int own = fem.node_body[n];
      if (own < 0 || own >= static_cast<int>(m.bones.size())) continue;
      std::map<int, double> share;
      for (const auto& [x, wx] : hat(xs, i))
        for (const auto& [s, ws] : along) share[bone_under(x, s)] += wx * ws;
      int other = -1;
      for (const auto& [b, w] : share)
        if (b != own && (other < 0 || w > share[other])) other = b;
      if (other < 0 || !(share[own] > 0)) continue;
      const double w = share[own] / (share[own] + share[other]);
      if (w < 0.99) fem.node_splits.push_back({n, other, w});  // (under 1 %: not worth its coupling)
    }
  }
}

// The band's rows are spaced to the kidneys' depth in the lumbar flanks (row_h), and the grid
// being structured, the same rows run through the whole back: away from the kidneys they only add
// unknowns (refining the depth alone did not move the main job's measures, docs/limits.md). There
// the rows inside the kidneys' part of the band (rows 2 .. rows_d + rows_k - 1) follow the rows
// either side of it (FemModel::NodeTie), as if that part were one element row deep. Not over the
// spinous processes (the ridge the tissue rests on) and not where a row is on bone or wet by the
// abdomen's fluid.
void BodyBuilder::band_ties() {
  FemModel& fem = m.fem;
  fem.node_ties.clear();
  std::vector<char> wet(fem.mesh.n_nodes(), 0);
  for (const FluidCavity& c : fem.cavities)
    for (int t : c.tets)
      for (int v : fem.mesh.tets[t]) wet[v] = 1;
  const std::vector<char> far = patch_ties(wet);
  if (!p.tie_band_rows) return;
  const int lo = 1, hi = rows_d + rows_k;
  for (int j = 0; j < nj; ++j)
    for (int i = 0; i < ni; ++i) {
      const Column& c = cols[j * ni + i];
      if (far[j] || c.zone == Zone::Ridge || c.deep_weight > 0) continue;  // the ridge holds the tips' columns
      auto node = [&](int k) { return ids[(k * nj + j) * ni + i]; };
      bool ok = true;
      for (int k = lo; k <= hi; ++k) ok = ok && fem.node_body[node(k)] < 0 && !wet[node(k)];
      if (!ok) continue;
      const double ha = row_h(c, lo), hb = row_h(c, hi);
      for (int k = lo + 1; k < hi; ++k) fem.node_ties.push_back({node(k), node(lo), node(hi), (hb - row_h(c, k)) / (hb - ha)});
    }
}

// Away from a patch (BodySpec::patch_size_m), where the cells along the skin line have grown to
// twice its size, the columns it added across the back follow the columns either side of them
// that the mesh has without it (FemModel::NodeTie, every row but those on bone or wet by the
// abdomen's fluid): the patch's fine columns cost no unknowns where the roller does not act. Per
// row of columns along the skin line, whether it was tied so (band_ties leaves those rows alone:
// a tie's masters are never tied).
std::vector<char> BodyBuilder::patch_ties(const std::vector<char>& wet) {
  std::vector<char> far(nj, 0);
  if (!(p.patch_size_m > 0)) return far;
  FemModel& fem = m.fem;
  // The masters: the ridge's columns, the outermost, and the nearest to each column of the mesh
  // without the patch.
  std::vector<char> master(ni, 0);
  master[0] = master[ni - 1] = 1;
  for (int i = 0; i < ni; ++i)
    if (std::abs(xs[i]) <= p.sp_base_halfwidth_m + 1e-9) master[i] = 1;
  for (double x : across_axis(false))
    master[std::min_element(xs.begin(), xs.end(), [x](double a, double b) { return std::abs(a - x) < std::abs(b - x); }) -
           xs.begin()] = 1;
  for (int j = 0; j < nj; ++j) {
    const double below = j > 0 ? ss[j] - ss[j - 1] : 1e9, above = j + 1 < nj ? ss[j + 1] - ss[j] : 1e9;
    if (std::min(below, above) < 2 * p.patch_size_m - 1e-9) continue;
    far[j] = 1;
    for (int i = 0, i0 = 0; i < ni; ++i) {
      if (master[i]) {
        i0 = i;
        continue;
      }
      int i1 = i + 1;
      while (!master[i1]) ++i1;
      const double w = (xs[i1] - xs[i]) / (xs[i1] - xs[i0]);
      for (int k = 0; k < nk; ++k) {
        const int n = ids[(k * nj + j) * ni + i], a = ids[(k * nj + j) * ni + i0], b = ids[(k * nj + j) * ni + i1];
        if (fem.node_body[n] >= 0 || fem.node_body[a] >= 0 || fem.node_body[b] >= 0 || wet[n] || wet[a] || wet[b]) continue;
        fem.node_ties.push_back({n, a, b, w});
      }
    }
  }
  return far;
}

// The abdominal cavity: the abdominal_content tets hold a fluid (fem FluidCavity) at the body
// file's pressure, compliance and density. Nodes that only fluid touches (inside it, on its deep
// boundary and its cut sides) ride on the bone beneath, so the fluid is closed by the trunk; the
// kidneys, their fat and the muscles form its wetted wall, held at its rim. Also counts the
// element rows through the kidneys at their centre.
void BodyBuilder::abdominal_cavity() {
  FemModel& fem = m.fem;
  const TetMesh& mesh = fem.mesh;
  const int fluid = region_index("abdominal_content");
  // A kidney or kidney-fat element that reaches a node on bone (the kidney's medial border by
  // the transverse processes) is fluid: bonded to bone the kidney carried a stress singularity
  // at that corner (its peak and mean pressure under a roller at L3 did not converge with the
  // mesh); in the body the psoas and the fat between slide.
  const int kl = region_index("kidney_left"), kr = region_index("kidney_right"), fat = region_index("perirenal_fat");
  for (int t = 0; t < mesh.n_tets(); ++t)
    if (m.tet_region[t] == kl || m.tet_region[t] == kr || m.tet_region[t] == fat)
      for (int v : mesh.tets[t])
        if (fem.node_body[v] >= 0) m.tet_region[t] = fluid;
  FluidCavity c;
  c.name = "abdomen";
  c.p0_Pa = p.abdominal_pressure_Pa;
  c.compliance_m3_per_Pa = p.abdominal_compliance_m3_per_Pa;
  c.density_kg_m3 = region_material(p, fluid).density_kg_m3;
  std::vector<char> solid(mesh.n_nodes(), 0), wet(mesh.n_nodes(), 0);
  for (int t = 0; t < mesh.n_tets(); ++t) {
    if (m.tet_region[t] == fluid) c.tets.push_back(t);
    for (int v : mesh.tets[t]) (m.tet_region[t] == fluid ? wet : solid)[v] = 1;
  }
  if (c.tets.empty()) return;
  // On the mesh's cut sides (the lateral edges, the ends) the wall's wetted nodes ride on the
  // bone too: there the posterior wall goes on into the lateral wall, the diaphragm and the
  // pelvis, which the trunk holds, and the fluid's closure is rigid.
  for (int k = 0; k < nk; ++k)
    for (int j = 0; j < nj; ++j)
      for (int i = 0; i < ni; ++i) {
        const int n = ids[(k * nj + j) * ni + i];
        const bool cut = i == 0 || i == ni - 1 || j == 0 || j == nj - 1;
        if ((!solid[n] || (cut && wet[n])) && fem.node_body[n] < 0) fem.node_body[n] = bone_under(xs[i], ss[j]);
      }
  // Where the pressure is p0 at rest: the mid-axillary line at the iliac crest, where bladder
  // pressure is zeroed (a depth below the back's skin over the spine).
  const Column mid = column(L, 0.0, L.s_crest);
  c.reference_m = P(0.0, L.s_crest, mid.h_skin - p.abdominal_reference_depth_m);
  m.abdomen = static_cast<int>(fem.cavities.size());
  fem.cavities.push_back(c);
  // Element rows through the kidney at its centre (the left one's column).
  const double ks = 0.5 * (L.s_tip[p.kidney_left_top] + L.s_tip[p.kidney_left_bottom]);
  const int ic = static_cast<int>(std::min_element(xs.begin(), xs.end(), [&](double a, double b) {
                                    return std::abs(a - p.kidney_lateral_centre_m) < std::abs(b - p.kidney_lateral_centre_m);
                                  }) - xs.begin());
  const int jc = static_cast<int>(std::min_element(ss.begin(), ss.end(), [&](double a, double b) {
                                    return std::abs(a - ks) < std::abs(b - ks);
                                  }) - ss.begin());
  const Column& cc = cols[jc * ni + ic];
  m.kidney_element_rows = 0;
  for (int k = 0; k < rows_m; ++k) {
    const double depth = cc.h_skin - 0.5 * (row_h(cc, k) + row_h(cc, k + 1));
    m.kidney_element_rows += std::abs(depth - p.kidney_posterior_depth_m - p.kidney_halfthickness_m) < p.kidney_halfthickness_m;
  }
}

// The tissue over the spinous processes' tips: each deep node there presses on its vertebra
// through a plane carried by the bone (a facet: the tip's surface under the node, normal along
// its column), frictionless, and may lift off. Bonded, the tissue pulled on the tips as well as
// pressing, and their net force went negative under a soft roller at the low back; resting on
// them, what the tissue gives each process is a contact load, never a pull (the supraspinous
// ligament's tension runs along the spine in its own fibres). Penalty per node: its share of the
// deep surface times 3e9 N/m^3. The augmented Lagrangian's converged state does not depend on it
// (the main job's loads agree to 4 digits from 3e8 to 1e11); it sets the cost: stiffer, nodes
// lifting off and landing again stall Newton (1e11: 350 Newton iterations for the standard
// roller's 16 positions, 1e13: no convergence); softer, more multiplier updates (3e8: 327);
// 3e9 needs the fewest (179).
void BodyBuilder::spinous_contacts() {
  FemModel& fem = m.fem;
  m.sp_contact.fill(-1);
  for (std::vector<double>& share : m.sp_tip_share) share.clear();
  auto half_span = [](const std::vector<double>& a, int i) {
    const int n = static_cast<int>(a.size());
    return 0.5 * (a[std::min(i + 1, n - 1)] - a[std::max(i - 1, 0)]);
  };
  // The part of column i's share of the width, half way to each neighbour, over the tip.
  auto tip_share = [&](int i) {
    const double lo = 0.5 * (xs[std::max(i - 1, 0)] + xs[i]), hi = 0.5 * (xs[i] + xs[std::min(i + 1, ni - 1)]);
    const double over = std::min(hi, p.sp_tip_halfwidth_m) - std::max(lo, -p.sp_tip_halfwidth_m);
    return hi > lo ? std::clamp(over / (hi - lo), 0.0, 1.0) : 1.0;
  };
  for (const TipColumn& c : tip_columns) {
    const int deep = ids[c.j * ni + c.i], above = ids[(nj + c.j) * ni + c.i];
    int& set = m.sp_contact[c.bone];
    if (set < 0) {
      set = static_cast<int>(fem.rigid_contacts.size());
      fem.rigid_contacts.push_back(RigidContactSet{});
      fem.rigid_contacts.back().body = c.bone;
    }
    RigidContactSet& cs = fem.rigid_contacts[set];
    const Vec3& X = fem.mesh.X[deep];
    cs.slave_nodes.push_back(deep);
    cs.facet_normal.push_back((fem.mesh.X[above] - X).normalized());
    cs.facet_point_m.push_back(X - fem.rigid_bodies[c.bone].rest_position_m);
    cs.penalty_N_per_m.push_back(half_span(xs, c.i) * half_span(ss, c.j) * 3e9);
    m.sp_tip_share[c.bone].push_back(tip_share(c.i));
  }
}

// Tissue mass (for the trunk bookkeeping) by the body whose level holds the centroid.
void BodyBuilder::tissue_masses() {
  const TetMesh& mesh = m.fem.mesh;
  for (int t = 0; t < mesh.n_tets(); ++t) {
    Vec3 c = Vec3::Zero();
    for (int a = 0; a < 4; ++a) c += 0.25 * m.node_local[mesh.tets[t][a]];
    const int v = c.y() >= L.s_pelvis ? m.pelvis : std::min(L.owner(c.y(), false), kLevels);
    const double V = std::abs(tet_signed_volume(mesh.X[mesh.tets[t][0]], mesh.X[mesh.tets[t][1]],
                                                mesh.X[mesh.tets[t][2]], mesh.X[mesh.tets[t][3]]));
    tissue_mass_by_body[v] += region_material(p, m.tet_region[t]).density_kg_m3 * V;
  }
}

}  // namespace body_layout
}  // namespace backroll
