#include "pose/posture.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "pose/lying_flat.h"
#include "pose/supine_on_roller.h"

namespace backroll {
namespace {
constexpr double kDeg = 3.14159265358979323846 / 180.0;

// The postures there are, by kind (see the design note in posture.h).
const std::vector<std::pair<std::string, const Posture*>>& table() {
  static const SupineOnRoller supine;
  static const LyingFlat flat;
  static const std::vector<std::pair<std::string, const Posture*>> t = {{supine.kind(), &supine}, {flat.kind(), &flat}};
  return t;
}
}  // namespace

Placement lerp(const Placement& a, const Placement& b, double w) {
  Placement p;
  p.s_m = (1 - w) * a.s_m + w * b.s_m;
  p.centre_m = (1 - w) * a.centre_m + w * b.centre_m;
  p.pitch_rad = (1 - w) * a.pitch_rad + w * b.pitch_rad;
  p.start_tilt_rad = (1 - w) * a.start_tilt_rad + w * b.start_tilt_rad;
  return p;
}

Mat3 Placement::world_rotation() const { return pitch_matrix(pitch_rad + start_tilt_rad); }

Mat3 pitch_matrix(double a) {
  Mat3 R;
  R << 1, 0, 0, 0, std::cos(a), -std::sin(a), 0, std::sin(a), std::cos(a);
  return R;
}

const Posture& posture_of_kind(const std::string& kind) {
  for (const auto& [k, p] : table())
    if (k == kind) return *p;
  std::string known;
  for (const auto& [k, p] : table()) known += (known.empty() ? "" : ", ") + k;
  throw std::invalid_argument("no posture \"" + kind + "\" (there are: " + known + ")");
}

const std::vector<std::string>& posture_kinds() {
  static const std::vector<std::string> kinds = [] {
    std::vector<std::string> k;
    for (const auto& e : table()) k.push_back(e.first);
    return k;
  }();
  return kinds;
}

BodyModel posed_body(const BodySpec& body, const PostureParams& q) {
  BodyModel m = build_body(body);
  const BodySpec& p = m.params;
  if (q.arms == "behind_head") {  // the arms' mass moves from the shoulders to the head
    const double arms = 2 * p.mass_kg * (p.upper_arm_pct + p.forearm_pct + p.hand_pct) / 100;
    for (int v = 1; v <= 3; ++v) m.bones[m.vertebra[v]].attached_mass_kg -= arms / 3;
    m.bones[m.vertebra[0]].attached_mass_kg += arms;
  }
  const double km = q.trunk_muscle_Nm_per_deg / kDeg;
  for (int v = 0; v < kLevels; ++v) {
    Joint& j = m.fem.joints[m.intervertebral_joint[v]];
    j.rotational_Nm_per_rad *= q.spine_stiffening;
    j.stiffened_Nm_per_rad *= q.spine_stiffening;
    j.opposite_Nm_per_rad *= q.spine_stiffening;
    j.rotational_Nm_per_rad += Vec3::Constant(km);
    if (j.stiffen_axis >= 0) j.stiffened_Nm_per_rad += km;
    if (j.opposite_Nm_per_rad > 0) j.opposite_Nm_per_rad += km;
  }
  set_gravity(m, Vec3(0, 0, -1));
  return m;
}

void skin_midline(const BodyModel& m, double s, Vec3* point, Vec3* normal) {
  double xmin = 1e9;
  for (int n : m.skin_nodes) xmin = std::min(xmin, std::abs(m.node_local[n].x()));
  std::vector<std::pair<double, int>> line;
  for (int n : m.skin_nodes)
    if (std::abs(m.node_local[n].x()) <= xmin + 1e-9) line.emplace_back(m.node_local[n].y(), n);
  std::sort(line.begin(), line.end());
  size_t i = 1;
  while (i + 1 < line.size() && line[i].first < s) ++i;
  const double s0 = line[i - 1].first, s1 = line[i].first;
  const double w = std::clamp((s - s0) / (s1 - s0), 0.0, 1.0);
  const Vec3& A = m.fem.mesh.X[line[i - 1].second];
  const Vec3& B = m.fem.mesh.X[line[i].second];
  *point = (1 - w) * A + w * B;
  Vec3 n = Vec3::UnitX().cross(B - A).normalized();
  if (n.z() > 0) n = -n;  // the back faces the floor
  *normal = n;
}

std::vector<Vec3> bone_inward_normals(const BodyModel& m) {
  std::vector<Vec3> out;
  for (const Bone& bo : m.bones) {
    const int l = bo.kind == BoneKind::Pelvis ? 18 : bo.kind == BoneKind::Sternum ? 4 : bo.level;
    Vec3 P, n;
    skin_midline(m, m.sp_tip_s_m[l], &P, &n);
    out.push_back(-n);
  }
  return out;
}

}  // namespace backroll
