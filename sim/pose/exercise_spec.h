// An exercise other than the back's (assets/exercises/*.toml): one region of soft tissue where the
// roller acts, carried by the rest of the body held rigid in the exercise's pose.
//
// The file holds, for the default adult (1.75 m; other statures scale every length):
//   [pose] points   named points of the posed figure in the world (x = the person's left,
//                   y = cranial, z = up, the floor z = 0; m), the ends of de Leva's segments;
//                   their horizontal places carry the weight share (the vertical ones only draw)
//   [[pose.limb]]   a limb hinged on the core at a joint (its segments' list like pose.segments)
//   [[support]]     where the body rests on the floor besides the roller: a point of the pose
//                   pushed up by a spring that only pushes (on the core also held sideways)
//   [region]        the tissue block over the roller's path: its place, size and the skin's
//                   curvature; [[region.layer]] from the skin inwards (a region of the body file,
//                   which gives the material, and a thickness; the last fills down to the bone)
//   [[bone]]        where the bone comes nearer the skin than the region's depth: a bony point or
//                   a ridge (a rib, a bone's border)
//   [[structure]]   what the measures read: a line along the path at a depth (a nerve, a vessel:
//                   the tissue's pressure along it, the skin's pressure over it), a patch of skin
//                   (a muscle's surface: the pressure over it) or the skin over named bones
//   [roll]          the roller's path: from_m, to_m and step_m along y from the region's centre, or
//                   the places themselves (x_m and y_m, lists as long as each other: small circles)
#pragma once

#include <Eigen/Core>
#include <array>
#include <string>
#include <vector>

#include "anatomy/body_spec.h"
#include "fem/tet_mesh.h"
#include "io/toml_reader.h"

namespace backroll {

using Vec2 = Eigen::Vector2d;

// de Leva's segments as the body file's [mass] and [figure] name them.
enum class Segment { Head, Trunk, UpperArm, Forearm, Hand, Thigh, Shank, Foot };
const char* name(Segment s);

struct PoseSegment {
  Segment kind = Segment::Trunk;
  std::string from, to;  // point names: proximal and distal end
  int limb = -1;         // the limb it belongs to (ExerciseSpec::limbs), or -1: the body's core
};

// A limb that hangs on the body's core at a joint (a leg at its hip), held there against turning
// by the joint's muscles (a rotational spring); resting on one support it pivots freely over it
// (pose/exercise_model.h), so its weight splits between the joint and the support by statics.
struct Limb {
  std::string name, joint;       // the joint: a pose point, where the limb turns on the core
  double Nm_per_deg = 0;         // the muscles' rotational stiffness there, every axis
};

struct ExerciseSupport {
  std::string name, point;       // the pose's point that rests on the floor
  // The body it holds: the limb the file names (limb = "left leg"), else the limb whose segment
  // ends at the point (not at its joint), else -1: the core.
  int limb = -1;
  // Vertical (pushes only); on the core also each horizontal direction (static friction).
  double stiffness_N_per_m = 0;
};

struct ExerciseLayer {
  std::string region;      // a region of the body file (its material)
  double thickness_m = 0;  // the last layer's is its least: it fills down to the bone
};

// The bone rising to `depth_m` under the skin at its crest, back to the region's depth at the edge
// of its footprint, parabolically. A point's footprint is an ellipse about `at` with half axes
// `half_m`; a ridge's a stadium: its crest a line through `at` of half-length half_m.x() less the
// rounded ends, half-width half_m.y(). Both turned by `angle_deg` from the region's x towards y.
struct BonyPoint {
  std::string name;
  Vec2 at = Vec2::Zero(), half_m = Vec2::Zero();
  double depth_m = 0, angle_deg = 0;
  bool ridge = false;
  // The squared distance from the crest at region coordinates p, in footprint half-widths: 0 on the
  // crest, 1 at the footprint's edge.
  double reach2(const Vec2& p) const;
};

struct Structure {
  std::string name;
  enum class Kind { Line, Patch, Bones } kind = Kind::Line;
  // Line: across position x, depth below the skin and the half-width of the skin strip over it.
  double x_m = 0, depth_m = 0, half_width_m = 0;
  // Patch: the skin's rectangle (x range, y range), region coordinates.
  Vec2 x_range = Vec2::Zero(), y_range = Vec2::Zero();
  // Bones: the skin over these bones (ExerciseSpec::bones), the inner half of each footprint.
  std::vector<int> bones;
};

struct ExerciseSpec {
  std::string source, name, summary;
  std::string body_file, roller_file;
  BodySpec body;  // read from body_file with the overrides' body keys
  std::vector<std::pair<std::string, Vec3>> points;  // scaled to the body's stature
  std::vector<PoseSegment> segments;
  std::vector<Limb> limbs;
  std::vector<ExerciseSupport> supports;
  // The region: its centre (the skin's lowest point at path 0, world x and y), half extents
  // across (x) and along (y), the skin's radii of curvature there, the depth to the bone.
  Vec2 centre_m = Vec2::Zero(), half_m = Vec2::Zero(), skin_radius_m = Vec2::Zero();
  double bone_depth_m = 0;
  double element_size_m = 0.005;  // at the skin over the path; larger with depth and away
  std::string x_towards = "+x", y_towards = "+y";  // what the region's +x and +y point to (pictures)
  std::vector<ExerciseLayer> layers;
  std::vector<BonyPoint> bones;
  std::vector<Structure> structures;
  std::vector<Vec2> path_m;  // the roller's places (x, y) from the region's centre, in order

  // The point's place; throws std::out_of_range for a name the pose does not hold.
  const Vec3& point(const std::string& name) const;
  // The skin's height above its lowest point and the depth to the bone at region coordinates p.
  double skin_rise_m(const Vec2& p) const;
  double bone_depth_at(const Vec2& p) const;
  // Whether the skin at region coordinates p (at rest) lies over structure s: within a line's strip,
  // in a patch, or in the inner half of one of its bones' footprints.
  bool over(const Structure& s, const Vec2& p) const;

};

// Reads and checks an exercise file: file, key, value and allowed range in every error
// (ConfigError); the pose's segments must be as long as the body file's figure says (within 15 %).
// Overrides (a sweep's axes) go to the exercise file, those keyed body.* or torso.* to its body
// file, as a scenario's do (run/roll.h).
ExerciseSpec load_exercise_spec(const std::string& path, const std::vector<ConfigOverride>& overrides = {});
// assets/exercises/<name>.toml
std::string exercise_path(const std::string& name);

// de Leva's centre of mass along each segment (fraction of its length from the proximal end).
double segment_com_fraction(Segment s, bool female);
// The segment's share of the body mass (%), from the body file.
double segment_mass_pct(const BodySpec& b, Segment s);
// Its length (fraction of the height) in the body file's figure; 0 when the figure has none.
double segment_length_fraction(const BodySpec& b, Segment s);

}  // namespace backroll
