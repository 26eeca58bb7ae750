// Running a sweep (its cases on the batch engine, resumable, in shards) and its outputs: CSV, JSON,
// plots, the per-case files, merging shards. Reading the sweep file is in sweep_spec.cpp.
#include "run/sweep.h"


#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fmt/core.h>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "io/atomic_file.h"
#include "io/catalog.h"
#include "run/fingerprint.h"
#include "run/compare.h"
#include "report/plot.h"
#include "gear/roller.h"
#include "anatomy/body_spec.h"

namespace backroll {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A value as the CSV shows it: strings bare, numbers in their shortest exact form.
std::string display(const ConfigValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  return fmt::format("{}", std::get<double>(v));
}

json units(const std::vector<SweepColumn>& columns) {
  json u = json::object();
  for (const SweepColumn& m : columns) u[m.key] = m.unit;
  return u;
}

json case_to_json(const CaseRecord& c, const std::vector<SweepColumn>& columns, bool exercise) {
  json j;
  j["index"] = c.index;
  j["params"] = json::object();
  json order = json::array();
  for (const auto& [k, v] : c.params) j["params"][k] = v, order.push_back(k);
  j["param_order"] = order;
  j["fingerprint"] = c.fingerprint;
  j["resolved"] = json::parse(c.resolved_json);
  j["positions"] = json::array();
  for (const PositionRecord& p : c.positions) {
    json q;
    q["position"] = p.position;
    if (exercise) {
      q["x_m"] = p.x_m;
      q["y_m"] = p.y_m;
    } else {
      q["level"] = level_name(p.level);
      q["s_m"] = p.s_m;
    }
    q["converged"] = p.converged;
    q["valid"] = p.valid;
    q["message"] = p.message;
    q["newton_iterations"] = p.newton_iterations;
    if (!exercise) q["cold_retry"] = p.cold_retry;
    for (size_t i = 0; i < columns.size(); ++i) q[columns[i].key] = p.valid ? json(p.values[i]) : json(nullptr);
    j["positions"].push_back(q);
  }
  return j;
}

CaseRecord case_from_json(const json& j, const std::vector<SweepColumn>& columns, bool exercise) {
  CaseRecord c;
  c.index = j.at("index").get<int>();
  for (const auto& k : j.at("param_order")) c.params.emplace_back(k.get<std::string>(), j.at("params").at(k.get<std::string>()).get<std::string>());
  c.fingerprint = j.at("fingerprint").get<std::string>();
  c.resolved_json = j.at("resolved").dump();
  for (const auto& q : j.at("positions")) {
    PositionRecord p;
    p.position = q.at("position").get<std::string>();
    if (exercise) {
      p.x_m = q.at("x_m").get<double>();
      p.y_m = q.at("y_m").get<double>();
    } else {
      p.level = level_index(q.at("level").get<std::string>());
      p.s_m = q.at("s_m").get<double>();
      p.cold_retry = q.at("cold_retry").get<bool>();
    }
    p.converged = q.at("converged").get<bool>();
    p.valid = q.at("valid").get<bool>();
    p.message = q.at("message").get<std::string>();
    p.newton_iterations = q.at("newton_iterations").get<int>();
    if (p.valid)
      for (const SweepColumn& m : columns) p.values.push_back(q.at(m.key).get<double>());
    c.positions.push_back(p);
  }
  return c;
}

json roller_json(const RollerSpec& r) {
  return {{"name", r.name},
                 {"file", portable_path(r.source)},
                 {"kind", name(r.kind)},
                 {"diameter_m", r.diameter_m},
                 {"length_m", r.length_m},
                 {"groove_width_m", r.groove_width_m},
                 {"core_diameter_m", r.core_diameter_m},
                 {"foam_E_Pa", r.foam_E_Pa},
                 {"foam_depth_m", r.foam_depth_m},
                 {"pattern", name(r.pattern)}};
}

json body_json(const std::string& file, const BodySpec& b) {
  return {{"file", portable_path(file)}, {"mass_kg", b.mass_kg}, {"height_m", b.height_m}};
}

std::string resolved_json(const Scenario& sc) {
  json j;
  j["roller"] = roller_json(sc.roller);
  j["body"] = body_json(sc.body_file, sc.body);
  j["posture"] = {{"hip_lift_m", sc.posture.hip_lift_m},
                  {"foot_distance_m", sc.posture.foot_distance_m},
                  {"arms", sc.posture.arms},
                  {"tone", sc.tone.name},
                  {"breath", sc.posture.breath},
                  {"trunk_muscle_Nm_per_deg", sc.posture.trunk_muscle_Nm_per_deg},
                  {"leg_stiffness_N_per_m", sc.posture.leg_N_per_m},
                  {"hip_muscle_Nm_per_deg", sc.posture.hip_muscle_Nm_per_deg},
                  {"hips", sc.posture.hips_down ? "down" : "lifted"},
                  {"seat_stiffness_N_per_m", sc.posture.seat_N_per_m}};
  j["mesh_scale"] = sc.mesh_scale;
  j["warm_start"] = sc.warm_start;
  return j.dump();
}

std::string resolved_json(const ExerciseJob& job) {
  const ExerciseSpec& e = job.spec;
  json j;
  j["roller"] = roller_json(job.roller);
  j["body"] = body_json(e.body_file, e.body);
  json layers = json::array();
  for (const ExerciseLayer& l : e.layers) layers.push_back({{"region", l.region}, {"thickness_m", l.thickness_m}});
  j["exercise"] = {{"file", portable_path(e.source)},
                   {"name", e.name},
                   {"region_half_size_m", {e.half_m.x(), e.half_m.y()}},
                   {"skin_radius_m", {e.skin_radius_m.x(), e.skin_radius_m.y()}},
                   {"bone_depth_m", e.bone_depth_m},
                   {"element_size_m", e.element_size_m},
                   {"layers", layers}};
  return j.dump();
}

CaseRecord make_record(const SweepCase& c, const SweepSpec& spec, const ExerciseRun& run) {
  CaseRecord rec;
  rec.index = c.index;
  for (const auto& [k, v] : c.params) rec.params.emplace_back(k, display(v));
  rec.fingerprint = c.fingerprint;
  rec.resolved_json = resolved_json(c.exercise);
  const std::vector<ExerciseMeasure> measures = exercise_measures(c.exercise.spec);
  for (size_t i = 0; i < run.positions.size(); ++i) {
    const ExerciseResult& r = run.positions[i];
    PositionRecord p;
    p.position = spec.position_labels[i];
    p.x_m = r.at_m.x();
    p.y_m = r.at_m.y();
    p.converged = r.solve.converged;
    p.valid = r.valid;
    p.message = p.converged && !p.valid ? "not a possible state: " + r.invalid_reason : r.solve.message;
    p.newton_iterations = r.solve.newton_iterations;
    if (p.valid)
      for (const ExerciseMeasure& m : measures) p.values.push_back(m.get(r));
    rec.positions.push_back(p);
  }
  return rec;
}

CaseRecord make_record(const SweepCase& c, const SweepSpec& spec, const std::vector<RollResult>& results) {
  CaseRecord rec;
  rec.index = c.index;
  for (const auto& [k, v] : c.params) rec.params.emplace_back(k, display(v));
  rec.fingerprint = c.fingerprint;
  rec.resolved_json = resolved_json(c.scenario);
  for (size_t i = 0; i < results.size(); ++i) {
    const RollResult& r = results[i];
    PositionRecord p;
    p.position = spec.position_labels[i];
    p.level = r.level;
    p.s_m = r.s_m;
    p.converged = r.solve.converged;
    p.valid = r.usable();  // finite measures among the checks: never a NaN presented as a result
    p.message = p.converged && !p.valid ? "not a possible state: " + r.validity.reason : r.solve.message;
    p.newton_iterations = r.solve.newton_iterations;
    p.cold_retry = r.cold_retry;
    if (p.valid)
      for (const Measure& m : measure_registry()) p.values.push_back(m.get(r));
    rec.positions.push_back(p);
  }
  return rec;
}

std::string spec_config_json(const SweepSpec& spec) {
  json j;
  j["file"] = spec.path;
  j["name"] = spec.name;
  j["description"] = spec.description;
  if (spec.exercise()) j["exercise"] = portable_path(spec.exercise_path);
  else j["scenario"] = portable_path(spec.scenario_path);
  j["mode"] = spec.mode;
  j["axes"] = json::array();
  for (const SweepAxis& a : spec.axes) {
    json vals = json::array();
    for (const ConfigValue& v : a.values) vals.push_back(display(v));
    j["axes"].push_back({{"key", a.key}, {"values", vals}});
  }
  j["positions"] = spec.position_labels;
  j["columns"] = json::array();
  for (const SweepColumn& c : spec.columns) j["columns"].push_back({{"key", c.key}, {"label", c.label}, {"unit", c.unit}});
  j["plots"] = json::array();
  for (const SweepPlot& p : spec.plots)
    j["plots"].push_back({{"file", p.file}, {"title", p.title}, {"x", p.x}, {"series", p.series}, {"measures", p.measures}});
  if (!spec.exercise()) {
    j["roll_step_m"] = kRollStepM;
    j["batch_chunk"] = kBatchChunk;
  }
  return j.dump();
}

// The plots of a complete sweep.
void write_plots(const SweepOutput& o, const std::string& out_dir, std::vector<std::string>& written) {
  const json cfg = json::parse(o.config_json);
  std::vector<std::string> positions;
  for (const auto& p : cfg.at("positions")) positions.push_back(p.get<std::string>());
  std::map<std::string, std::vector<std::string>> axis_values;
  std::vector<std::string> axis_order;
  for (const auto& a : cfg.at("axes")) {
    axis_order.push_back(a.at("key").get<std::string>());
    for (const auto& v : a.at("values")) axis_values[axis_order.back()].push_back(v.get<std::string>());
  }
  for (const SweepPlot& pl : o.plots) {
    ChartSpec ch;
    ch.title = pl.title;
    const bool by_position = pl.x == "position";
    ch.x_ticks = by_position ? positions : axis_values[pl.x];
    // Numbers in a few characters (160000 -> 160k), and lengths in millimetres (0.015 m -> 15 mm).
    const bool metres = pl.x.size() > 2 && pl.x.compare(pl.x.size() - 2, 2, "_m") == 0;
    if (!by_position)
      for (std::string& t : ch.x_ticks) {
        char* end = nullptr;
        double v = std::strtod(t.c_str(), &end);
        if (end && *end == 0 && !t.empty()) {
          if (metres) v *= 1e3;
          const double a = std::abs(v);
          t = a >= 1e6 ? fmt::format("{:g}M", v / 1e6) : a >= 1e4 ? fmt::format("{:g}k", v / 1e3) : fmt::format("{:g}", v);
          if (metres) t += " mm";
        }
      }
    if (by_position && !o.exercise) {  // thoracic and lumbar zones
      double t0 = 1e9, t1 = -1e9, l0 = 1e9, l1 = -1e9;
      for (size_t i = 0; i < positions.size(); ++i) {
        const int lv = level_index(positions[i]);
        if (lv >= 1 && lv <= 12) t0 = std::min(t0, i - 0.5), t1 = std::max(t1, i + 0.5);
        if (lv >= 13 && lv <= 17) l0 = std::min(l0, i - 0.5), l1 = std::max(l1, i + 0.5);
      }
      if (t0 < t1) ch.bands.push_back({t0, t1, "thoracic", {222, 235, 247}});
      if (l0 < l1) ch.bands.push_back({l0, l1, "lumbar", {253, 232, 208}});
    }
    // Every other dimension that varies splits the lines: the series axis first.
    std::vector<std::string> dims;
    if (!pl.series.empty()) dims.push_back(pl.series);
    // Listed axes move together: along an axis, the others move with it and split nothing.
    const bool tied = cfg.at("mode") == "listed" && !by_position;
    for (const std::string& k : axis_order)
      if (!tied && k != pl.x && k != pl.series && axis_values[k].size() > 1) dims.push_back(k);
    const bool position_dim = !by_position && positions.size() > 1;
    for (const std::string& key : pl.measures) {
      const size_t mi = std::find_if(o.columns.begin(), o.columns.end(), [&](const SweepColumn& c) { return c.key == key; }) -
                        o.columns.begin();
      const SweepColumn& m = o.columns.at(mi);
      Panel panel;
      panel.title = m.label;
      panel.y_label = m.unit;
      panel.min_span = 10 * noise_floor(m.key, m.unit);
      std::map<std::string, size_t> series_of;
      for (const CaseRecord& c : o.cases) {
        std::map<std::string, std::string> pv(c.params.begin(), c.params.end());
        for (size_t pi = 0; pi < c.positions.size(); ++pi) {
          const PositionRecord& p = c.positions[pi];
          std::string name;
          for (const std::string& d : dims) name += (name.empty() ? "" : ", ") + (d == pl.series ? pv[d] : d + " " + pv[d]);
          if (position_dim) name += (name.empty() ? "" : ", ") + p.position;

          auto [it, fresh] = series_of.emplace(name, panel.series.size());
          if (fresh) panel.series.push_back({name, {}, {}});
          if (!p.valid) continue;  // a gap in the line
          const std::vector<std::string>& ticks = by_position ? positions : axis_values[pl.x];
          const std::string xv = by_position ? p.position : pv[pl.x];
          const double x = std::find(ticks.begin(), ticks.end(), xv) - ticks.begin();
          Series& s = panel.series[it->second];
          s.x.push_back(x);
          s.y.push_back(p.values[mi]);
        }
      }
      for (Series& s : panel.series) {  // points in x order
        std::vector<size_t> idx(s.x.size());
        for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
        std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return s.x[a] < s.x[b]; });
        Series t{s.name, {}, {}};
        for (size_t i : idx) t.x.push_back(s.x[i]), t.y.push_back(s.y[i]);
        s = t;
      }
      ch.panels.push_back(panel);
    }
    ch.columns = std::min<int>(3, static_cast<int>(ch.panels.size()));
    const int rows = (static_cast<int>(ch.panels.size()) + ch.columns - 1) / ch.columns;
    const std::string path = out_dir + "/" + pl.file;
    write_file_atomic(path, render_chart_png(ch, 1500, 140 + 380 * rows));
    written.push_back(path);
  }
}

std::vector<std::string> write_outputs(const SweepOutput& o, const std::string& out_dir) {
  fs::create_directories(out_dir);
  std::vector<std::string> written;
  // Plots first, then the tables: a run that stops half-way leaves the old tables or none.
  if (o.shard_n == 1) write_plots(o, out_dir, written);
  write_file_atomic(out_dir + "/" + o.name + ".csv", sweep_csv(o));
  written.push_back(out_dir + "/" + o.name + ".csv");
  write_file_atomic(out_dir + "/" + o.name + ".json", sweep_json(o));
  written.push_back(out_dir + "/" + o.name + ".json");
  return written;
}

std::string case_file(const std::string& out_dir, int index) { return fmt::format("{}/cases/case_{:04d}.json", out_dir, index); }

}  // namespace

std::string sweep_csv(const SweepOutput& o) {
  std::ostringstream s;
  s << "case";
  if (!o.cases.empty())
    for (const auto& kv : o.cases.front().params) s << "," << kv.first;
  s << (o.exercise ? ",position,x_mm,y_mm,converged,valid,newton_iterations" : ",position,level,s_m,converged,valid,newton_iterations,cold_retry");
  for (const SweepColumn& m : o.columns) s << "," << column_name(m.key, m.unit);
  s << "\n";
  auto cell = [](const std::string& v) {
    return v.find_first_of(",\"\n") == std::string::npos ? v : "\"" + v + "\"";
  };
  for (const CaseRecord& c : o.cases)
    for (const PositionRecord& p : c.positions) {
      s << c.index;
      for (const auto& kv : c.params) s << "," << cell(kv.second);
      s << "," << cell(p.position);
      if (o.exercise)
        s << fmt::format(",{:.1f},{:.1f},{},{},{}", 1e3 * p.x_m, 1e3 * p.y_m, p.converged ? 1 : 0, p.valid ? 1 : 0, p.newton_iterations);
      else
        s << "," << level_name(p.level)
          << fmt::format(",{:.4f},{},{},{},{}", p.s_m, p.converged ? 1 : 0, p.valid ? 1 : 0, p.newton_iterations, p.cold_retry ? 1 : 0);
      for (size_t i = 0; i < o.columns.size(); ++i) {
        if (p.valid) s << fmt::format(",{:.6g}", p.values[i]);
        else s << ",";  // not converged or not a possible state: empty, never a number
      }
      s << "\n";
    }
  return s.str();
}

std::string sweep_json(const SweepOutput& o) {
  json j;
  j["program"] = "backroll sweep";
  j["version"] = BACKROLL_VERSION;
  j["sweep"] = json::parse(o.config_json);
  j["fingerprint"] = o.fingerprint;
  j["cases_total"] = o.cases_total;
  j["shard"] = {{"k", o.shard_k}, {"n", o.shard_n}};
  j["units"] = units(o.columns);
  j["cases"] = json::array();
  for (const CaseRecord& c : o.cases) j["cases"].push_back(case_to_json(c, o.columns, o.exercise));
  return j.dump(1);
}

SweepOutput parse_sweep_json(const std::string& text, const std::string& origin) {
  try {
    const json j = json::parse(text);
    if (j.value("program", "") != "backroll sweep") throw ConfigError(origin + ": not a backroll sweep output");
    if (j.at("version").get<std::string>() != BACKROLL_VERSION)
      throw ConfigError(origin + ": written by backroll " + j.at("version").get<std::string>() + ", this is " + BACKROLL_VERSION);
    SweepOutput o;
    o.config_json = j.at("sweep").dump();
    o.fingerprint = j.at("fingerprint").get<std::string>();
    o.name = j.at("sweep").at("name").get<std::string>();
    o.cases_total = j.at("cases_total").get<int>();
    o.shard_k = j.at("shard").at("k").get<int>();
    o.shard_n = j.at("shard").at("n").get<int>();
    o.exercise = j.at("sweep").contains("exercise");
    for (const auto& c : j.at("sweep").at("columns"))
      o.columns.push_back({c.at("key").get<std::string>(), c.at("label").get<std::string>(), c.at("unit").get<std::string>()});
    for (const auto& p : j.at("sweep").at("plots"))
      o.plots.push_back({p.at("file").get<std::string>(), p.at("title").get<std::string>(), p.at("x").get<std::string>(),
                         p.at("series").get<std::string>(), p.at("measures").get<std::vector<std::string>>()});
    for (const auto& c : j.at("cases")) o.cases.push_back(case_from_json(c, o.columns, o.exercise));
    return o;
  } catch (const json::exception& e) {
    throw ConfigError(origin + ": not a readable sweep output: " + e.what());
  }
}

SweepRunReport run_sweep(const SweepSpec& spec, const std::vector<SweepCase>& cases, const SweepOptions& opt,
                         const std::function<void(const SweepProgress&)>& progress) {
  SweepRunReport rep;
  rep.out_dir = opt.out_dir.empty() ? spec.results_dir : opt.out_dir;
  if (opt.shard_n < 1 || opt.shard_k < 0 || opt.shard_k >= opt.shard_n)
    throw ConfigError(fmt::format("--shard {}/{}: allowed K/N with N >= 1 and 0 <= K < N", opt.shard_k, opt.shard_n));
  ensure_output_dir(rep.out_dir + "/cases", opt.out_dir.empty() ? "results " + rep.out_dir : "--out " + rep.out_dir);
  std::map<int, CaseRecord> done;
  std::vector<const SweepCase*> to_run;
  for (const SweepCase& c : cases) {
    if (c.index % opt.shard_n != opt.shard_k) continue;
    const std::string cf = case_file(rep.out_dir, c.index);
    if (opt.resume && fs::is_regular_file(cf)) {
      try {
        const json j = json::parse(read_bytes(cf));
        if (j.at("fingerprint").get<std::string>() == c.fingerprint) {
          done[c.index] = case_from_json(j.at("case"), spec.columns, spec.exercise());
          ++rep.cases_resumed;
          continue;
        }
      } catch (const json::exception&) {
        // unreadable: run the case again
      }
    }
    to_run.push_back(&c);
  }
  SweepProgress sp;
  sp.cases_total = to_run.size() + done.size();
  sp.cases_done = done.size();
  sp.cases_resumed = done.size();
  auto finish = [&](int j, CaseRecord rec) {
    const SweepCase& c = *to_run[j];
    json cj;
    cj["fingerprint"] = c.fingerprint;
    cj["case"] = case_to_json(rec, spec.columns, spec.exercise());
    write_file_atomic(case_file(rep.out_dir, c.index), cj.dump(1));
    done[c.index] = std::move(rec);
    ++sp.cases_done;
    sp.finished = &c;
  };
  auto on_progress = [&](const BatchProgress& b) {
    sp.batch = b;
    if (progress) progress(sp);
    sp.finished = nullptr;
  };
  const auto t0 = std::chrono::steady_clock::now();
  if (spec.exercise()) {
    std::vector<ExerciseJob> jobs;
    for (const SweepCase* c : to_run) jobs.push_back(c->exercise);
    run_exercise_jobs(jobs, opt.threads, on_progress,
                      [&](int j, const ExerciseRun& run) { finish(j, make_record(*to_run[j], spec, run)); });
  } else {
    std::vector<RollJob> jobs;
    for (const SweepCase* c : to_run) jobs.push_back({c->scenario, spec.positions, c->flat_key, std::nullopt});
    run_batch(jobs, opt.threads, on_progress,
              [&](int j, const std::vector<RollResult>& res) { finish(j, make_record(*to_run[j], spec, res)); });
  }
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rep.cases_run = static_cast<int>(to_run.size());
  SweepOutput o;
  o.config_json = spec_config_json(spec);
  Fnv f;
  f.add(o.config_json);
  for (const SweepCase& c : cases) f.add(c.fingerprint);
  o.fingerprint = f.hex();
  o.name = spec.name;
  o.cases_total = static_cast<int>(cases.size());
  o.shard_k = opt.shard_k;
  o.shard_n = opt.shard_n;
  o.exercise = spec.exercise();
  o.columns = spec.columns;
  o.plots = spec.plots;
  for (auto& [i, rec] : done) {
    for (const PositionRecord& p : rec.positions) rep.positions_failed += p.valid ? 0 : 1;
    o.cases.push_back(rec);
  }
  rep.written = write_outputs(o, rep.out_dir);
  return rep;
}

std::vector<std::string> merge_sweeps(const std::vector<std::string>& inputs, const std::string& out_dir) {
  if (inputs.empty()) throw ConfigError("merge: no shard outputs given");
  std::vector<SweepOutput> parts;
  std::vector<std::string> origins;
  for (const std::string& in : inputs) {
    std::string file = in;
    if (fs::is_directory(in)) {  // the folder's one sweep output
      std::vector<std::string> found;
      for (const auto& e : fs::directory_iterator(in))
        if (e.path().extension() == ".json" && read_bytes(e.path().string()).find("\"backroll sweep\"") != std::string::npos)
          found.push_back(e.path().string());
      if (found.size() != 1)
        throw ConfigError(in + ": expected one sweep output (<name>.json) in the folder, found " + std::to_string(found.size()));
      file = found.front();
    }
    if (!fs::is_regular_file(file)) throw ConfigError(file + ": cannot open the file (does not exist or unreadable)");
    parts.push_back(parse_sweep_json(read_bytes(file), file));
    origins.push_back(file);
  }
  SweepOutput o = parts.front();
  o.cases.clear();
  std::map<int, std::string> seen;
  std::set<int> shards;
  for (size_t i = 0; i < parts.size(); ++i) {
    const SweepOutput& p = parts[i];
    if (p.fingerprint != o.fingerprint)
      throw ConfigError(origins[i] + ": from a different sweep (or sweep file, data or version) than " + origins[0]);
    if (p.shard_n != o.shard_n) throw ConfigError(origins[i] + ": shard of " + std::to_string(p.shard_n) + ", " + origins[0] + " of " + std::to_string(o.shard_n));
    if (!shards.insert(p.shard_k).second) throw ConfigError(origins[i] + ": shard " + std::to_string(p.shard_k) + " given twice");
    for (const CaseRecord& c : p.cases) {
      if (!seen.emplace(c.index, origins[i]).second)
        throw ConfigError(origins[i] + ": case " + std::to_string(c.index) + " is also in " + seen[c.index]);
      o.cases.push_back(c);
    }
  }
  for (int k = 0; k < o.cases_total; ++k)
    if (!seen.count(k)) throw ConfigError(fmt::format("merge: case {} of {} is in none of the inputs (a shard missing?)", k, o.cases_total));
  std::sort(o.cases.begin(), o.cases.end(), [](const CaseRecord& a, const CaseRecord& b) { return a.index < b.index; });
  o.shard_k = 0;
  o.shard_n = 1;
  return write_outputs(o, out_dir);
}

}  // namespace backroll
