// Tissue that creeps: quasi-linear viscoelasticity (Fung) stepped through time, one quasi-static
// equilibrium per step.
//
// A tet's second Piola-Kirchhoff stress is its volume term's (lambda's, which does not relax) plus
// the hereditary integral of its elastic shear stress S_e (the law's mu and fibre terms,
// fem/neo_hookean.h) against the reduced relaxation function of its tissue
// (FemModel::tet_relaxation), G(t) = g_inf + g exp(-t / tau), g_inf = 1 - g:
//   S(t) = S_vol(t) + g_inf S_e(t) + h(t),  h(t) = integral_0^t g exp(-(t - s) / tau) dS_e/ds ds.
// The shear relaxes and the bulk does not, as in the usual finite-element laws (LS-DYNA's
// Kelvin-Maxwell *MAT_061: a relaxing shear modulus, an elastic bulk modulus): muscle and fat
// creep by their solid matrix's shear; over a dwell's seconds their water does not leave. Relaxing
// the bulk too (until 2026-12-07) relaxed the nearly incompressible tissue's pressure, a stress
// a thousand times the shear's, and its history's geometric stiffness made the dwell's step
// run away at 5 s on the main job's mesh.
// Over a step of dt, with S_e taken to change linearly within it (x = dt / tau, e = exp(-x),
// gamma = (1 - e) / x; exact for a linear ramp, second order in dt):
//   h_{n+1} = e h_n + g gamma (S_e,n+1 - S_e,n),
// so S_{n+1} = S_vol + (g_inf + g gamma) S_e,n+1 + (e h_n - g gamma S_e,n): a scaled shear
// response plus a stress fixed by the history, which the solver takes as an incremental potential
// (FemInputs::viscous_scale, viscous_stress_PK2_Pa). The history starts from a state loaded at
// once (time 0: the instantaneous response is the elastic one, h = g S_e).
#pragma once

#include <vector>

#include "fem/quasi_static.h"

namespace backroll {

class ViscousHistory {
 public:
  // Time 0 at the state's configuration, loaded at once.
  void start(const FemModel& m, const FemState& st);
  bool started() const { return !S_e_.empty(); }
  // The step of dt (s) from the last committed time into the inputs (and nothing else).
  void prepare(const FemModel& m, double dt_s, FemInputs& in) const;
  // The history moved on to the state's (solved) configuration, dt after the last.
  void commit(const FemModel& m, const FemState& st, double dt_s);
  // Removes a step from the inputs: the tissue is elastic again.
  static void clear(FemInputs& in);

 private:
  std::vector<Mat3> S_e_;  // per tet: the elastic PK2 stress at the last committed time
  std::vector<Mat3> h_;    // per tet: the relaxing part of the stress
};

}  // namespace backroll
