// The spine as a cadaveric specimen: moment tests on bones and joints alone, the rib cage taken
// apart as Liebsch 2017 did, and the published cadaver figures they are checked against
// (`backroll model ribcage` and the tests). Validation only: the core never reads these.
#pragma once

#include <string>
#include <vector>

#include "anatomy/body_model.h"

namespace backroll {

// How much of the rib cage a spine specimen keeps: intact, after each of Liebsch 2017's resection
// steps in turn (Resection in anatomy/body_model.h), or none (their last step, the rib heads released).
enum class Cage { Intact, NoIntercostals, Sternotomy, NoAnteriorCage, NoRibs };
constexpr int kCageStates = 5;
const char* cage_name(Cage c);

// The spine as a cadaveric specimen (bones and joints, no tissue, no gravity, as much rib cage as
// `cage`): vertebra `top` (1..17) loaded by a pure moment about one of its joint axes, every bone
// at or below `bottom` fixed. Returns the rotation (deg) of `top` relative to `bottom` about that
// axis.
enum class SpineAxis { FlexionExtension = 0, AxialRotation = 1, LateralBending = 2 };
double specimen_rotation_deg(const BodySpec& p, Cage cage, int top, int bottom, SpineAxis axis, double moment_Nm);
// The same test, returning the rotation (deg) of every vertebra T1..L5 about the loaded axis.
std::vector<double> specimen_rotations_deg(const BodySpec& p, Cage cage, int top, int bottom, SpineAxis axis,
                                           double moment_Nm);

// One motion segment (level, level+1) in extension under `moment_Nm`: secant stiffness (N m/deg).
double segment_extension_stiffness_Nm_per_deg(const BodySpec& p, int level, double moment_Nm);
// In-vitro lumbar motion segments in extension under 7.5 N m: a range of motion of 2.5-6 deg
// (Heuer et al. 2007; Panjabi et al. 1994; recalled), a secant stiffness of 1.25-3.0 N m/deg.
struct LumbarExtensionData {
  double moment_Nm = 7.5, rom_lo_deg = 2.5, rom_hi_deg = 6.0;
  int first_level = 13, last_level = 16;  // the segments compared, by upper vertebra: L1-L2 .. L4-L5
  double stiffness_lo() const { return moment_Nm / rom_hi_deg; }
  double stiffness_hi() const { return moment_Nm / rom_lo_deg; }
};
// The neutral zone's test moment: the facets not yet engaged.
constexpr double kNeutralZoneMomentNm = 0.2;

// The rib-cage comparison of cadaver studies: T1-T12 range of motion under +-M (T12 and below
// fixed), with and without the rib cage, in the three modes.
struct RibCageComparison {
  double moment_Nm = 0;
  // T1-T12 range of motion in every cage state, [Cage][SpineAxis].
  double rom_deg[kCageStates][3] = {};
  double rom(Cage state, int axis) const { return rom_deg[static_cast<int>(state)][axis]; }
  double rom_with_deg(int axis) const { return rom(Cage::Intact, axis); }
  double rom_without_deg(int axis) const { return rom(Cage::NoRibs, axis); }
  // Increase (%) of the range of motion from the intact cage to state `to` (default: no ribs).
  double increase_pct(int axis, Cage to = Cage::NoRibs) const { return 100.0 * (rom(to, axis) / rom_with_deg(axis) - 1.0); }
  // Increase (%) of the range of motion at a resection step over the state before it.
  double step_pct(int cage, int axis) const { return 100.0 * (rom_deg[cage][axis] / rom_deg[cage - 1][axis] - 1.0); }
  // Regional stiffness (N m/deg) under +M, as Mannen 2018 Table 2 reports it: upper T1/T4,
  // middle T4/T8, lower T8/T12, [axis][region], with and without the rib cage.
  double region_k_with[3][3] = {}, region_k_without[3][3] = {};
  double region_ratio(int axis, int region) const { return region_k_with[axis][region] / region_k_without[axis][region]; }
};
RibCageComparison rib_cage_comparison(const BodySpec& p, double moment_Nm);

// Published cadaver measurements of what the rib cage does to the thoracic spine: validation
// references (the model never reads them). Indexed [SpineAxis][region upper, middle, lower].
struct RibCageStudies {
  // Mannen et al. 2018, J Mech Behav Biomed Mater 84:258-264, Table 2 (read): elastic-zone
  // stiffness (N m/deg), mean and SD over n = 8 specimens, [0] rib cage intact, [1] removed;
  // +-5 N m with a 400 N follower load; regions T1/T4, T4/T8, T8/T12.
  double mean[3][3][2], sd[3][3][2];
  static constexpr int n = 8;
  // Whole T1-T12 range-of-motion increase (%) over the intact cage: Mannen 2018 (abstract, read;
  // the whole rib cage removed: the model's NoRibs) and Liebsch et al. 2017, PLoS ONE 12:e0178733
  // (abstract, read; +-2 N m, no follower load; the anterior cage removed down to the rib stumps,
  // the rib heads still in place: the model's NoAnteriorCage).
  double rom_increase_mannen_pct[3], rom_increase_liebsch_pct[3];
  static constexpr Cage mannen_end = Cage::NoRibs, liebsch_end = Cage::NoAnteriorCage;
  // Liebsch 2017's resection steps (abstract, read), each the mean increase (%) of the T1-T12
  // range of motion over the step before, [Cage][SpineAxis] for Cage 1..4. NaN where the step was
  // not significant, which the abstract does not give: intercostals LB +22.4, AR +22.6;
  // sternotomy FE +11.9, AR +21.9; anterior cage FE +21.1, LB +10.9, AR +72.5; the rib heads AR
  // +11.7 (right 6-8) then +5.8 (all), compounded +18.2.
  double step_liebsch_pct[kCageStates][3];
  // Liebsch, Graf & Wilke 2017, Eur Spine J 26:1401-1407 (abstract, read): T1-T12 range of
  // motion (deg) at +-2 N m of six specimens with the rib cage intact but the intercostal muscles
  // removed (the model's NoIntercostals state), mean and SD, [SpineAxis].
  double rom_no_ic_graf_deg[3], rom_no_ic_graf_sd_deg[3];
  static constexpr int n_graf = 6;
};
const RibCageStudies& rib_cage_studies();

// Mannen 2018's intact / removed stiffness ratio (of the means) with an approximate 95 %
// confidence interval: delta method on the two means as independent samples (the paired
// differences are not published; pairing would narrow it), Student t with n - 1 dof.
struct RatioInterval {
  double ratio = 0, lo = 0, hi = 0;
};
RatioInterval mannen_ratio_interval(int axis, int region);

}  // namespace backroll
