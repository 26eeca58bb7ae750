// The torso model: bones, joints and tagged soft tissue generated from a body file (BodySpec).
//
// Coordinates (supine): x = the subject's left, y = cranial, z = up (anterior); the floor is
// the plane z = 0 under the back. The spine is built along the skin line of the spinous-process
// tips, a curve C(s) (s from C7 to PSIS, Ernst 2013 level positions) bent by the kyphosis and
// lordosis angles, with a caudal tangent t(s) and a posterior normal n(s). A local point
// (x, s, h) sits at C(s) + x e_x + h n(s): h > 0 is behind the tips (towards the skin and the
// floor), h < 0 in front (the laminae, the vertebral bodies, the trunk).
//
// Bones are rigid bodies: 17 vertebrae (T1..L5), the pelvis with the sacrum, 12 rib pairs (each
// a chain of segments about rib_segment_m of arc long, joined by beams of the rib's section) and
// the sternum. Intervertebral joints are 6-dof springs fitted to in-vitro ranges of motion,
// extension bilinear (facets engaging). Ribs hang on their vertebrae by costovertebral springs;
// ribs 1-7 reach the sternum and 8-10 the rib above through costal-cartilage beams; 11-12 float.
//
// Soft tissue is one structured tetrahedral mesh over the back (columns across x and along s,
// rows through the depth): skin, fat, fascia, then a muscle band down to the bone surface (the
// spinous-process ridge, the laminae, the rib cage) or, in the lumbar flanks, down to the
// abdominal wall's deep boundary. Each tetrahedron is tagged with a region (region_names()) from
// its position, and takes that region's material. The deepest node of every column is attached
// to the bone beneath it, so no tissue floats.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "fem/quasi_static.h"
#include "anatomy/body_spec.h"

namespace backroll {

enum class BoneKind { Vertebra, Pelvis, Rib, Sternum };

struct BoneBox {  // a box used to draw (and export) a bone; not a collision shape
  Vec3 centre_m;
  Mat3 axes;      // columns: the box's local x, y, z in world
  Vec3 half_m;    // half extents along them
};

struct Bone {
  std::string name;       // "T7", "pelvis", "rib7_left_posterior", "sternum"
  BoneKind kind = BoneKind::Vertebra;
  int level = 0;          // vertebra: 1..17 (T1..L5); rib: 1..12; else 0
  int side = 0;           // rib: +1 left, -1 right
  double own_mass_kg = 0; // the bone and the trunk slice it carries
  double attached_mass_kg = 0;  // head, arms or legs lumped onto it (flat supine)
  Vec3 origin_m;          // frame origin (vertebra: body centre)
  Vec3 com_m;             // centre of the own mass
  std::vector<BoneBox> boxes;
};

// The steps of Liebsch et al. 2017 (PLoS ONE 12:e0178733), who took a cadaveric rib cage apart
// step by step and measured the spine after each; each step includes the ones before it. Their
// last step, all rib heads released, is with_ribs = false.
enum class Resection {
  None,          // the rib cage intact
  Intercostals,  // the intercostal sheet removed
  Sternotomy,    // and the sternum split down its midline: two halves, each holding its side's
                 // cartilages
  AnteriorCage,  // and the ribs cut back to stumps (their first segment, which the
                 // costovertebral joints hold): no cartilage, no sternum
};

struct BodyBuildOptions {
  bool with_ribs = true;     // false: the rib cage removed (ribs, sternum, their joints)
  Resection resection = Resection::None;  // with ribs: how much of the cage a specimen keeps
  bool with_tissue = true;   // false: bones and joints only (a cadaveric spine specimen)
  bool gravity = true;
};

struct BodyModel {
  BodySpec params;
  BodyBuildOptions options;
  std::vector<Bone> bones;              // index = rigid body index in fem
  FemModel fem;                         // tissue, bones (6 dofs each), joints, contacts on the
                                        // spinous processes, gravity; no floor
  std::vector<int> tet_region;          // region tag per tet (index into region_names())
  // How a fibre-reinforced tet's fibres run (thoracolumbar_fascia): in the fascia sheet, two
  // families at +- the material's angle from the transverse direction; in the supraspinous
  // ligament over the tips (the band under the sheet), along the spine.
  enum class Fibres : signed char { None, Sheet, Ligament };
  std::vector<Fibres> tet_fibres;
  std::vector<Vec3> node_local;         // (x, s, h) of every node
  std::vector<int> skin_nodes;          // the outer (skin) surface nodes
  std::vector<Tri> skin_faces;          // outward skin triangles (towards the floor)
  std::array<int, kLevels> vertebra{};  // bone index of T1..L5
  int pelvis = -1, sternum = -1;
  int sternum_right = -1;               // after a sternotomy: the right half (sternum: the left)
  // Each rib is a chain of rigid segments from the transverse process (first, which the
  // costovertebral joints hold) to its bony end (last, which carries the cartilage), joined by
  // beams of the rib's section. [rib-1][side: 0 left, 1 right].
  std::array<std::array<std::vector<int>, 2>, kRibs> rib_segments{};
  std::array<int, kLevels> intervertebral_joint{};  // joint index of T1-T2 .. L5-S1
  std::array<double, 20> sp_tip_s_m{};  // skin-line position of each spinous-process tip, C7..S2
  std::array<double, kLevels> sp_tip_depth_m{};  // generated skin-to-tip depth per level
  double tissue_mass_kg = 0;
  double total_mass_kg = 0;             // all gravity-loaded mass in the model
  double mesh_axial_size_m = 0;         // element sizes actually used
  double mesh_max_depth_size_m = 0;     // largest row thickness over the spinous processes
  int kidney_element_rows = 0;          // element rows through a kidney's depth at its centre
  int abdomen = -1;                     // the abdominal cavity (index into fem.cavities), or -1
  // The tissue over each spinous process's tip rests on it (frictionless contact, never bonded):
  // per level T1..L5 the rigid contact set in fem (a facet per node), or -1.
  std::array<int, kLevels> sp_contact{};
  // Per level, per node of that set: the part of the node's share of the back's width (half way
  // to each neighbouring column) that lies over the tip (|x| <= its half-width): 1 inside; at the
  // tip's edge the inner half-cell's part, the outer half lying over the process's side. The
  // tips' load counts each node's contact force by it (measure/frame.cpp), as the pressure mat
  // spreads a node's force over its share of the skin.
  std::array<std::vector<double>, kLevels> sp_tip_share{};
};

// Builds the model. Throws std::runtime_error when the data make an impossible body (for
// example a trunk segment lighter than the tissue generated in it).
BodyModel build_body(const BodySpec& p, const BodyBuildOptions& o = {});

// Rigid-body dofs: numbers all 6 dofs of every bone after the tissue dofs, except those listed
// as fixed (bone index, dof 0..5), and of the supports (bodies after the bones) those listed as
// free_supports (body index, dof). Rebuilds fem.n_dofs and finalizes.
void number_bone_dofs(BodyModel& m, const std::vector<std::pair<int, int>>& fixed,
                      const std::vector<std::pair<int, int>>& free_supports = {});

// Adds a rigid floor (the plane z = 0) with frictionless contact on the skin nodes, and fixes
// the motions the floor cannot hold (the pelvis's x, y translation and rotation about z).
// Returns the floor's rigid-body index.
int add_floor(BodyModel& m);
// The floor's rigid body (a FloorShape at the origin) and its contact set on the skin nodes only,
// without fixing any dofs; returns the body index.
int add_floor_contact(BodyModel& m);

// Every gravity load (tissue nodes, bones and their lumped segments) for gravity along the unit
// vector `down` (zero: no gravity), in the model's frame, written into a state's inputs: a body
// pitched in the world sees gravity turned the other way in its own frame.
void set_gravity(const BodyModel& m, const Vec3& down, FemInputs& in);
// The same as the model's own loads (what a fresh state starts with), after setting each bone's
// load point (where its weight acts: fem RigidBody::load_offset_m) from its masses; the first form
// needs those points up to date.
void set_gravity(BodyModel& m, const Vec3& down);
// The body's whole weight (N): every prescribed force of the state and its fluid cavities' weight.
Vec3 total_gravity_vector_N(const FemModel& fem, const FemState& st);

// Tributary skin area (m^2) of every node (zero off the skin): a third of each adjacent skin
// triangle, at node positions x (the rest positions fem.mesh.X, or a solved state's).
std::vector<double> skin_node_area(const BodyModel& m, const std::vector<Vec3>& x);

// Gravity force (N) summed over the model's tissue, bones and abdominal fluid at rest (z component, negative down).
double total_gravity_N(const BodyModel& m);

}  // namespace backroll
