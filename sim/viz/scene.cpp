#include "viz/scene.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "anatomy/body_spec.h"
#include "measure/pressure_mat.h"

namespace backroll {

namespace {

uint64_t face_key(int a, int b, int c) {
  int v[3] = {a, b, c};
  std::sort(v, v + 3);
  return static_cast<uint64_t>(v[0]) << 42 | static_cast<uint64_t>(v[1]) << 21 | static_cast<uint64_t>(v[2]);
}

}  // namespace

SceneTopology scene_topology(const BodyModel& m) {
  const TetMesh& mesh = m.fem.mesh;
  SceneTopology t;
  t.n_nodes = mesh.n_nodes();
  if (t.n_nodes >= (1 << 21)) throw std::runtime_error("scene_topology: mesh too large to draw");
  t.tets = mesh.tets;
  t.tet_region = m.tet_region;
  // Every tet face, oriented away from the tet's fourth node; a face seen once is on the outer
  // surface, a face whose two tets differ in region is on both regions' boundaries.
  struct Owner {
    int tet[2] = {-1, -1};
    Tri face[2];
  };
  std::unordered_map<uint64_t, Owner> faces;
  faces.reserve(static_cast<size_t>(mesh.n_tets()) * 3);
  for (int k = 0; k < mesh.n_tets(); ++k) {
    const Tet& e = mesh.tets[k];
    for (int q = 0; q < 4; ++q) {
      Tri f = {e[(q + 1) % 4], e[(q + 2) % 4], e[(q + 3) % 4]};
      const Vec3& a = mesh.X[f[0]];
      if ((mesh.X[f[1]] - a).cross(mesh.X[f[2]] - a).dot(mesh.X[e[q]] - a) > 0) std::swap(f[1], f[2]);
      Owner& o = faces[face_key(f[0], f[1], f[2])];
      const int slot = o.tet[0] < 0 ? 0 : 1;
      o.tet[slot] = k;
      o.face[slot] = f;
    }
  }
  t.region_faces.assign(region_names().size(), {});
  // Deterministic order: by the owning tet, then the face.
  std::vector<std::pair<int, Tri>> outer, inner;
  for (const auto& [key, o] : faces) {
    if (o.tet[1] < 0) {
      outer.emplace_back(o.tet[0], o.face[0]);
      continue;
    }
    for (int s = 0; s < 2; ++s)
      if (m.tet_region[o.tet[0]] != m.tet_region[o.tet[1]]) inner.emplace_back(o.tet[s], o.face[s]);
  }
  std::sort(outer.begin(), outer.end());
  std::sort(inner.begin(), inner.end());
  for (const auto& [k, f] : outer) {
    t.outer.push_back(f);
    t.region_faces[m.tet_region[k]].push_back(f);
  }
  for (const auto& [k, f] : inner) t.region_faces[m.tet_region[k]].push_back(f);

  t.on_skin.assign(t.n_nodes, 0);
  t.skin_slot.assign(t.n_nodes, -1);
  for (size_t i = 0; i < m.skin_nodes.size(); ++i) {
    t.on_skin[m.skin_nodes[i]] = 1;
    t.skin_slot[m.skin_nodes[i]] = static_cast<int>(i);
  }
  {  // skin rows: the structured skin grid's rows (measure/pressure_mat.h), each sorted across
    const SkinGrid grid(m);
    t.skin_row_s_m = grid.ss;
    t.skin_rows.assign(grid.ss.size(), {});
    std::vector<int> sk = m.skin_nodes;
    std::sort(sk.begin(), sk.end(), [&](int a, int b) { return m.node_local[a].x() < m.node_local[b].x(); });
    for (int n : sk) {
      const size_t row = std::lower_bound(grid.ss.begin(), grid.ss.end(), m.node_local[n].y() - 1e-9) - grid.ss.begin();
      t.skin_rows[row].push_back(n);
    }
    for (const std::vector<int>& r : t.skin_rows)
      t.skin_row_mid.push_back(*std::min_element(
          r.begin(), r.end(), [&](int a, int b) { return std::abs(m.node_local[a].x()) < std::abs(m.node_local[b].x()); }));
  }
  t.sp_tip_s_m = m.sp_tip_s_m;
  for (int v = 0; v < kLevels; ++v) {  // the two rows either side of the tip's place
    const double s = m.sp_tip_s_m[v + 1];
    const int last = static_cast<int>(t.skin_rows.size()) - 1;
    int j = 0;
    while (j + 1 < last && t.skin_row_s_m[j + 1] <= s) ++j;
    const double w = std::clamp((s - t.skin_row_s_m[j]) / (t.skin_row_s_m[j + 1] - t.skin_row_s_m[j]), 0.0, 1.0);
    t.level_skin_nodes[v] = {t.skin_row_mid[j], t.skin_row_mid[j + 1]};
    t.level_skin_w[v] = static_cast<float>(w);
  }
  t.pelvis_bone = m.pelvis;
  for (size_t b = 0; b < m.bones.size(); ++b) {
    t.bone_name.push_back(m.bones[b].name);
    t.bone_kind.push_back(m.bones[b].kind);
    for (size_t x = 0; x < m.bones[b].boxes.size(); ++x) t.box_bone.push_back(static_cast<int>(b));
  }
  return t;
}

Vec3f level_label_m(const SceneTopology& t, const SceneFrame& f, int v) {
  const float w = t.level_skin_w[v];
  return (1 - w) * f.node_m[t.level_skin_nodes[v][0]] + w * f.node_m[t.level_skin_nodes[v][1]];
}

SceneFrame scene_frame(const RollSession& ses, const RollResult& r) {
  const BodyModel& m = ses.model();
  const FemModel& fem = m.fem;
  const FemState& st = ses.state();
  const double a = ses.pitch_rad();
  Eigen::Matrix3d R;
  R << 1, 0, 0, 0, std::cos(a), -std::sin(a), 0, std::sin(a), std::cos(a);
  // Body frame -> world: p_w = R (p - floor origin) - (0, hip's world y, 0).
  const Vec3 floor0 = rigid_position(fem, st, ses.floor_body());
  Vec3 shift = R * (m.bones[m.pelvis].origin_m - floor0);
  shift.x() = 0;
  shift.z() = 0;
  auto world = [&](const Vec3& p) -> Vec3f { return (R * (p - floor0) - shift).cast<float>(); };

  SceneFrame f;
  f.pitch_deg = static_cast<float>(a * 180 / 3.14159265358979323846);
  const std::vector<Vec3> x = node_positions(fem, st);
  f.node_m.reserve(x.size());
  for (const Vec3& p : x) f.node_m.push_back(world(p));
  f.node_pressure_Pa.assign(x.size(), 0.0f);
  for (size_t i = 0; i < m.skin_nodes.size() && i < r.skin_pressure_Pa.size(); ++i)
    f.node_pressure_Pa[m.skin_nodes[i]] = static_cast<float>(r.skin_pressure_Pa[i]);
  // Bone boxes move with their bone as its attached tissue does: x = c' + R (X - c).
  std::vector<int> first_box(m.bones.size(), -1);  // each bone's first box: a vertebra's body
  for (size_t b = 0; b < m.bones.size(); ++b) {
    if (!m.bones[b].boxes.empty()) first_box[b] = static_cast<int>(f.box_corner.size());
    const Vec3 c = fem.rigid_bodies[b].rest_position_m;
    const Vec3 o = rigid_position(fem, st, static_cast<int>(b));
    const Mat3 Rb = rigid_orientation(fem, st, static_cast<int>(b));
    f.bone_origin_m.push_back(world(o + Rb * (m.bones[b].origin_m - c)));
    if (m.bones[b].kind == BoneKind::Vertebra && m.bones[b].boxes.size() > 1) {  // box 1: base to tip
      const BoneBox& sp = m.bones[b].boxes[1];
      f.sp_tip_m[m.bones[b].level - 1] = world(o + Rb * (sp.centre_m + sp.axes.col(0) * sp.half_m.x() - c));
    }
    for (const BoneBox& bx : m.bones[b].boxes) {
      std::array<Vec3f, 8> q;
      for (int k = 0; k < 8; ++k) {
        const Vec3 X = bx.centre_m + bx.axes * Vec3((k & 1 ? 1 : -1) * bx.half_m.x(), (k & 2 ? 1 : -1) * bx.half_m.y(),
                                                    (k & 4 ? 1 : -1) * bx.half_m.z());
        q[k] = world(o + Rb * (X - c));
      }
      f.box_corner.push_back(q);
    }
  }
  // Discs: corner k from the upper body's caudal face (its +s corners, bit 1) when k is on the
  // disc's cranial side, from the lower body's cranial face otherwise.
  std::array<int, kLevels + 1> body_box{};
  body_box.fill(-1);
  for (size_t b = 0; b < m.bones.size(); ++b) {
    if (m.bones[b].kind == BoneKind::Vertebra) body_box[m.bones[b].level - 1] = first_box[b];
  }
  if (m.pelvis >= 0) body_box[kLevels] = first_box[m.pelvis];  // the sacrum's body, S1
  for (int v = 0; v < kLevels; ++v) {
    if (body_box[v] < 0 || body_box[v + 1] < 0) continue;
    const auto &up = f.box_corner[body_box[v]], &down = f.box_corner[body_box[v + 1]];
    std::array<Vec3f, 8> d;
    for (int k = 0; k < 8; ++k) d[k] = k & 2 ? down[k & ~2] : up[k | 2];
    f.disc_corner.push_back(d);
  }
  f.bone_load_N.assign(m.bones.size(), 0.0f);
  for (size_t b = 0; b < m.bones.size() && b < r.bone_load_N.size(); ++b) f.bone_load_N[b] = static_cast<float>(r.bone_load_N[b]);
  const Vec3 cr = rigid_position(fem, st, ses.roller_body());
  f.roller_centre_m = world(cr);
  f.roller_pose.setIdentity();
  f.roller_pose.topLeftCorner<3, 3>() = (R * rigid_orientation(fem, st, ses.roller_body())).cast<float>();
  f.roller_pose.topRightCorner<3, 1>() = f.roller_centre_m;
  return f;
}

TriMesh roller_mesh(const RollerSpec& spec, int n_axial, int n_around) {
  const RollerShape shape(spec);
  auto sd = [&](const Vec3& p) { return shape.signed_distance(p, nullptr); };
  const double rmax = spec.outer_radius_m() * 1.5 + 0.01;
  // Each end: the outermost point of the axis inside the roller (a pattern need not be symmetric).
  auto end = [&](double sign) {
    double xo = 0.5 * std::max(spec.length_m, 2 * spec.diameter_m + spec.groove_width_m) + rmax;
    while (xo > 0 && sd(Vec3(sign * xo, 0, 0)) >= 0) xo -= 1e-3;
    double lo = xo, hi = xo + 1e-3;
    for (int it = 0; it < 50; ++it) (sd(Vec3(sign * 0.5 * (lo + hi), 0, 0)) < 0 ? lo : hi) = 0.5 * (lo + hi);
    return sign * lo;
  };
  // A cylinder ends at its length (near a patterned cap the first-order distance is not exact off
  // the surface, and the axis beyond the cap can read as inside).
  const bool cyl = spec.kind == RollerKind::Cylinder;
  const double x_lo = cyl ? -0.5 * spec.length_m : end(-1), x_hi = cyl ? 0.5 * spec.length_m : end(1);
  TriMesh mesh;
  n_axial = std::max(n_axial, 2);
  n_around = std::max(n_around, 3);
  for (int i = 0; i < n_axial; ++i) {
    // The end rings a micrometre inside the caps, so they sit on the rim (at the cap itself the
    // radial ray runs along the cap's surface).
    const double x = (x_lo + 1e-6) + (x_hi - x_lo - 2e-6) * i / (n_axial - 1);
    for (int j = 0; j < n_around; ++j) {
      const double th = 2 * 3.14159265358979323846 * j / n_around;
      const Vec3 dir(0, std::cos(th), std::sin(th));
      double r = 0;
      if (sd(Vec3(x, 0, 0)) < 0) {
        double a = 0, b = rmax;
        for (int it = 0; it < 40; ++it) (sd(Vec3(x, 0, 0) + 0.5 * (a + b) * dir) < 0 ? a : b) = 0.5 * (a + b);
        r = 0.5 * (a + b);
      }
      const Vec3 p = Vec3(x, 0, 0) + r * dir;
      Vec3 n;
      shape.signed_distance(p, &n);
      if (!(n.norm() > 0.5)) n = dir;
      mesh.pos.push_back(p.cast<float>());
      mesh.normal.push_back(n.normalized().cast<float>());
    }
  }
  auto id = [&](int i, int j) { return i * n_around + (j % n_around); };
  for (int i = 0; i + 1 < n_axial; ++i)
    for (int j = 0; j < n_around; ++j) {
      mesh.tris.push_back({id(i, j), id(i + 1, j + 1), id(i + 1, j)});  // counter-clockwise seen from outside
      mesh.tris.push_back({id(i, j), id(i, j + 1), id(i + 1, j + 1)});
    }
  // End caps (flat for a cylinder, a point for a ball's pole).
  for (int end = 0; end < 2; ++end) {
    const int c = static_cast<int>(mesh.pos.size());
    const float xs = static_cast<float>(end ? x_hi : x_lo);
    mesh.pos.emplace_back(xs, 0.0f, 0.0f);
    mesh.normal.emplace_back(end ? 1.0f : -1.0f, 0.0f, 0.0f);
    const int i = end ? n_axial - 1 : 0;
    const int ring = static_cast<int>(mesh.pos.size());
    for (int j = 0; j < n_around; ++j) {  // the rim again, with the cap's normal
      mesh.pos.push_back(mesh.pos[id(i, j)]);
      mesh.normal.emplace_back(end ? 1.0f : -1.0f, 0.0f, 0.0f);
    }
    for (int j = 0; j < n_around; ++j) {
      const int a = ring + j, b = ring + (j + 1) % n_around;
      if (end) mesh.tris.push_back({c, a, b});
      else mesh.tris.push_back({c, b, a});
    }
  }
  return mesh;
}

Section tissue_section(const SceneTopology& topo, const std::vector<Vec3f>& x, const Vec3f& n, float d) {
  Section s;
  static const int kEdges[6][2] = {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}};
  for (size_t k = 0; k < topo.tets.size(); ++k) {
    const Tet& e = topo.tets[k];
    float h[4];
    int above = 0;
    for (int q = 0; q < 4; ++q) {
      h[q] = n.dot(x[e[q]]) - d;
      above += h[q] > 0;
    }
    if (above == 0 || above == 4) continue;
    Vec3f p[4];
    int np = 0;
    for (const auto& ed : kEdges) {
      const float a = h[ed[0]], b = h[ed[1]];
      if ((a > 0) == (b > 0)) continue;
      const float w = a / (a - b);
      p[np++] = x[e[ed[0]]] + w * (x[e[ed[1]]] - x[e[ed[0]]]);
    }
    if (np == 4) {
      // A quad: order its corners around their centre in the plane.
      const Vec3f c = 0.25f * (p[0] + p[1] + p[2] + p[3]);
      const Vec3f u = (p[0] - c).normalized(), v = n.cross(u);
      std::sort(p, p + 4, [&](const Vec3f& A, const Vec3f& B) {
        return std::atan2((A - c).dot(v), (A - c).dot(u)) < std::atan2((B - c).dot(v), (B - c).dot(u));
      });
    }
    for (int t = 0; t + 2 < np; ++t) {
      Vec3f a = p[0], b = p[t + 1], c = p[t + 2];
      if ((b - a).cross(c - a).squaredNorm() < 1e-24f) continue;  // the plane through a node or an edge
      if ((b - a).cross(c - a).dot(n) < 0) std::swap(b, c);  // facing +n: the side cut away
      s.pos.push_back(a);
      s.pos.push_back(b);
      s.pos.push_back(c);
      s.region.push_back(topo.tet_region[k]);
    }
  }
  return s;
}

}  // namespace backroll
