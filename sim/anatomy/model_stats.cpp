#include "anatomy/model_stats.h"

#include <queue>
#include <set>

namespace backroll {

std::vector<RegionStats> region_stats(const BodyModel& m) {
  std::vector<RegionStats> out(region_names().size());
  std::vector<std::set<int>> nodes(out.size());
  for (size_t r = 0; r < out.size(); ++r) out[r].name = region_names()[r];
  for (int t = 0; t < m.fem.mesh.n_tets(); ++t) {
    RegionStats& rs = out[m.tet_region[t]];
    ++rs.tets;
    const double V = m.fem.tet_volume_m3.empty() ? 0 : m.fem.tet_volume_m3[t];
    rs.volume_m3 += V;
    rs.mass_kg += V * region_material(m.params, m.tet_region[t]).density_kg_m3;
    for (int v : m.fem.mesh.tets[t]) nodes[m.tet_region[t]].insert(v);
  }
  for (size_t r = 0; r < out.size(); ++r) {
    out[r].nodes = static_cast<int>(nodes[r].size());
    TetMesh sub;
    sub.X = m.fem.mesh.X;
    for (int t = 0; t < m.fem.mesh.n_tets(); ++t)
      if (m.tet_region[t] == static_cast<int>(r)) sub.tets.push_back(m.fem.mesh.tets[t]);
    if (!sub.tets.empty()) out[r].quality = mesh_quality(sub);
  }
  return out;
}

int floating_tets(const BodyModel& m) {
  const TetMesh& mesh = m.fem.mesh;
  std::vector<std::vector<int>> node_tets(mesh.n_nodes());
  for (int t = 0; t < mesh.n_tets(); ++t)
    for (int v : mesh.tets[t]) node_tets[v].push_back(t);
  std::vector<char> seen(mesh.n_tets(), 0), node_seen(mesh.n_nodes(), 0);
  for (const FluidCavity& c : m.fem.cavities)  // a fluid holds nothing in place
    for (int t : c.tets) seen[t] = 2;
  std::queue<int> q;
  for (int n = 0; n < mesh.n_nodes(); ++n)
    if (!m.fem.node_body.empty() && m.fem.node_body[n] >= 0) {
      node_seen[n] = 1;
      q.push(n);
    }
  while (!q.empty()) {
    const int n = q.front();
    q.pop();
    for (int t : node_tets[n]) {
      if (seen[t]) continue;
      seen[t] = 1;
      for (int v : mesh.tets[t])
        if (!node_seen[v]) node_seen[v] = 1, q.push(v);
    }
  }
  int floating = 0;
  for (char c : seen) floating += c == 0;
  return floating;
}

}  // namespace backroll
