#include "viz/figure.h"

#include <algorithm>
#include <cmath>

namespace backroll {

namespace {

constexpr float kPi = 3.14159265358979323846f;

// A per-level value at a place along the skin line (linear between the tips, held beyond them).
double at_s(const PerLevel& v, const std::array<double, 20>& tip_s, double s) {
  if (s <= tip_s[1]) return v[0];
  for (int l = 1; l < kLevels; ++l)
    if (s <= tip_s[l + 1]) {
      const double w = (s - tip_s[l]) / (tip_s[l + 1] - tip_s[l]);
      return (1 - w) * v[l - 1] + w * v[l];
    }
  return v[kLevels - 1];
}

// The middle of a segment whose ends are a and b and lengths l1 (from a) and l2 (from b), bent
// towards `pole`: the joint between two limb segments (elbow, knee). Straight when out of reach.
Vec3f bend(const Vec3f& a, const Vec3f& b, float l1, float l2, const Vec3f& pole) {
  const Vec3f ab = b - a;
  const float d = ab.norm();
  const Vec3f u = ab / d;
  if (d >= l1 + l2) return a + u * (l1 * d / (l1 + l2));
  const float x = (l1 * l1 - l2 * l2 + d * d) / (2 * d);
  const float h = std::sqrt(std::max(0.0f, l1 * l1 - x * x));
  Vec3f side = pole - pole.dot(u) * u;
  if (side.norm() < 1e-6f) side = u.unitOrthogonal();
  return a + u * x + side.normalized() * h;
}

// Builds the mesh part by part; each part is a closed surface turned outward at the end.
class Shapes {
 public:
  TriMesh mesh;

  // Stations of equal-length closed contours joined in order, each end closed by a fan.
  void loft(const std::vector<std::vector<Vec3f>>& rings) {
    const int first = static_cast<int>(mesh.pos.size());
    const size_t first_tri = mesh.tris.size();
    const int n = static_cast<int>(rings.front().size());
    for (const auto& r : rings) mesh.pos.insert(mesh.pos.end(), r.begin(), r.end());
    auto id = [&](int i, int j) { return first + i * n + (j % n); };
    for (int i = 0; i + 1 < static_cast<int>(rings.size()); ++i)
      for (int j = 0; j < n; ++j) {
        mesh.tris.push_back({id(i, j), id(i + 1, j), id(i + 1, j + 1)});
        mesh.tris.push_back({id(i, j), id(i + 1, j + 1), id(i, j + 1)});
      }
    for (int end : {0, static_cast<int>(rings.size()) - 1}) {
      Vec3f c = Vec3f::Zero();
      for (const Vec3f& p : rings[end]) c += p / static_cast<float>(n);
      const int ci = static_cast<int>(mesh.pos.size());
      mesh.pos.push_back(c);
      for (int j = 0; j < n; ++j)  // turned as the side triangles' edges on that ring, reversed
        mesh.tris.push_back(end ? Tri{ci, id(end, j + 1), id(end, j)} : Tri{ci, id(end, j), id(end, j + 1)});
    }
    outward(first_tri);
  }

  // A limb: a tapered tube from a (radius ra) to b (radius rb) with rounded ends.
  void capsule(const Vec3f& a, const Vec3f& b, float ra, float rb) {
    const Vec3f u = (b - a).normalized(), v = u.unitOrthogonal(), w = u.cross(v);
    const int around = 18, cap = 4;
    std::vector<std::vector<Vec3f>> rings;
    auto ring = [&](const Vec3f& c, float r) {
      std::vector<Vec3f> out;
      for (int j = 0; j < around; ++j) {
        const float t = 2 * kPi * j / around;
        out.push_back(c + r * (std::cos(t) * v + std::sin(t) * w));
      }
      rings.push_back(out);
    };
    for (int k = cap; k >= 1; --k) {  // the rounded end at a
      const float t = 0.5f * kPi * k / (cap + 1);
      ring(a - u * (ra * std::sin(t)), ra * std::cos(t));
    }
    for (int k = 0; k <= 4; ++k) ring(a + (b - a) * (k / 4.0f), ra + (rb - ra) * (k / 4.0f));
    for (int k = 1; k <= cap; ++k) {  // and at b
      const float t = 0.5f * kPi * k / (cap + 1);
      ring(b + u * (rb * std::sin(t)), rb * std::cos(t));
    }
    loft(rings);
  }

  // An ellipsoid: centre c, semi-axes along the orthonormal axes e0, e1, e2 (e2 the poles').
  void ellipsoid(const Vec3f& c, const Vec3f& e0, const Vec3f& e1, const Vec3f& e2, const Vec3f& r) {
    std::vector<std::vector<Vec3f>> rings;
    const int around = 24, along = 12;
    for (int i = 1; i < along; ++i) {
      const float ph = kPi * i / along;
      std::vector<Vec3f> out;
      for (int j = 0; j < around; ++j) {
        const float t = 2 * kPi * j / around;
        out.push_back(c + std::sin(ph) * (r[0] * std::cos(t) * e0 + r[1] * std::sin(t) * e1) - std::cos(ph) * r[2] * e2);
      }
      rings.push_back(out);
    }
    loft(rings);
  }

 private:
  // Turns a part's triangles (from t0 on) outward: a positive enclosed volume.
  void outward(size_t t0) {
    double vol = 0;
    for (size_t t = t0; t < mesh.tris.size(); ++t) {
      const Tri& q = mesh.tris[t];
      vol += mesh.pos[q[0]].dot(mesh.pos[q[1]].cross(mesh.pos[q[2]]));
    }
    if (vol < 0)
      for (size_t t = t0; t < mesh.tris.size(); ++t) std::swap(mesh.tris[t][1], mesh.tris[t][2]);
  }
};

// A superellipse-like section of the trunk, in (u across, w from the back into the body): the back
// half flatter (exponent 4), the front rounder (2.5); theta 0 at the back's midline, pi at the
// front's, on the right side (u < 0).
std::pair<float, float> section_point(float theta, float hw, float depth) {
  const float c = std::cos(theta), sn = std::sin(theta);
  const float n = c > 0 ? 4.0f : 2.5f;
  const float u = -hw * std::pow(std::abs(sn), 2 / n);
  const float w = 0.5f * depth - 0.5f * depth * (c > 0 ? 1 : -1) * std::pow(std::abs(c), 2 / n);
  return {u, w};
}

}  // namespace

Figure person_figure(const BodySpec& body, const PostureParams& posture, const SceneTopology& topo, const SceneFrame& f) {
  Figure fig;
  Shapes shapes;
  const BodySpec::Figure& g = body.figure;
  const float H = static_cast<float>(body.height_m);
  const float W = static_cast<float>(body.lateral_halfwidth_m);
  const int nr = static_cast<int>(topo.skin_rows.size());
  // Each skin row's frame: its midline node, the way to the head (t), across to the left (e), and
  // into the body from the back (a).
  struct RowFrame {
    Vec3f mid, right, left, t, e, a;
    float hw, depth;
  };
  std::vector<RowFrame> rows(nr);
  for (int j = 0; j < nr; ++j) {
    const std::vector<int>& row = topo.skin_rows[j];
    RowFrame& r = rows[j];
    r.mid = f.node_m[topo.skin_row_mid[j]];
    r.right = f.node_m[row.front()];
    r.left = f.node_m[row.back()];
    const double s = topo.skin_row_s_m[j];
    const double to_front = at_s(body.trunk_depth_m, topo.sp_tip_s_m, s) + at_s(body.tip_to_body_m, topo.sp_tip_s_m, s) -
                            at_s(body.canal_depth_m, topo.sp_tip_s_m, s) + at_s(body.depth_over_sp_m, topo.sp_tip_s_m, s);
    r.depth = static_cast<float>(to_front);
    // The rib cage's or the abdominal wall's half-width and the flank's muscle and fat outside it
    // (about 2.5 cm, estimate), and never inside the simulated back's edge.
    r.hw = std::max(static_cast<float>(at_s(body.trunk_halfwidth_m, topo.sp_tip_s_m, s)) + 0.025f, W + 0.02f);
  }
  for (int j = 0; j < nr; ++j) {
    RowFrame& r = rows[j];
    const Vec3f up = rows[std::max(j - 1, 0)].mid, down = rows[std::min(j + 1, nr - 1)].mid;
    r.t = (up - down).normalized();
    Vec3f e = r.left - r.right;
    r.e = (e - e.dot(r.t) * r.t).normalized();
    r.a = r.e.cross(r.t).normalized();
  }
  // The trunk: one closed section per skin row from the right edge column round the front to the
  // left edge column, and under the skin between them (hidden by it); beyond the rows, at the
  // head end the base of the neck and at the foot end the pelvis and buttocks, rounded off.
  const int n_side = 16, n_back = 7;
  // back: the section's back between the edge columns, left to right (under the skin on the rows;
  // empty: the back line itself, beyond them).
  auto section = [&](const RowFrame& r, const Vec3f& origin, const Vec3f& right, const Vec3f& left, float hw,
                     float depth, const std::vector<Vec3f>& back) {
    std::vector<Vec3f> pts;
    auto at = [&](float u, float w) { return Vec3f(origin + r.e * u + r.a * w); };
    const float edge = std::min(W + 0.005f, 0.95f * hw);
    const float th0 = std::asin(std::min(1.0f, std::pow(edge / hw, 2.0f)));  // where |u| = edge on the back half
    pts.push_back(right);
    for (int k = 0; k < n_side; ++k) {  // right side, back to front
      const auto [u, w] = section_point(th0 + (kPi - th0) * k / n_side, hw, depth);
      pts.push_back(at(u, w));
    }
    for (int k = n_side; k > 0; --k) {  // left side, front to back
      const auto [u, w] = section_point(th0 + (kPi - th0) * k / n_side, hw, depth);
      pts.push_back(at(-u, w));
    }
    pts.push_back(left);
    for (int k = 1; k <= n_back; ++k)  // the back, left to right
      pts.push_back(back.empty() ? at((W - 0.015f) * (1 - 2.0f * k / (n_back + 1)), 0) : back[k - 1]);
    return pts;
  };
  // On a skin row the back runs 2.5 cm inside the skin's nodes as solved (hidden by the skin, even
  // where the roller presses the tissue in).
  auto under_skin = [&](int j) {
    const std::vector<int>& row = topo.skin_rows[j];
    std::vector<Vec3f> back;
    for (int k = 1; k <= n_back; ++k) {
      const size_t i = row.size() - 1 - static_cast<size_t>(std::lround(static_cast<double>(k) * (row.size() - 1) / (n_back + 1)));
      back.push_back(f.node_m[row[i]] + rows[j].a * 0.025f);
    }
    return back;
  };
  std::vector<std::vector<Vec3f>> trunk;
  const float neck_r = 0.032f * H;  // a neck about 11 cm across (estimate, drawing only)
  {  // the head end: the shoulders' top narrowing to the neck
    const RowFrame& r = rows.front();
    for (float d : {0.05f, 0.025f}) {
      const float k = d / 0.05f;
      const Vec3f o = r.mid + r.t * d + r.a * (0.012f * k);
      const float hw = r.hw + (1.6f * neck_r - r.hw) * k, depth = r.depth + (0.7f * r.depth - r.depth) * k;
      trunk.push_back(section(r, o, o - r.e * std::min(W, 0.95f * hw), o + r.e * std::min(W, 0.95f * hw), hw, depth, {}));
    }
  }
  for (int j = 0; j < nr; ++j) trunk.push_back(section(rows[j], rows[j].mid, rows[j].right, rows[j].left, rows[j].hw, rows[j].depth, under_skin(j)));
  const RowFrame& last = rows.back();
  const float pelvis_hw = std::max(last.hw, 0.5f * static_cast<float>(g.hip_breadth) * H + static_cast<float>(g.thigh_r[0]) * H);
  for (float d : {0.03f, 0.06f, 0.09f, 0.12f, 0.145f, 0.16f}) {  // sacrum to the buttocks' end
    const float k = d / 0.16f;
    const float round = d <= 0.12f ? 1.0f : std::sqrt(std::max(0.05f, 1 - std::pow((d - 0.12f) / 0.045f, 2.0f)));
    const float hw = (last.hw + (pelvis_hw - last.hw) * std::min(1.0f, 2 * k)) * round;
    const float depth = last.depth * (0.3f + 0.7f * round);
    const Vec3f o = last.mid - last.t * d + last.a * (0.5f * (last.depth - depth));
    const float ew = std::min(W, 0.95f * hw);
    trunk.push_back(section(last, o, o - last.e * ew, o + last.e * ew, hw, depth, {}));
  }
  shapes.loft(trunk);

  // Head and neck: the head's centre beyond C7 along the upper back's line, its back on the hands.
  const RowFrame& top = rows.front();
  const Vec3f c7 = top.mid + top.t * static_cast<float>(topo.skin_row_s_m.front() - topo.sp_tip_s_m[0]);
  const float head_h = static_cast<float>(g.head[2]) * H, head_l = static_cast<float>(g.head[1]) * H,
              head_b = static_cast<float>(g.head[0]) * H;
  const Vec3f head = c7 + top.t * (static_cast<float>(g.head_neck) * H - 0.5f * head_h) + top.a * (0.5f * head_l + 0.02f);
  fig.joints.head_centre = head;
  fig.joints.neck_base = top.mid + top.t * 0.03f + top.a * (0.4f * top.depth);
  shapes.capsule(fig.joints.neck_base, head - top.t * (0.25f * head_h), neck_r, 0.9f * neck_r);
  shapes.ellipsoid(head, top.e, top.a, top.t, Vec3f(0.5f * head_b, 0.5f * head_l, 0.5f * head_h));

  // Arms: from the shoulder joints to the hands, behind the head or on the chest.
  const float l_up = static_cast<float>(g.upper_arm) * H, l_fore = static_cast<float>(g.forearm) * H,
              l_hand = static_cast<float>(g.hand) * H;
  int chest_row = 0;
  for (int j = 0; j < nr; ++j)
    if (topo.skin_row_s_m[j] <= topo.sp_tip_s_m[6]) chest_row = j;  // T6
  for (int side = 0; side < 2; ++side) {
    const float sg = side ? 1.0f : -1.0f;
    // The shoulder joint deep enough that the upper arm's rounded end stays inside the back.
    const float sh_w = std::max(0.35f * top.depth, static_cast<float>(g.upper_arm_r[0]) * H + 0.015f);
    const Vec3f sh = top.mid - top.t * 0.02f + top.a * sh_w + top.e * (sg * 0.5f * static_cast<float>(g.shoulder_breadth) * H);
    Vec3f wrist, pole;
    if (posture.arms == "on_chest") {
      const RowFrame& r = rows[chest_row];
      wrist = r.mid + r.a * (r.depth + 0.02f) - r.e * (sg * 0.06f) + r.t * 0.04f;  // crossed over the sternum
      pole = top.e * sg - top.t * 0.3f;
    } else {
      wrist = head - top.a * (0.5f * head_l + 0.015f) + top.e * (sg * 0.04f) - top.t * (0.3f * l_hand);
      pole = top.e * sg + top.a * 0.7f + top.t * 0.4f;
    }
    const Vec3f elbow = bend(sh, wrist, l_up, l_fore, pole);
    fig.joints.shoulder[side] = sh;
    fig.joints.elbow[side] = elbow;
    fig.joints.wrist[side] = wrist;
    shapes.capsule(sh, elbow, static_cast<float>(g.upper_arm_r[0]) * H, static_cast<float>(g.upper_arm_r[1]) * H);
    shapes.capsule(elbow, wrist, static_cast<float>(g.forearm_r[0]) * H, static_cast<float>(g.forearm_r[1]) * H);
    const Vec3f along = -top.e * sg;  // the fingers towards the midline
    const Vec3f across = along.cross(top.a).normalized();
    shapes.ellipsoid(wrist + along * (0.5f * l_hand), along.cross(across).normalized(), across, along,
                     Vec3f(0.012f * H / 1.75f, 0.045f * H / 1.75f, 0.5f * l_hand));
  }

  // Legs: hip joints either side of the pelvis's origin, halfway from the back to the front (the
  // thighs' rounded ends inside the buttocks), the feet flat on the floor half the foot distance
  // from the midline, as far towards the feet as a right-angled knee reaches.
  const Vec3f origin = f.bone_origin_m[topo.pelvis_bone];
  const Vec3f pelvis = last.mid + last.t * (origin - last.mid).dot(last.t) + last.a * (0.5f * last.depth);
  Vec3f to_feet = -last.t;
  to_feet.z() = 0;
  to_feet = to_feet.norm() > 1e-6f ? to_feet.normalized() : Vec3f(0, -1, 0);
  const float l_th = static_cast<float>(g.thigh) * H, l_sh = static_cast<float>(g.shank) * H, l_ft = static_cast<float>(g.foot) * H;
  const float ankle_z = 0.04f * H;  // the ankle 7 cm above the floor, the foot 6 cm high (estimates, drawing only)
  const float foot_r = 0.018f * H;
  for (int side = 0; side < 2; ++side) {
    const float sg = side ? 1.0f : -1.0f;
    const Vec3f hip = pelvis + last.e * (sg * 0.5f * static_cast<float>(g.hip_breadth) * H);
    const float rise = std::max(0.0f, hip.z() - ankle_z);
    const float reach = std::sqrt(std::max(0.04f, l_th * l_th + l_sh * l_sh - rise * rise));
    Vec3f ankle = hip + to_feet * reach;
    ankle.x() = sg * 0.5f * static_cast<float>(posture.foot_distance_m);
    ankle.z() = ankle_z;
    const Vec3f knee = bend(hip, ankle, l_th, l_sh, Vec3f(0, 0, 1) + 0.2f * to_feet);
    const Vec3f heel = ankle - to_feet * (0.2f * l_ft) - Vec3f(0, 0, ankle_z - foot_r);
    const Vec3f toe = heel + to_feet * (l_ft - 2 * foot_r) + Vec3f(0, 0, -0.1f * foot_r);
    fig.joints.hip[side] = hip;
    fig.joints.knee[side] = knee;
    fig.joints.ankle[side] = ankle;
    fig.joints.toe[side] = toe;
    shapes.capsule(hip, knee, static_cast<float>(g.thigh_r[0]) * H, static_cast<float>(g.thigh_r[1]) * H);
    shapes.capsule(knee, ankle, static_cast<float>(g.shank_r[0]) * H, static_cast<float>(g.shank_r[1]) * H);
    shapes.capsule(heel, toe, foot_r, 0.85f * foot_r);
  }

  fig.mesh = std::move(shapes.mesh);
  // Nothing below the floor (a drawn buttock or heel rests on it), then smooth normals.
  for (Vec3f& p : fig.mesh.pos) p.z() = std::max(p.z(), 0.0f);
  fig.mesh.normal.assign(fig.mesh.pos.size(), Vec3f::Zero());
  for (const Tri& t : fig.mesh.tris) {
    const Vec3f n = (fig.mesh.pos[t[1]] - fig.mesh.pos[t[0]]).cross(fig.mesh.pos[t[2]] - fig.mesh.pos[t[0]]);
    for (int k : t) fig.mesh.normal[k] += n;
  }
  for (Vec3f& n : fig.mesh.normal) n = n.norm() > 0 ? n.normalized() : Vec3f::UnitZ();
  return fig;
}

}  // namespace backroll
