// The contact validation scene: a block of soft tissue bonded to a rigid floor, a roller
// (rigid, or a foam layer over a rigid core) pressed into it with a prescribed force.
//
// The scene is plane strain: the block and roller are a slab of depth slab_depth_m along the
// roller axis (z) with every node's z displacement held at zero, which is exactly the state of
// a long roller away from its ends, the state Hertz's line-contact solution describes. The
// roller's force per length F' = F / L is applied to the slab as F' x slab depth; forces
// reported for the whole roller are scaled back by L / slab depth.
#pragma once

#include <string>
#include <vector>

#include "validation/hertz.h"
#include "validation/contact_pressure.h"
#include "fem/quasi_static.h"

namespace backroll {

struct TissueBlockParams {
  double youngs_modulus_Pa = 50e3;  // about passive muscle: E = 3 mu, mu = 15.6 kPa (Bosboom 2001)
  double poisson_ratio = 0.3;
  double width_m = 0.3;             // across the roller (x)
  double thickness_m = 0.1;         // floor to surface (y)
};

struct RollerParams {
  double radius_m = 0.075;          // a 6-inch (15.24 cm) roller
  double length_m = 0.3;            // roller length L; F' = F / L
  bool compliant = false;           // false: rigid cylinder; true: foam layer on a rigid core
  // A rigid cylinder (compliant = false) whose surface is instead a Winkler foam layer of this
  // depth (pressure = foam E x compression / depth, fem/compliant_layer.h linear): the torso's
  // roller idealisation, to hold against the meshed foam layer. 0: none.
  double winkler_depth_m = 0;
  double foam_youngs_modulus_Pa = 50e3;
  double foam_poisson_ratio = 0.3;
  double core_radius_m = 0.02;      // rigid core radius (compliant roller only)
  double offset_x_m = 0;            // roller axis position across the block
};

struct LoadParams {
  double force_N = 2.4;  // F' = 8 N/m on a 0.3 m roller: a = 3.7 mm, a/R = 0.05 on the default tissue
};

struct MeshParams {
  double fine_size_m = 0.0005;      // element size in the contact zone
  double fine_halfwidth_m = 0.015;  // half-width (x) and depth (y) of the fine zone
  double growth = 1.2;              // size ratio of neighbouring cells outside the fine zone
  double max_size_m = 0.015;        // largest element size
  double slab_depth_m = 0;          // plane-strain slab depth; 0 = one fine element
};

struct ContactCaseParams {
  std::string name = "hertz";
  TissueBlockParams tissue;
  RollerParams roller;
  LoadParams load;
  MeshParams mesh;
  SolverSettings solver;
  double contact_threshold_rel = 0.01;  // contact area counts nodes above this x peak pressure
};

struct ContactScene {
  ContactCaseParams params;
  FemModel model;
  FemState state;
  std::vector<Tri> tissue_top;   // outward triangles of the pressed surface
  std::vector<int> floor_nodes;  // tissue nodes bonded to the floor
  std::vector<int> roller_nodes; // nodes of the compliant roller's mesh (empty if rigid)
  double slab_depth_m = 0;
  int roller_body = 0;
};

struct ContactResult {
  SolveReport solve;
  PressureField field;
  PressureStats stats;
  double E_star_Pa = 0;
  hertz::LineContact hertz{};       // analytic reference for this case
  double force_per_length_N_per_m = 0;
  double pressure_force_N = 0;      // integral of pressure, whole roller (x L / slab)
  double floor_reaction_N = 0;      // floor reaction, whole roller
  double element_size_m = 0;
  int nodes = 0, tets = 0, dofs = 0;
};

// Throws std::invalid_argument naming the parameter and its allowed range.
void validate(const ContactCaseParams& p);
ContactScene build_contact_scene(const ContactCaseParams& p);
// Solves from the scene's current state (a warm start after the first solve), then measures.
ContactResult solve_contact_scene(ContactScene& scene);
// Reads pressure, forces and the Hertz reference off the scene's current state, whatever put
// it there (leaves ContactResult::solve empty).
ContactResult measure_contact_scene(const ContactScene& scene);
// Moves the roller across the block by dx (the next solve warm-starts from the last state).
void move_roller(ContactScene& scene, double dx_m);
// build + solve.
ContactResult run_contact_case(const ContactCaseParams& p);

}  // namespace backroll
