// A uniform pressure on a block's face as consistent nodal loads, for the solver's tests.
#pragma once

#include <cmath>

#include "fem/quasi_static.h"

namespace backroll {

// Pressure p (Pa) on the boundary triangles lying in the plane X[axis] = at, pushing towards
// -axis: a third of each triangle's force per vertex, added to the model's nodal loads.
inline void press_face(FemModel& m, int axis, double at, double p) {
  for (const Tri& f : boundary_faces(m.mesh)) {
    bool on = true;
    for (int v : f) on = on && std::abs(m.mesh.X[v][axis] - at) < 1e-12;
    if (!on) continue;
    const double A = 0.5 * (m.mesh.X[f[1]] - m.mesh.X[f[0]]).cross(m.mesh.X[f[2]] - m.mesh.X[f[0]]).norm();
    for (int v : f) m.node_force_N[v][axis] -= p * A / 3;
  }
}

}  // namespace backroll
