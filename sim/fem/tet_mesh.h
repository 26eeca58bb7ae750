// Tetrahedral meshes: storage, structured (graded) generators, boundary faces and quality.
//
// Meshes are built from a structured index grid (i, j, k) mapped to space by a function; every
// grid cell (a hexahedron) is split into 6 tetrahedra around its main diagonal (Kuhn split), which
// is conforming across cells. Tetrahedra are stored with positive signed volume.
#pragma once

#include <Eigen/Core>
#include <Eigen/Geometry>
#include <array>
#include <functional>
#include <vector>

namespace backroll {

using Vec3 = Eigen::Vector3d;
using Tet = std::array<int, 4>;
using Tri = std::array<int, 3>;

struct TetMesh {
  std::vector<Vec3> X;          // rest position of each node (m), size n_nodes
  std::vector<Tet> tets;        // node indices, positive signed volume
  std::vector<int> tet_body;    // body index of each tet (0 = tissue, 1 = roller layer, ...)

  int n_nodes() const { return static_cast<int>(X.size()); }
  int n_tets() const { return static_cast<int>(tets.size()); }
};

double tet_signed_volume(const Vec3& a, const Vec3& b, const Vec3& c, const Vec3& d);

// A 1D coordinate list from lo to hi: spacing h_fine inside [fine_lo, fine_hi], growing
// geometrically by `growth` per cell away from it, capped at h_max. Ends land exactly on lo/hi.
std::vector<double> graded_axis(double lo, double hi, double fine_lo, double fine_hi,
                                double h_fine, double growth, double h_max);

// Appends a structured grid of ni x nj x nk nodes to `mesh`, with node positions pos(i, j, k).
// With periodic_j the j index wraps (nj distinct values, cells between j = nj-1 and 0 too).
// Returns the node index of each grid point, indexed [(k * nj + j) * ni + i].
// Each hexahedral cell is cut into 6 tets along a main diagonal (Kuhn); cells with i >= mirror_i
// are cut along the diagonal mirrored in i, so a grid symmetric about the plane between cells
// mirror_i - 1 and mirror_i gets a mirror-symmetric mesh (the cuts still match across faces).
std::vector<int> append_structured(TetMesh& mesh, int ni, int nj, int nk, bool periodic_j,
                                   int body, const std::function<Vec3(int, int, int)>& pos,
                                   int mirror_i = -1);

// The cells append_structured cut from tet `first` on, as groups of their 6 tets (in order), up
// to tet `end` (exclusive): what FemModel::dilatation_groups takes.
std::vector<std::vector<int>> structured_cells(int first, int end);

// The same for the grid of ni x nj x nk nodes `id` (append_structured's) with tied nodes (each
// {node, a, b}: a node that follows two masters on one grid line, FemModel::NodeTie): the cells
// between a tie's masters along its line, beside the tied node, are one group. The tied nodes add
// no unknowns, so a volume term per cell there would put several volume constraints on one
// coarse element's unknowns, and a nearly incompressible solid would lock.
std::vector<std::vector<int>> structured_cells(int first, const std::vector<int>& id, int ni, int nj, int nk,
                                               const std::vector<std::array<int, 3>>& ties);

// Boundary triangles (faces used by one tet), ordered so that the normal points outward.
std::vector<Tri> boundary_faces(const TetMesh& mesh);

// Each node's tributary area (m^2) on the triangles `faces` at positions x: a third of every
// triangle it is a corner of (zero off them).
std::vector<double> node_areas(const std::vector<Tri>& faces, const std::vector<Vec3>& x);

struct MeshQuality {
  double min_volume_m3 = 0;
  double min_dihedral_deg = 0;
  double max_dihedral_deg = 0;
  double max_aspect = 0;  // longest edge / (2 sqrt(6) inradius)... normalised: 1 for a regular tet
};
MeshQuality mesh_quality(const TetMesh& mesh);

}  // namespace backroll
