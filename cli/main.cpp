// backroll: the headless command line. A thin client of backroll_sim: it parses arguments,
// calls the core, and prints what the core computed.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <fmt/core.h>

#include "bullet_world.h"
#include "contact_suite.h"

using namespace backroll;

namespace {

double pct(double got, double want) { return 100.0 * (got / want - 1.0); }

int run_contact(const std::string& config) {
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"backroll: foam-roller pressure on a human back, from mechanics"};
  app.require_subcommand(1);
  std::string config;
  CLI::App* contact = app.add_subcommand("contact", "Hertz contact validation report");
  contact->add_option("config", config, "TOML file overriding the defaults")->check(CLI::ExistingFile);
  CLI::App* bench = app.add_subcommand("bench", "benchmarks (print timings)");
  bench->require_subcommand(1);
  CLI::App* bench_contact = bench->add_subcommand("contact", "time one quasi-static contact solve, cold and warm");
  CLI::App* bench_bullet = bench->add_subcommand("bullet", "run Bullet's deformable solver on the contact scene and compare");
  int bullet_steps = 240;
  double bullet_h = 0.001;
  bench_bullet->add_option("--steps", bullet_steps, "time steps of 1/240 s")->check(CLI::Range(1, 100000));
  bench_bullet->add_option("--fine-size", bullet_h, "element size in the contact zone (m)")->check(CLI::Range(0.0002, 0.01));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (*contact) return run_contact(config);
    if (*bench_contact) return run_bench_contact();
    if (*bench_bullet) return run_bench_bullet(bullet_steps, bullet_h);
  } catch (const ConfigError& e) {
    fmt::print(stderr, "backroll: error: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "backroll: error: {}\n", e.what());
    return 2;
  }
  return 0;
}
