// The tissue block of the 3D contact scenes (the ball against Hertz, the layered-tissue scene): a
// structured grid of nodes at xs x ys x zs, z rising to the skin at zs.back(), each hexahedron
// cut into six tets. Its bottom (zs.front()) is bonded to a rigid base; x = 0 and y = 0 are planes
// of symmetry (the normal displacement held), and so is x = xs.back() when symmetric_far_x (a
// slice of a long contact); the other sides are free.
#pragma once

#include <vector>

#include "fem/quasi_static.h"

namespace backroll {

// Appends the block's mesh to m, numbers its free node dofs from 0 (m.n_dofs counts them; a body
// added after takes m.n_dofs++), zeroes the node forces, and returns the top faces (the skin),
// normals up. The caller sets the tets' materials.
std::vector<Tri> add_tissue_block(FemModel& m, const std::vector<double>& xs, const std::vector<double>& ys,
                                  const std::vector<double>& zs, bool symmetric_far_x);

}  // namespace backroll
