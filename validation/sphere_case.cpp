#include "validation/sphere_case.h"

#include <chrono>
#include <cmath>
#include <memory>

#include "gear/roller.h"
#include "io/catalog.h"
#include "validation/tissue_block.h"

namespace backroll {

SphereCaseResult run_sphere_case(const SphereCaseParams& p) {
  RollerSpec ball = load_roller_spec(catalog_file("rollers", p.roller, "", "sphere case", "roller"));
  if (ball.kind != RollerKind::Ball)
    throw std::invalid_argument(ball.source + ": the 3D contact check needs a ball (kind = \"ball\")");
  const double R = 0.5 * ball.diameter_m;
  SphereCaseResult r;
  // Hertz: the tissue and the ball as two elastic half-spaces (the ball rubber, nu = 0.5).
  r.E_star_Pa = p.rigid ? hertz::effective_modulus(p.tissue_E_Pa, p.tissue_nu)
                        : hertz::effective_modulus(p.tissue_E_Pa, p.tissue_nu, ball.foam_E_Pa, 0.5);
  const double a = p.a_over_R * R;
  r.force_N = 4 * r.E_star_Pa * a * a * a / (3 * R);
  r.hertz = hertz::sphere(r.force_N, R, r.E_star_Pa);
  r.element_size_m = p.fine_size_rel * a;

  FemModel m;
  const double W = p.block_rel * a, h = r.element_size_m, zone = 1.3 * a;
  const std::vector<double> xs = graded_axis(0, W, 0, zone, h, p.growth, 0.25 * W);
  const std::vector<double> zs = graded_axis(-W, 0, -zone, 0, h, p.growth, 0.25 * W);
  const std::vector<Tri> top = add_tissue_block(m, xs, xs, zs, false);  // a quarter: x = 0, y = 0 symmetric
  m.tet_material.assign(m.mesh.n_tets(), NeoHookean::from_young_poisson(p.tissue_E_Pa, p.tissue_nu));
  if (p.mean_dilatation) m.dilatation_groups = structured_cells(0, m.mesh.n_tets());
  RigidBody body;
  body.shape = std::make_shared<RollerShape>(ball);
  body.rest_position_m = Vec3(0, 0, R);  // touching the block's top at the axis
  body.dof[2] = m.n_dofs++;
  body.applied_force_N = Vec3(0, 0, -0.25 * r.force_N);
  m.rigid_bodies.push_back(body);
  const std::vector<double> area = node_areas(top, m.mesh.X);  // each top node's third of its triangles
  if (p.rigid) {  // the nodes against the shape, augmented Lagrangian (the floor's contact)
    RigidContactSet cs;
    for (int v = 0; v < m.mesh.n_nodes(); ++v)
      if (area[v] > 0) {
        cs.slave_nodes.push_back(v);
        cs.penalty_N_per_m.push_back(100 * p.tissue_E_Pa * area[v] / h);
      }
    m.rigid_contacts.push_back(cs);
  } else {
    RigidContactSet cs = foam_contact(ball, 0, top, m.mesh.X);
    cs.friction = 0;  // Hertz's solution is frictionless
    m.rigid_contacts.push_back(cs);
  }
  m.finalize();
  r.nodes = m.mesh.n_nodes();
  r.tets = m.mesh.n_tets();
  r.dofs = m.n_dofs;
  r.points = static_cast<int>(m.rigid_contacts[0].n_slaves());

  FemState st;
  st.reset(m);
  r.solve = solve_equilibrium(m, st, p.solver);
  // The contact points' forces, read as the pressure mat reads the torso's: pressure = force /
  // the point's area; the contact radius from the forces' second moment about the axis.
  const std::vector<double> f = rigid_contact_forces(m, st, 0);
  const std::vector<Vec3> x = node_positions(m, st);
  const RigidContactSet& cs = m.rigid_contacts[0];
  double sum = 0, r2 = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] <= 0) continue;
    const bool node = i < cs.slave_nodes.size();
    const Vec3 q = cs.slave_position(i, x);
    sum += f[i];
    r2 += f[i] * (q.x() * q.x() + q.y() * q.y());
    r.peak_Pa = std::max(r.peak_Pa, f[i] / (node ? area[cs.slave_nodes[i]] : foam_point_area_m2(ball, cs, i)));
  }
  r.pressure_force_N = 4 * sum;
  r.radius_m = sum > 0 ? std::sqrt(2.5 * r2 / sum) : 0;
  return r;
}

std::vector<SphereCaseParams> sphere_series() {
  std::vector<SphereCaseParams> out;
  for (double rel : {0.25, 0.125, 1.0 / 12}) {
    SphereCaseParams p;
    p.fine_size_rel = rel;
    p.name = "rubber ball a/" + std::to_string(static_cast<int>(std::lround(1 / rel)));
    out.push_back(p);
  }
  SphereCaseParams rigid = out.back();
  rigid.rigid = true;
  rigid.name = "rigid ball a/12";
  out.push_back(rigid);
  return out;
}

std::vector<SphereCaseParams> locking_series(const std::vector<double>& sizes_rel) {
  std::vector<SphereCaseParams> out;
  for (double rel : sizes_rel)
    for (bool cells : {false, true}) {
      SphereCaseParams p;
      p.rigid = true;
      p.tissue_nu = 0.49;
      p.fine_size_rel = rel;
      p.mean_dilatation = cells;
      p.name = "a/" + std::to_string(static_cast<int>(std::lround(1 / rel))) + (cells ? ", cell's J" : ", each tet's J");
      out.push_back(p);
    }
  return out;
}

}  // namespace backroll
