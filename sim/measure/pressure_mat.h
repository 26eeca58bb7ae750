// A virtual pressure mat on the skin, as the commercial mats (Tekscan, XSENSOR) report it: each
// skin node's normal contact force spread over its cell of the structured skin grid (midpoints to
// its neighbours), summed into square cells over (x across, s along the skin line); statistics
// over any rectangle of it.
#pragma once

#include <vector>

#include "anatomy/body_model.h"

namespace backroll {

struct MatStats {
  double peak_Pa = 0, ppi_Pa = 0, mean_Pa = 0, contact_area_m2 = 0, force_N = 0;
  double cop_x_m = 0, cop_s_m = 0;
};
struct PressureMat {
  double cell_m = 0.01, x0_m = 0, s0_m = 0;
  int nx = 0, ns = 0;
  std::vector<double> force_N;       // per cell, row-major [is * nx + ix]
  double pressure_Pa(int ix, int is) const { return force_N[is * nx + ix] / (cell_m * cell_m); }
};
constexpr double kContactThresholdPa = 1000;  // a mat cell counts as loaded above this
constexpr double kPpiAreaM2 = 9.5e-4;         // peak pressure index: mean of the top cells over 9.5 cm^2
constexpr double kPaPerMmHg = 133.322;
constexpr double kMatCellM = 0.01;            // the mat's cell size

// Statistics over the cells whose centre lies in the mask x in [xlo, xhi], s in [slo, shi].
MatStats mat_stats(const PressureMat& mat, double xlo, double xhi, double slo, double shi);

// The structured skin grid: its distinct x and s (skin-line) coordinates, sorted.
struct SkinGrid {
  std::vector<double> xs, ss;
  explicit SkinGrid(const BodyModel& m);
  // The node's cell of the grid along one axis: midway to the neighbours either side.
  static void span(const std::vector<double>& v, double e, double* lo, double* hi);
};

// The mat from a normal force per node (N, indexed by node; only the skin's are read).
PressureMat pressure_mat(const BodyModel& m, const SkinGrid& grid, const std::vector<double>& normal_force_N);
// Each skin node's force over its grid cell (Pa), in the order of BodyModel::skin_nodes.
std::vector<double> skin_pressure(const BodyModel& m, const SkinGrid& grid, const std::vector<double>& normal_force_N);

}  // namespace backroll
