#include <cstdio>
#include "contact_case.h"
using namespace backroll;
int main(int argc, char** argv) {
  ContactCaseParams p;
  if (argc > 1) p.mesh.fine_size_m = atof(argv[1]);
  if (argc > 2) p.roller.compliant = atoi(argv[2]);
  if (argc > 3) p.tissue.thickness_m = atof(argv[3]);
  if (argc > 4) p.load.force_N = atof(argv[4]);
  ContactResult r = run_contact_case(p);
  std::printf("h=%g nodes=%d conv=%d it=%d mu=%d res=%g/%g pen=%g t=%.3f %s\n", p.mesh.fine_size_m, r.nodes,
              r.solve.converged, r.solve.newton_iterations, r.solve.multiplier_updates, r.solve.residual_max_N,
              r.solve.residual_tol_N, r.solve.penetration_max_m, r.solve.seconds, r.solve.message.c_str());
  std::printf("p0=%.2f hertz=%.2f err=%.2f%%  a=%.3fmm hertz=%.3fmm err=%.2f%% F=%.4f floor=%.4f cop=%g\n",
              r.stats.peak_Pa, r.hertz.peak_Pa, 100 * (r.stats.peak_Pa / r.hertz.peak_Pa - 1),
              1e3 * r.stats.second_moment_halfwidth_m, 1e3 * r.hertz.half_width_m,
              100 * (r.stats.second_moment_halfwidth_m / r.hertz.half_width_m - 1), r.pressure_force_N,
              r.floor_reaction_N, r.stats.centre_of_pressure_m.x());
}
