#include "validation/contact_case.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace backroll {

namespace {
void require(bool ok, const std::string& key, double v, const std::string& range) {
  if (ok) return;
  std::ostringstream os;
  os << key << " = " << v << " is out of range: allowed " << range;
  throw std::invalid_argument(os.str());
}
double slab_depth(const ContactCaseParams& p) {
  return p.mesh.slab_depth_m > 0 ? p.mesh.slab_depth_m : p.mesh.fine_size_m;
}
}  // namespace

void validate(const ContactCaseParams& p) {
  const auto& t = p.tissue;
  const auto& r = p.roller;
  const auto& m = p.mesh;
  require(t.youngs_modulus_Pa > 0 && t.youngs_modulus_Pa <= 1e10, "tissue.youngs_modulus_Pa", t.youngs_modulus_Pa, "(0, 1e10] Pa");
  require(t.poisson_ratio >= 0 && t.poisson_ratio <= 0.49, "tissue.poisson_ratio", t.poisson_ratio, "[0, 0.49]");
  require(t.width_m > 0 && t.width_m <= 2, "tissue.width_m", t.width_m, "(0, 2] m");
  require(t.thickness_m > 0 && t.thickness_m <= 1, "tissue.thickness_m", t.thickness_m, "(0, 1] m");
  require(r.radius_m > 0 && r.radius_m <= 0.5, "roller.radius_m", r.radius_m, "(0, 0.5] m");
  require(r.length_m > 0 && r.length_m <= 2, "roller.length_m", r.length_m, "(0, 2] m");
  require(r.foam_youngs_modulus_Pa > 0 && r.foam_youngs_modulus_Pa <= 1e10, "roller.foam_youngs_modulus_Pa", r.foam_youngs_modulus_Pa, "(0, 1e10] Pa");
  require(r.foam_poisson_ratio >= 0 && r.foam_poisson_ratio <= 0.49, "roller.foam_poisson_ratio", r.foam_poisson_ratio, "[0, 0.49]");
  require(r.core_radius_m > 0 && r.core_radius_m < r.radius_m, "roller.core_radius_m", r.core_radius_m, "(0, roller.radius_m)");
  require(r.winkler_depth_m >= 0 && r.winkler_depth_m <= r.radius_m, "roller.winkler_depth_m", r.winkler_depth_m, "[0, roller.radius_m] (0: none)");
  require(std::abs(r.offset_x_m) < 0.5 * t.width_m - r.radius_m, "roller.offset_x_m", r.offset_x_m, "|x| < tissue.width_m / 2 - roller.radius_m");
  require(p.load.force_N > 0 && p.load.force_N <= 1e4, "load.force_N", p.load.force_N, "(0, 1e4] N");
  require(m.fine_size_m >= 1e-5 && m.fine_size_m <= 0.05, "mesh.fine_size_m", m.fine_size_m, "[1e-5, 0.05] m");
  require(m.fine_halfwidth_m >= m.fine_size_m && m.fine_halfwidth_m <= 0.5, "mesh.fine_halfwidth_m", m.fine_halfwidth_m, "[mesh.fine_size_m, 0.5] m");
  require(m.growth >= 1.0 && m.growth <= 2.0, "mesh.growth", m.growth, "[1, 2]");
  require(m.max_size_m >= m.fine_size_m && m.max_size_m <= 0.2, "mesh.max_size_m", m.max_size_m, "[mesh.fine_size_m, 0.2] m");
  require(m.slab_depth_m >= 0 && m.slab_depth_m <= 0.1, "mesh.slab_depth_m", m.slab_depth_m, "[0, 0.1] m (0 = one fine element)");
  // Mesh size guard: ~ (width / fine) x (depth / fine) cells before grading.
  const double cells = (2 * m.fine_halfwidth_m / m.fine_size_m) * (m.fine_halfwidth_m / m.fine_size_m);
  require(cells <= 2e6, "mesh.fine_size_m", m.fine_size_m, "large enough that the fine zone has at most 2e6 cells");
  require(p.solver.residual_rtol > 0 && p.solver.residual_rtol <= 1e-2, "solver.residual_rtol", p.solver.residual_rtol, "(0, 1e-2]");
  require(p.solver.gap_tol_m > 0 && p.solver.gap_tol_m <= 1e-3, "solver.gap_tol_m", p.solver.gap_tol_m, "(0, 1e-3] m");
  require(p.solver.max_newton >= 1 && p.solver.max_newton <= 10000, "solver.max_newton", p.solver.max_newton, "[1, 10000]");
  require(p.solver.load_steps >= 1 && p.solver.load_steps <= 100, "solver.load_steps", p.solver.load_steps, "[1, 100]");
  require(p.contact_threshold_rel > 0 && p.contact_threshold_rel < 1, "contact_threshold_rel", p.contact_threshold_rel, "(0, 1)");
}

ContactScene build_contact_scene(const ContactCaseParams& p) {
  validate(p);
  ContactScene sc;
  sc.params = p;
  const double h = p.mesh.fine_size_m, fw = p.mesh.fine_halfwidth_m;
  const double W = p.tissue.width_m, T = p.tissue.thickness_m, R = p.roller.radius_m;
  const double s = slab_depth(p), x0 = p.roller.offset_x_m;
  sc.slab_depth_m = s;
  FemModel& m = sc.model;

  // Tissue block: x across, y up (floor at y = 0), z along the roller.
  const std::vector<double> xs = graded_axis(-W / 2, W / 2, x0 - fw, x0 + fw, h, p.mesh.growth, p.mesh.max_size_m);
  const std::vector<double> ys = graded_axis(0, T, T - fw, T, h, p.mesh.growth, p.mesh.max_size_m);
  const int nx = static_cast<int>(xs.size()), ny = static_cast<int>(ys.size());
  const std::vector<int> tid = append_structured(m.mesh, nx, ny, 2, false, 0, [&](int i, int j, int k) {
    return Vec3(xs[i], ys[j], k * s);
  });
  const int n_tissue = m.mesh.n_nodes();
  const NeoHookean tissue = NeoHookean::from_young_poisson(p.tissue.youngs_modulus_Pa, p.tissue.poisson_ratio);
  m.tet_material.assign(m.mesh.n_tets(), tissue);

  // Compliant roller: annulus (r, theta) around the axis, fine near the surface and the bottom.
  std::vector<int> rid;
  int nr = 0, nth = 0;
  if (p.roller.compliant) {
    const double rc = p.roller.core_radius_m;
    const std::vector<double> rs = graded_axis(rc, R, R - fw, R, h, p.mesh.growth, p.mesh.max_size_m);
    const double tb = -M_PI / 2;  // bottom of the roller, where it meets the tissue
    std::vector<double> th = graded_axis(tb - M_PI, tb + M_PI, tb - fw / R, tb + fw / R, h / R,
                                         p.mesh.growth, p.mesh.max_size_m / R);
    th.pop_back();  // periodic: the last angle is the first one
    nr = static_cast<int>(rs.size());
    nth = static_cast<int>(th.size());
    rid = append_structured(m.mesh, nr, nth, 2, true, 1, [&](int i, int j, int k) {
      return Vec3(x0 + rs[i] * std::cos(th[j]), T + R + rs[i] * std::sin(th[j]), k * s);
    });
    const NeoHookean foam = NeoHookean::from_young_poisson(p.roller.foam_youngs_modulus_Pa, p.roller.foam_poisson_ratio);
    m.tet_material.resize(m.mesh.n_tets(), foam);
    for (int i = n_tissue; i < m.mesh.n_nodes(); ++i) sc.roller_nodes.push_back(i);
  }

  // Degrees of freedom: plane strain (z fixed everywhere); floor nodes fixed.
  const int nn = m.mesh.n_nodes();
  m.node_dof.assign(nn, {kFixed, kFixed, kFixed});
  m.node_force_N.assign(nn, Vec3::Zero());
  int nd = 0;
  for (int k = 0; k < 2; ++k)
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        const int n = tid[(k * ny + j) * nx + i];
        if (j == 0) {
          sc.floor_nodes.push_back(n);
          continue;
        }
        m.node_dof[n][0] = nd++;
        m.node_dof[n][1] = nd++;
      }
  RigidBody roller;
  roller.dof[1] = nd++;  // the roller moves vertically only
  const double F_slab = p.load.force_N / p.roller.length_m * s;
  roller.applied_force_N = Vec3(0, -F_slab, 0);
  roller.rest_position_m = Vec3(x0, T + R, s / 2);
  if (p.roller.compliant) {
    for (int k = 0; k < 2; ++k)
      for (int j = 0; j < nth; ++j)
        for (int i = 0; i < nr; ++i) {
          const int n = rid[(k * nth + j) * nr + i];
          if (i == 0) {
            m.node_dof[n][1] = roller.dof[1];  // on the rigid core: moves with the roller
            continue;
          }
          m.node_dof[n][0] = nd++;
          m.node_dof[n][1] = nd++;
        }
  } else {
    roller.shape = std::make_shared<CylinderShape>(R, s / 2 + R);
  }
  m.rigid_bodies.push_back(roller);
  m.n_dofs = nd;

  // Pressed surface: tissue boundary faces on y = T.
  const std::vector<Tri> boundary = boundary_faces(m.mesh);
  for (const Tri& f : boundary) {
    bool top = true;
    for (int v : f) top = top && v < n_tissue && std::abs(m.mesh.X[v].y() - T) < 1e-12;
    if (top) sc.tissue_top.push_back(f);
  }
  // Penalty per slave node: kappa x E x tributary area / element size (the ALM removes the
  // gap error, so kappa only sets how fast the multipliers settle).
  const double kappa = 100.0;
  const double E_pen = p.roller.compliant ? std::min(p.tissue.youngs_modulus_Pa, p.roller.foam_youngs_modulus_Pa)
                                          : p.tissue.youngs_modulus_Pa;
  const std::vector<double> area = node_areas(sc.tissue_top, m.mesh.X);
  std::vector<int> slaves;
  std::vector<double> pen;
  for (int n = 0; n < n_tissue; ++n)
    if (area[n] > 0) {
      slaves.push_back(n);
      pen.push_back(kappa * E_pen * area[n] / h);
    }
  if (p.roller.compliant) {
    SurfaceContactSet cs;
    cs.slave_nodes = slaves;
    cs.penalty_N_per_m = pen;
    for (const Tri& f : boundary) {
      bool outer = true;
      for (int v : f) outer = outer && v >= n_tissue && std::abs((m.mesh.X[v] - roller.rest_position_m).head<2>().norm() - R) < 1e-9;
      if (outer) cs.master_faces.push_back(f);
    }
    m.surface_contacts.push_back(cs);
  } else {
    RigidContactSet cs;
    cs.body = 0;
    cs.slave_nodes = slaves;
    cs.penalty_N_per_m = pen;
    if (p.roller.winkler_depth_m > 0) {  // the foam as a linear Winkler layer: stiffness E / depth per area
      cs.compliant = true;
      cs.layer.depth_m = p.roller.winkler_depth_m;
      for (size_t i = 0; i < slaves.size(); ++i)
        cs.penalty_N_per_m[i] = p.roller.foam_youngs_modulus_Pa / p.roller.winkler_depth_m * area[slaves[i]];
    }
    m.rigid_contacts.push_back(cs);
  }
  m.finalize();
  sc.state.reset(m);
  sc.roller_body = 0;
  return sc;
}

void move_roller(ContactScene& sc, double dx_m) {
  sc.model.rigid_bodies[sc.roller_body].rest_position_m.x() += dx_m;
  sc.state.inputs.body_pose[sc.roller_body].origin_m.x() += dx_m;
  for (int n : sc.roller_nodes) sc.model.mesh.X[n].x() += dx_m;  // rigid translation: tet data unchanged
  sc.params.roller.offset_x_m += dx_m;
}

ContactResult measure_contact_scene(const ContactScene& sc) {
  const ContactCaseParams& p = sc.params;
  ContactResult r;
  r.field = contact_pressure(sc.model, sc.state, sc.tissue_top);
  double peak = 0;
  for (double v : r.field.pressure_Pa) peak = std::max(peak, v);
  r.stats = pressure_stats(r.field, p.contact_threshold_rel * peak, Vec3::UnitX());
  const double scale = p.roller.length_m / sc.slab_depth_m;  // slab -> whole roller
  r.pressure_force_N = r.stats.total_force_N * scale;
  const std::vector<Vec3> fint = internal_forces(sc.model, sc.state);
  double floor = 0;
  for (int n : sc.floor_nodes) floor += fint[n].y() - sc.state.inputs.node_force_N[n].y();
  r.floor_reaction_N = floor * scale;
  r.force_per_length_N_per_m = p.load.force_N / p.roller.length_m;
  r.E_star_Pa = p.roller.compliant || p.roller.winkler_depth_m > 0
                    ? hertz::effective_modulus(p.tissue.youngs_modulus_Pa, p.tissue.poisson_ratio,
                                               p.roller.foam_youngs_modulus_Pa, p.roller.foam_poisson_ratio)
                    : hertz::effective_modulus(p.tissue.youngs_modulus_Pa, p.tissue.poisson_ratio);
  r.hertz = hertz::line(r.force_per_length_N_per_m, p.roller.radius_m, r.E_star_Pa);
  r.element_size_m = p.mesh.fine_size_m;
  r.nodes = sc.model.mesh.n_nodes();
  r.tets = sc.model.mesh.n_tets();
  r.dofs = sc.model.n_dofs;
  return r;
}

ContactResult solve_contact_scene(ContactScene& sc) {
  const SolveReport solve = solve_equilibrium(sc.model, sc.state, sc.params.solver);
  ContactResult r = measure_contact_scene(sc);
  r.solve = solve;
  return r;
}

ContactResult run_contact_case(const ContactCaseParams& p) {
  ContactScene sc = build_contact_scene(p);
  return solve_contact_scene(sc);
}

}  // namespace backroll
