// backroll: the headless command line. A thin client of backroll_sim: it parses arguments,
// calls the core, and prints what the core computed.
#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <cmath>
#include <fmt/core.h>

#include "io/atomic_file.h"
#include "run/compare.h"
#include "run/dwell.h"
#include "run/exercise.h"
#include "run/mesh_study.h"
#include "run/sensitivity.h"
#include "run/sweep.h"
#include <unistd.h>
#include <malloc.h>
#include <cstdio>
#include "report/plot.h"
#include "validation/bullet_pose.h"
#include "validation/bullet_world.h"
#include "validation/contact_suite.h"
#include "validation/layered_case.h"
#include "validation/sphere_case.h"
#include "report/model_export.h"
#include "pose/lying_flat.h"
#include "anatomy/model_stats.h"
#include "validation/spine_specimen.h"
#include "io/catalog.h"
#include "viz/lesson.h"
#include "formats.h"
#include "viewer.h"  // ViewerOptions; run_viewer exists only with BACKROLL_HAVE_VIEWER

using namespace backroll;

namespace {

double pct(double got, double want) { return 100.0 * (got / want - 1.0); }

// The 3D check: the catalog ball on a tissue block against Hertz point contact; each series a
// table of the same columns.
bool print_sphere_series(const std::vector<SphereCaseParams>& series) {
  fmt::print("{:<18} {:>6} {:>7} {:>7} | {:>8} {:>8} {:>7} | {:>7} {:>7} {:>7} | {:>8} {:>6} {:>9} {:>7}\n",
             "case", "h mm", "nodes", "dofs", "p0 kPa", "Hertz", "err %", "a mm", "Hertz", "err %",
             "SpA/F-1%", "iters", "resid N", "time s");
  bool ok = true;
  for (const SphereCaseParams& p : series) {
    const SphereCaseResult r = run_sphere_case(p);
    ok = ok && r.solve.converged;
    fmt::print("{:<18} {:>6.3f} {:>7} {:>7} | {:>8.4f} {:>8.4f} {:>+7.2f} | {:>7.3f} {:>7.3f} {:>+7.2f} | {:>+8.3f} {:>6} {:>9.1e} {:>7.2f}{}\n",
               p.name, r.element_size_m * 1e3, r.nodes, r.dofs, r.peak_Pa / 1e3, r.hertz.peak_Pa / 1e3,
               pct(r.peak_Pa, r.hertz.peak_Pa), r.radius_m * 1e3, r.hertz.radius_m * 1e3, pct(r.radius_m, r.hertz.radius_m),
               pct(r.pressure_force_N, r.force_N), r.solve.newton_iterations, r.solve.residual_max_N, r.solve.seconds,
               r.solve.converged ? "" : "  NOT CONVERGED: " + r.solve.message);
  }
  return ok;
}

bool print_sphere_cases() {
  const std::vector<SphereCaseParams> series = sphere_series();
  const SphereCaseParams& s0 = series.front();
  fmt::print("\nbackroll contact: Hertz point contact (3D, quarter block, Neo-Hookean tissue E = {:.4g} kPa, nu = {:.3g})\n",
             s0.tissue_E_Pa / 1e3, s0.tissue_nu);
  fmt::print("  the catalog's ball ({}), load for a/R = {:.2g}; block {:.0f} a wide and deep; rubber: the torso's contact\n"
             "  points and foam law; rigid: the block's nodes against the ball, augmented Lagrangian\n\n",
             s0.roller, s0.a_over_R, s0.block_rel);
  bool ok = print_sphere_series(series);
  fmt::print("\nh: element size over the contact zone (a/4 ... a/12 of Hertz's a); p0: highest contact pressure;\n"
             "a: sqrt(5/2 <r^2>) of the contact forces (Hertz's distribution gives exactly a); SpA/F-1: the\n"
             "normal forces' sum against F (it exceeds F by the normals' tilt over the ball, about (a/R)^2 / 5).\n");
  fmt::print("\nThe tissue's nu = 0.49, the rigid ball: each tet's own volume term, or each grid cell's (mean\n"
             "dilatation, the body file's mesh.mean_dilatation):\n\n");
  ok = print_sphere_series(locking_series()) && ok;
  return ok;
}

// The layered-tissue scene, once per roller (the file's own when none is named).
int run_layered(const std::string& file, const std::vector<std::string>& rollers) {
  std::vector<LayeredCaseParams> cases;
  for (const std::string& name : rollers.empty() ? std::vector<std::string>{""} : rollers) {
    std::vector<ConfigOverride> ov;
    if (!name.empty()) ov.push_back({"roller", catalog_file("rollers", name, "", "--roller", "roller"), "--roller"});
    cases.push_back(load_layered_case(file, ov));  // every input checked before the first solve
  }
  const LayeredCaseParams& p0 = cases.front();
  const std::vector<TissueMaterial> materials = layer_materials(p0);
  fmt::print("backroll contact: a roller on layered tissue over rigid bone ({})\n", portable_path(file));
  fmt::print("  force {:.4g} N; a cylinder's contact {:.0f} mm long; body {}; element {:.1f} mm at the skin\n\n",
             p0.force_N, p0.contact_length_m * 1e3, data_name(p0.body_file), p0.element_size_m * 1e3);
  fmt::print("  {:<22} {:>8} {:>9} {:>7}  {}\n", "layer (skin first)", "mm", "E kPa", "nu", "law");
  for (size_t i = 0; i < p0.layers.size(); ++i)
    fmt::print("  {:<22} {:>8.1f} {:>9.4g} {:>7.4f}  {}\n", p0.layers[i].region, p0.layers[i].thickness_m * 1e3,
               materials[i].youngs_modulus_Pa / 1e3, materials[i].poisson_ratio,
               materials[i].ogden_alpha == 2 ? std::string("neo-Hookean")
                                             : fmt::format("Ogden's, alpha {:g}", materials[i].ogden_alpha));
  fmt::print("\n{:<14} | {:>9} {:>7} {:>9} {:>9} {:>8} {:>7} | {:>8} {:>6} {:>7} {:>7}\n", "roller", "peak kPa", "at mm",
             "mean kPa", "area cm2", "foam mm", "fric %", "SF/F-1%", "iters", "dofs", "time s");
  bool ok = true;
  for (const LayeredCaseParams& p : cases) {
    const LayeredCaseResult r = run_layered_case(p);
    ok = ok && r.solve.converged;
    fmt::print("{:<14} | {:>9.1f} {:>7.0f} {:>9.1f} {:>9.1f} {:>8.2f} {:>7.1f} | {:>+8.3f} {:>6} {:>7} {:>7.1f}{}\n",
               data_name(r.roller.source), r.peak_Pa / 1e3, r.peak_offset_m * 1e3, r.mean_Pa / 1e3, r.area_m2 * 1e4, r.compression_m * 1e3,
               100 * r.friction_vertical_N / p.force_N, pct(r.force_sum_N, p.force_N),
               r.solve.newton_iterations, r.dofs, r.solve.seconds,
               r.solve.converged ? "" : "  NOT CONVERGED: " + r.solve.message);
  }
  fmt::print("\npeak: highest contact pressure, at this distance from the contact's middle (line or centre);\n"
             "mean: the normal forces over the loaded area (contact above {:.0f} kPa), whose size is the area;\n"
             "foam: the roller's deepest compression; fric: the share of the force friction carries (the\n"
             "roller file's coefficient, on the tissue wrapping round the roller); SF/F-1: the contact forces'\n"
             "vertical sum, pressure and friction, against the force. A cylinder's contact is a plane-strain\n"
             "slice (no tissue edge at its ends); a ball's or a peanut's a quarter block. The bone is a flat\n"
             "rigid base; the tissue's fibres are left out.\n",
             p0.threshold_Pa / 1e3);
  if (!ok) {
    fmt::print(stderr, "backroll: error: a case did not converge (see the table)\n");
    return 3;
  }
  return 0;
}

int run_contact(const std::string& config_arg, const std::vector<std::string>& rollers) {
  // A file, or a layered scene's catalog name (assets/contact/low_back.toml: "low_back").
  const std::string config = config_arg.empty() ? config_arg : catalog_file("contact", config_arg, "", "contact", "FILE");
  if (!config.empty() && is_layered_case(config)) return run_layered(config, rollers);
  if (!rollers.empty()) throw ConfigError("--roller: applies to a layered-tissue file ([[layer]] tables), not to " +
                                          (config.empty() ? std::string("the default suite") : config));
  ContactSuite suite;
  if (!config.empty()) suite = load_contact_suite(config);
  const ContactCaseParams& b = suite.base;
  fmt::print("backroll contact: Hertz line-contact validation (plane strain, Neo-Hookean tissue)\n");
  fmt::print("  tissue E = {:.4g} kPa, nu = {:.3g}, block {:.0f} x {:.0f} mm bonded to a rigid floor\n",
             b.tissue.youngs_modulus_Pa / 1e3, b.tissue.poisson_ratio, b.tissue.width_m * 1e3,
             b.tissue.thickness_m * 1e3);
  fmt::print("  roller R = {:.1f} mm, L = {:.0f} mm, F = {:.4g} N (F' = {:.4g} N/m); foam case E_r = {:.4g} kPa, nu_r = {:.3g}\n",
             b.roller.radius_m * 1e3, b.roller.length_m * 1e3, b.load.force_N,
             b.load.force_N / b.roller.length_m, b.roller.foam_youngs_modulus_Pa / 1e3, b.roller.foam_poisson_ratio);
  fmt::print("  converged = max nodal residual <= {:.0e} x load and max penetration <= {:.0e} m\n\n",
             b.solver.residual_rtol, b.solver.gap_tol_m);
  fmt::print("{:<16} {:>6} {:>7} {:>7} | {:>8} {:>8} {:>7} | {:>7} {:>7} {:>7} | {:>8} {:>6} {:>9} {:>7}\n",
             "case", "h mm", "nodes", "tets", "p0 kPa", "Hertz", "err %", "a mm", "Hertz", "err %",
             "SpA/F-1%", "iters", "resid N", "time s");
  bool all_ok = true;
  for (const SuiteCase& c : suite_cases(suite)) {
    const ContactResult r = run_contact_case(c.params);
    all_ok = all_ok && r.solve.converged;
    fmt::print("{:<16} {:>6.3f} {:>7} {:>7} | {:>8.4f} {:>8.4f} {:>+7.2f} | {:>7.3f} {:>7.3f} {:>+7.2f} | {:>+8.3f} {:>6} {:>9.1e} {:>7.2f}{}\n",
               c.name, r.element_size_m * 1e3, r.nodes, r.tets, r.stats.peak_Pa / 1e3,
               r.hertz.peak_Pa / 1e3, pct(r.stats.peak_Pa, r.hertz.peak_Pa),
               r.stats.second_moment_halfwidth_m * 1e3, r.hertz.half_width_m * 1e3,
               pct(r.stats.second_moment_halfwidth_m, r.hertz.half_width_m),
               pct(r.pressure_force_N, c.params.load.force_N), r.solve.newton_iterations,
               r.solve.residual_max_N, r.solve.seconds,
               r.solve.converged ? "" : "  NOT CONVERGED: " + r.solve.message);
  }
  fmt::print("\np0: peak nodal pressure; a: half-width of the equivalent elliptical distribution, 2 sqrt(<x^2>)\n"
             "of the computed pressure; SpA/F-1: integral of the pressure field against the applied force.\n");
  if (suite.sphere_cases) all_ok = print_sphere_cases() && all_ok;
  if (!all_ok) {
    fmt::print(stderr, "backroll: error: a case did not converge (see the table)\n");
    return 3;
  }
  return 0;
}

int run_bench_contact() {
  fmt::print("backroll bench contact: one quasi-static solve (rigid roller, default case)\n");
  fmt::print("{:>6} {:>7} {:>7} {:>7} | {:>8} {:>8} {:>6} | {:>8} {:>6}\n", "h mm", "nodes", "tets",
             "dofs", "build s", "cold s", "iters", "warm s", "iters");
  for (double h : {0.001, 0.0005, 0.00025}) {
    ContactCaseParams p;
    p.mesh.fine_size_m = h;
    const auto t0 = std::chrono::steady_clock::now();
    ContactScene sc = build_contact_scene(p);
    const double build = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const ContactResult cold = solve_contact_scene(sc);
    move_roller(sc, 0.01);  // roll 1 cm, warm start from the last solution
    const ContactResult warm = solve_contact_scene(sc);
    if (!cold.solve.converged || !warm.solve.converged) {
      fmt::print(stderr, "backroll: error: bench solve did not converge: {}\n",
                 cold.solve.converged ? warm.solve.message : cold.solve.message);
      return 3;
    }
    fmt::print("{:>6.3f} {:>7} {:>7} {:>7} | {:>8.3f} {:>8.3f} {:>6} | {:>8.3f} {:>6}\n", h * 1e3, cold.nodes,
               cold.tets, cold.dofs, build, cold.solve.seconds, cold.solve.newton_iterations,
               warm.solve.seconds, warm.solve.newton_iterations);
  }
  return 0;
}

int run_bench_bullet(int steps, double fine_size_m) {
  ContactCaseParams p;
  p.mesh.fine_size_m = fine_size_m;
  ContactScene sc = build_contact_scene(p);
  fmt::print("backroll bench bullet: the same scene (h = {} mm, {} nodes, {} tets) solved two ways\n",
             fine_size_m * 1e3, sc.model.mesh.n_nodes(), sc.model.mesh.n_tets());
  const BulletRunReport b = run_bullet_dynamics(sc, steps);
  const ContactResult q = solve_contact_scene(sc);
  const double y_qs = -sc.state.u[sc.model.rigid_bodies[sc.roller_body].dof[1]];
  fmt::print("{:<34} {:>10} {:>10} {:>9} {:>10} {:>12} {:>9}\n", "solver", "time s", "drop um", "p0 kPa",
             "p0 err %", "SpA/F-1 %", "state");
  fmt::print("{:<34} {:>10.3f} {:>10.2f} {:>9.4f} {:>+10.2f} {:>+12.3f} {:>9}\n",
             "backroll quasi-static (Eigen)", q.solve.seconds, y_qs * 1e6, q.stats.peak_Pa / 1e3,
             pct(q.stats.peak_Pa, q.hertz.peak_Pa), pct(q.pressure_force_N, p.load.force_N),
             q.solve.converged ? "converged" : "FAILED");
  const std::string label = fmt::format("Bullet implicit FEM, {} steps", b.steps);
  if (b.diverged) {
    fmt::print("{:<34} {:>10.3f} {:>10} {:>9} {:>10} {:>12}  {}\n", label, b.seconds, "-", "-", "-", "-", b.status);
  } else {
    fmt::print("{:<34} {:>10.3f} {:>10.2f} {:>9.4f} {:>+10.2f} {:>+12.3f} {:>9}\n", label, b.seconds,
               b.roller_drop_m * 1e6, b.result.stats.peak_Pa / 1e3, pct(b.result.stats.peak_Pa, q.hertz.peak_Pa),
               pct(b.result.pressure_force_N, p.load.force_N), fmt::format("v={:.1e}", b.max_node_speed_m_s));
  }
  fmt::print("Hertz p0 = {:.4f} kPa. Bullet's slab is free along the roller axis (no plane-strain hold);\n"
             "its pressure is read from its node positions with backroll's residual extraction.\n",
             q.hertz.peak_Pa / 1e3);
  return 0;
}

// The exercise's pose settled two ways at one place: Bullet's rigid bodies on rigid contacts, and
// the quasi-static solve with the region's tissue on the foam.
int run_bench_pose(const std::string& exercise, const std::string& roller_name, int place) {
  const ExerciseSpec spec = load_exercise_spec(catalog_file("exercises", exercise, "", "the exercise", "exercise"));
  const RollerSpec roller = load_roller_spec(roller_name.empty() ? spec.roller_file
                                                                 : catalog_file("rollers", roller_name, "", "--roller", "roller"));
  const int n = static_cast<int>(spec.path_m.size());
  if (place >= n) throw ConfigError(fmt::format("--place {}: allowed 0..{} (the places of {}'s path)", place, n - 1, exercise));
  const Vec2 at = spec.path_m[place < 0 ? n / 2 : place];
  fmt::print("backroll bench pose: {}, {}, the place {} ({})\n", spec.name, roller.name, place < 0 ? n / 2 : place, place_label(at));
  const BulletPoseReport b = settle_pose_in_bullet(spec, roller, at);
  const auto t0 = std::chrono::steady_clock::now();
  ExerciseSession ses(build_exercise_model(spec, roller, at.x()));
  const ExerciseResult q = ses.solve_at(at);
  const double qs_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fmt::print("{:<36} {:>22} {:>22}\n", "", "Bullet, rigid contacts", "quasi-static, tissue");
  fmt::print("{:<36} {:>20.1f} % {:>20.1f} %\n", "weight on the roller", 100 * b.roller_N / b.weight_N, 100 * q.roller_share);
  for (size_t s = 0; s < spec.supports.size(); ++s)
    fmt::print("{:<36} {:>20.1f} N {:>20.1f} N\n", "on the " + spec.supports[s].name, b.support_N[s], q.support_N[s]);
  double up = b.roller_N;
  for (double f : b.support_N) up += f;
  fmt::print("{:<36} {:>18.2f} % {:>20.2f} %\n", "forces up - weight, of the weight", 100 * (up - b.weight_N) / b.weight_N,
             100 * q.balance_error);
  fmt::print("{:<36} {:>18.2f} deg {:>18.2f} deg\n", "the core turned", b.core_turn_deg, q.core_turn_deg);
  fmt::print("{:<36} {:>20.3f} s {:>20.3f} s\n", "time", b.seconds, qs_s);
  fmt::print("Bullet: {} steps of 1/480 s, forces averaged over the last 0.5 s, bodies at {:.1e} m/s at the end; the\n"
             "quasi-static: {} Newton iterations, {}.\n",
             b.steps, b.max_speed_m_s, q.solve.newton_iterations, q.valid ? "valid" : "NOT valid: " + q.invalid_reason);
  return 0;
}

std::string body_path(const std::string& f) { return f.empty() ? default_body_path() : f; }

int run_model_info(const std::string& file) {
  const auto t0 = std::chrono::steady_clock::now();
  const BodySpec p = load_body_spec(body_path(file));
  const BodyModel m = build_body(p);
  const double build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fmt::print("backroll model info: {}\n", p.source);
  fmt::print("  body {:.1f} kg, {:.2f} m, {}; kyphosis {:.1f} deg, lordosis {:.1f} deg; built in {:.2f} s\n",
             p.mass_kg, p.height_m, p.male ? "male" : "female", p.kyphosis_deg, p.lordosis_deg, build_s);
  fmt::print("  {} bones ({} vertebrae + pelvis, {} rib segments, sternum), {} joints\n", m.bones.size(), kLevels,
             m.bones.size() - kLevels - 2, m.fem.joints.size());
  fmt::print("  tissue mesh: {} nodes, {} tets, {} free dofs; element size {:.1f} mm along the spine, "
             "{:.1f}-{:.1f} mm across, <= {:.1f} mm through the depth over the spinous processes\n",
             m.fem.mesh.n_nodes(), m.fem.mesh.n_tets(), m.fem.n_dofs, m.mesh_axial_size_m * 1e3,
             p.midline_size_m * 1e3, p.max_lateral_size_m * 1e3, m.mesh_max_depth_size_m * 1e3);
  const MeshQuality q = mesh_quality(m.fem.mesh);
  fmt::print("  mesh quality: dihedral angles {:.2f}-{:.2f} deg, max aspect ratio {:.1f}, smallest tet {:.3g} mm^3, "
             "floating tets {}\n", q.min_dihedral_deg, q.max_dihedral_deg, q.max_aspect, q.min_volume_m3 * 1e9,
             floating_tets(m));
  if (m.abdomen >= 0) {
    const FluidCavity& c = m.fem.cavities[m.abdomen];
    fmt::print("  abdominal cavity: {} fluid tets, {:.0f} cm3, {:.1f} mmHg at the reference point, compliance {:.0f} "
               "mL/mmHg; {} element rows through a kidney at its centre\n",
               c.tets.size(), c.V0_m3 * 1e6, c.p0_Pa / 133.322, c.compliance_m3_per_Pa * 1e6 * 133.322,
               m.kidney_element_rows);
  }
  fmt::print("\n{:<6} {:>8} {:>9} {:>9} {:>9} {:>8} {:>8}  {}\n", "level", "s cm", "SP depth", "generated", "diff mm",
             "bone kg", "+lumped", "ribs");
  for (int v = 0; v < kLevels; ++v) {
    const Bone& b = m.bones[m.vertebra[v]];
    std::string ribs = v < kRibs ? fmt::format("rib {} pair{}", v + 1, v < 7 ? " -> sternum" : v < 10 ? " -> rib above" : " floating") : "";
    fmt::print("{:<6} {:>8.1f} {:>7.1f}mm {:>7.1f}mm {:>+9.2f} {:>8.3f} {:>8.3f}  {}\n", b.name, m.sp_tip_s_m[v + 1] * 100,
               p.depth_over_sp_m[v] * 1e3, m.sp_tip_depth_m[v] * 1e3, (m.sp_tip_depth_m[v] - p.depth_over_sp_m[v]) * 1e3,
               b.own_mass_kg, b.attached_mass_kg, ribs);
  }
  const Bone& pel = m.bones[m.pelvis];
  fmt::print("{:<6} {:>8.1f} {:>9} {:>9} {:>9} {:>8.3f} {:>8.3f}  (legs lumped at the hips)\n\n", "pelvis",
             m.sp_tip_s_m[19] * 100, "", "", "", pel.own_mass_kg, pel.attached_mass_kg);
  fmt::print("{:<22} {:>8} {:>8} {:>10} {:>9} {:>10} {:>6} {:>16} {:>7}\n", "region", "tets", "nodes", "volume cm3",
             "mass kg", "E kPa", "nu", "dihedral deg", "aspect");
  const std::vector<RegionStats> stats = region_stats(m);
  for (size_t ri = 0; ri < stats.size(); ++ri) {
    const RegionStats& r = stats[ri];
    const TissueMaterial& tm = region_material(p, static_cast<int>(ri));
    fmt::print("{:<22} {:>8} {:>8} {:>10.1f} {:>9.3f} {:>10.4g} {:>6.2f} {:>7.2f}-{:<8.2f} {:>7.1f}\n", r.name, r.tets,
               r.nodes, r.volume_m3 * 1e6, r.mass_kg, tm.youngs_modulus_Pa / 1e3, tm.poisson_ratio,
               r.quality.min_dihedral_deg, r.quality.max_dihedral_deg, r.quality.max_aspect);
  }
  double bones = 0, lumped = 0;
  for (const Bone& b : m.bones) bones += b.own_mass_kg, lumped += b.attached_mass_kg;
  fmt::print("\nmass: tissue mesh {:.2f} kg + bones and trunk slices {:.2f} kg + head, arms, legs lumped {:.2f} kg = "
             "{:.3f} kg (body mass {:.3f} kg, de Leva {} table)\n", m.tissue_mass_kg, bones, lumped, m.total_mass_kg,
             p.mass_kg, p.male ? "male" : "female");
  fmt::print("Lying flat, the head is lumped on T1, the arms on T2-T4 and the legs at the hips, so all of the\n"
             "weight passes through the back (the rolling pose poses them as segments of their own).\n");
  return 0;
}

int run_model_spine(const std::string& file) {
  const BodySpec p = load_body_spec(body_path(file));
  const LumbarExtensionData d;
  fmt::print("backroll model spine: the lumbar motion segments L1-L2 to L4-L5, each alone (bones and joints, the lower vertebra\n"
             "fixed), a pure extension moment on the upper one; in vitro at {:.1f} N m: {:.1f}-{:.1f} deg, a secant stiffness of {:.2f}-{:.2f} N m/deg\n"
             "(Heuer 2007, Panjabi 1994; recalled)\n",
             d.moment_Nm, d.rom_lo_deg, d.rom_hi_deg, d.stiffness_lo(), d.stiffness_hi());
  fmt::print("{:<8} {:<24} {:<24} {}\n", "segment", fmt::format("at {:.1f} N m", kNeutralZoneMomentNm),
             fmt::format("at {:.1f} N m", d.moment_Nm), "in vitro");
  for (int level = d.first_level; level <= d.last_level; ++level) {
    const double k0 = segment_extension_stiffness_Nm_per_deg(p, level, kNeutralZoneMomentNm);
    const double k = segment_extension_stiffness_Nm_per_deg(p, level, d.moment_Nm);
    const bool in = k >= d.stiffness_lo() && k <= d.stiffness_hi();
    fmt::print("{:<8} {:<24} {:<24} {}\n", level_name(level) + "-" + level_name(level + 1),
               fmt::format("{:.3f} deg, {:.2f} N m/deg", kNeutralZoneMomentNm / k0, k0),
               fmt::format("{:.2f} deg, {:.2f} N m/deg", d.moment_Nm / k, k), in ? "within" : "OUTSIDE");
  }
  return 0;
}

int run_model_ribcage(const std::string& file, double moment) {
  const BodySpec p = load_body_spec(body_path(file));
  const RibCageComparison c = rib_cage_comparison(p, moment);
  fmt::print("backroll model ribcage: T1-T12 specimen (T12 and below fixed), pure moment +-{:.1f} N m on T1\n", moment);
  const RibCageStudies& st = rib_cage_studies();
  const char* names[3] = {"flexion/extension", "axial rotation", "lateral bending"};
  // Each study against the model's state that matches its own end state: Mannen removed the
  // whole cage, Liebsch the anterior cage down to the rib stumps (the rib heads came later).
  fmt::print("{:<20} {:>12} {:>12} {:>12}   {:>26}   {:>26}\n", "mode", "ROM intact", "ROM stumps", "ROM no ribs",
             "stumps: model (Liebsch 2017)", "no ribs: model (Mannen 2018)");
  for (int a : {0, 2, 1})
    fmt::print("{:<20} {:>9.2f}deg {:>9.2f}deg {:>9.2f}deg   {:>+16.1f}% ({:+.1f} %)   {:>+16.1f}% ({:+.1f} %)\n", names[a],
               c.rom_with_deg(a), c.rom(RibCageStudies::liebsch_end, a), c.rom_without_deg(a),
               c.increase_pct(a, RibCageStudies::liebsch_end), st.rom_increase_liebsch_pct[a],
               c.increase_pct(a, RibCageStudies::mannen_end), st.rom_increase_mannen_pct[a]);
  fmt::print("(Liebsch: +-2 N m, no preload; Mannen: +-5 N m under a 400 N follower load, which the model does not apply)\n");
  // Liebsch 2017 took the cage apart step by step; each step's increase is over the step before.
  fmt::print("\nthe cage taken apart as Liebsch 2017 did, ROM increase over the step before (model; cadaver mean,\n"
             "n.s. = not significant, figure not given):\n");
  fmt::print("{:<36} {:>26} {:>26} {:>26}\n", "step", names[0], names[2], names[1]);
  for (int s = 1; s < kCageStates; ++s) {
    fmt::print("{:<36}", cage_name(static_cast<Cage>(s)));
    for (int a : {0, 2, 1}) {
      const double cad = st.step_liebsch_pct[s][a];
      fmt::print(" {:>+11.1f}% ({:>11})", c.step_pct(s, a),
                 std::isnan(cad) ? std::string("n.s.") : fmt::format("{:+.1f} %", cad));
    }
    fmt::print("\n");
  }
  // The same specimens' stiffness, not only its change: Liebsch, Graf & Wilke 2017 give the
  // T1-T12 range of motion with the cage intact but the intercostal muscles removed.
  fmt::print("\nT1-T12 range of motion, intercostals removed (model at +-{:.1f} N m; Liebsch, Graf & Wilke 2017 at\n"
             "+-2 N m, mean +- SD of n = {}, and the model's distance from the mean in SDs):\n", moment, RibCageStudies::n_graf);
  for (int a : {0, 2, 1})
    fmt::print("{:<20} {:>9.2f}deg   {:.0f} +- {:.0f}deg   {:+.1f} SD\n", names[a], c.rom(Cage::NoIntercostals, a),
               st.rom_no_ic_graf_deg[a], st.rom_no_ic_graf_sd_deg[a],
               (c.rom(Cage::NoIntercostals, a) - st.rom_no_ic_graf_deg[a]) / st.rom_no_ic_graf_sd_deg[a]);
  // Mannen 2018 Table 2: elastic-zone stiffness intact / no ribs, 400 N follower load, +-5 N m:
  // the ratio is what compares with a linear model; its 95 % interval shows how well n = 8
  // specimens pin it.
  fmt::print("\nstiffness with / without ribs, by region (model at +{:.1f} N m; Mannen 2018 Table 2, elastic zone,\n"
             "ratio of means [approx. 95 % interval]):\n", moment);
  fmt::print("{:<20} {:>24} {:>24} {:>24}\n", "mode", "upper T1/T4", "middle T4/T8", "lower T8/T12");
  for (int a : {0, 2, 1}) {
    fmt::print("{:<20}", names[a]);
    for (int r = 0; r < 3; ++r) {
      const RatioInterval ci = mannen_ratio_interval(a, r);
      fmt::print(" {:>5.2f} ({:.2f} [{:.2f},{:.2f}])", c.region_ratio(a, r), ci.ratio, std::max(0.0, ci.lo), ci.hi);
    }
    fmt::print("\n");
  }
  return 0;
}

int run_model_export(const std::string& file, const std::string& out) {
  const BodyModel m = build_body(load_body_spec(body_path(file)));
  std::string text;
  if (out.size() > 4 && out.substr(out.size() - 4) == ".vtu") text = tissue_vtu(m, m.fem.mesh.X);
  else if (out.size() > 4 && out.substr(out.size() - 4) == ".obj") text = model_obj(m, m.fem.mesh.X);
  else throw ConfigError("--out " + out + ": unknown format: allowed a name ending in .vtu or .obj");
  write_file_atomic(out, text);
  fmt::print("wrote {} ({} nodes, {} tets, {} bones)\n", out, m.fem.mesh.n_nodes(), m.fem.mesh.n_tets(), m.bones.size());
  return 0;
}

int run_bench_model(const std::string& file) {
  const BodySpec p = load_body_spec(body_path(file));
  auto t0 = std::chrono::steady_clock::now();
  BodyModel m = build_body(p);
  const double build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  SolverSettings s;
  s.gap_tol_m = 1e-6;
  const SettleResult cold = settle_on_floor(m, s);
  FemState warm = cold.state;
  const SolveReport w = solve_equilibrium(m.fem, warm, s);
  fmt::print("backroll bench model: {}\n", p.source);
  fmt::print("  build {:.3f} s: {} nodes, {} tets, {} bones, {} joints, {} dofs\n", build_s, m.fem.mesh.n_nodes(),
             m.fem.mesh.n_tets(), m.bones.size(), m.fem.joints.size(), m.fem.n_dofs);
  fmt::print("  supine on the floor, cold solve: {:.2f} s, {} Newton iterations ({:.3f} s each), {} multiplier updates, {}\n",
             cold.solve.seconds, cold.solve.newton_iterations,
             cold.solve.seconds / std::max(1, cold.solve.newton_iterations), cold.solve.multiplier_updates,
             cold.solve.converged ? "converged" : "NOT converged: " + cold.solve.message);
  fmt::print("  time per part: evaluate {:.2f} s, assemble {:.2f} s, factorise+solve {:.2f} s ({} factorisations), "
             "line search {:.2f} s\n", cold.solve.seconds_evaluate, cold.solve.seconds_assemble,
             cold.solve.seconds_factorize, cold.solve.factorizations,
             cold.solve.seconds_line_search);
  fmt::print("  re-solve from the solution: {:.3f} s, {} iterations\n", w.seconds, w.newton_iterations);
  fmt::print("  weight {:.2f} N, floor reaction {:.2f} N ({:+.4f} %), contact area {:.0f} cm2, min J {:.3f}, pelvis drop {:.1f} mm\n",
             cold.weight_N, cold.floor_reaction_N, pct(cold.floor_reaction_N, cold.weight_N),
             cold.contact_area_m2 * 1e4, cold.min_J, cold.pelvis_drop_m * 1e3);
  return cold.solve.converged ? 0 : 3;
}


// A progress bar on stderr, redrawn in place: "[#####     ] 12/30 label".
void progress_bar(int done, int total, const std::string& label) {
  const int width = 30, filled = total > 0 ? width * done / total : width;
  fmt::print(stderr, "\r[{}{}] {}/{} {}", std::string(filled, '#'), std::string(width - filled, ' '), done, total, label);
  if (done >= total) fmt::print(stderr, "\n");
}

int run_compare(const std::string& scenario, std::vector<std::string> rollers, const std::string& out, int threads,
                bool check_warm, bool vtu, const std::vector<std::string>& tones) {
  const Scenario sc = load_scenario(scenario.empty() ? main_job_scenario_path() : scenario);
  refuse_patch(sc, "compare");  // before the output folder
  if (rollers.empty()) rollers = default_compare_rollers();
  std::vector<std::string> files;
  for (const std::string& r : rollers) {
    files.push_back(catalog_file("rollers", r, "", "--roller", "roller"));
    load_roller_spec(files.back());  // a bad roller file fails here, before any solve
  }
  if (threads <= 0) threads = std::max(1u, std::thread::hardware_concurrency());
  ensure_output_dir(out, "--out " + out);  // before a minute of solving, not after
  const Comparison c = run_comparison(sc, files, threads, check_warm, vtu ? out + "/states" : "", tones, [](const BatchProgress& p) {
    progress_bar(static_cast<int>(p.positions_done), static_cast<int>(p.positions_total), fmt::format("positions, {:.0f} s", p.seconds));
  });
  write_file_atomic(out + "/compare.csv", comparison_csv(c));
  write_file_atomic(out + "/compare.json", comparison_json(c));
  write_file_atomic(out + "/compare.png", render_chart_png(comparison_chart(c)));
  if (!c.tones.empty()) write_file_atomic(out + "/compare_tones.png", render_chart_png(tone_chart(c)));
  const PressureMapSpec maps = pressure_maps(c);
  if (!maps.maps.empty()) write_file_atomic(out + "/compare_maps.png", render_pressure_maps_png(maps));
  write_file_atomic(out + "/report.html", comparison_html(c));
  fmt::print("{}", comparison_table(c));
  int failed = 0;
  std::vector<const RollerRun*> runs;  // the main run and the other tones'
  for (const RollerRun& run : c.runs) runs.push_back(&run);
  for (const ToneRun& t : c.tones)
    if (t.tone != sc.tone.name)
      for (const RollerRun& run : t.runs) runs.push_back(&run);
  for (const RollerRun* run : runs)
    for (const RollResult& r : run->results) {
      if (r.usable()) continue;
      ++failed;
      fmt::print("{}: {} at {} (muscles {}): {}\n", r.solve.converged ? "INVALID (not a possible state)" : "NOT CONVERGED",
                 run->scenario.roller.name, level_name(r.level), run->scenario.tone.name,
                 r.solve.converged ? r.validity.reason : r.solve.message);
    }
  fmt::print("wrote {0}/compare.csv, {0}/compare.json, {0}/compare.png{2}{3}, {0}/report.html{1}\n", out,
             vtu ? fmt::format(" and the solved states in {}/states (ParaView: one .pvd series per roller)", out) : "",
             c.tones.empty() ? "" : fmt::format(", {}/compare_tones.png", out),
             maps.maps.empty() ? "" : fmt::format(", {}/compare_maps.png", out));
  if (failed) return 3;
  return warm_cold_disagreements(c, nullptr).empty() ? 0 : 3;  // reported above, row by row
}

// A roller level given on the command line (T2..L5), or a ConfigError naming the option.
int level_option(const std::string& option, const std::string& text) {
  const int level = level_index(text);
  if (level < 2 || level > kLevels) throw ConfigError(fmt::format("{} {}: allowed T2..T12, L1..L5", option, text));
  return level;
}

int run_dwell_cmd(const std::string& scenario, const std::string& position, double seconds, double dt,
                  const std::string& out) {
  const Scenario sc = load_scenario(scenario.empty() ? main_job_scenario_path() : scenario);
  const int level = level_option("--position", position);
  if (dt > seconds) throw ConfigError(fmt::format("--dt {:g}: allowed up to --seconds ({:g})", dt, seconds));
  ensure_output_dir(out, "--out " + out);  // before the solving, not after
  const DwellRun d = run_dwell(sc, level, seconds, dt, [](int k, int n) { progress_bar(k, n, "steps held"); });
  fmt::print("{}", dwell_table(d));
  write_file_atomic(out + "/dwell.csv", dwell_csv(d));
  write_file_atomic(out + "/dwell.json", dwell_json(d));
  write_file_atomic(out + "/dwell.png", render_chart_png(dwell_chart(d), 1600, 700));
  fmt::print("{0:.1f} s; wrote {1}/dwell.csv, {1}/dwell.json, {1}/dwell.png\n", d.wall_seconds, out);
  if (!d.complete()) {
    const RollResult& r = d.samples.back().r;
    fmt::print("the dwell stopped at {:g} s: {}\n", d.samples.back().t_s,
               r.solve.converged ? "not a possible state: " + r.validity.reason : "not converged: " + r.solve.message);
    return 3;
  }
  return 0;
}

int run_exercise_cmd(const std::string& exercise, const std::vector<std::string>& rollers, const std::string& out, int threads) {
  const std::string path = exercise.size() > 5 && exercise.substr(exercise.size() - 5) == ".toml"
                               ? exercise
                               : catalog_file("exercises", exercise, "", "the exercise", "exercise");
  const ExerciseSpec spec = load_exercise_spec(path);
  std::vector<std::string> files;
  for (const std::string& r : rollers) files.push_back(catalog_file("rollers", r, "", "--roller", "roller"));
  for (const std::string& f : files) load_roller_spec(f);  // every input checked before the first solve
  ensure_output_dir(out, "--out " + out);
  if (threads <= 0) threads = std::max(1u, std::thread::hardware_concurrency());
  const std::vector<ExerciseRun> runs = run_exercise(spec, files, threads);
  fmt::print("{}", exercise_table(spec, runs));
  write_file_atomic(out + "/exercise.csv", exercise_csv(spec, runs));
  write_file_atomic(out + "/exercise.json", exercise_json(spec, runs));
  write_file_atomic(out + "/exercise.png", exercise_maps_png(spec, runs));
  fmt::print("wrote {0}/exercise.csv, {0}/exercise.json, {0}/exercise.png\n", out);
  for (const ExerciseRun& run : runs)
    for (const ExerciseResult& r : run.positions)
      if (!r.valid) return 3;
  return 0;
}

int run_mesh_study_cmd(const std::string& scenario, const std::vector<std::string>& rollers,
                       const std::vector<std::string>& positions, double refine, const std::string& out, int threads) {
  MeshStudyOptions opt;
  for (const std::string& r : rollers) opt.roller_files.push_back(catalog_file("rollers", r, "", "--roller", "roller"));
  opt.levels.clear();
  for (const std::string& p : positions) opt.levels.push_back(level_option("--positions", p));
  opt.refine = refine;
  const std::string path = scenario.empty() ? main_job_scenario_path() : scenario;
  MeshStudy s = prepare_mesh_study(path, opt);  // both meshes' scenarios read: a bad one fails here
  ensure_output_dir(out, "--out " + out);
  if (threads <= 0) threads = std::max(1u, std::thread::hardware_concurrency());
  fmt::print("backroll mesh-study: {} roller(s) x {} position(s) on mesh scale {:g} and {:g}, {} thread(s)\n", s.rollers.size(),
             s.levels.size(), s.coarse.mesh_scale, s.fine.mesh_scale, threads);
  std::fflush(stdout);
  solve_mesh_study(s, threads, [](const BatchProgress& p) {
    progress_bar(static_cast<int>(p.positions_done), static_cast<int>(p.positions_total),
                 fmt::format("positions, {:.0f} s", p.seconds));
  });
  fmt::print("{}", mesh_study_table(s));
  write_file_atomic(out + "/mesh_study.csv", mesh_study_csv(s));
  write_file_atomic(out + "/mesh_study.json", mesh_study_json(s));
  fmt::print("wrote {0}/mesh_study.csv, {0}/mesh_study.json\n", out);
  return mesh_study_passes(s) ? 0 : 4;
}

int run_sensitivity_cmd(const std::string& scenario, const std::string& inputs, const std::string& out, int threads) {
  const std::string path = scenario.empty() ? main_job_scenario_path() : scenario;
  const SensitivitySpec spec = load_sensitivity(inputs.empty() ? default_sensitivity_path() : catalog_file("uncertainty", inputs, "", "--inputs", "inputs"));
  if (threads <= 0) threads = std::max(1u, std::thread::hardware_concurrency());
  Sensitivity s = prepare_sensitivity(path, spec);  // every variant read: a bad one fails here
  ensure_output_dir(out, "--out " + out);
  fmt::print("backroll sensitivity: {} inputs, 2 ends each, {} and {}, {} thread(s)\n", spec.inputs.size(),
             level_name(spec.mid_level), level_name(spec.low_level), threads);
  solve_sensitivity(s, threads, [](const BatchProgress& p) {
    progress_bar(static_cast<int>(p.positions_done), static_cast<int>(p.positions_total),
                 fmt::format("positions, {:.0f} s", p.seconds));
  });
  fmt::print("{}", sensitivity_table(s));
  write_file_atomic(out + "/sensitivity.csv", sensitivity_csv(s));
  write_file_atomic(out + "/sensitivity.json", sensitivity_json(s));
  write_file_atomic(out + "/sensitivity.png", render_tornado_png(sensitivity_tornado(s)));
  fmt::print("wrote {0}/sensitivity.csv, {0}/sensitivity.json, {0}/sensitivity.png\n", out);
  int failed = s.base.usable() ? 0 : 1;
  for (const auto& ends : s.cases)
    for (const SensitivityCase& c : ends) failed += c.usable() ? 0 : 1;
  if (failed) fmt::print("{} case(s) did not solve to a possible state at both positions: left out (the JSON says which)\n", failed);
  return failed ? 3 : 0;
}

// Where a solve's time went, summed over solves.
struct SolveTally {
  double seconds = 0, evaluate = 0, assemble = 0, factorize = 0, analyse = 0, line_search = 0;
  int positions = 0, newton = 0, factorizations = 0, failed = 0, analyses = 0, multiplier_updates = 0, reused = 0, cg = 0;
  void add(const SolveReport& r) {
    seconds += r.seconds, evaluate += r.seconds_evaluate, assemble += r.seconds_assemble;
    factorize += r.seconds_factorize, analyse += r.seconds_analyse, line_search += r.seconds_line_search;
    newton += r.newton_iterations, factorizations += r.factorizations, failed += r.failed_factorizations, analyses += r.analyses;
    multiplier_updates += r.multiplier_updates, reused += r.reused_steps, cg += r.cg_iterations;
  }
  std::string line() const {
    const double n = std::max(positions, 1);
    return fmt::format("{:.2f} s, {:.1f} Newton iterations, {:.1f} factorisations ({:.1f} of them failed: indefinite; {:.1f} new orderings), {:.1f} steps on the last "
                       "factorisation ({:.1f} CG iterations), {:.1f} contact multiplier updates; evaluation {:.2f} s, assembly {:.2f} s, "
                       "factorisation and solves {:.2f} s (orderings {:.2f} s), line search {:.2f} s, the rest {:.2f} s",
                       seconds / n, newton / n, factorizations / n, failed / n, analyses / n, reused / n, cg / n, multiplier_updates / n,
                       evaluate / n, assemble / n, factorize / n, analyse / n, line_search / n,
                       (seconds - evaluate - assemble - factorize - line_search) / n);
  }
};

// How `bench roll` names the two ways a Newton step is solved.
const char* solver_name(bool direct) { return direct ? "plain direct solver" : "late steps on the last factorisation"; }

int run_bench_roll(const std::string& scenario) {
  const Scenario sc = load_scenario(scenario.empty() ? std::string(BACKROLL_ASSET_DIR) + "/scenarios/compare.toml" : scenario);
  // The positions from rest, T7 and L3, each on its model (one, unless the patch follows the
  // roller: then each with the patch centred on it), with its flat-lying reference.
  const std::array<int, 2> levels = {7, 15};
  std::array<FlatReference, 2> flat;
  std::array<std::shared_ptr<const PosedModel>, 2> pm;
  for (size_t k = 0; k < levels.size(); ++k) {
    if (k > 0 && !patch_follows_roller(sc)) {
      flat[k] = flat[0], pm[k] = pm[0];
      continue;
    }
    const Scenario at = with_patch_at(sc, levels[k]);
    flat[k] = solve_flat_reference(at);
    pm[k] = build_posed_model(at);
  }
  fmt::print("backroll bench roll: {} ({} dofs{}, mesh scale {})\n", portable_path(sc.source), pm[0]->body.fem.n_dofs,
             patch_follows_roller(sc) ? fmt::format(" with the patch at T7, {} at L3", pm[1]->body.fem.n_dofs) : "", sc.mesh_scale);
  fmt::print("  linear solver: {}\n", backroll::linear_solver_info());
  SolveTally f;
  for (size_t k = 0; k < levels.size() && (k == 0 || patch_follows_roller(sc)); ++k) f.add(flat[k].solve), ++f.positions;
  fmt::print("  flat-lying reference: {}\n", f.line());
  fmt::print("  the tangent's Cholesky factor: {:.1f} million nonzeros, {:.2f} GFlop a factorisation, its largest dense block "
             "{} rows\n",
             flat[0].solve.factor_nonzeros / 1e6, flat[0].solve.factor_flops / 1e9, flat[0].solve.factor_largest_front);
  // The same positions with the late Newton steps on the last factorisation (what runs) and with
  // a factorisation every step (the plain direct solver), each session from the same start.
  for (bool direct : {false, true}) {
    SolveTally cold, warm, sub;
    const char* how = solver_name(direct);
    for (size_t k = 0; k < levels.size(); ++k) {
      const int l = levels[k];
      RollSession s(pm[k], &flat[k]);
      s.set_direct_solves(direct);
      const RollResult c = s.solve_at(l, true);
      std::string hist;  // Newton's residual at each evaluation of the cold solve: quadratic at the end
      for (double v : c.solve.residual_history) hist += fmt::format(" {:.1e}", v);
      fmt::print("  [{}] {} cold, largest nodal residual (N) per Newton step:{}\n", how, level_name(l), hist);
      const RollResult w = s.solve_at(l == 7 ? 8 : 16);
      cold.add(c.solve), ++cold.positions;
      warm.add(w.solve), ++warm.positions;
      sub.seconds += w.substep_seconds, sub.newton += w.substep_newton_iterations, ++sub.positions;
    }
    fmt::print("  [{}] per position from rest (T7, L3): {}\n", how, cold.line());
    fmt::print("  [{}] per position rolled warm from the level above (T8, L4), at the position: {}\n", how, warm.line());
    fmt::print("    and before it, the roller's sub-steps on the way: {:.2f} s, {:.1f} Newton iterations\n",
               sub.seconds / sub.positions, double(sub.newton) / sub.positions);
  }
  if (sc.body.patch_size_m > 0 && !patch_follows_roller(sc)) {  // compare refuses it (roll.h: refuse_patch)
    fmt::print("  the main job: not run (the scenario's fine patch is fine at {} only)\n", level_name(sc.body.patch_level));
    return 0;
  }
  std::vector<std::string> files;
  for (const std::string& name : default_compare_rollers()) files.push_back(roller_path(name));
  std::string tones;
  for (const std::string& name : default_compare_tones()) tones += (tones.empty() ? "" : ", ") + name;
  // The main job as it runs and with the plain direct solver: the ratio of their times is what
  // the late steps on the last factorisation buy.
  std::array<std::array<double, 2>, 2> seconds{};  // [direct][threads - 1]
  for (bool direct : {false, true})
    for (int t : {1, 2}) {
      Scenario run = sc;
      run.direct_solves = direct;
      const Comparison c = run_comparison(run, files, t, false, "", default_compare_tones());
      int its = 0, subs = 0, factorizations = 0, positions = 0;
      for (const RollerRun& r : c.runs)
        for (const RollResult& p : r.results)
          its += p.solve.newton_iterations, subs += p.substep_newton_iterations, factorizations += p.solve.factorizations, ++positions;
      seconds[direct][t - 1] = c.seconds;
      fmt::print("  [{}] the main job ({} rollers x {} positions {}, + {} at T7 and L3 started from the default tone's states, + "
                 "flat references), {} thread(s): {:.1f} s, {:.1f} Newton iterations per rolled position ({:.1f} of them in roller "
                 "sub-steps), {:.1f} factorisations at the position\n",
                 solver_name(direct), files.size(), sc.levels.size(),
                 sc.warm_start ? "rolled warm-started" : "each from rest", tones, t, c.seconds, double(its + subs) / positions,
                 double(subs) / positions, double(factorizations) / positions);
    }
  for (int t : {1, 2})
    fmt::print("  the main job on {} thread(s): the plain direct solver takes {:.2f} times as long\n", t,
               seconds[true][t - 1] / seconds[false][t - 1]);
  return 0;
}

std::string clock(double s) {
  const int t = static_cast<int>(std::lround(s));
  return t >= 3600 ? fmt::format("{}:{:02d}:{:02d}", t / 3600, t / 60 % 60, t % 60) : fmt::format("{}:{:02d}", t / 60, t % 60);
}

// Progress on stderr: a bar redrawn in place on a terminal, plain lines (one per finished case)
// otherwise.
struct ProgressPrinter {
  bool tty = isatty(fileno(stderr)) != 0;
  void operator()(const SweepProgress& p) const {
    const BatchProgress& b = p.batch;
    const double rate = b.seconds > 0 ? b.positions_done / b.seconds : 0;
    const double left = rate > 0 ? (b.positions_total - b.positions_done) / rate : 0;
    if (tty) {
      const int width = 30;
      const int fill = b.positions_total ? static_cast<int>(width * b.positions_done / b.positions_total) : width;
      fmt::print(stderr, "\r[{}{}] {}/{} cases, {}/{} positions, {:.2f} positions/s, {} elapsed, ~{} left   ",
                 std::string(fill, '#'), std::string(width - fill, '.'), p.cases_done, p.cases_total, b.positions_done,
                 b.positions_total, rate, clock(b.seconds), rate > 0 ? clock(left) : "?");
      if (p.cases_done == p.cases_total && b.positions_done == b.positions_total) fmt::print(stderr, "\n");
    } else if (p.finished) {
      std::string ps;
      for (const auto& [k, v] : p.finished->params) ps += (ps.empty() ? "" : ", ") + k + " = " + to_string(v);
      fmt::print(stderr, "sweep: case {} done ({}): {}/{} cases, {}/{} positions, {} elapsed, ~{} left\n", p.finished->index,
                 ps.empty() ? "base scenario" : ps, p.cases_done, p.cases_total, b.positions_done, b.positions_total,
                 clock(b.seconds), rate > 0 ? clock(left) : "?");
    }
  }
};

int run_sweep_cmd(const std::string& file, std::string out, int threads, bool resume, const std::string& shard) {
  SweepOptions opt;
  if (!shard.empty()) {
    const size_t slash = shard.find('/');
    try {
      if (slash == std::string::npos) throw std::invalid_argument(shard);
      size_t a = 0, b = 0;
      opt.shard_k = std::stoi(shard.substr(0, slash), &a);
      opt.shard_n = std::stoi(shard.substr(slash + 1), &b);
      if (a != slash || b != shard.size() - slash - 1) throw std::invalid_argument(shard);
    } catch (const std::logic_error&) {
      throw ConfigError("--shard " + shard + ": allowed K/N, e.g. 0/4 (run cases K, K+N, K+2N, ...)");
    }
    if (opt.shard_n < 1 || opt.shard_k < 0 || opt.shard_k >= opt.shard_n)
      throw ConfigError("--shard " + shard + ": allowed K/N with N >= 1 and 0 <= K < N");
  }
  const SweepSpec spec = load_sweep(file);
  const std::vector<SweepCase> cases = sweep_cases(spec);  // every case checked before any runs
  opt.out_dir = out;
  opt.threads = threads > 0 ? threads : std::max(1u, std::thread::hardware_concurrency());
  opt.resume = resume;
  fmt::print("backroll sweep {}: {} ({} cases x {} positions{}), {} thread(s)\n", spec.name, spec.description, cases.size(),
             spec.position_labels.size(), opt.shard_n > 1 ? fmt::format(", shard {}/{}", opt.shard_k, opt.shard_n) : "", opt.threads);
  std::fflush(stdout);
  const SweepRunReport rep = run_sweep(spec, cases, opt, ProgressPrinter{});
  fmt::print("{} case(s) run, {} resumed from {}/cases, {:.1f} s ({:.3f} cases/s)\n", rep.cases_run, rep.cases_resumed,
             rep.out_dir, rep.seconds, rep.seconds > 0 ? rep.cases_run / rep.seconds : 0.0);
  for (const std::string& w : rep.written) fmt::print("wrote {}\n", w);
  if (rep.positions_failed) {
    fmt::print("{} position(s) did not converge or are not a possible state: marked valid = 0 in the CSV and JSON "
               "(the reason in the JSON's message), their measures empty\n",
               rep.positions_failed);
    return 3;
  }
  return 0;
}

int run_bench_sweep(const std::string& file) {
  const SweepSpec spec = load_sweep(file.empty() ? std::string(BACKROLL_ASSET_DIR) + "/../experiments/roller_types.toml" : file);
  const std::vector<SweepCase> cases = sweep_cases(spec);
  fmt::print("backroll bench sweep: {} ({} cases x {} positions)\n", spec.path, cases.size(), spec.position_labels.size());
  fmt::print("  linear solver: {}\n", backroll::linear_solver_info());
  const std::string tmp = (std::filesystem::temp_directory_path() / ("backroll_bench_" + std::to_string(getpid()))).string();
  std::string first;
  for (int t : {1, 2}) {
    SweepOptions opt;
    opt.out_dir = tmp + "/t" + std::to_string(t);
    opt.threads = t;
    const SweepRunReport rep = run_sweep(spec, cases, opt);
    const size_t positions = cases.size() * spec.position_labels.size();
    fmt::print("  {} thread(s): {:.1f} s, {:.3f} cases/s, {:.2f} positions/s{}\n", t, rep.seconds, cases.size() / rep.seconds,
               positions / rep.seconds, rep.positions_failed ? fmt::format(", {} positions NOT converged or NOT valid", rep.positions_failed) : "");
    std::ifstream in(opt.out_dir + "/" + spec.name + ".csv");
    std::stringstream ss;
    ss << in.rdbuf();
    if (t == 1) first = ss.str();
    else fmt::print("  CSV on 1 and 2 threads: {}\n", ss.str() == first ? "bit-identical" : "DIFFERENT");
  }
  std::filesystem::remove_all(tmp);
  return 0;
}

}  // namespace

struct ViewOptionsCli {
  backroll::ViewerOptions o;
  std::string size = "1280x800";
};

// `backroll view`: every input is checked before a window opens (bad input: exit 2, no file).
int run_view(ViewOptionsCli& v) {
  using namespace backroll;
  ViewerOptions& o = v.o;
  int w = 0, h = 0;
  char tail = 0;
  if (std::sscanf(v.size.c_str(), "%dx%d%c", &w, &h, &tail) != 2 || w < 320 || h < 240 || w > 8192 || h > 8192)
    throw ConfigError("--size " + v.size + ": allowed WIDTHxHEIGHT, 320x240 to 8192x8192");
  o.width = w, o.height = h;
  const int lv = level_index(o.position);
  if (lv < 2 || lv > kLevels) throw ConfigError("--position " + o.position + ": allowed T2..L5");
  if (!o.lesson.empty()) {
    const Lesson l = load_lesson(catalog_file("lessons", o.lesson, "", "--lesson", "lesson"));
    if (!l.exercise.empty()) {  // the exercise mode, on the lesson's setup
      o.exercise = l.exercise;
      o.roller = l.setups.front().setup.roller;
      o.place = l.setups.front().place;
    }
  } else {
    std::vector<ConfigOverride> ov;
    if (!o.roller.empty()) ov.push_back({"roller", catalog_file("rollers", o.roller, "", "--roller", "roller"), "--roller"});
    refuse_moving_patch(load_scenario(o.scenario.empty() ? std::string(BACKROLL_ASSET_DIR) + "/scenarios/compare.toml" : o.scenario, ov),
                        "the viewer");
  }
  for (const auto& [option, file] : {std::pair<std::string, std::string>{"--screenshot", o.screenshot}, {"--record", o.record}})
    if (!file.empty()) {
      const std::filesystem::path dir = std::filesystem::absolute(file).parent_path();
      if (!std::filesystem::is_directory(dir)) throw ConfigError(option + " " + file + ": no such folder " + dir.string());
    }
  if (!o.screenshot.empty() && !o.record.empty()) throw ConfigError("--screenshot and --record: give one of them");
  if (!o.record.empty() && std::filesystem::path(o.record).extension() != ".gif")
    throw ConfigError("--record " + o.record + ": allowed a .gif file");
#ifdef BACKROLL_HAVE_VIEWER
  return run_viewer(o);
#else
  fmt::print(stderr, "backroll: error: this build has no viewer (configure with -DBACKROLL_BUILD_VIEWER=ON; needs libimgui-dev, libglfw3-dev)\n");
  return 1;
#endif
}

int main(int argc, char** argv) {
  // Each Newton step builds its tangent from tens of MB of triplets. glibc serves blocks that big
  // with fresh mmap'd pages, zeroed by the kernel each time: measured, 15 of 55 CPU-seconds of the
  // main job went to the kernel. Kept on the heap and not trimmed, the main job takes 35 s
  // instead of 40 s (2 threads); the results are the same.
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  CLI::App app{"backroll: foam-roller pressure on a human back, from mechanics"};
  app.require_subcommand(1);
  std::string config;
  CLI::App* contact = app.add_subcommand("contact", "Hertz contact validation report, or a roller on layered tissue");
  contact->add_option("config", config,
                      "suite file overriding the defaults, or a layered-tissue file / name from assets/contact");
  std::vector<std::string> contact_rollers;
  contact->add_option("--roller", contact_rollers, "layered file: roller name(s) or .toml file(s), comma-separated (default: the file's)")
      ->delimiter(',');
  CLI::App* bench = app.add_subcommand("bench", "benchmarks (print timings)");
  bench->require_subcommand(1);
  CLI::App* bench_contact = bench->add_subcommand("contact", "time one quasi-static contact solve, cold and warm");
  CLI::App* bench_bullet = bench->add_subcommand("bullet", "run Bullet's deformable solver on the contact scene and compare");
  int bullet_steps = 240;
  double bullet_h = 0.001;
  bench_bullet->add_option("--steps", bullet_steps, "time steps of 1/240 s")->check(CLI::Range(1, 100000));
  bench_bullet->add_option("--fine-size", bullet_h, "element size in the contact zone (m)")->check(CLI::Range(0.0002, 0.01));
  CLI::App* bench_pose = bench->add_subcommand("pose", "an exercise's pose settled in Bullet (rigid) against the quasi-static solve");
  std::string pose_exercise = "hip_flexors", pose_roller;
  int pose_place = -1;
  bench_pose->add_option("exercise", pose_exercise, "name from assets/exercises (default: hip_flexors)");
  bench_pose->add_option("--roller", pose_roller, "roller name or .toml file (default: the exercise's)");
  bench_pose->add_option("--place", pose_place, "index into the exercise's path (default: the middle)")->check(CLI::Range(0, 1000));
  CLI::App* model = app.add_subcommand("model", "the torso model: summary and geometry export");
  model->require_subcommand(1);
  std::string body_file, out_file;
  CLI::App* model_info = model->add_subcommand("info", "print levels, masses, regions and mesh figures");
  model_info->add_option("body", body_file, "body file (default: assets/bodies/default.toml)")->check(CLI::ExistingFile);
  CLI::App* model_export = model->add_subcommand("export", "write the model as VTU (ParaView) or OBJ (Blender)");
  model_export->add_option("body", body_file, "body file (default: assets/bodies/default.toml)")->check(CLI::ExistingFile);
  model_export->add_option("--out", out_file, "output file, .vtu or .obj")->required();
  double rib_moment = 2.0;
  CLI::App* model_ribcage = model->add_subcommand("ribcage", "the rib cage's stiffening of the thoracic spine vs cadaver data");
  model_ribcage->add_option("body", body_file, "body file (default: assets/bodies/default.toml)")->check(CLI::ExistingFile);
  model_ribcage->add_option("--moment", rib_moment, "pure moment (N m)")->check(CLI::Range(0.1, 10.0));
  CLI::App* model_spine = model->add_subcommand("spine", "the lumbar motion segments' extension stiffness vs in-vitro data");
  model_spine->add_option("body", body_file, "body file (default: assets/bodies/default.toml)")->check(CLI::ExistingFile);
  CLI::App* bench_model = bench->add_subcommand("model", "build the torso and time its quasi-static solve on the floor");
  bench_model->add_option("body", body_file, "body file (default: assets/bodies/default.toml)")->check(CLI::ExistingFile);
  std::string scenario, out_dir = "results";
  std::vector<std::string> rollers;
  int threads = 0;
  CLI::App* compare = app.add_subcommand("compare", "the roller under the mid-back vs the low back (the main job)");
  compare->add_option("scenario", scenario, "scenario file (default: assets/scenarios/fine_patch.toml; compare.toml: the same on the coarse mesh, in about two minutes)")->check(CLI::ExistingFile);
  compare->add_option("--roller", rollers, "roller name from assets/rollers or a .toml file (repeat; default: standard, peanut, soft)");
  compare->add_option("--out", out_dir, "output folder (default: results)");
  compare->add_option("--threads", threads, "threads (default: all cores)")->check(CLI::Range(1, 256));
  bool check_warm = false, vtu = false;
  compare->add_flag("--vtu", vtu, "also write every solved state as VTU for ParaView (OUT/states/ROLLER/LEVEL.vtu, a .pvd series per roller)");
  std::vector<std::string> tones = default_compare_tones();
  compare->add_option("--tones", tones, "the other tones to compare at, T7 and L3 (default: relaxed guarding; 'none' for none)")
      ->check(CLI::IsMember({"relaxed", "holding", "guarding", "none"}));
  compare->add_flag("--check-warm", check_warm,
                    "solve every position again from rest and report where the warm-started result differs (twice the time)");
  std::string exercise_name = "hip_flexors";
  std::vector<std::string> exercise_rollers;
  CLI::App* exercise = app.add_subcommand("exercise", "another exercise than the back's: its region of tissue on the roller along its path");
  exercise->add_option("exercise", exercise_name, "name from assets/exercises or a .toml file (default: hip_flexors)");
  exercise->add_option("--roller", exercise_rollers, "roller name from assets/rollers or a .toml file (repeat; default: the file's)");
  exercise->add_option("--out", out_dir, "output folder (default: results)");
  exercise->add_option("--threads", threads, "threads, one roller each (default: all cores)")->check(CLI::Range(1, 256));
  std::string dwell_position = "L3";
  double dwell_seconds = 30, dwell_dt = 1;
  CLI::App* dwell = app.add_subcommand("dwell", "hold the roller on one spot and follow the tissue's creep over time");
  dwell->add_option("scenario", scenario, "scenario file (default: assets/scenarios/fine_patch.toml, the main job's)")->check(CLI::ExistingFile);
  dwell->add_option("--position", dwell_position, "the roller's level, T2..L5 (default L3)");
  dwell->add_option("--seconds", dwell_seconds, "how long it is held (default 30)")->check(CLI::Range(0.1, 600.0));
  dwell->add_option("--dt", dwell_dt, "time step (s, default 1: a sixth of muscle's relaxation time)")->check(CLI::Range(0.01, 600.0));
  dwell->add_option("--out", out_dir, "output folder (default: results)");
  std::string sensitivity_inputs;
  CLI::App* sensitivity = app.add_subcommand("sensitivity", "vary each uncertain input over its range: which mid-back vs low-back verdicts survive");
  sensitivity->add_option("scenario", scenario, "scenario file (default: assets/scenarios/fine_patch.toml, the main job's)")->check(CLI::ExistingFile);
  sensitivity->add_option("--inputs", sensitivity_inputs, "the inputs and ranges: catalog name (assets/uncertainty) or .toml file (default: default)");
  sensitivity->add_option("--out", out_dir, "output folder (default: results)");
  sensitivity->add_option("--threads", threads, "threads (default: all cores)")->check(CLI::Range(1, 256));
  std::vector<std::string> study_positions = {"T7", "L3"};
  double refine = 0.7;
  CLI::App* mesh_study = app.add_subcommand("mesh-study", "solve the scenario on its mesh and a refined one: does every measure agree (5 % or the unit's floor)?");
  mesh_study->add_option("scenario", scenario, "scenario file (default: assets/scenarios/fine_patch.toml, the main job's)")->check(CLI::ExistingFile);
  mesh_study->add_option("--roller", rollers, "roller name from assets/rollers or a .toml file (repeat; default: standard, peanut, soft)");
  mesh_study->add_option("--positions", study_positions, "levels, comma-separated (default T7,L3)")->delimiter(',');
  mesh_study->add_option("--refine", refine, "the refined mesh's scale relative to the scenario's (default 0.7: element sizes x 0.7)");
  mesh_study->add_option("--out", out_dir, "output folder (default: results)");
  mesh_study->add_option("--threads", threads, "threads (default: all cores)")->check(CLI::Range(1, 256));
  CLI::App* bench_roll = bench->add_subcommand("roll", "time a roller position (cold and warm) and the default comparison");
  bench_roll->add_option("scenario", scenario, "scenario file (default: assets/scenarios/compare.toml)")->check(CLI::ExistingFile);
  std::string sweep_file, shard;
  bool resume = false;
  CLI::App* sweep = app.add_subcommand("sweep", "run a parameter sweep from a sweep file (experiments/*.toml)");
  sweep->add_option("file", sweep_file, "sweep file")->required()->check(CLI::ExistingFile);
  sweep->add_option("--out", out_dir, "output folder (default: the sweep file's `results`)");
  sweep->add_option("--threads", threads, "threads (default: all cores)")->check(CLI::Range(1, 256));
  sweep->add_flag("--resume", resume, "skip cases already done (DIR/cases/case_NNNN.json with a matching fingerprint)");
  sweep->add_option("--shard", shard, "K/N: run only cases K, K+N, K+2N, ... (0 <= K < N), for a cluster job array");
  std::vector<std::string> merge_inputs;
  std::string merge_out;
  CLI::App* merge = app.add_subcommand("merge", "join the outputs of a sharded sweep into one");
  merge->add_option("inputs", merge_inputs, "shard output folders (or their <name>.json)")->required();
  merge->add_option("--out", merge_out, "output folder")->required();
  CLI::App* bench_sweep = bench->add_subcommand("sweep", "cases per second of a sweep (default: experiments/roller_types.toml) on 1 and 2 threads");
  bench_sweep->add_option("file", sweep_file, "sweep file")->check(CLI::ExistingFile);
  ViewOptionsCli view_cli;
  CLI::App* view = app.add_subcommand("view", "the viewer: pressure on the back in 3D, rollers side by side (GLFW + OpenGL 3.3)");
  view->add_option("scenario", view_cli.o.scenario, "scenario file (default: assets/scenarios/compare.toml)")->check(CLI::ExistingFile);
  view->add_option("--lesson", view_cli.o.lesson, "a lesson: catalog name (assets/lessons) or .toml file");
  view->add_option("--roller", view_cli.o.roller, "roller: catalog name or .toml file (default: the scenario's)");
  view->add_option("--position", view_cli.o.position, "the roller's level, T2..L5 (default T7)");
  view->add_option("--exercise", view_cli.o.exercise, "show an exercise instead of the back: catalog name (assets/exercises) or .toml file");
  view->add_option("--place", view_cli.o.place, "the exercise's place, an index into its path (default: the middle one)")->check(CLI::Range(0, 1000));
  view->add_option("--camera", view_cli.o.camera, "person | three_quarter | below | side")->check(CLI::IsMember({"person", "three_quarter", "below", "side"}));
  view->add_flag("--bones", view_cli.o.bones, "show the bones through a see-through skin");
  view->add_option("--cut", view_cli.o.cut, "none | sagittal | transverse")->check(CLI::IsMember({"none", "sagittal", "transverse"}));
  view->add_flag("--auto-roll", view_cli.o.auto_roll, "roll up and down the back");
  view->add_option("--screenshot", view_cli.o.screenshot, "write this PNG (and PNG.json) once the solves are done, then exit");
  view->add_option("--frames", view_cli.o.frames, "frames to render before the screenshot, or before each recorded frame (default 3)")->check(CLI::Range(1, 100000));
  view->add_option("--record", view_cli.o.record, "roll the roller from T2 to L5 and write the window at each place as an animated GIF (plays at 4 cm/s), then exit");
  double record_step_cm = 2;
  view->add_option("--record-step", record_step_cm, "recording: at most this many cm between the recorded places, spread evenly from T2 to L5 (default 2)")->check(CLI::Range(0.5, 20.0));
  view->add_option("--size", view_cli.size, "window size WIDTHxHEIGHT (default 1280x800)");
  view->add_flag("--self-test", view_cli.o.self_test, "drive the window through resizes, minimising, setup changes mid-solve and lessons, then close it mid-solve");
  view->add_option("--timeout", view_cli.o.timeout_s, "screenshot or recording: give up after this many seconds (default 600)")->check(CLI::Range(1.0, 86400.0));
  CLI::App* formats = app.add_subcommand("formats", "print every data file's keys as Markdown tables (generated from the readers' checks)");
  CLI::App* measures = app.add_subcommand("measures", "print the measure registry as a Markdown table");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (*view) {
      view_cli.o.record_step_m = record_step_cm / 100;
      return run_view(view_cli);
    }
    if (*formats) return fmt::print("{}", file_format_tables()), 0;
    if (*measures) return fmt::print("{}", measure_table()), 0;
    if (*contact) return run_contact(config, contact_rollers);
    if (*compare) {
      if (std::find(tones.begin(), tones.end(), "none") != tones.end()) tones.clear();
      return run_compare(scenario, rollers, out_dir, threads, check_warm, vtu, tones);
    }
    if (*mesh_study) return run_mesh_study_cmd(scenario, rollers, study_positions, refine, out_dir, threads);
    if (*sensitivity) return run_sensitivity_cmd(scenario, sensitivity_inputs, out_dir, threads);
    if (*exercise) return run_exercise_cmd(exercise_name, exercise_rollers, out_dir, threads);
    if (*dwell) return run_dwell_cmd(scenario, dwell_position, dwell_seconds, dwell_dt, out_dir);
    if (*sweep) return run_sweep_cmd(sweep_file, sweep->count("--out") ? out_dir : "", threads, resume, shard);
    if (*merge) {
      for (const std::string& w : merge_sweeps(merge_inputs, merge_out)) fmt::print("wrote {}\n", w);
      return 0;
    }
    if (*bench_sweep) return run_bench_sweep(sweep_file);
    if (*bench_roll) return run_bench_roll(scenario);
    if (*bench_contact) return run_bench_contact();
    if (*bench_bullet) return run_bench_bullet(bullet_steps, bullet_h);
    if (*bench_pose) return run_bench_pose(pose_exercise, pose_roller, pose_place);
    if (*model_info) return run_model_info(body_file);
    if (*model_export) return run_model_export(body_file, out_file);
    if (*model_ribcage) return run_model_ribcage(body_file, rib_moment);
    if (*model_spine) return run_model_spine(body_file);
    if (*bench_model) return run_bench_model(body_file);
  } catch (const ConfigError& e) {
    fmt::print(stderr, "backroll: error: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "backroll: error: {}\n", e.what());
    return 2;
  }
  return 0;
}
