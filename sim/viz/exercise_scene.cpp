#include "viz/exercise_scene.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace backroll {

namespace {

// The drawn radius of a segment at its proximal and distal ends (m).
std::array<double, 2> segment_radii(const BodySpec& b, Segment s) {
  const double h = b.height_m;
  const BodySpec::Figure& f = b.figure;
  switch (s) {
    case Segment::Head: return {0.05 * h / 1.75, 0.5 * f.head[0] * h};  // the neck, then the head's half breadth
    case Segment::Trunk: return {0.11 * h / 1.75, 0.09 * h / 1.75};     // estimate: the chest's and the pelvis's half depth
    case Segment::UpperArm: return {f.upper_arm_r[0] * h, f.upper_arm_r[1] * h};
    case Segment::Forearm: return {f.forearm_r[0] * h, f.forearm_r[1] * h};
    case Segment::Hand: return {0.022 * h / 1.75, 0.018 * h / 1.75};    // estimate
    case Segment::Thigh: return {f.thigh_r[0] * h, f.thigh_r[1] * h};
    case Segment::Shank: return {f.shank_r[0] * h, f.shank_r[1] * h};
    case Segment::Foot: return {0.03 * h / 1.75, 0.02 * h / 1.75};      // estimate
  }
  return {0.03, 0.03};
}

Vec3f to_f(const Vec3& v) { return v.cast<float>(); }

}  // namespace

void append_capsule(TriMesh& mesh, const Vec3f& a, const Vec3f& b, float ra, float rb, int n_around) {
  Vec3f axis = b - a;
  const float len = axis.norm();
  if (len < 1e-6f) return;
  axis /= len;
  const Vec3f u = (std::abs(axis.z()) < 0.9f ? axis.cross(Vec3f::UnitZ()) : axis.cross(Vec3f::UnitX())).normalized();
  const Vec3f v = axis.cross(u);
  // Rings from a's pole to b's: a hemisphere of radius ra, the tube, a hemisphere of radius rb (the
  // tube's slope between the radii is left out of the normals: a drawing).
  const int n_cap = 6;
  std::vector<std::pair<Vec3f, float>> rings;  // centre, radius
  std::vector<float> along;                    // the normal's component along the axis
  for (int i = 0; i <= n_cap; ++i) {
    const float t = static_cast<float>(M_PI / 2) * (1 - static_cast<float>(i) / n_cap);  // pi/2 .. 0
    rings.push_back({a - axis * (ra * std::sin(t)), ra * std::cos(t)});
    along.push_back(-std::sin(t));
  }
  for (int i = 0; i <= n_cap; ++i) {
    const float t = static_cast<float>(M_PI / 2) * static_cast<float>(i) / n_cap;  // 0 .. pi/2
    rings.push_back({b + axis * (rb * std::sin(t)), rb * std::cos(t)});
    along.push_back(std::sin(t));
  }
  const int base = static_cast<int>(mesh.pos.size());
  for (size_t r = 0; r < rings.size(); ++r)
    for (int j = 0; j < n_around; ++j) {
      const float th = 2 * static_cast<float>(M_PI) * j / n_around;
      const Vec3f radial = std::cos(th) * u + std::sin(th) * v;
      mesh.pos.push_back(rings[r].first + rings[r].second * radial);
      const float c = std::sqrt(std::max(0.0f, 1 - along[r] * along[r]));
      mesh.normal.push_back((c * radial + along[r] * axis).normalized());
    }
  for (int r = 0; r + 1 < static_cast<int>(rings.size()); ++r)
    for (int j = 0; j < n_around; ++j) {
      const int j1 = (j + 1) % n_around;
      const int p00 = base + r * n_around + j, p01 = base + r * n_around + j1;
      const int p10 = base + (r + 1) * n_around + j, p11 = base + (r + 1) * n_around + j1;
      mesh.tris.push_back({p00, p01, p11});
      mesh.tris.push_back({p00, p11, p10});
    }
}

ExerciseScene exercise_scene(const ExerciseSession& s, const ExerciseResult& r) {
  const ExerciseModel& m = s.model();
  const FemModel& f = m.fem;
  const FemState& st = s.state();
  ExerciseScene out;

  // The tissue: the mesh's boundary at the solved node places, area-weighted normals.
  const std::vector<Vec3> x = node_positions(f, st);
  out.tissue.pos.resize(x.size());
  out.tissue.normal.assign(x.size(), Vec3f::Zero());
  for (size_t v = 0; v < x.size(); ++v) out.tissue.pos[v] = to_f(x[v]);
  out.tissue.tris = boundary_faces(f.mesh);
  for (const Tri& t : out.tissue.tris) {
    const Vec3f n = (out.tissue.pos[t[1]] - out.tissue.pos[t[0]]).cross(out.tissue.pos[t[2]] - out.tissue.pos[t[0]]);
    for (int a = 0; a < 3; ++a) out.tissue.normal[t[a]] += n;
  }
  for (Vec3f& n : out.tissue.normal)
    if (n.norm() > 0) n.normalize();
  // The skin's pressure at its nodes: each contact point's force shared to its triangle's nodes by
  // its weights, over each node's third of its skin triangles' area. Interpolated linearly over
  // the triangles, this pressure integrates to the contact points' total force.
  const RigidContactSet& cs = f.rigid_contacts[m.roller_contact];
  std::vector<double> force(x.size(), 0.0), area(x.size(), 0.0);
  std::set<std::array<int, 3>> skin;
  for (size_t i = 0; i < cs.n_slaves() && i < r.skin_pressure_Pa.size(); ++i) {
    const SurfacePoint& sp = cs.slave_points[i];
    const double fi = r.skin_pressure_Pa[i] * foam_point_area_m2(m.roller, cs, i);
    for (int a = 0; a < 3; ++a) force[sp.node[a]] += sp.w[a] * fi;
    skin.insert(sp.node);
  }
  for (const std::array<int, 3>& t : skin) {
    const double A = 0.5 * (x[t[1]] - x[t[0]]).cross(x[t[2]] - x[t[0]]).norm();
    for (int a = 0; a < 3; ++a) area[t[a]] += A / 3;
  }
  out.tissue_pressure_Pa.resize(x.size());
  for (size_t v = 0; v < x.size(); ++v) out.tissue_pressure_Pa[v] = area[v] > 0 ? static_cast<float>(force[v] / area[v]) : 0.0f;

  // The person: each segment moved with its body (the core or its limb), from rest.
  auto moved = [&](int body) {
    const Vec3 c = rigid_position(f, st, body), c0 = f.rigid_bodies[body].rest_position_m;
    const Mat3 Q = rigid_orientation(f, st, body);
    return [c, c0, Q](const Vec3& p) { return Vec3(c + Q * (p - c0)); };
  };
  for (const PoseSegment& seg : m.spec.segments) {
    const auto move = moved(seg.limb < 0 ? m.person : m.limb_body[seg.limb]);
    const std::array<double, 2> rr = segment_radii(m.spec.body, seg.kind);
    append_capsule(out.figure, to_f(move(m.spec.point(seg.from))), to_f(move(m.spec.point(seg.to))), static_cast<float>(rr[0]),
                   static_cast<float>(rr[1]));
  }

  // The roller: placed, its axis across (x).
  const Vec3 rc = rigid_position(f, st, m.roller_body);
  const Mat3 rq = rigid_orientation(f, st, m.roller_body);
  out.roller_pose.topLeftCorner<3, 3>() = rq.cast<float>();
  out.roller_pose.topRightCorner<3, 1>() = rc.cast<float>();
  return out;
}

}  // namespace backroll
