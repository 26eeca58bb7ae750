// Whether a solved state is physically possible, separate from whether the solver converged: a
// converged state can still be impossible (the weight on the roller negative, the roller off the
// back). The foam cannot be pressed through its depth: its law stiffens without bound before it. Every solved frame is checked; a state that
// fails is reported as invalid with the first reason found, and its measures are not used.
#pragma once

#include <string>

#include "measure/frame.h"

namespace backroll {

struct Validity {
  bool valid = true;
  std::string reason;  // empty when valid
};

// Tolerances of the checks.
constexpr double kBalanceTol = 0.01;     // whole-body force balance, fraction of the weight
constexpr double kShareTol = 0.005;      // a weight share may stray this far outside [0, 1]
constexpr double kRollerContactMin = 0.01;  // the roller under the back carries at least this share
// Soft tissue is water and lipid (bulk moduli of the order of 2 GPa, recall) and keeps its volume
// under a roller's 100 kPa to within a fraction of a percent; the body's nearly incompressible
// tissue keeps 0.85-0.9 of it in a grid cell under the roller (docs/limits.md, "The fat's
// volume"). A part of the tissue that keeps less than half its volume is a state no body reaches.
constexpr double kTissueVolumeMin = 0.5;
// The feet hold the floor where they stand (docs/model.md, "Posture"): the friction they need is
// the legs' horizontal force over their vertical one. Bare feet and shoe soles on a dry floor or
// mat find a static coefficient of about 0.5-1 (estimate, from slip-resistance testing, where
// above 0.5 counts as slip-resistant); a state that needs more has the feet sliding, which the
// model does not allow, so it is not a possible one. The exercises' supports on the core (hands,
// forearms) are held to the same along the roller's path (run/exercise.h).
constexpr double kFeetFrictionMax = 1.0;

// The checks, in order: every measure finite; no inverted element; no part of the tissue keeping
// less than kTissueVolumeMin of its volume; the supports balance the
// weight; every share of the weight in [0, 100 %]; the feet need no more friction than a floor
// gives; a roller placed under the back carries some of the weight.
Validity check_validity(const PosedModel& pm, const Frame& f);
// The tissue's part of it, which the exercises' check shares: why a tissue whose smallest element
// volume ratio is min_J and whose least-kept volume is least_volume is not possible ("" if it is).
std::string tissue_volume_problem(double min_J, double least_volume);
// Why a support that pushes side_N along the floor and up_N up (N) would slide ("" if it holds):
// it needs a friction coefficient above kFeetFrictionMax. A side force under kShareTol of the
// weight is not checked. `what` names it in the sentence ("the feet").
std::string slide_problem(const std::string& what, double side_N, double up_N, double weight_N);

}  // namespace backroll
