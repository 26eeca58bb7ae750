#include "fem/tet_mesh.h"

#include <Eigen/Geometry>
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <stdexcept>

namespace backroll {

double tet_signed_volume(const Vec3& a, const Vec3& b, const Vec3& c, const Vec3& d) {
  return (b - a).dot((c - a).cross(d - a)) / 6.0;
}

std::vector<double> graded_axis(double lo, double hi, double fine_lo, double fine_hi,
                                double h_fine, double growth, double h_max) {
  if (!(hi > lo) || !(h_fine > 0) || !(growth >= 1.0) || !(h_max >= h_fine))
    throw std::invalid_argument("graded_axis: bad arguments");
  fine_lo = std::clamp(fine_lo, lo, hi);
  fine_hi = std::clamp(fine_hi, lo, hi);
  // Fine zone: a whole number of cells of about h_fine.
  std::vector<double> xs;
  int nf = std::max(1, static_cast<int>(std::lround((fine_hi - fine_lo) / h_fine)));
  if (fine_hi - fine_lo <= 0) nf = 0;
  for (int i = 0; i <= nf; ++i) xs.push_back(fine_lo + (fine_hi - fine_lo) * i / std::max(nf, 1));
  if (nf == 0) xs = {fine_lo};
  // Grow outwards on one side until `end`; the last cell is merged so the end lands exactly.
  auto grow = [&](double start, double end, double dir) {
    std::vector<double> out;
    double h = h_fine, x = start;
    while (dir * (end - x) > 1e-12) {
      h = std::min(h * growth, h_max);
      double next = x + dir * h;
      if (dir * (end - next) < 0.5 * h) next = end;  // snap the remainder
      out.push_back(next);
      x = next;
    }
    return out;
  };
  std::vector<double> left = grow(fine_lo, lo, -1.0), right = grow(fine_hi, hi, +1.0);
  std::vector<double> all(left.rbegin(), left.rend());
  all.insert(all.end(), xs.begin(), xs.end());
  all.insert(all.end(), right.begin(), right.end());
  return all;
}

std::vector<int> append_structured(TetMesh& mesh, int ni, int nj, int nk, bool periodic_j,
                                   int body, const std::function<Vec3(int, int, int)>& pos,
                                   int mirror_i) {
  std::vector<int> id(static_cast<size_t>(ni) * nj * nk);
  for (int k = 0; k < nk; ++k)
    for (int j = 0; j < nj; ++j)
      for (int i = 0; i < ni; ++i) {
        id[(static_cast<size_t>(k) * nj + j) * ni + i] = mesh.n_nodes();
        mesh.X.push_back(pos(i, j, k));
      }
  auto node = [&](int i, int j, int k) {
    if (periodic_j) j %= nj;
    return id[(static_cast<size_t>(k) * nj + j) * ni + i];
  };
  // Kuhn split: the 6 monotone paths from corner 000 to corner 111.
  static const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  const int cj = periodic_j ? nj : nj - 1;
  for (int k = 0; k + 1 < nk; ++k)
    for (int j = 0; j < cj; ++j)
      for (int i = 0; i + 1 < ni; ++i)
        for (const auto& p : perms) {
          const bool mirrored = mirror_i >= 0 && i >= mirror_i;
          auto corner = [&](const int* c) { return node(i + (mirrored ? 1 - c[0] : c[0]), j + c[1], k + c[2]); };
          int c[3] = {0, 0, 0};
          Tet t;
          t[0] = corner(c);
          for (int s = 0; s < 3; ++s) {
            c[p[s]] = 1;
            t[s + 1] = corner(c);
          }
          const double v = tet_signed_volume(mesh.X[t[0]], mesh.X[t[1]], mesh.X[t[2]], mesh.X[t[3]]);
          if (v < 0) std::swap(t[2], t[3]);
          if (v == 0) throw std::runtime_error("append_structured: degenerate tetrahedron");
          mesh.tets.push_back(t);
          mesh.tet_body.push_back(body);
        }
  return id;
}

std::vector<std::vector<int>> structured_cells(int first, int end) {
  std::vector<std::vector<int>> cells;
  for (int t = first; t + 6 <= end; t += 6) cells.push_back({t, t + 1, t + 2, t + 3, t + 4, t + 5});
  return cells;
}

std::vector<std::vector<int>> structured_cells(int first, const std::vector<int>& id, int ni, int nj, int nk,
                                               const std::vector<std::array<int, 3>>& ties) {
  const std::array<int, 3> size = {ni - 1, nj - 1, nk - 1};
  const int n_cells = size[0] * size[1] * size[2];
  std::vector<int> root(n_cells);
  std::iota(root.begin(), root.end(), 0);
  auto find = [&](int c) {
    while (root[c] != c) c = root[c] = root[root[c]];
    return c;
  };
  auto place = [&](int node) {  // its grid place: append_structured numbers the grid's nodes in order
    const long g = static_cast<long>(node) - id[0];
    if (g < 0 || g >= static_cast<long>(id.size()) || id[g] != node)
      throw std::invalid_argument("structured_cells: a tie names a node off the grid");
    return std::array<int, 3>{static_cast<int>(g % ni), static_cast<int>(g / ni % nj), static_cast<int>(g / ni / nj)};
  };
  for (const std::array<int, 3>& t : ties) {
    const std::array<int, 3> n = place(t[0]), a = place(t[1]), b = place(t[2]);
    int d = 0;  // the tie's line: the grid axis along which its masters lie apart
    while (d < 3 && a[d] == b[d]) ++d;
    const int e = (d + 1) % 3, f = (d + 2) % 3;
    if (d == 3 || a[e] != b[e] || a[f] != b[f] || n[e] != a[e] || n[f] != a[f])
      throw std::invalid_argument("structured_cells: a tied node and its masters are not on one grid line");
    const int lo = std::min(a[d], b[d]), hi = std::max(a[d], b[d]);
    for (int ce = n[e] - 1; ce <= n[e]; ++ce)  // the cells beside the node across the line
      for (int cf = n[f] - 1; cf <= n[f]; ++cf) {
        if (ce < 0 || ce >= size[e] || cf < 0 || cf >= size[f]) continue;
        std::array<int, 3> c{};
        c[e] = ce;
        c[f] = cf;
        auto cell = [&](int cd) {
          c[d] = cd;
          return (c[2] * size[1] + c[1]) * size[0] + c[0];
        };
        const int r = find(cell(lo));
        for (int cd = lo + 1; cd < hi; ++cd) root[find(cell(cd))] = r;
      }
  }
  std::vector<std::vector<int>> by_root(n_cells), out;
  for (int c = 0; c < n_cells; ++c)
    for (int q = 0; q < 6; ++q) by_root[find(c)].push_back(first + 6 * c + q);
  for (std::vector<int>& g : by_root)
    if (!g.empty()) out.push_back(std::move(g));
  return out;
}

std::vector<double> node_areas(const std::vector<Tri>& faces, const std::vector<Vec3>& x) {
  std::vector<double> area(x.size(), 0.0);
  for (const Tri& f : faces) {
    const double A = 0.5 * (x[f[1]] - x[f[0]]).cross(x[f[2]] - x[f[0]]).norm();
    for (int v : f) area[v] += A / 3;
  }
  return area;
}

std::vector<Tri> boundary_faces(const TetMesh& mesh) {
  // Each tet face, ordered outward: for tet (a,b,c,d) with positive volume, the faces
  // (b,c,d), (a,d,c), (a,b,d), (a,c,b) have outward normals.
  std::map<std::array<int, 3>, std::pair<Tri, int>> count;
  for (const Tet& t : mesh.tets) {
    const Tri f[4] = {{t[1], t[2], t[3]}, {t[0], t[3], t[2]}, {t[0], t[1], t[3]}, {t[0], t[2], t[1]}};
    for (const Tri& tri : f) {
      std::array<int, 3> key = tri;
      std::sort(key.begin(), key.end());
      auto it = count.find(key);
      if (it == count.end())
        count.emplace(key, std::make_pair(tri, 1));
      else
        ++it->second.second;
    }
  }
  std::vector<Tri> out;
  for (const auto& kv : count)
    if (kv.second.second == 1) out.push_back(kv.second.first);
  return out;
}

MeshQuality mesh_quality(const TetMesh& mesh) {
  MeshQuality q;
  q.min_volume_m3 = 1e300;
  q.min_dihedral_deg = 180;
  q.max_dihedral_deg = 0;
  q.max_aspect = 0;
  for (const Tet& t : mesh.tets) {
    const Vec3 p[4] = {mesh.X[t[0]], mesh.X[t[1]], mesh.X[t[2]], mesh.X[t[3]]};
    const double v = tet_signed_volume(p[0], p[1], p[2], p[3]);
    q.min_volume_m3 = std::min(q.min_volume_m3, v);
    // Face normals (outward) and areas.
    const int fidx[4][3] = {{1, 2, 3}, {0, 3, 2}, {0, 1, 3}, {0, 2, 1}};
    Vec3 n[4];
    double area_sum = 0;
    for (int f = 0; f < 4; ++f) {
      n[f] = (p[fidx[f][1]] - p[fidx[f][0]]).cross(p[fidx[f][2]] - p[fidx[f][0]]);
      area_sum += 0.5 * n[f].norm();
      n[f].normalize();
    }
    for (int a = 0; a < 4; ++a)
      for (int b = a + 1; b < 4; ++b) {
        const double ang = 180.0 - std::acos(std::clamp(n[a].dot(n[b]), -1.0, 1.0)) * 180.0 / M_PI;
        q.min_dihedral_deg = std::min(q.min_dihedral_deg, ang);
        q.max_dihedral_deg = std::max(q.max_dihedral_deg, ang);
      }
    double lmax = 0;
    for (int a = 0; a < 4; ++a)
      for (int b = a + 1; b < 4; ++b) lmax = std::max(lmax, (p[a] - p[b]).norm());
    const double inradius = 3.0 * v / area_sum;
    q.max_aspect = std::max(q.max_aspect, lmax / (2.0 * std::sqrt(6.0) * inradius));
  }
  return q;
}

}  // namespace backroll
