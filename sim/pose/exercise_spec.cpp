#include "pose/exercise_spec.h"

#include <algorithm>
#include <cmath>
#include <fmt/core.h>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "io/catalog.h"

namespace backroll {

namespace {

const std::vector<std::string>& segment_names() {
  static const std::vector<std::string> n = {"head", "trunk", "upper_arm", "forearm", "hand", "thigh", "shank", "foot"};
  return n;
}

Vec3 to_vec3(const std::vector<double>& v) { return Vec3(v[0], v[1], v[2]); }
Vec2 to_vec2(const std::vector<double>& v) { return Vec2(v[0], v[1]); }

}  // namespace

const char* name(Segment s) { return segment_names()[static_cast<size_t>(s)].c_str(); }

double segment_com_fraction(Segment s, bool female) {
  // de Leva 1996 (J Biomech 29:1223), centre of mass from the proximal end in % of the segment's
  // length, men / women (recall, not re-checked at the source); head from the vertex towards C7
  // is 59.76 / 58.94 %, here from C7 (the proximal end the pose names first).
  switch (s) {
    case Segment::Head: return 1 - (female ? 0.5894 : 0.5976);
    case Segment::Trunk: return female ? 0.4964 : 0.5138;
    case Segment::UpperArm: return female ? 0.5754 : 0.5772;
    case Segment::Forearm: return female ? 0.4559 : 0.4574;
    case Segment::Hand: return female ? 0.7474 : 0.7900;
    case Segment::Thigh: return female ? 0.3612 : 0.4095;
    case Segment::Shank: return female ? 0.4416 : 0.4459;
    case Segment::Foot: return female ? 0.4014 : 0.4415;
  }
  return 0.5;
}

double segment_mass_pct(const BodySpec& b, Segment s) {
  switch (s) {
    case Segment::Head: return b.head_pct;
    case Segment::Trunk: return b.trunk_pct;
    case Segment::UpperArm: return b.upper_arm_pct;
    case Segment::Forearm: return b.forearm_pct;
    case Segment::Hand: return b.hand_pct;
    case Segment::Thigh: return b.thigh_pct;
    case Segment::Shank: return b.shank_pct;
    case Segment::Foot: return b.foot_pct;
  }
  return 0;
}

double segment_length_fraction(const BodySpec& b, Segment s) {
  switch (s) {
    case Segment::Head: return b.figure.head_neck;
    case Segment::Trunk: return 0;  // the figure draws the trunk from the torso model
    case Segment::UpperArm: return b.figure.upper_arm;
    case Segment::Forearm: return b.figure.forearm;
    case Segment::Hand: return b.figure.hand;
    case Segment::Thigh: return b.figure.thigh;
    case Segment::Shank: return b.figure.shank;
    case Segment::Foot: return b.figure.foot;
  }
  return 0;
}

const Vec3& ExerciseSpec::point(const std::string& n) const {
  for (const auto& p : points)
    if (p.first == n) return p.second;
  throw std::out_of_range("exercise " + source + ": no pose point '" + n + "'");
}

double ExerciseSpec::skin_rise_m(const Vec2& p) const {
  return 0.5 * p.x() * p.x() / skin_radius_m.x() + 0.5 * p.y() * p.y() / skin_radius_m.y();
}

double BonyPoint::reach2(const Vec2& p) const {
  const double a = angle_deg * M_PI / 180, c = std::cos(a), s = std::sin(a);
  const Vec2 d = p - at;
  const double u = c * d.x() + s * d.y(), v = -s * d.x() + c * d.y();
  if (!ridge) return Vec2(u, v).cwiseQuotient(half_m).squaredNorm();
  const double beyond = std::max(0.0, std::abs(u) - (half_m.x() - half_m.y()));
  return (beyond * beyond + v * v) / (half_m.y() * half_m.y());
}

double ExerciseSpec::bone_depth_at(const Vec2& p) const {
  double d = bone_depth_m;
  for (const BonyPoint& b : bones) {
    const double r2 = b.reach2(p);
    if (r2 < 1) d = std::min(d, b.depth_m + (bone_depth_m - b.depth_m) * r2);
  }
  return d;
}

bool ExerciseSpec::over(const Structure& s, const Vec2& p) const {
  switch (s.kind) {
    case Structure::Kind::Line: return std::abs(p.x() - s.x_m) <= s.half_width_m;
    case Structure::Kind::Patch:
      return p.x() >= s.x_range[0] && p.x() <= s.x_range[1] && p.y() >= s.y_range[0] && p.y() <= s.y_range[1];
    case Structure::Kind::Bones:
      for (int b : s.bones)
        if (bones[b].reach2(p) <= 0.25) return true;
      return false;
  }
  return false;
}

std::string exercise_path(const std::string& name) { return std::string(BACKROLL_ASSET_DIR) + "/exercises/" + name + ".toml"; }

ExerciseSpec load_exercise_spec(const std::string& path, const std::vector<ConfigOverride>& overrides) {
  std::vector<ConfigOverride> own = overrides;  // the body's keys (body.mass_kg, torso.*) go to its file, as a scenario's
  std::vector<ConfigOverride> body_ov = take_overrides(own, "torso.", true);
  for (ConfigOverride& o : take_overrides(own, "body.", false)) body_ov.push_back(std::move(o));
  TomlReader r(path, own);
  if (r.has("posture"))
    throw ConfigError(fmt::format("{}: a scenario of the back ([posture]), not an exercise's file: run it with "
                                  "`backroll compare {}`", path, path));
  ExerciseSpec e;
  e.source = path;
  e.name = r.text("name");
  e.summary = r.text("summary");
  e.body_file = catalog_file("bodies", r.text("body"), r.source_file("body"), r.where("body"), "body");
  e.roller_file = catalog_file("rollers", r.text("roller"), r.source_file("roller"), r.where("roller"), "roller");
  e.body = load_body_spec(e.body_file, body_ov);
  const BodySpec& body = e.body;
  const double scale = body.height_m / 1.75;
  auto fail = [&](const std::string& key, const std::string& what) {
    throw ConfigError(fmt::format("{}: {}: {}", r.where(key), key, what));
  };

  // [pose]: the points (in the file's order of segments, then supports, each read once).
  auto take_point = [&](const std::string& key, const std::string& n) {
    for (const auto& p : e.points)
      if (p.first == n) return;
    if (!r.has("pose.points." + n)) fail(key, "names the point '" + n + "', which pose.points does not hold");
    e.points.push_back({n, scale * to_vec3(r.numbers("pose.points." + n, 3, -3, 3))});
  };
  // "kind from to" per segment.
  auto take_segments = [&](const std::string& key, int limb) {
    for (const std::string& line : r.texts(key)) {
      std::istringstream words(line);
      std::vector<std::string> w{std::istream_iterator<std::string>(words), std::istream_iterator<std::string>()};
      if (w.size() != 3) fail(key, "'" + line + "': each entry is \"segment from-point to-point\"");
      const auto k = std::find(segment_names().begin(), segment_names().end(), w[0]);
      if (k == segment_names().end())
        fail(key, "'" + w[0] + "' is not a segment: allowed head, trunk, upper_arm, forearm, hand, thigh, shank, foot");
      PoseSegment s;
      s.kind = static_cast<Segment>(k - segment_names().begin());
      s.from = w[1];
      s.to = w[2];
      s.limb = limb;
      take_point(key, s.from);
      take_point(key, s.to);
      const double len = (e.point(s.to) - e.point(s.from)).norm(), want = segment_length_fraction(body, s.kind) * body.height_m;
      if (want > 0 && std::abs(len - want) > 0.15 * want)
        fail(key, fmt::format("the {} from {} to {} is {:.3f} m long; the body file's figure says {:.3f} m (allowed within "
                              "15 %)", w[0], s.from, s.to, len, want));
      e.segments.push_back(s);
    }
  };
  take_segments("pose.segments", -1);
  for (size_t i = 0, nl = r.table_count("pose.limb"); i < nl; ++i) {
    const std::string k = fmt::format("pose.limb[{}].", i);
    Limb l;
    l.name = r.text(k + "name");
    l.joint = r.text(k + "joint");
    take_point(k + "joint", l.joint);
    l.Nm_per_deg = r.number(k + "Nm_per_deg", 0.1, 1000);
    e.limbs.push_back(l);
    take_segments(k + "segments", static_cast<int>(i));
  }
  const size_t ns = r.table_count("support");
  if (ns == 0 || ns > 8) fail("support", fmt::format("{} [[support]] tables: allowed 1 to 8", ns));
  for (size_t i = 0; i < ns; ++i) {
    const std::string k = fmt::format("support[{}].", i);
    ExerciseSupport s;
    s.name = r.text(k + "name");
    s.point = r.text(k + "point");
    take_point(k + "point", s.point);
    // The body it holds: the limb named, or the limb whose segment ends there (not at its joint),
    // or the core.
    if (r.has(k + "limb")) {
      std::vector<std::string> names;
      for (const Limb& l : e.limbs) names.push_back(l.name);
      const std::string n = r.text(k + "limb", names);
      s.limb = static_cast<int>(std::find(names.begin(), names.end(), n) - names.begin());
    } else {
      for (const PoseSegment& g : e.segments)
        if (g.limb >= 0 && (g.from == s.point || g.to == s.point) && e.limbs[g.limb].joint != s.point) s.limb = g.limb;
    }
    s.stiffness_N_per_m = r.number(k + "stiffness_N_per_m", 1e3, 1e7);
    e.supports.push_back(s);
  }

  // [region]
  e.centre_m = scale * to_vec2(r.numbers("region.centre_m", 2, -2, 2));
  e.half_m = scale * to_vec2(r.numbers("region.half_size_m", 2, 0.02, 0.3));
  e.skin_radius_m = scale * to_vec2(r.numbers("region.skin_radius_m", 2, 0.03, 10));
  e.bone_depth_m = scale * r.number("region.bone_depth_m", 0.005, 0.2);
  if (r.has("region.element_size_m")) e.element_size_m = r.number("region.element_size_m", 0.002, 0.02);
  if (r.has("region.towards")) {
    const std::vector<std::string> t = r.texts("region.towards", 2);
    e.x_towards = t[0], e.y_towards = t[1];
  }
  const size_t nl = r.table_count("region.layer");
  if (nl < 2 || nl > 8) fail("region.layer", fmt::format("{} [[region.layer]] tables: allowed 2 to 8", nl));
  double above = 0;
  for (size_t i = 0; i < nl; ++i) {
    const std::string k = fmt::format("region.layer[{}].", i);
    ExerciseLayer l;
    l.region = r.text(k + "region", region_names());
    l.thickness_m = r.number(k + "thickness_m", 0.0005, 0.1);
    above += l.thickness_m;
    e.layers.push_back(l);
  }
  for (size_t i = 0, nb = r.table_count("bone"); i < nb; ++i) {
    const std::string k = fmt::format("bone[{}].", i);
    BonyPoint b;
    b.name = r.text(k + "name");
    b.at = scale * to_vec2(r.numbers(k + "at", 2, -0.3, 0.3));
    b.half_m = scale * to_vec2(r.numbers(k + "half_m", 2, 0.005, 0.3));
    b.depth_m = scale * r.number(k + "depth_m", 0.001, 0.2);
    if (r.has(k + "shape")) b.ridge = r.text(k + "shape", {"point", "ridge"}) == "ridge";
    if (r.has(k + "angle_deg")) b.angle_deg = r.number(k + "angle_deg", -180, 180);
    if (b.ridge && b.half_m.x() < b.half_m.y())
      fail(k + "half_m", fmt::format("[{:.4f}, {:.4f}]: a ridge's half-length (the first) must be at least its half-width",
                                     b.half_m.x(), b.half_m.y()));
    for (const BonyPoint& o : e.bones)
      if (o.name == b.name) fail(k + "name", "'" + b.name + "' names two bones");
    e.bones.push_back(b);
  }
  // Every column must hold every layer: the bone no nearer the skin than the layers' thickness.
  for (const BonyPoint& b : e.bones)
    if (b.depth_m < above || b.depth_m > e.bone_depth_m)
      fail("bone", fmt::format("'{}' lies {:.4f} m deep: allowed [{:.4f}, {:.4f}] (the layers' thickness to the region's "
                               "bone depth)", b.name, b.depth_m, above, e.bone_depth_m));
  if (e.bone_depth_m < above)
    fail("region.bone_depth_m", fmt::format("{:.4f} m is less than the layers' {:.4f} m", e.bone_depth_m, above));
  for (size_t i = 0, nt = r.table_count("structure"); i < nt; ++i) {
    const std::string k = fmt::format("structure[{}].", i);
    Structure s;
    s.name = r.text(k + "name");
    const std::string kind = r.text(k + "kind", {"line", "patch", "bones"});
    if (kind == "line") {
      s.kind = Structure::Kind::Line;
      s.x_m = scale * r.number(k + "x_m", -e.half_m.x(), e.half_m.x());
      s.depth_m = scale * r.number(k + "depth_m", 0.001, 0.2);
      s.half_width_m = scale * r.number(k + "half_width_m", 0.001, 0.05);
      if (s.depth_m >= e.bone_depth_at(Vec2(s.x_m, 0)))
        fail(k + "depth_m", fmt::format("{:.4f} m: the bone there lies {:.4f} m deep", s.depth_m, e.bone_depth_at(Vec2(s.x_m, 0))));
    } else if (kind == "bones") {
      s.kind = Structure::Kind::Bones;
      std::vector<std::string> names;
      for (const BonyPoint& b : e.bones) names.push_back(b.name);
      for (const std::string& n : r.texts(k + "bones")) {
        const auto at = std::find(names.begin(), names.end(), n);
        if (at == names.end()) fail(k + "bones", "'" + n + "' is no [[bone]]'s name");
        s.bones.push_back(static_cast<int>(at - names.begin()));
      }
      if (s.bones.empty()) fail(k + "bones", "names no bone");
    } else {
      s.kind = Structure::Kind::Patch;
      s.x_range = scale * to_vec2(r.numbers(k + "x_range", 2, -e.half_m.x(), e.half_m.x()));
      s.y_range = scale * to_vec2(r.numbers(k + "y_range", 2, -e.half_m.y(), e.half_m.y()));
      if (s.x_range[0] >= s.x_range[1] || s.y_range[0] >= s.y_range[1]) fail(k + "x_range", "each range must run low to high");
    }
    e.structures.push_back(s);
  }
  // The path: a line along y, or the places themselves; every place within half the region.
  const Vec2 reach = 0.5 * e.half_m / scale;
  if (r.has("roll.x_m") || r.has("roll.y_m")) {
    const std::vector<double> xs = r.numbers("roll.x_m", 0, -reach.x(), reach.x());
    const std::vector<double> ys = r.numbers("roll.y_m", 0, -reach.y(), reach.y());
    if (xs.size() != ys.size())
      fail("roll.y_m", fmt::format("{} places, roll.x_m {}: the lists must be as long as each other", ys.size(), xs.size()));
    for (size_t i = 0; i < xs.size(); ++i) e.path_m.push_back(scale * Vec2(xs[i], ys[i]));
  } else {
    const double from = r.number("roll.from_m", -reach.y(), reach.y());
    const double to = r.number("roll.to_m", from, reach.y());
    const double step = r.number("roll.step_m", 0.002, 0.05);
    const int n = static_cast<int>(std::lround((to - from) / step));
    for (int i = 0; i <= n; ++i) e.path_m.push_back(scale * Vec2(0, from + (to - from) * i / std::max(n, 1)));
  }
  r.finish();
  return e;
}

}  // namespace backroll
