// Contact pressure on a body's surface, read from the solved state.
//
// Method: at equilibrium each surface node's contact force is what its elastic internal force
// and external load leave unbalanced, f_c = f_int - f_ext (free components only: a fixed
// component's residual is the support's reaction, not contact). The normal pressure is
// p = -n . f_c / A, with n the node's outward normal and A its tributary area (a third of each
// adjacent surface triangle, current configuration), so that the pressure field interpolated
// linearly over the triangles integrates exactly to the sum of nodal contact forces.
// This uses the elastic state only, not the contact algorithm's multipliers, so it reads any
// solver's result the same way.
#pragma once

#include <vector>

#include "fem/quasi_static.h"

namespace backroll {

struct PressureField {
  std::vector<int> node;          // surface node index
  std::vector<Vec3> position_m;   // current position
  std::vector<Vec3> normal;       // outward unit normal
  std::vector<double> area_m2;    // tributary area
  std::vector<double> pressure_Pa;  // normal contact pressure, compression positive
  std::vector<double> shear_Pa;     // magnitude of the tangential traction
};

struct PressureStats {
  double total_force_N = 0;      // integral of the pressure field
  double contact_area_m2 = 0;    // area of nodes above the threshold
  double peak_Pa = 0;
  double mean_Pa = 0;            // total force / contact area
  Vec3 centre_of_pressure_m = Vec3::Zero();
  int contact_nodes = 0;
  // Half-width of an equivalent elliptical (Hertz) distribution along `axis`, from the second
  // moment of the pressure: for p ~ sqrt(1 - x^2/a^2), <x^2> = a^2 / 4.
  double second_moment_halfwidth_m = 0;
};

// Pressure over `surface` (outward triangles of the body being pressed).
PressureField contact_pressure(const FemModel& model, const FemState& state,
                               const std::vector<Tri>& surface);

// Statistics of the nodes with pressure above threshold_Pa; `axis` is the direction across
// the contact used for the half-width.
PressureStats pressure_stats(const PressureField& field, double threshold_Pa, const Vec3& axis);

}  // namespace backroll
