#include "run/mesh_study.h"

#include <algorithm>
#include <cmath>
#include <fmt/core.h>
#include <fmt/format.h>
#include <mutex>
#include <nlohmann/json.hpp>

#include "io/catalog.h"
#include "measure/registry.h"
#include "run/compare.h"

namespace backroll {

MeshStudy prepare_mesh_study(const std::string& scenario_path, const MeshStudyOptions& opt) {
  if (!(opt.refine > 0 && opt.refine < 1))
    throw ConfigError(fmt::format("--refine {:g}: allowed between 0 and 1 (the refined mesh's element sizes relative to the scenario's)", opt.refine));
  if (opt.levels.empty()) throw ConfigError("--positions: give at least one level (T2..L5)");
  MeshStudy s;
  s.source = scenario_path;
  s.levels = opt.levels;
  s.coarse = load_scenario(scenario_path, opt.overrides);
  const double fine_scale = s.coarse.mesh_scale * opt.refine;
  if (fine_scale < 0.5)
    throw ConfigError(fmt::format("{}: mesh.scale {:g} x refine {:g} = {:g}: the finest mesh allowed is scale 0.5", scenario_path,
                                  s.coarse.mesh_scale, opt.refine, fine_scale));
  std::vector<ConfigOverride> fine = opt.overrides;
  fine.push_back({"mesh.scale", ConfigValue(fine_scale), "the refined mesh"});
  if (s.coarse.body.patch_size_m > 0)  // the patch refined too
    fine.push_back({"mesh.patch_size_m", ConfigValue(s.coarse.body.patch_size_m * opt.refine), "the refined mesh"});
  // The fat's rows through its depth too: the scale leaves them (one row at any scale), and under
  // a roller the peak pressure depends on them (the standard roller at L3 on the fine patch: 93
  // kPa with one row, 81 with three). ceil(rows / refine), at most what a body file allows.
  const int fat_rows = std::min(BodySpec::kMaxFatRows, static_cast<int>(std::ceil(s.coarse.body.fat_rows / opt.refine - 1e-9)));
  fine.push_back({"torso.mesh.fat_rows", ConfigValue(static_cast<int64_t>(fat_rows)), "the refined mesh"});
  s.fine = load_scenario(scenario_path, fine);
  // A patch, fixed at a level or not, is centred on each position (each a mesh of its own).
  s.coarse.body.patch_level = s.fine.body.patch_level = 0;
  s.rollers = opt.roller_files;
  if (s.rollers.empty())
    for (const std::string& name : default_compare_rollers()) s.rollers.push_back(roller_path(name));
  for (const std::string& f : s.rollers) s.roller_specs.push_back(load_roller_spec(f));  // each read before any solve
  return s;
}

void solve_mesh_study(MeshStudy& s, int threads, const BatchProgressFn& progress) {
  // One job per mesh and roller, each position from rest; one flat-lying reference per mesh (a
  // patch follows the roller: one per position and mesh, run_batch).
  const size_t n = s.rollers.size();
  std::vector<RollJob> jobs;
  for (int mesh = 0; mesh < 2; ++mesh)
    for (size_t i = 0; i < n; ++i) {
      RollJob j;
      j.scenario = mesh ? s.fine : s.coarse;
      j.scenario.roller_file = s.rollers[i];
      j.scenario.roller = s.roller_specs[i];
      j.scenario.warm_start = false;
      j.flat_key = mesh ? "refined" : "";
      for (int l : s.levels) j.positions.push_back({l, 0.0});
      jobs.push_back(j);
    }
  std::mutex dofs_mutex;
  BatchResult b = run_batch(jobs, threads, progress, {}, [&](int job, size_t, const RollSession& ses, const RollResult&) {
    std::lock_guard<std::mutex> lock(dofs_mutex);
    int& dofs = static_cast<size_t>(job) < n ? s.coarse_dofs : s.fine_dofs;
    dofs = std::max(dofs, ses.model().fem.n_dofs);
  });
  s.threads = b.threads;
  s.seconds = b.seconds;
  for (int mesh = 0; mesh < 2; ++mesh) {
    s.results[mesh].assign(n, {});
    for (size_t i = 0; i < n; ++i) {
      s.results[mesh][i] = std::move(b.results[mesh * n + i]);
      s.seconds_per_mesh[mesh] += b.job_seconds[mesh * n + i];
    }
  }
}

double mesh_tolerance(const Measure& m, double fine) { return std::max(0.05 * std::abs(fine), noise_floor(m)); }

std::vector<MeshDifference> mesh_differences(const MeshStudy& s) {
  std::vector<MeshDifference> out;
  for (size_t i = 0; i < s.rollers.size(); ++i)
    for (size_t k = 0; k < s.levels.size(); ++k) {
      const RollResult& a = s.results[0][i][k];
      const RollResult& b = s.results[1][i][k];
      for (const Measure& m : measure_registry()) {
        MeshDifference d;
        d.roller = data_name(s.rollers[i]);
        d.measure = m.key;
        d.level = s.levels[k];
        d.solved = a.usable() && b.usable();
        if (d.solved) {
          d.coarse = m.get(a);
          d.fine = m.get(b);
          d.tolerance = mesh_tolerance(m, d.fine);
          d.pass = std::abs(d.coarse - d.fine) <= d.tolerance;
        }
        out.push_back(d);
      }
    }
  return out;
}

bool mesh_study_passes(const MeshStudy& s) {
  const std::vector<MeshDifference> d = mesh_differences(s);
  return std::all_of(d.begin(), d.end(), [](const MeshDifference& x) { return x.pass; });
}

namespace {
std::string value(double v) { return fmt::format("{:.4g}", v); }
bool is_headline(const std::string& key) {
  const std::vector<std::string>& h = headline_measures();
  return std::find(h.begin(), h.end(), key) != h.end();
}
}  // namespace

std::string mesh_study_table(const MeshStudy& s) {
  std::string o = fmt::format(
      "backroll mesh-study: {}, mesh scale {:g} ({} dofs, fat {} row(s) deep) against {:g} ({} dofs, fat {} row(s)), each "
      "position from rest\n"
      "pass: the two within 5 % of the refined value or within the unit's floor (2 kPa, kidneys 0.2 kPa, 5 N, 0.5 points "
      "of %, 0.05 deg, 0.1 mm (a place 1 mm), 1 cm2, 0.5 N m)\n",
      portable_path(s.source), s.coarse.mesh_scale, s.coarse_dofs, s.coarse.body.fat_rows, s.fine.mesh_scale, s.fine_dofs,
      s.fine.body.fat_rows);
  if (s.coarse.body.patch_size_m > 0)
    o += fmt::format("with a fine patch at each position: {:g} mm (refined {:g} mm) within {:g} cm of its level along the spine "
                     "and {:g} cm of the midline\n", 1e3 * s.coarse.body.patch_size_m, 1e3 * s.fine.body.patch_size_m,
                     1e2 * s.coarse.body.patch_halflength_m, 1e2 * s.coarse.body.patch_halfwidth_m);
  const std::vector<MeshDifference> diffs = mesh_differences(s);
  int failed = 0;
  for (size_t i = 0; i < s.rollers.size(); ++i) {
    o += fmt::format("\n== {} ==\n", data_name(s.rollers[i]));
    o += fmt::format("  {:<52}", "measure");
    for (int l : s.levels) o += fmt::format(" | {:>4} {:>9} {:>9} {:>8}", level_name(l), "coarse", "refined", "diff");
    o += "\n";
    const std::vector<Measure>& measures = measure_registry();
    for (size_t mi = 0; mi < measures.size(); ++mi) {
      const Measure& m = measures[mi];
      o += fmt::format("  {:<52}", m.label + (m.unit.empty() ? "" : " (" + m.unit + ")"));
      for (size_t k = 0; k < s.levels.size(); ++k) {
        const MeshDifference& d = diffs[(i * s.levels.size() + k) * measures.size() + mi];  // mesh_differences' order
        if (!d.solved) {
          o += fmt::format(" | {:>4} {:>28}", "", "not solved (see below)");
          continue;
        }
        o += fmt::format(" | {:>4} {:>9} {:>9} {:>+8.3g}", d.pass ? "" : "FAIL", value(d.coarse), value(d.fine), d.coarse - d.fine);
      }
      o += "\n";
    }
    for (size_t k = 0; k < s.levels.size(); ++k)
      for (int mesh = 0; mesh < 2; ++mesh) {
        const RollResult& r = s.results[mesh][i][k];
        if (!r.usable())
          o += fmt::format("  {} on the {} mesh: {}\n", level_name(s.levels[k]), mesh ? "refined" : "scenario's",
                           r.solve.converged ? "not a possible state: " + r.validity.reason : "not converged: " + r.solve.message);
      }
  }
  int headline = 0, headline_failed = 0;
  for (const MeshDifference& d : diffs) {
    failed += d.pass ? 0 : 1;
    if (is_headline(d.measure)) ++headline, headline_failed += d.pass ? 0 : 1;
  }
  o += fmt::format("\n{}: {} of {} comparisons outside the rule; {:.1f} s on {} thread(s) (CPU: scenario's mesh {:.1f} s, refined {:.1f} s)\n",
                   failed ? "FAILS" : "PASSES", failed, diffs.size(), s.seconds, s.threads, s.seconds_per_mesh[0],
                   s.seconds_per_mesh[1]);
  o += fmt::format("of them the main job's headline measures ({}): {} of {}\n", fmt::join(headline_measures(), ", "),
                   headline_failed, headline);
  return o;
}

std::string mesh_study_csv(const MeshStudy& s) {
  std::string o = "roller,position,measure,unit,coarse,refined,difference,tolerance,pass,solved\n";
  for (const MeshDifference& d : mesh_differences(s)) {
    const Measure& m = find_measure(d.measure);
    o += fmt::format("{},{},{},{},", d.roller, level_name(d.level), d.measure, m.unit);
    o += d.solved ? fmt::format("{:.6g},{:.6g},{:.6g},{:.6g},{},1\n", d.coarse, d.fine, d.coarse - d.fine, d.tolerance, d.pass ? 1 : 0)
                  : std::string(",,,,0,0\n");
  }
  return o;
}

std::string mesh_study_json(const MeshStudy& s) {
  using nlohmann::json;
  json j;
  j["program"] = "backroll";
  j["version"] = BACKROLL_VERSION;
  j["config"] = {{"scenario", portable_path(s.source)}, {"mesh_scale", s.coarse.mesh_scale},
                 {"refined_mesh_scale", s.fine.mesh_scale}, {"dofs", s.coarse_dofs}, {"refined_dofs", s.fine_dofs},
                 {"fat_rows", s.coarse.body.fat_rows}, {"refined_fat_rows", s.fine.body.fat_rows},
                 {"rule", "|coarse - refined| <= max(5 % of |refined|, the unit's floor)"}};
  if (s.coarse.body.patch_size_m > 0)
    j["config"].update({{"patch_size_m", s.coarse.body.patch_size_m}, {"refined_patch_size_m", s.fine.body.patch_size_m},
                        {"patch_halflength_m", s.coarse.body.patch_halflength_m},
                        {"patch_halfwidth_m", s.coarse.body.patch_halfwidth_m}});
  for (const std::string& f : s.rollers) j["config"]["rollers"].push_back(data_name(f));
  for (int l : s.levels) j["config"]["positions"].push_back(level_name(l));
  for (const MeshDifference& d : mesh_differences(s)) {
    json x = {{"roller", d.roller}, {"position", level_name(d.level)}, {"measure", d.measure}, {"solved", d.solved},
             {"headline", is_headline(d.measure)}};
    if (d.solved)
      x.update({{"coarse", d.coarse}, {"refined", d.fine}, {"difference", d.coarse - d.fine}, {"tolerance", d.tolerance},
                {"pass", d.pass}});
    else
      x["pass"] = false;
    j["comparisons"].push_back(x);
  }
  j["passes"] = mesh_study_passes(s);
  j["seconds"] = s.seconds;
  j["threads"] = s.threads;
  return j.dump(1) + "\n";
}

}  // namespace backroll
