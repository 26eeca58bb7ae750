// What a viewer draws, read off the core's solved state: surfaces in a world frame with the
// scalars they are coloured by. No GL here; render/ uploads these arrays as they are, so every
// colour on screen comes from the same numbers as the headless results.
//
// World frame: the floor is the plane z = 0, x the subject's left, the body pitched head-up on
// the roller about its hip, and the hip (the pelvis's frame origin, where the legs hold it) kept
// above the origin: the feet stay where they are and the roller moves along the floor as it
// rolls, as on a real floor.
#pragma once

#include <Eigen/Core>
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "run/roll.h"
#include "gear/roller.h"
#include "anatomy/body_model.h"

namespace backroll {

using Vec3f = Eigen::Vector3f;

// A triangle mesh (a roller, in its own frame).
struct TriMesh {
  std::vector<Vec3f> pos, normal;
  std::vector<Tri> tris;
};

// The model's surfaces, fixed once it is built (indices into the tissue nodes).
struct SceneTopology {
  std::vector<Tri> outer;                      // the tissue's outer surface, outward
  std::vector<std::vector<Tri>> region_faces;  // per region (region_names()): its boundary, outward from it
  std::vector<char> on_skin;                   // per node: 1 on the back's skin surface
  std::vector<int> skin_slot;                  // per node: index into skin_nodes (RollResult::skin_pressure_Pa), or -1
  std::vector<Tet> tets;                       // for sections
  std::vector<int> tet_region;
  std::vector<int> box_bone;                   // per drawn bone box: its bone
  std::vector<std::string> bone_name;
  std::vector<BoneKind> bone_kind;
  // Per level T1..L5: where its label goes, the skin's midline over its spinous process's tip (on
  // the surface the roller touches, so a label sits where that level's pressure shows): between
  // the midline nodes of the two skin rows either side of the tip's place on the skin line, the
  // second weighted level_skin_w (level_label_m).
  std::array<std::array<int, 2>, kLevels> level_skin_nodes{};
  std::array<float, kLevels> level_skin_w{};
  // The skin's node rows across the back, head end first, each from the subject's right (-x) to
  // the left (+x): where the drawn person (viz/figure.h) joins the simulated back.
  std::vector<std::vector<int>> skin_rows;
  std::vector<double> skin_row_s_m;            // each row's place along the skin line
  std::vector<int> skin_row_mid;               // each row's node on the midline (x = 0)
  std::array<double, 20> sp_tip_s_m{};         // C7..S2, as BodyModel::sp_tip_s_m
  int pelvis_bone = -1;
  int n_nodes = 0;
};
SceneTopology scene_topology(const BodyModel& m);

struct SceneFrame;
// Where level v's label goes (0 = T1) in a solved state.
Vec3f level_label_m(const SceneTopology& t, const SceneFrame& f, int v);

// One solved state in the world frame.
struct SceneFrame {
  std::vector<Vec3f> node_m;                     // every tissue node
  std::vector<float> node_pressure_Pa;           // contact pressure at skin nodes, 0 elsewhere
  std::vector<std::array<Vec3f, 8>> box_corner;  // per bone box (SceneTopology::box_bone), corner c at (+-x, +-y, +-z) by bits 0, 1, 2
  std::vector<float> bone_load_N;                // per bone: the tissue's load on it (RollResult::bone_load_N)
  std::vector<Vec3f> bone_origin_m;              // per bone: its frame's origin
  std::array<Vec3f, kLevels> sp_tip_m{};         // T1..L5: each spinous process's tip
  // The intervertebral discs T1-T2 .. L5-S1: each the hexahedron between one vertebral body's
  // caudal face and the next one's cranial face, corners numbered as box_corner's.
  std::vector<std::array<Vec3f, 8>> disc_corner;
  Eigen::Matrix4f roller_pose = Eigen::Matrix4f::Identity();  // roller frame -> world
  Vec3f roller_centre_m = Vec3f::Zero();
  float pitch_deg = 0;
};
// The session's current state (after a converged solve that gave `r`).
SceneFrame scene_frame(const RollSession& ses, const RollResult& r);

// The roller's surface in its frame (axis x), sampled from its distance function: `n_axial`
// stations along the axis, `n_around` points around it, closed by end caps. Normals are the
// distance function's gradient.
TriMesh roller_mesh(const RollerSpec& spec, int n_axial, int n_around);

// A section through the tissue: the plane n . p = d cuts each tetrahedron it crosses in a
// triangle or a quad (two triangles). Triangle soup: 3 vertices per triangle, one region each.
struct Section {
  std::vector<Vec3f> pos;
  std::vector<int> region;  // per triangle
};
Section tissue_section(const SceneTopology& topo, const std::vector<Vec3f>& node_m, const Vec3f& n, float d);

}  // namespace backroll
