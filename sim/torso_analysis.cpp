#include "torso_analysis.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>
#include <set>

namespace backroll {

namespace {
constexpr double kDeg = 3.14159265358979323846 / 180.0;
}

SettleResult settle_on_floor(TorsoModel& m, const SolverSettings& s) {
  if (m.fem.rigid_contacts.empty()) add_floor(m);
  SettleResult r;
  r.state.reset(m.fem);
  r.solve = solve_equilibrium(m.fem, r.state, s);
  r.weight_N = -total_gravity_N(m);
  const std::vector<Vec3> fint = internal_forces(m.fem, r.state);
  const std::vector<Vec3> x = node_positions(m.fem, r.state);
  Vec3 reaction = Vec3::Zero();
  for (int n : m.skin_nodes) {
    const Vec3 fc = fint[n] - m.fem.node_force_N[n];  // what the floor pushes with, at equilibrium
    reaction += fc;
  }
  r.floor_reaction_N = reaction.z();
  r.floor_reaction_xy_N = reaction.head<2>().norm();
  const std::vector<double> area = skin_node_area(m, x);
  for (int n : m.skin_nodes)
    if (x[n].z() < 1e-6) r.contact_area_m2 += area[n];
  r.min_J = 1e9;
  for (int t = 0; t < m.fem.mesh.n_tets(); ++t) {
    const Tet& e = m.fem.mesh.tets[t];
    const double V = tet_signed_volume(x[e[0]], x[e[1]], x[e[2]], x[e[3]]);
    r.min_J = std::min(r.min_J, V / m.fem.tet_volume_m3[t]);
  }
  for (int n = 0; n < m.fem.mesh.n_nodes(); ++n)
    r.max_tissue_displacement_m = std::max(r.max_tissue_displacement_m, (x[n] - m.fem.mesh.X[n]).norm());
  r.pelvis_drop_m = -(rigid_position(m.fem, r.state, m.pelvis) - m.fem.rigid_bodies[m.pelvis].rest_position_m).z();
  return r;
}

const char* cage_name(Cage c) {
  switch (c) {
    case Cage::Intact: return "intact";
    case Cage::NoIntercostals: return "intercostals removed";
    case Cage::Sternotomy: return "median sternotomy";
    case Cage::NoAnteriorCage: return "anterior cage removed (rib stumps)";
    case Cage::NoRibs: return "rib heads released (no ribs)";
  }
  return "?";
}

std::vector<double> specimen_rotations_deg(const TorsoParams& p, Cage cage, int top, int bottom, SpineAxis axis,
                                           double moment_Nm) {
  TorsoBuildOptions o;
  o.with_ribs = cage != Cage::NoRibs;
  o.resection = cage == Cage::NoIntercostals   ? Resection::Intercostals
                : cage == Cage::Sternotomy     ? Resection::Sternotomy
                : cage == Cage::NoAnteriorCage ? Resection::AnteriorCage
                                               : Resection::None;
  o.with_tissue = false;
  o.gravity = false;
  TorsoModel m = build_torso(p, o);
  std::vector<std::pair<int, int>> fixed;
  for (int v = bottom - 1; v <= kLevels; ++v)
    for (int c = 0; c < 6; ++c) fixed.emplace_back(v == kLevels ? m.pelvis : m.vertebra[v], c);
  number_bone_dofs(m, fixed);
  const Joint& j = m.fem.joints[m.intervertebral_joint[top - 1]];
  const Vec3 e = j.axes.row(static_cast<int>(axis)).transpose();
  m.fem.rigid_bodies[m.vertebra[top - 1]].applied_torque_Nm = moment_Nm * e;
  m.fem.finalize();
  FemState st;
  st.reset(m.fem);
  SolverSettings s;
  s.load_steps = 2;
  const SolveReport rep = solve_equilibrium(m.fem, st, s);
  if (!rep.converged) throw std::runtime_error("specimen test did not converge: " + rep.message);
  std::vector<double> out(kLevels);
  for (int v = 0; v < kLevels; ++v) out[v] = rigid_rotation(m.fem, st, m.vertebra[v]).dot(e) / kDeg;
  return out;
}

double specimen_rotation_deg(const TorsoParams& p, Cage cage, int top, int bottom, SpineAxis axis, double moment_Nm) {
  return specimen_rotations_deg(p, cage, top, bottom, axis, moment_Nm)[top - 1];
}

double segment_extension_stiffness_Nm_per_deg(const TorsoParams& p, int level, double moment_Nm) {
  // Extension: the caudal body rotates +e_lat relative to the cranial one, so the cranial one,
  // loaded with the lower fixed, turns by -e_lat.
  const double th = specimen_rotation_deg(p, Cage::NoRibs, level, level + 1, SpineAxis::FlexionExtension, -moment_Nm);
  return moment_Nm / std::abs(th);
}

RibCageComparison rib_cage_comparison(const TorsoParams& p, double M) {
  RibCageComparison c;
  c.moment_Nm = M;
  const int bounds[4] = {1, 4, 8, 12};
  for (int a = 0; a < 3; ++a) {
    const SpineAxis ax = static_cast<SpineAxis>(a);
    for (int s = 0; s < kCageStates; ++s) {
      const Cage cage = static_cast<Cage>(s);
      const std::vector<double> up = specimen_rotations_deg(p, cage, 1, 12, ax, M);
      const std::vector<double> down = specimen_rotations_deg(p, cage, 1, 12, ax, -M);
      c.rom_deg[s][a] = up[0] - down[0];
      if (cage != Cage::Intact && cage != Cage::NoRibs) continue;
      const bool ribs = cage == Cage::Intact;
      for (int r = 0; r < 3; ++r)
        (ribs ? c.region_k_with : c.region_k_without)[a][r] = M / (up[bounds[r] - 1] - up[bounds[r + 1] - 1]);
    }
  }
  return c;
}

const RibCageStudies& rib_cage_studies() {
  static const RibCageStudies s = [] {
    RibCageStudies r{};
    // Mannen 2018 Table 2, elastic-zone stiffness: {intact, removed} means and SDs.
    const double mean[3][3][2] = {{{2.29, 2.12}, {4.74, 3.36}, {2.97, 1.39}},   // FE
                                  {{3.28, 1.35}, {4.51, 1.08}, {2.31, 1.02}},   // AR
                                  {{6.85, 4.70}, {8.30, 4.48}, {2.87, 1.50}}};  // LB
    const double sd[3][3][2] = {{{1.75, 1.31}, {4.10, 2.17}, {2.23, 0.35}},
                                {{3.60, 0.59}, {6.13, 0.27}, {2.89, 0.33}},
                                {{2.09, 1.58}, {5.50, 3.53}, {4.72, 0.80}}};
    std::copy(&mean[0][0][0], &mean[0][0][0] + 18, &r.mean[0][0][0]);
    std::copy(&sd[0][0][0], &sd[0][0][0] + 18, &r.sd[0][0][0]);
    const double mannen[3] = {63.0, 58.8, 63.5}, liebsch[3] = {52.2, 94.4, 42.0};
    std::copy(mannen, mannen + 3, r.rom_increase_mannen_pct);
    std::copy(liebsch, liebsch + 3, r.rom_increase_liebsch_pct);
    const double ns = std::numeric_limits<double>::quiet_NaN();
    const double steps[kCageStates][3] = {{ns, ns, ns},              // (intact: no step)
                                          {ns, 22.6, 22.4},          // intercostals: FE, AR, LB
                                          {11.9, 21.9, ns},          // sternotomy
                                          {21.1, 72.5, 10.9},        // anterior cage
                                          {ns, 100 * (1.117 * 1.058 - 1), ns}};  // rib heads
    std::copy(&steps[0][0], &steps[0][0] + 3 * kCageStates, &r.step_liebsch_pct[0][0]);
    const double graf[3] = {12, 25, 18}, graf_sd[3] = {5, 10, 5};  // FE, AR, LB
    std::copy(graf, graf + 3, r.rom_no_ic_graf_deg);
    std::copy(graf_sd, graf_sd + 3, r.rom_no_ic_graf_sd_deg);
    return r;
  }();
  return s;
}

RatioInterval mannen_ratio_interval(int axis, int region) {
  const RibCageStudies& s = rib_cage_studies();
  const double a = s.mean[axis][region][0], b = s.mean[axis][region][1];
  const double ra = s.sd[axis][region][0] / a, rb = s.sd[axis][region][1] / b;
  RatioInterval r;
  r.ratio = a / b;
  static_assert(RibCageStudies::n == 8, "the t quantile below is for 7 degrees of freedom");
  const double t7 = 2.365;  // Student t, 97.5 %, 7 dof
  const double se = r.ratio * std::sqrt((ra * ra + rb * rb) / RibCageStudies::n);
  r.lo = r.ratio - t7 * se;
  r.hi = r.ratio + t7 * se;
  return r;
}

std::vector<RegionStats> region_stats(const TorsoModel& m) {
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

int floating_tets(const TorsoModel& m) {
  const TetMesh& mesh = m.fem.mesh;
  std::vector<std::vector<int>> node_tets(mesh.n_nodes());
  for (int t = 0; t < mesh.n_tets(); ++t)
    for (int v : mesh.tets[t]) node_tets[v].push_back(t);
  std::vector<char> seen(mesh.n_tets(), 0), node_seen(mesh.n_nodes(), 0);
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
  for (char c : seen) floating += !c;
  return floating;
}

}  // namespace backroll
