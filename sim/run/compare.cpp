#include "run/compare.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/catalog.h"
#include "io/atomic_file.h"
#include "report/html.h"
#include "report/model_export.h"
#include "report/plot.h"
#include "run/batch.h"
#include "io/toml_reader.h"

namespace backroll {
namespace {

// Where the pelvis is, in words for the headers.
std::string hips_text(const PostureParams& q) {
  return q.hips_down ? std::string("hips down on the floor") : fmt::format("hips lifted {:.0f} cm", q.hip_lift_m * 100);
}
constexpr int kT6 = 6, kT7 = 7, kT8 = 8, kL2 = 14, kL3 = 15, kL4 = 16;
}  // namespace

Comparison run_comparison(const Scenario& sc, const std::vector<std::string>& roller_files, int threads,
                          bool check_warm, const std::string& states_dir, const std::vector<std::string>& tones,
                          const BatchProgressFn& progress) {
  refuse_patch(sc, "compare");
  std::vector<RollJob> jobs(roller_files.size());
  for (size_t i = 0; i < roller_files.size(); ++i) {
    jobs[i].scenario = sc;
    jobs[i].scenario.roller_file = roller_files[i];
    jobs[i].scenario.roller = load_roller_spec(roller_files[i]);
    for (int l : sc.levels) jobs[i].positions.push_back({l, 0.0});
  }
  // The other tones: each roller at T7 and L3, one flat-lying reference per tone; in the same
  // batch as the main run, after its jobs. Each position starts from the scenario's own tone's
  // solved state there (the person tensing or relaxing on the roller: the same equilibrium from
  // a nearer start), or from rest when the main run has no such position or warm starts are off.
  std::vector<std::string> other;
  for (const std::string& t : tones)
    if (t != sc.tone.name && std::find(other.begin(), other.end(), t) == other.end()) other.push_back(t);
  const size_t n_main = jobs.size();
  auto tone_job = [&](size_t tone, size_t roller) { return n_main + tone * n_main + roller; };  // other[tone]'s job
  for (const std::string& t : other) {
    const Scenario st = load_scenario(sc.source, {{"posture.tone", ConfigValue(t), "the compared tones"}});
    for (size_t i = 0; i < roller_files.size(); ++i) {
      RollJob j;
      j.scenario = st;
      j.scenario.direct_solves = sc.direct_solves;
      j.scenario.roller_file = roller_files[i];
      j.scenario.roller = jobs[i].scenario.roller;
      for (int level : {kT7, kL3}) {
        RollPosition p{level, 0.0};
        const auto at = std::find(sc.levels.begin(), sc.levels.end(), level);
        if (at != sc.levels.end()) p.from_job = static_cast<int>(i), p.from_position = static_cast<size_t>(at - sc.levels.begin());
        else j.scenario.warm_start = false;  // each from rest, not rolled from T7 to L3
        j.positions.push_back(p);
      }
      j.flat_key = t;
      j.flat_start_key = jobs[i].flat_key;  // lying flat with the scenario's own tone, on the same mesh
      jobs.push_back(j);
    }
  }
  // Each valid solved state's file, relative to states_dir: <roller>/<level>.vtu.
  auto state_file = [&](size_t job, int level) { return data_name(roller_files[job]) + "/" + level_name(level) + ".vtu"; };
  PositionFn write_state;
  if (!states_dir.empty()) {
    for (const std::string& f : roller_files) ensure_output_dir(states_dir + "/" + data_name(f), "the states' folder");
    write_state = [&](int job, size_t, const RollSession& ses, const RollResult& r) {
      if (!r.usable()) return;
      write_file_atomic(states_dir + "/" + state_file(job, r.level),
                        state_vtu(ses.model(), ses.state(), pitch_matrix(ses.pitch_rad()), r.skin_pressure_Pa));
    };
  }
  BatchResult b = run_batch(jobs, threads, progress, {}, [&](int job, size_t k, const RollSession& ses, const RollResult& r) {
    if (write_state && static_cast<size_t>(job) < n_main) write_state(job, k, ses, r);
  });
  if (!states_dir.empty())
    for (size_t i = 0; i < n_main; ++i) {
      std::vector<std::string> files;
      for (const RollResult& r : b.results[i])
        if (r.usable()) files.push_back(state_file(i, r.level));
      write_file_atomic(states_dir + "/" + data_name(roller_files[i]) + ".pvd", vtu_series(files));
    }
  Comparison c;
  c.threads = b.threads;
  c.seconds = b.seconds;
  c.flats = b.flats;
  c.runs.resize(n_main);
  for (size_t i = 0; i < n_main; ++i) {
    c.runs[i].scenario = jobs[i].scenario;
    c.runs[i].results = std::move(b.results[i]);
    c.runs[i].seconds = b.job_seconds[i];
  }
  if (!other.empty()) {
    ToneRun own;  // the main run's T7 and L3
    own.tone = sc.tone.name;
    for (const RollerRun& run : c.runs) {
      RollerRun r = run;
      r.results.clear();
      for (const RollResult& x : run.results)
        if (x.level == kT7 || x.level == kL3) r.results.push_back(x);
      own.runs.push_back(r);
    }
    c.tones.push_back(own);
    for (size_t t = 0; t < other.size(); ++t) {
      ToneRun tr;
      tr.tone = other[t];
      for (size_t i = 0; i < n_main; ++i) {
        const size_t j = tone_job(t, i);
        tr.runs.push_back({jobs[j].scenario, std::move(b.results[j]), b.job_seconds[j]});
      }
      c.tones.push_back(tr);
    }
    // In order of effort: relaxed, holding, guarding.
    std::stable_sort(c.tones.begin(), c.tones.end(), [](const ToneRun& a, const ToneRun& b) {
      const auto& n = tone_names();
      return std::find(n.begin(), n.end(), a.tone) < std::find(n.begin(), n.end(), b.tone);
    });
  }
  if (check_warm && sc.warm_start) {
    for (RollJob& j : jobs) j.scenario.warm_start = false;
    BatchResult cold = run_batch(jobs, threads, progress);
    c.seconds += cold.seconds;
    auto cold_run = [&](size_t j) { return RollerRun{jobs[j].scenario, std::move(cold.results[j]), cold.job_seconds[j]}; };
    for (size_t i = 0; i < n_main; ++i) c.cold_runs.push_back(cold_run(i));
    for (size_t t = 0; t < other.size(); ++t)
      for (ToneRun& tr : c.tones)
        if (tr.tone == other[t])
          for (size_t i = 0; i < n_main; ++i) tr.cold_runs.push_back(cold_run(tone_job(t, i)));
  }
  return c;
}

bool measures_agree(const Measure& m, double a, double b) {
  return std::abs(a - b) <= std::max(0.01 * std::max(std::abs(a), std::abs(b)), noise_floor(m));
}

std::vector<WarmColdDisagreement> warm_cold_disagreements(const Comparison& c, int* compared) {
  std::vector<WarmColdDisagreement> out;
  int n = 0;
  auto hold = [&](const std::vector<RollerRun>& warm, const std::vector<RollerRun>& cold, const std::string& tone) {
    for (size_t i = 0; i < cold.size() && i < warm.size(); ++i)
      for (size_t k = 0; k < warm[i].results.size() && k < cold[i].results.size(); ++k) {
        const RollResult &w = warm[i].results[k], &cr = cold[i].results[k];
        if (!w.usable() || !cr.usable()) continue;
        ++n;
        for (const Measure& m : measure_registry())
          if (!measures_agree(m, m.get(w), m.get(cr)))
            out.push_back({warm[i].scenario.roller.name, tone, w.level, m.key, m.get(w), m.get(cr)});
      }
  };
  hold(c.runs, c.cold_runs, "");
  for (const ToneRun& t : c.tones) hold(t.runs, t.cold_runs, t.tone);
  if (compared) *compared = n;
  return out;
}

const std::vector<std::string>& default_compare_tones() {
  static const std::vector<std::string> t = {"relaxed", "guarding"};
  return t;
}

const std::vector<std::string>& headline_measures() {
  static const std::vector<std::string> k = {"weight_on_roller", "peak_pressure", "sp_load",
                                             "rib_share", "lumbar_extension", "kidney_mean"};
  return k;
}

int direction(const Measure& m, double t7, double l3) {
  if (measures_agree(m, t7, l3)) return 0;
  return l3 > t7 ? 1 : -1;
}

const std::vector<std::string>& default_compare_rollers() {
  static const std::vector<std::string> names = {"standard", "peanut", "soft"};
  return names;
}

double zone_mean(const RollerRun& run, const Measure& m, int lo, int hi, int* n) {
  double s = 0;
  int k = 0;
  for (const RollResult& r : run.results)
    if (r.usable() && r.level >= lo && r.level <= hi) s += m.get(r), ++k;
  if (n) *n = k;
  return k ? s / k : 0.0;
}

namespace {

// "3.1x higher", "about the same", "2.0x lower": how b compares with a.
std::string relation(double a, double b) {
  if (std::abs(a) < 1e-12 && std::abs(b) < 1e-12) return "the same (zero)";
  if (a > 0 && b > 0) {
    const double q = b / a;
    // A ratio against a value near zero says more about the mesh than the mechanics.
    if (q > 10) return "more than 10x higher";
    if (q < 0.1) return "more than 10x lower";
    if (q > 1.1) return fmt::format("{:.1f}x higher", q);
    if (q < 1 / 1.1) return fmt::format("{:.1f}x lower", 1 / q);
    return "about the same";
  }
  return b > a ? "higher" : b < a ? "lower" : "the same";
}
}  // namespace

std::vector<std::string> comparison_reading(const RollerRun& run) {
  std::vector<std::string> lines;
  auto T = [&](const char* k) { return zone_mean(run, find_measure(k), kT6, kT8, nullptr); };
  auto L = [&](const char* k) { return zone_mean(run, find_measure(k), kL2, kL4, nullptr); };
  std::string first = fmt::format("The roller carries {:.0f} % of the body weight under the mid-back and {:.0f} % under the "
                                  "low back; the feet {:.0f} % and {:.0f} %", T("weight_on_roller"), L("weight_on_roller"),
                                  T("weight_on_feet"), L("weight_on_feet"));
  if (std::max(T("weight_on_floor"), L("weight_on_floor")) >= 0.5)
    first += fmt::format(", the floor under the head and shoulders {:.0f} % and {:.0f} %", T("weight_on_floor"), L("weight_on_floor"));
  if (run.scenario.posture.hips_down)
    first += fmt::format(", the floor under the pelvis {:.0f} % and {:.0f} %", T("weight_on_seat"), L("weight_on_seat"));
  lines.push_back(first + fmt::format(". The hip extensors hold the pelvis with {:.0f} N m and {:.0f} N m.", T("hip_moment"),
                                      L("hip_moment")));
  lines.push_back(fmt::format("The roller rolls on the floor: its friction on the back is {:.0f} N under the mid-back and {:.0f} N "
                              "under the low back, and the legs hold the body along the floor with {:.0f} N and {:.0f} N.",
                              T("roller_friction"), L("roller_friction"), T("feet_horizontal"), L("feet_horizontal")));
  lines.push_back(fmt::format("The rib cage takes {:.0f} % of the load the tissue passes to bone under the mid-back and {:.0f} % "
                   "under the low back.", T("rib_share"), L("rib_share")));
  lines.push_back(fmt::format("The tissue presses on the tips of the spinous processes under the roller (3 levels) with {:.0f} N "
                   "under the mid-back and {:.0f} N under the low back ({}); "
                   "{:+.0f} N and {:+.0f} N against lying flat.", T("sp_load"), L("sp_load"), relation(T("sp_load"), L("sp_load")),
                   T("sp_load_vs_flat"), L("sp_load_vs_flat")));
  // Where the largest load on one process falls, with the roller at T7 and at L3.
  std::string where;
  for (int at : {kT7, kL3})
    for (const RollResult& r : run.results)
      if (r.level == at && r.usable()) {
        const auto top = std::max_element(r.sp_load_N.begin(), r.sp_load_N.end());
        where += fmt::format("{}{:.0f} N on {} with the roller at {}", where.empty() ? "" : ", ", *top,
                             level_name(static_cast<int>(top - r.sp_load_N.begin()) + 1), level_name(at));
      }
  if (!where.empty()) lines.push_back("The largest contact load on one spinous process, from the roller or the floor: " + where + ".");
  lines.push_back(fmt::format("The trunk comes to rest at {:.0f} deg to the floor under the mid-back and {:.0f} deg under the low back "
                   "(+: head higher than the hip); T1 is {:.0f} and {:.0f} mm above the floor.",
                   T("trunk_angle"), L("trunk_angle"), T("t1_height"), L("t1_height")));
  const Measure& friction = find_measure("feet_friction");
  const RollResult* slip = nullptr;
  for (const RollResult& r : run.results)
    if (r.usable() && (!slip || friction.get(r) > friction.get(*slip))) slip = &r;
  if (slip)
    lines.push_back(fmt::format("The feet need a friction coefficient of at most {:.2f} on the floor (with the roller at {}); a "
                     "state that needs more than {:.1f} has the feet sliding and is reported as not possible.",
                     friction.get(*slip), level_name(slip->level), kFeetFrictionMax));
  lines.push_back(fmt::format("Peak skin pressure is {:.0f} kPa vs {:.0f} kPa ({} under the low back); on the midline strip "
                   "{:.0f} vs {:.0f} kPa, on the paraspinal strips {:.0f} vs {:.0f} kPa.",
                   T("peak_pressure"), L("peak_pressure"), relation(T("peak_pressure"), L("peak_pressure")),
                   T("midline_peak"), L("midline_peak"), T("paraspinal_peak"), L("paraspinal_peak")));
  lines.push_back(fmt::format("Lumbar segments extend at most {:+.2f} deg beyond lying flat with the roller under the mid-back, "
                   "{:+.2f} deg under the low back.", T("lumbar_extension"), L("lumbar_extension")));
  lines.push_back(fmt::format("Mean hydrostatic pressure in the kidneys is {:.2f} kPa vs {:.2f} kPa (positive = compression; "
                   "the most compressed 5 % of them at {:.1f} vs {:.1f} kPa); the abdominal fluid around them is at {:.2f} and {:.2f} kPa.",
                   T("kidney_mean"), L("kidney_mean"), T("kidney_peak"), L("kidney_peak"), T("abdomen_pressure"),
                   L("abdomen_pressure")));
  return lines;
}

std::string comparison_table(const Comparison& c) {
  std::ostringstream o;
  const Scenario& sc = c.runs.front().scenario;
  o << fmt::format("backroll compare: {} ({:.0f} kg), {}, arms {}, muscles {} (breath {}: trunk {:.0f} N m/deg per segment), "
                   "hip muscles {:g} N m/deg, mesh scale {:g}\n",
                   portable_path(sc.body_file), sc.body.mass_kg, hips_text(sc.posture), sc.posture.arms, sc.tone.name,
                   sc.posture.breath, sc.posture.trunk_muscle_Nm_per_deg, sc.posture.hip_muscle_Nm_per_deg, sc.mesh_scale);
  o << "roller under the mid-back (mean of T6, T7, T8) vs the low back (mean of L2, L3, L4)\n";
  for (const RollerRun& run : c.runs) {
    int nt = 0, nl = 0;
    zone_mean(run, measure_registry()[0], kT6, kT8, &nt);
    zone_mean(run, measure_registry()[0], kL2, kL4, &nl);
    o << fmt::format("\n== {} ({}; foam E {:.2f} MPa) ==\n", run.scenario.roller.name, portable_path(run.scenario.roller_file),
                     run.scenario.roller.foam_E_Pa / 1e6);
    if (nt == 0 || nl == 0) {
      o << "  no converged, valid position in one of the zones: no comparison (see the JSON for each position's message)\n";
      continue;
    }
    o << fmt::format("  {:<46} {:>10} {:>10}  {}\n", "measure", "mid-back", "low back", "unit");
    for (const Measure& m : measure_registry())
      o << fmt::format("  {:<46} {:>10.2f} {:>10.2f}  {}\n", m.label, zone_mean(run, m, kT6, kT8, nullptr),
                       zone_mean(run, m, kL2, kL4, nullptr), m.unit);
    o << "  reading:\n";
    for (const std::string& line : comparison_reading(run)) o << "  - " << line << "\n";
  }
  o << tone_table(c);
  if (!c.cold_runs.empty()) {
    int n = 0;
    const std::vector<WarmColdDisagreement> d = warm_cold_disagreements(c, &n);
    o << fmt::format("\nwarm-started vs solved from rest, {} positions: ", n);
    if (d.empty()) o << "every measure agrees (within 1 % or its unit's floor)\n";
    else o << fmt::format("{} disagreements\n", d.size());
    for (const WarmColdDisagreement& x : d)
      o << fmt::format("  WARM/COLD DIFFER: {} at {}: {} {:.4g} warm vs {:.4g} cold\n", x.setup(), level_name(x.level), x.measure,
                       x.warm, x.cold);
  }
  o << fmt::format("\nThese are loads, pressures and motions from a quasi-static mechanical model (no injury criterion); "
                   "{} positions per roller, {:.1f} s on {} thread(s).\n",
                   c.runs.front().results.size(), c.seconds, c.threads);
  return o.str();
}

std::string comparison_csv(const Comparison& c) {
  std::ostringstream o;
  o << "roller,roller_file,level,s_m,converged,valid,newton_iterations,start_pitch_deg";
  for (const Measure& m : measure_registry()) o << "," << column_name(m);
  o << "\n";
  for (const RollerRun& run : c.runs)
    for (const RollResult& r : run.results) {
      o << '"' << run.scenario.roller.name << "\"," << portable_path(run.scenario.roller_file) << "," << level_name(r.level) << ","
        << fmt::format("{:.4f},{},{},{},{:.3f}", r.s_m, r.solve.converged ? 1 : 0, r.usable() ? 1 : 0,
                       r.solve.newton_iterations, r.start_pitch_deg);
      for (const Measure& m : measure_registry()) {
        if (r.usable()) o << fmt::format(",{:.6g}", m.get(r));
        else o << ",";  // not converged or not a possible state: empty, never a number
      }
      o << "\n";
    }
  return o.str();
}

std::string comparison_json(const Comparison& c) {
  using nlohmann::json;
  json j;
  j["program"] = "backroll";
  j["version"] = BACKROLL_VERSION;
  const Scenario& sc = c.runs.front().scenario;
  j["config"] = {{"scenario", portable_path(sc.source)},
                 {"body_file", portable_path(sc.body_file)},
                 {"body_mass_kg", sc.body.mass_kg},
                 {"hip_lift_m", sc.posture.hip_lift_m},
                 {"hips", sc.posture.hips_down ? "down" : "lifted"},
                 {"foot_distance_m", sc.posture.foot_distance_m},
                 {"arms", sc.posture.arms},
                 {"tone", sc.tone.name},
                 {"breath", sc.posture.breath},
                 {"physiology_file", portable_path(sc.physiology_file)},
                 {"trunk_muscle_Nm_per_deg", sc.posture.trunk_muscle_Nm_per_deg},
                 {"leg_stiffness_N_per_m", sc.posture.leg_N_per_m},
                 {"hip_muscle_Nm_per_deg", sc.posture.hip_muscle_Nm_per_deg},
                 {"mesh_scale", sc.mesh_scale},
                 {"warm_start", sc.warm_start},
                 {"roll_step_m", kRollStepM},
                 {"mat_cell_m", 0.01},
                 {"contact_threshold_Pa", kContactThresholdPa},
                 {"ppi_area_m2", kPpiAreaM2}};
  bool flats_converged = true;
  int flat_iterations = 0;
  for (const FlatReference& f : c.flats) flats_converged = flats_converged && f.solve.converged, flat_iterations += f.solve.newton_iterations;
  j["flat_reference"] = {{"converged", flats_converged}, {"newton_iterations", flat_iterations}, {"count", c.flats.size()}};
  if (!c.cold_runs.empty()) {
    int n = 0;
    json d = json::array();
    for (const WarmColdDisagreement& x : warm_cold_disagreements(c, &n))
      d.push_back({{"roller", x.roller}, {"tone", x.tone}, {"level", level_name(x.level)}, {"measure", x.measure}, {"warm", x.warm}, {"cold", x.cold}});
    j["warm_cold_check"] = {{"positions_compared", n}, {"disagreements", d}};
  }
  j["units"] = json::object();
  for (const Measure& m : measure_registry()) j["units"][m.key] = m.unit;
  for (const RollerRun& run : c.runs) {
    json jr;
    jr["roller"] = {{"name", run.scenario.roller.name},       {"file", portable_path(run.scenario.roller_file)},
                    {"kind", name(run.scenario.roller.kind)},       {"diameter_m", run.scenario.roller.diameter_m},
                    {"length_m", run.scenario.roller.length_m}, {"groove_width_m", run.scenario.roller.groove_width_m},
                    {"core_diameter_m", run.scenario.roller.core_diameter_m},
                    {"foam_E_Pa", run.scenario.roller.foam_E_Pa}, {"foam_depth_m", run.scenario.roller.foam_depth_m},
                    {"pattern", name(run.scenario.roller.pattern)}};
    for (const RollResult& r : run.results) {
      json p;
      p["level"] = level_name(r.level);
      p["s_m"] = r.s_m;
      p["converged"] = r.solve.converged;
      p["message"] = r.solve.message;
      p["valid"] = r.usable();
      if (r.solve.converged && !r.validity.valid) p["invalid_reason"] = r.validity.reason;
      p["newton_iterations"] = r.solve.newton_iterations;
      p["start_pitch_deg"] = r.start_pitch_deg;
      p["substeps"] = r.substeps;
      p["substep_newton_iterations"] = r.substep_newton_iterations;
      p["cold_retry"] = r.cold_retry;
      if (!r.warm_start_note.empty()) p["warm_start_note"] = r.warm_start_note;
      if (r.usable()) {
        for (const Measure& m : measure_registry()) p[m.key] = m.get(r);
        json sp = json::array(), ext = json::array(), shear = json::array(), ribs = json::array(),
             mid = json::array();
        for (int v = 0; v < kLevels; ++v) {
          sp.push_back(r.sp_load_N[v]);
          mid.push_back({{"peak_kPa", r.midline_by_level[v].peak_Pa / 1e3},
                         {"mean_kPa", r.midline_by_level[v].mean_Pa / 1e3},
                         {"force_N", r.midline_by_level[v].force_N}});
          ext.push_back(r.segment[v].extension_deg);
          shear.push_back(r.segment[v].anterior_shear_mm);
        }
        for (int k = 0; k < kRibs; ++k) ribs.push_back(r.rib_load_N[k]);
        p["sp_load_N_by_level"] = sp;
        p["midline_strip_by_level"] = mid;
        p["extension_deg_by_segment"] = ext;
        p["anterior_shear_mm_by_segment"] = shear;
        p["rib_load_N_by_rib"] = ribs;
      }
      jr["positions"].push_back(p);
    }
    j["runs"].push_back(jr);
  }
  // The tug-of-war: each roller's headline measures at T7 and L3 at every tone compared.
  for (const ToneRun& t : c.tones) {
    json jt;
    jt["tone"] = t.tone;
    for (const RollerRun& run : t.runs) {
      json jr = {{"roller", run.scenario.roller.name}, {"trunk_muscle_Nm_per_deg", run.scenario.posture.trunk_muscle_Nm_per_deg}};
      for (const RollResult& r : run.results) {
        json p = {{"level", level_name(r.level)}, {"converged", r.solve.converged}, {"valid", r.usable()},
                  {"newton_iterations", r.solve.newton_iterations}};
        if (r.usable())
          for (const std::string& k : headline_measures()) p[k] = find_measure(k).get(r);
        jr["positions"].push_back(p);
      }
      jt["runs"].push_back(jr);
    }
    j["tones"].push_back(jt);
  }
  for (size_t i = 0; i < c.runs.size() && !c.tones.empty(); ++i) j["tone_reading"][c.runs[i].scenario.roller.name] = tone_reading(c, i);
  return j.dump(1);
}

PressureMapSpec pressure_maps(const Comparison& c) {
  PressureMapSpec spec;
  spec.title = "skin pressure under the roller at the mid-back (T7) and the low back (L3)";
  double peak = 0;
  for (const RollerRun& run : c.runs)
    for (int level : {kT7, kL3})
      for (const RollResult& r : run.results) {
        if (r.level != level) continue;
        const std::string title = fmt::format("{}, {}", data_name(run.scenario.roller_file), level_name(level));
        if (!r.usable()) {  // a labelled gap: a class sees that the position was left out, and why
          spec.maps.push_back({title, {}, r.s_m, r.solve.converged ? "not possible" : "not converged"});
          continue;
        }
        spec.maps.push_back({title, r.mat, r.s_m, ""});
        peak = std::max(peak, r.whole.peak_Pa);  // the mat's largest cell
      }
  spec.scale_max_Pa = nice_ceil(std::max(peak, 1e4));  // as the viewer's colour scale
  return spec;
}

ChartSpec comparison_chart(const Comparison& c) {
  ChartSpec ch;
  const Scenario& sc = c.runs.front().scenario;
  ch.title = "backroll compare: roller position along the spine (scenario " + data_name(sc.source) + ", body " +
             data_name(sc.body_file) + ", " + fmt::format("{:.0f}", sc.body.mass_kg) + " kg)";
  for (int l = 2; l <= kLevels; ++l) ch.x_ticks.push_back(level_name(l));
  ch.bands = {{-0.5, 10.5, "thoracic T2-T12", {222, 235, 247}}, {10.5, 15.5, "lumbar L1-L5", {253, 232, 208}}};
  const char* keys[] = {"peak_pressure", "weight_on_roller", "sp_load", "rib_share", "lumbar_extension", "kidney_mean"};
  for (const char* k : keys) {
    const Measure* m = &find_measure(k);
    Panel p;
    p.title = k == std::string("lumbar_extension") ? "lumbar extension vs flat, largest"
              : k == std::string("kidney_mean")    ? "kidney pressure, mean"
              : k == std::string("sp_load")        ? "load on the spinous processes' tips, 3 levels"
                                                   : m->label;
    p.y_label = m->unit;
    p.min_span = 10 * noise_floor(*m);
    for (const RollerRun& run : c.runs) {
      Series s;
      s.name = run.scenario.roller.name;
      for (const RollResult& r : run.results)
        if (r.usable()) s.x.push_back(r.level - 2), s.y.push_back(m->get(r));
      p.series.push_back(s);
    }
    ch.panels.push_back(p);
  }
  return ch;
}

namespace {
// A table cell with as many decimals as a reader needs: 2360, 93.4, 0.58; zero below 0.005.
std::string table_number(double v) {
  const double a = std::abs(v);
  if (a < 0.005) return "0";
  return fmt::format(a >= 100 ? "{:.0f}" : a >= 10 ? "{:.1f}" : "{:.2f}", v);
}
}  // namespace

std::string comparison_html(const Comparison& c) {
  const Scenario& sc = c.runs.front().scenario;
  std::ostringstream o;
  const std::string title = "Foam roller under the mid-back and the low back (scenario " + data_name(sc.source) + ")";
  o << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" << html_escape(title) << "</title>\n"
    << "<style>\n"
       "body { font-family: sans-serif; max-width: 58em; margin: 1.5em auto; color: #222; line-height: 1.35; }\n"
       "h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.2em; } h3 { font-size: 1em; margin-bottom: 0.2em; }\n"
       "img { width: 100%; } ul { margin-top: 0.2em; }\n"
       "table { border-collapse: collapse; font-size: 0.8em; width: 100%; }\n"
       "th, td { border: 1px solid #ccc; padding: 2px 5px; text-align: right; } th:first-child, td:first-child { text-align: left; }\n"
       ".note { color: #555; font-size: 0.85em; }\n"
       "@media print { body { margin: 0; max-width: none; } h2 { page-break-after: avoid; } table { page-break-inside: avoid; } }\n"
       "</style>\n</head>\n<body>\n";
  o << "<h1>" << html_escape(title) << "</h1>\n";
  std::string rollers;
  for (const RollerRun& run : c.runs) rollers += (rollers.empty() ? "" : ", ") + run.scenario.roller.name;
  o << "<p>" << html_escape(fmt::format(
           "Body '{}': {:.0f} kg, {:.2f} m, supine on the roller, knees bent, feet on the floor, {}, {}; "
           "trunk muscles {} (breath {}; {:.0f} N m/deg per segment), hip muscles {:g} N m/deg. Rollers: {}. Each solved with the roller under "
           "every spinous process from {} to {}; mid-back means the mean over T6-T8, low back over L2-L4.",
           data_name(sc.body_file), sc.body.mass_kg, sc.body.height_m, hips_text(sc.posture),
           sc.posture.arms == "behind_head" ? "hands behind the head" : "arms on the chest", sc.tone.name, sc.posture.breath,
           sc.posture.trunk_muscle_Nm_per_deg, sc.posture.hip_muscle_Nm_per_deg, rollers, level_name(sc.levels.front()),
           level_name(sc.levels.back())))
    << "</p>\n";
  o << "<img alt=\"the measures along the spine, one line per roller\" src=\"data:image/png;base64,"
    << base64(render_chart_png(comparison_chart(c))) << "\">\n";
  const PressureMapSpec maps = pressure_maps(c);
  if (!maps.maps.empty())
    o << "<h2>Where the pressure is</h2>\n<img alt=\"the skin's pressure at T7 and at L3 for each roller, one colour "
         "scale\" src=\"data:image/png;base64,"
      << base64(render_pressure_maps_png(maps)) << "\">\n";
  o << "<h2>What the numbers say</h2>\n";
  for (const RollerRun& run : c.runs) {
    o << "<h3>" << html_escape(run.scenario.roller.name) << "</h3>\n<ul>\n";
    int nt = 0, nl = 0;
    zone_mean(run, measure_registry()[0], kT6, kT8, &nt);
    zone_mean(run, measure_registry()[0], kL2, kL4, &nl);
    if (nt == 0 || nl == 0) o << "<li>No converged, possible position in one of the zones: no comparison.</li>\n";
    else
      for (const std::string& line : comparison_reading(run)) o << "<li>" << html_escape(line) << "</li>\n";
    o << "</ul>\n";
  }
  o << "<h2>Every measure, mid-back and low back</h2>\n<table>\n<tr><th>measure</th><th>unit</th>";
  for (const RollerRun& run : c.runs)
    o << "<th>" << html_escape(run.scenario.roller.name) << "<br>mid-back</th><th>low back</th>";
  o << "</tr>\n";
  for (const Measure& m : measure_registry()) {
    o << "<tr><td>" << html_escape(m.label) << "</td><td>" << html_escape(m.unit) << "</td>";
    for (const RollerRun& run : c.runs) {
      int nt = 0, nl = 0;
      const double t = zone_mean(run, m, kT6, kT8, &nt), l = zone_mean(run, m, kL2, kL4, &nl);
      o << "<td>" << (nt ? table_number(t) : "-") << "</td><td>" << (nl ? table_number(l) : "-") << "</td>";
    }
    o << "</tr>\n";
  }
  o << "</table>\n";
  if (!c.tones.empty()) {
    o << "<h2>The muscles' tone: which conclusions hold at every tone</h2>\n<img alt=\"the headline measures at T7 and L3 "
         "against the tone\" src=\"data:image/png;base64,"
      << base64(render_chart_png(tone_chart(c))) << "\">\n";
    for (size_t i = 0; i < c.runs.size(); ++i) {
      o << "<h3>" << html_escape(c.runs[i].scenario.roller.name) << "</h3>\n<ul>\n";
      for (const std::string& line : tone_reading(c, i)) o << "<li>" << html_escape(line) << "</li>\n";
      o << "</ul>\n";
    }
  }
  std::string bad;
  for (const RollerRun& run : c.runs)
    for (const RollResult& r : run.results)
      if (!r.usable())
        bad += "<li>" + html_escape(run.scenario.roller.name + " at " + level_name(r.level) + ": " +
                                    (r.solve.converged ? r.validity.reason : r.solve.message)) + "</li>\n";
  if (!bad.empty()) o << "<h2>Positions left out</h2>\n<ul>\n" << bad << "</ul>\n";
  if (!c.cold_runs.empty()) {
    int n = 0;
    const std::vector<WarmColdDisagreement> d = warm_cold_disagreements(c, &n);
    o << "<h2>Warm-started against solved from rest</h2>\n<p>" << n << " positions compared: "
      << (d.empty() ? "every measure agrees." : fmt::format("{} disagreements.", d.size())) << "</p>\n";
    if (!d.empty()) {
      o << "<ul>\n";
      for (const WarmColdDisagreement& x : d)
        o << "<li>" << html_escape(fmt::format("{} at {}: {} {:.4g} warm, {:.4g} from rest", x.setup(), level_name(x.level), x.measure, x.warm, x.cold)) << "</li>\n";
      o << "</ul>\n";
    }
  }
  o << "<p class=\"note\">These are loads, pressures and motions from a quasi-static mechanical model of the back on a roller; "
       "they are not an injury criterion. Each measure's definition: <code>backroll measures</code>; the model and its limits: "
       "docs/model.md and docs/limits.md in the backroll repository. backroll " << BACKROLL_VERSION << ".</p>\n";
  o << "</body>\n</html>\n";
  return o.str();
}

}  // namespace backroll

namespace backroll {
namespace {
// A roller's result at a level in a tone's run, or null (not solved, not converged or not valid).
const RollResult* at_level(const RollerRun& run, int level) {
  for (const RollResult& r : run.results)
    if (r.level == level && r.usable()) return &r;
  return nullptr;
}
const char* direction_text(int d) { return d > 0 ? "higher" : d < 0 ? "lower" : "about the same"; }
}  // namespace

std::string tone_table(const Comparison& c) {
  if (c.tones.empty()) return "";
  std::ostringstream o;
  o << "\nthe muscles' tone (the tug-of-war): the roller at T7 (mid-back) and L3 (low back) at each tone\n";
  for (size_t i = 0; i < c.runs.size(); ++i) {
    o << fmt::format("\n== {} ==\n  {:<54}", c.runs[i].scenario.roller.name, "measure");
    for (const ToneRun& t : c.tones) o << fmt::format(" {:>19}", t.tone + " T7 / L3");
    o << "\n";
    for (const std::string& key : headline_measures()) {
      const Measure& m = find_measure(key);
      o << fmt::format("  {:<54}", m.label + " (" + m.unit + ")");
      for (const ToneRun& t : c.tones) {
        const RollResult *a = at_level(t.runs[i], kT7), *b = at_level(t.runs[i], kL3);
        o << (a && b ? fmt::format(" {:>9.2f} / {:<7.2f}", m.get(*a), m.get(*b)) : fmt::format(" {:>19}", "-"));
      }
      o << "\n";
    }
    o << "  reading:\n";
    for (const std::string& line : tone_reading(c, i)) o << "  - " << line << "\n";
  }
  return o.str();
}

std::vector<std::string> tone_reading(const Comparison& c, size_t roller) {
  std::vector<std::string> held, depends;
  for (const std::string& key : headline_measures()) {
    const Measure& m = find_measure(key);
    std::vector<int> dir;
    std::string values;
    for (const ToneRun& t : c.tones) {
      const RollResult *a = at_level(t.runs[roller], kT7), *b = at_level(t.runs[roller], kL3);
      if (!a || !b) continue;
      dir.push_back(direction(m, m.get(*a), m.get(*b)));
      values += fmt::format("{}{} {:.3g} -> {:.3g}", values.empty() ? "" : ", ", t.tone, m.get(*a), m.get(*b));
    }
    if (dir.size() < 2) continue;
    const bool same = std::all_of(dir.begin(), dir.end(), [&](int d) { return d == dir.front(); });
    if (same)
      held.push_back(fmt::format("{} is {} under the low back at every tone ({} {})", m.label, direction_text(dir.front()),
                                 values, m.unit));
    else {
      std::string how;
      size_t k = 0;
      for (const ToneRun& t : c.tones)
        if (at_level(t.runs[roller], kT7) && at_level(t.runs[roller], kL3))
          how += fmt::format("{}{} {}", how.empty() ? "" : ", ", direction_text(dir[k++]), t.tone);
      depends.push_back(fmt::format("{} under the low back depends on the tone: {} ({} {})", m.label, how, values, m.unit));
    }
  }
  std::vector<std::string> out;
  for (const std::string& h : held) out.push_back("holds: " + h + ".");
  for (const std::string& d : depends) out.push_back("depends: " + d + ".");
  return out;
}

ChartSpec tone_chart(const Comparison& c) {
  ChartSpec ch;
  const Scenario& sc = c.runs.front().scenario;
  ch.title = fmt::format("{}: mid-back (T7) and low back (L3) at each tone of the trunk muscles", data_name(sc.source));
  for (const ToneRun& t : c.tones) ch.x_ticks.push_back(t.tone);
  ch.columns = 3;
  for (const std::string& key : headline_measures()) {
    const Measure& m = find_measure(key);
    Panel p;
    p.title = m.label;
    p.y_label = m.unit;
    p.min_span = noise_floor(m);
    for (size_t i = 0; i < c.runs.size(); ++i)
      for (int level : {kT7, kL3}) {
        Series s;
        s.name = fmt::format("{} at {}", c.runs[i].scenario.roller.name, level_name(level));
        for (size_t t = 0; t < c.tones.size(); ++t)
          if (const RollResult* r = at_level(c.tones[t].runs[i], level)) s.x.push_back(static_cast<double>(t)), s.y.push_back(m.get(*r));
        p.series.push_back(s);
      }
    ch.panels.push_back(p);
  }
  return ch;
}

}  // namespace backroll
