#include "validation/spine_specimen.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>
#include <set>

namespace backroll {

namespace {
constexpr double kDeg = 3.14159265358979323846 / 180.0;
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

std::vector<double> specimen_rotations_deg(const BodySpec& p, Cage cage, int top, int bottom, SpineAxis axis,
                                           double moment_Nm) {
  BodyBuildOptions o;
  o.with_ribs = cage != Cage::NoRibs;
  o.resection = cage == Cage::NoIntercostals   ? Resection::Intercostals
                : cage == Cage::Sternotomy     ? Resection::Sternotomy
                : cage == Cage::NoAnteriorCage ? Resection::AnteriorCage
                                               : Resection::None;
  o.with_tissue = false;
  o.gravity = false;
  BodyModel m = build_body(p, o);
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

double specimen_rotation_deg(const BodySpec& p, Cage cage, int top, int bottom, SpineAxis axis, double moment_Nm) {
  return specimen_rotations_deg(p, cage, top, bottom, axis, moment_Nm)[top - 1];
}

double segment_extension_stiffness_Nm_per_deg(const BodySpec& p, int level, double moment_Nm) {
  // Extension: the caudal body rotates +e_lat relative to the cranial one, so the cranial one,
  // loaded with the lower fixed, turns by -e_lat.
  const double th = specimen_rotation_deg(p, Cage::NoRibs, level, level + 1, SpineAxis::FlexionExtension, -moment_Nm);
  return moment_Nm / std::abs(th);
}

RibCageComparison rib_cage_comparison(const BodySpec& p, double M) {
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

}  // namespace backroll
