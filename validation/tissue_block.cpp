#include "validation/tissue_block.h"

#include <cmath>

#include "fem/tet_mesh.h"

namespace backroll {

std::vector<Tri> add_tissue_block(FemModel& m, const std::vector<double>& xs, const std::vector<double>& ys,
                                  const std::vector<double>& zs, bool symmetric_far_x) {
  const int nx = static_cast<int>(xs.size()), ny = static_cast<int>(ys.size()), nz = static_cast<int>(zs.size());
  const std::vector<int> id =
      append_structured(m.mesh, nx, ny, nz, false, 0, [&](int i, int j, int k) { return Vec3(xs[i], ys[j], zs[k]); });
  m.node_dof.assign(m.mesh.n_nodes(), {kFixed, kFixed, kFixed});
  m.node_force_N.assign(m.mesh.n_nodes(), Vec3::Zero());
  int nd = 0;
  for (int k = 1; k < nz; ++k)  // k = 0: bonded to the base
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        const int v = id[(k * ny + j) * nx + i];
        if (i > 0 && !(symmetric_far_x && i == nx - 1)) m.node_dof[v][0] = nd++;
        if (j > 0) m.node_dof[v][1] = nd++;
        m.node_dof[v][2] = nd++;
      }
  m.n_dofs = nd;
  const double skin = zs.back();
  std::vector<Tri> top;
  for (const Tri& f : boundary_faces(m.mesh))
    if (std::abs(m.mesh.X[f[0]].z() - skin) + std::abs(m.mesh.X[f[1]].z() - skin) + std::abs(m.mesh.X[f[2]].z() - skin) < 1e-12)
      top.push_back(f);
  return top;
}

}  // namespace backroll
