// The 3D contact check: a ball from the roller catalog pressed with a force F on a block of
// tissue bonded to a rigid floor, against Hertz's point contact (Johnson, Contact Mechanics,
// ch. 4.2). The ball acts exactly as the torso's rollers do: its signed-distance shape and its
// foam law through contact points spread over the block's surface triangles
// (gear/roller.h foam_contact), the forces read as the torso's pressure mat reads them.
//
// Quarter model: the block spans x, y in [0, W] and z in [-W, 0] (top face z = 0), the ball's
// centre on the line x = y = 0, whose two planes are planes of symmetry (normal displacement
// held); the force on the quarter is F / 4. The mesh is graded: cubes of side h over the contact
// zone (1.3 a), growing geometrically away from it. F is chosen so that Hertz's contact radius a
// is a given fraction of the ball's radius R (small a/R: Hertz's range).
#pragma once

#include <string>
#include <vector>

#include "fem/quasi_static.h"
#include "validation/hertz.h"

namespace backroll {

struct SphereCaseParams {
  std::string name = "ball";
  std::string roller = "ball";     // catalog name or roller file
  // The ball rigid: its shape against the block's top nodes by the augmented Lagrangian method
  // (the floor's contact, exact), the pressure a node's force over its third of the triangles
  // around it. Otherwise its rubber, as the torso's rollers act (above).
  bool rigid = false;
  double tissue_E_Pa = 50e3;       // as the plane-strain scene's block
  double tissue_nu = 0.3;
  bool mean_dilatation = false;    // each grid cell's 6 tets share one volume ratio (FemModel)
  double a_over_R = 0.1;           // Hertz contact radius / ball radius: sets F
  double fine_size_rel = 0.125;    // element size over the contact zone / Hertz a
  double block_rel = 15;           // block half-width and depth / Hertz a
  double growth = 1.25;            // size ratio of neighbouring cells outside the contact zone
  SolverSettings solver;
};

struct SphereCaseResult {
  SolveReport solve;
  hertz::PointContact hertz{};     // the reference
  double E_star_Pa = 0;            // tissue and ball (rubber, nu = 0.5) as two half-spaces
  double force_N = 0;              // applied (whole ball)
  double peak_Pa = 0;              // highest contact point pressure
  double radius_m = 0;             // sqrt(5/2 <r^2>) of the contact forces (Hertz: exactly a)
  double pressure_force_N = 0;     // sum of the contact forces (whole ball)
  double element_size_m = 0;
  int nodes = 0, tets = 0, dofs = 0, points = 0;
};

SphereCaseResult run_sphere_case(const SphereCaseParams& p);

// The refinement series `backroll contact` prints and the tests check: the catalog ball as it is
// (its rubber, through the torso's contact points) at three element sizes, and rigid on the finest.
std::vector<SphereCaseParams> sphere_series();

// Volumetric locking: the rigid ball on a block of the tissue's Poisson's ratio (0.49), at each
// element size (a fraction of Hertz's a), with each tet's own volume term and with each grid
// cell's (mean dilatation, FemModel::dilatation_groups).
std::vector<SphereCaseParams> locking_series(const std::vector<double>& sizes_rel = {0.25, 0.125});

}  // namespace backroll
