#include "run/exercise.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <fmt/core.h>
#include <limits>
#include <nlohmann/json.hpp>
#include <mutex>
#include <sstream>

#include "io/catalog.h"
#include "measure/registry.h"
#include "measure/validity.h"
#include "report/plot.h"
#include "report/region_map.h"

namespace backroll {

namespace {

// For each cell of the grid, the nearest of the points (region coordinates): a search in buckets of
// four cells, ring by ring out from the cell's own until no nearer point can lie further out.
std::vector<int> nearest_points(const RegionGrid& g, const std::vector<Vec2>& points) {
  const double b = 4 * g.cell_m;
  const int nbx = (g.nx + 3) / 4, nby = (g.ny + 3) / 4;
  auto bucket = [&](const Vec2& p, int* bx, int* by) {
    *bx = std::clamp(static_cast<int>(std::floor((p.x() - g.x0_m) / b)), 0, nbx - 1);
    *by = std::clamp(static_cast<int>(std::floor((p.y() - g.y0_m) / b)), 0, nby - 1);
  };
  std::vector<std::vector<int>> in(static_cast<size_t>(nbx) * nby);
  for (size_t i = 0; i < points.size(); ++i) {
    int bx, by;
    bucket(points[i], &bx, &by);
    in[by * nbx + bx].push_back(static_cast<int>(i));
  }
  std::vector<int> out(static_cast<size_t>(g.nx) * g.ny, -1);
  for (int iy = 0; iy < g.ny; ++iy)
    for (int ix = 0; ix < g.nx; ++ix) {
      const Vec2 c(g.x0_m + (ix + 0.5) * g.cell_m, g.y0_m + (iy + 0.5) * g.cell_m);
      int bx, by;
      bucket(c, &bx, &by);
      double best = std::numeric_limits<double>::infinity();
      for (int ring = 0; ring <= std::max(nbx, nby); ++ring) {
        for (int qy = by - ring; qy <= by + ring; ++qy)
          for (int qx = bx - ring; qx <= bx + ring; ++qx) {
            if (qx < 0 || qy < 0 || qx >= nbx || qy >= nby || (std::abs(qx - bx) != ring && std::abs(qy - by) != ring)) continue;
            for (int i : in[qy * nbx + qx]) {
              const double d = (points[i] - c).squaredNorm();
              if (d < best) best = d, out[iy * g.nx + ix] = i;
            }
          }
        if (best <= ring * b * ring * b) break;  // the next ring lies at least ring buckets away
      }
    }
  return out;
}

}  // namespace

ExerciseSession::ExerciseSession(std::shared_ptr<const ExerciseModel> model) : m_(std::move(model)) { st_.reset(m_->fem); }

ExerciseResult ExerciseSession::solve_at(const Vec2& at_m) {
  if (at_m.x() != m_->lowest_x_m) {
    // The body turns to bring the skin at `at` over the roller: the tissue's rest shape changes
    // under the last solve's state, whose compressed layers it would turn inside out; this solve
    // starts from rest.
    m_ = build_exercise_model(m_->spec, m_->roller, at_m.x());
    st_.reset(m_->fem);
  }
  place_exercise_roller(*m_, at_m, st_.inputs);
  SolverSettings s;
  // The exact tangent first (SolverSettings): without the cells' pressure stiffness the hip
  // flexors' prone solve crept linearly to its 300th step (4.4e-4 N against 7.4e-6 N).
  s.cells_pressure_stiffness = true;
  const SolveReport rep = solve_equilibrium(m_->fem, st_, s);
  return read(at_m, rep);
}

ExerciseResult ExerciseSession::read(const Vec2& at_m, const SolveReport& rep) const {
  const ExerciseModel& m = *m_;
  const FemModel& f = m.fem;
  ExerciseResult r;
  r.at_m = at_m;
  r.core_turn_deg = rigid_rotation(f, st_, m.person).norm() * 180 / M_PI;
  r.solve = rep;
  r.weight_N = m.weight_N;
  const std::vector<Vec3> x = node_positions(f, st_);

  // The roller's push: each contact point's foam force along the roller's outward normal there.
  const RigidContactSet& cs = f.rigid_contacts[m.roller_contact];
  const std::vector<double> force = rigid_contact_forces(f, st_, m.roller_contact, x);
  const Vec3 c = rigid_position(f, st_, m.roller_body);
  const Mat3 Q = rigid_orientation(f, st_, m.roller_body);
  const RigidShape& shape = *f.rigid_bodies[m.roller_body].shape;
  std::vector<double> pressure(cs.n_slaves(), 0.0), area(cs.n_slaves(), 0.0);
  double loaded_f = 0, loaded_a = 0;
  for (size_t i = 0; i < cs.n_slaves(); ++i) {
    area[i] = foam_point_area_m2(m.roller, cs, i);
    if (force[i] <= 0) continue;
    const Vec3 at = cs.slave_position(i, x);
    Vec3 n;
    const double g = shape.signed_distance(Q.transpose() * (at - c), &n);
    r.roller_N += force[i] * (Q * n).z();
    r.foam_compression_m = std::max(r.foam_compression_m, -g);
    pressure[i] = force[i] / area[i];
    r.peak_Pa = std::max(r.peak_Pa, pressure[i]);
    if (pressure[i] > kExerciseContactThresholdPa) loaded_f += force[i], loaded_a += area[i];
  }
  r.area_m2 = loaded_a;
  // How near the loaded skin comes to the region's sides (which ride on the bone); with no skin
  // loaded, how far the roller's place lies from them.
  double nearest = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < cs.n_slaves(); ++i)
    if (pressure[i] > kExerciseContactThresholdPa)
      nearest = std::min(nearest, (m.spec.half_m - m.skin_at_m[i].cwiseAbs()).minCoeff());
  r.edge_clearance_m = std::isfinite(nearest) ? nearest : (m.spec.half_m - at_m.cwiseAbs()).minCoeff();
  r.skin_pressure_Pa = pressure;
  r.mean_Pa = loaded_a > 0 ? loaded_f / loaded_a : 0;
  r.roller_share = r.roller_N / m.weight_N;
  double up = r.roller_N;
  double core_up = 0;
  for (size_t k = 0; k < m.support_joint.size(); ++k) {
    const Vec3 push = -joint_state(f, st_, m.support_joint[k]).force_N;
    r.support_N.push_back(push.z());
    up += push.z();
    if (m.spec.supports[k].limb < 0) r.supports_along_N += push.y(), core_up += push.z();
  }
  r.support_friction = std::abs(r.supports_along_N) / std::max(core_up, 1e-9 * m.weight_N);
  r.balance_error = std::abs(up - m.weight_N) / m.weight_N;

  // With the body file's mesh.mean_dilatation each grid cell's volume, as the back reads it.
  const TissueVolume v = tissue_volume(f, x);
  r.min_J = v.min_J;
  r.tissue_volume = v.least;

  // The structures.
  for (size_t s = 0; s < m.spec.structures.size(); ++s) {
    const Structure& st = m.spec.structures[s];
    StructureReading sr;
    sr.name = st.name;
    sr.line = st.kind == Structure::Kind::Line;
    double f_in = 0, a_in = 0;
    for (size_t i = 0; i < cs.n_slaves(); ++i) {
      if (!m.spec.over(st, m.skin_at_m[i])) continue;
      sr.skin_peak_Pa = std::max(sr.skin_peak_Pa, pressure[i]);
      f_in += pressure[i] * area[i];
      a_in += area[i];
    }
    sr.skin_mean_Pa = a_in > 0 ? f_in / a_in : 0;
    if (sr.line)
      for (const std::vector<int>& section : m.line_tets[s]) {
        double pv = 0, v = 0;
        for (int t : section) pv += f.tet_volume_m3[t] * hydrostatic_pressure_Pa(f, x, t), v += f.tet_volume_m3[t];
        if (v > 0) sr.tissue_peak_Pa = std::max(sr.tissue_peak_Pa, pv / v);
      }
    r.structures.push_back(sr);
  }

  if (!rep.converged) r.invalid_reason = "not converged: " + rep.message;
  else if (r.core_turn_deg > kExerciseTipDeg)
    r.invalid_reason = fmt::format("the body tips over its supports (its core turned {:.0f} deg): the pose does not balance", r.core_turn_deg);
  else if (std::string why = tissue_volume_problem(r.min_J, r.tissue_volume); !why.empty()) r.invalid_reason = why;
  else if (r.balance_error > 0.01) r.invalid_reason = fmt::format("forces balance only within {:.1f} %", 100 * r.balance_error);
  else if (std::string why = slide_problem("the core's supports", std::abs(r.supports_along_N), core_up, m.weight_N); !why.empty())
    r.invalid_reason = why + " (along the roller's path, where the rolling roller holds nothing)";
  else if (r.edge_clearance_m < kExerciseEdgeClearanceM)
    r.invalid_reason = fmt::format("the contact reaches within {:.0f} mm of the region's side, which rides on the bone: the region "
                                   "is too small for it", 1e3 * std::max(0.0, r.edge_clearance_m));
  r.valid = r.invalid_reason.empty();
  return r;
}

std::string place_label(const Vec2& at_m) {
  auto mm = [](double m) { return std::round(1e3 * m) + 0.0; };  // + 0.0: never "-0"
  return fmt::format("{:+.0f}/{:+.0f} mm", mm(at_m.x()), mm(at_m.y()));
}

std::vector<ExerciseRun> run_exercise_jobs(const std::vector<ExerciseJob>& jobs, int threads, const BatchProgressFn& progress,
                                           const std::function<void(int, const ExerciseRun&)>& on_job) {
  const auto t_start = std::chrono::steady_clock::now();
  std::vector<ExerciseRun> runs(jobs.size());
  BatchProgress bp;
  bp.jobs_total = jobs.size();
  for (const ExerciseJob& j : jobs) bp.positions_total += j.places.size();
  std::mutex mu;
  std::atomic<bool> stop{false};  // a job threw: the others stop after their place
  auto report = [&](bool job_done) {  // under mu
    job_done ? ++bp.jobs_done : ++bp.positions_done;
    bp.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    if (progress) progress(bp);
  };
  auto work = [&](size_t k) {
    const ExerciseJob& job = jobs[k];
    if (job.places.empty()) throw std::invalid_argument("an exercise run needs at least one place");
    const auto t0 = std::chrono::steady_clock::now();
    ExerciseSession ses(build_exercise_model(job.spec, job.roller, job.places.front().x()));
    ExerciseRun& run = runs[k];
    run.roller_name = job.roller.name;
    run.dofs = ses.model().fem.n_dofs;
    for (const Vec2& at : job.places) {
      if (stop) return;
      ExerciseResult r = ses.solve_at(at);
      if (run.skin_layouts.empty() || at.x() != run.positions.back().at_m.x()) run.skin_layouts.push_back(ses.model().skin_at_m);
      r.skin_layout = static_cast<int>(run.skin_layouts.size()) - 1;
      run.positions.push_back(r);
      std::lock_guard<std::mutex> lock(mu);
      report(false);
    }
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::lock_guard<std::mutex> lock(mu);
    if (on_job) on_job(static_cast<int>(k), run);
    report(true);
  };
  run_pool(jobs.size(), threads, work, [&] { stop = true; });
  return runs;
}

std::vector<ExerciseRun> run_exercise(const ExerciseSpec& spec, const std::vector<std::string>& roller_files, int threads) {
  std::vector<ExerciseJob> jobs;
  for (const std::string& file : roller_files.empty() ? std::vector<std::string>{spec.roller_file} : roller_files)
    jobs.push_back({spec, load_roller_spec(file), spec.path_m});
  return run_exercise_jobs(jobs, threads);
}

std::string measure_key(const std::string& name) {
  std::string k;
  for (char c : name) {
    const bool alnum = std::isalnum(static_cast<unsigned char>(c));
    if (alnum) k += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!k.empty() && k.back() != '_') k += '_';
  }
  while (!k.empty() && k.back() == '_') k.pop_back();
  return k;
}

std::vector<ExerciseMeasure> exercise_measures(const ExerciseSpec& spec) {
  using R = const ExerciseResult&;
  std::vector<ExerciseMeasure> m = {
      {"weight_on_roller", "weight on the roller", "%", [](R r) { return 100 * r.roller_share; }},
      {"roller_force", "the roller's push up", "N", [](R r) { return r.roller_N; }, false},
  };
  for (size_t s = 0; s < spec.supports.size(); ++s)
    m.push_back({"on_" + measure_key(spec.supports[s].name), "on the " + spec.supports[s].name, "N",
                 [s](R r) { return r.support_N[s]; }});
  m.push_back({"support_friction", "friction the supports need along the path", "", [](R r) { return r.support_friction; }, false});
  m.push_back({"peak_pressure", "peak pressure", "kPa", [](R r) { return 1e-3 * r.peak_Pa; }});
  m.push_back({"mean_pressure", "mean over the loaded area", "kPa", [](R r) { return 1e-3 * r.mean_Pa; }});
  m.push_back({"contact_area", "contact area (above 1 kPa)", "cm2", [](R r) { return 1e4 * r.area_m2; }});
  m.push_back({"foam_compression", "the foam's deepest compression", "mm", [](R r) { return 1e3 * r.foam_compression_m; }, false});
  m.push_back({"min_volume_ratio", "the least volume a part of the tissue keeps", "", [](R r) { return r.tissue_volume; }, false});
  m.push_back({"core_turn", "the body's core turned from its pose", "deg", [](R r) { return r.core_turn_deg; }, false});
  m.push_back({"edge_clearance", "the loaded skin's distance to the region's side", "mm",
               [](R r) { return 1e3 * r.edge_clearance_m; }, false});
  for (size_t s = 0; s < spec.structures.size(); ++s) {
    const Structure& st = spec.structures[s];
    const std::string k = measure_key(st.name);
    m.push_back({"skin_peak_over_" + k, "peak on the skin over the " + st.name, "kPa",
                 [s](R r) { return 1e-3 * r.structures[s].skin_peak_Pa; }});
    if (st.kind == Structure::Kind::Line)
      m.push_back({"tissue_pressure_along_" + k, "tissue's pressure along the " + st.name, "kPa",
                   [s](R r) { return 1e-3 * r.structures[s].tissue_peak_Pa; }});
    else
      m.push_back({"skin_mean_over_" + k, "mean on the skin over the " + st.name, "kPa",
                   [s](R r) { return 1e-3 * r.structures[s].skin_mean_Pa; }, false});
  }
  return m;
}

std::string exercise_table(const ExerciseSpec& spec, const std::vector<ExerciseRun>& runs) {
  std::ostringstream o;
  o << fmt::format("{} ({}): {}\n", spec.name, portable_path(spec.source), spec.summary);
  Vec2 lo = spec.path_m.front(), hi = lo;
  for (const Vec2& p : spec.path_m) lo = lo.cwiseMin(p), hi = hi.cwiseMax(p);
  const std::string across = lo.x() == hi.x() ? "" : fmt::format("{:+.0f} to {:+.0f} mm across and ", 1e3 * lo.x(), 1e3 * hi.x());
  o << fmt::format("the roller at {} places, {}{:+.0f} to {:+.0f} mm along the region from its centre; each figure its range "
                   "over them\n",
                   spec.path_m.size(), across, 1e3 * lo.y(), 1e3 * hi.y());
  auto range = [](const std::vector<double>& v, int digits) {
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    const std::string a = fmt::format("{:.{}f}", *lo, digits), b = fmt::format("{:.{}f}", *hi, digits);
    return a == b ? a : a + " - " + b;
  };
  const std::vector<ExerciseMeasure> measures = exercise_measures(spec);
  for (const ExerciseRun& run : runs) {
    int bad = 0;
    for (const ExerciseResult& r : run.positions) bad += !r.valid;
    o << fmt::format("\n{} ({} unknowns, {:.1f} s){}\n", run.roller_name, run.dofs, run.seconds,
                     bad ? fmt::format(": {} position(s) not valid, left out", bad) : "");
    if (bad == static_cast<int>(run.positions.size())) continue;
    for (const ExerciseMeasure& m : measures)
      if (m.in_table) {
        std::vector<double> v;
        for (const ExerciseResult& r : run.positions)
          if (r.valid) v.push_back(m.get(r));
        o << fmt::format("  {:<50} {}{}\n", m.label, range(v, m.digits()), m.unit.empty() ? "" : " " + m.unit);
      }
  }
  o << "\nLoads and pressures from a quasi-static mechanical model (no injury criterion).\n";
  return o.str();
}

std::string exercise_csv(const ExerciseSpec& spec, const std::vector<ExerciseRun>& runs) {
  const std::vector<ExerciseMeasure> measures = exercise_measures(spec);
  std::ostringstream o;
  o << "roller,x_mm,y_mm,converged,valid,newton_iterations";
  for (const ExerciseMeasure& m : measures) o << "," << column_name(m.key, m.unit);
  o << "\n";
  for (const ExerciseRun& run : runs)
    for (const ExerciseResult& r : run.positions) {
      o << fmt::format("\"{}\",{:.1f},{:.1f},{},{},{}", run.roller_name, 1e3 * r.at_m.x(), 1e3 * r.at_m.y(),
                       r.solve.converged ? 1 : 0, r.valid ? 1 : 0, r.solve.newton_iterations);
      for (const ExerciseMeasure& m : measures) {  // not valid: empty, never a number
        if (r.valid) o << fmt::format(",{:.6g}", m.get(r));
        else o << ",";
      }
      o << "\n";
    }
  return o.str();
}

std::string exercise_json(const ExerciseSpec& spec, const std::vector<ExerciseRun>& runs) {
  nlohmann::ordered_json j;
  j["program"] = "backroll exercise";
  j["exercise"] = portable_path(spec.source);
  j["name"] = spec.name;
  j["body_file"] = portable_path(spec.body_file);
  for (const ExerciseRun& run : runs) {
    nlohmann::ordered_json jr;
    jr["roller"] = run.roller_name;
    jr["dofs"] = run.dofs;
    for (const ExerciseResult& r : run.positions) {
      nlohmann::ordered_json p;
      p["position_m"] = {r.at_m.x(), r.at_m.y()};
      p["core_turn_deg"] = r.core_turn_deg;
      p["converged"] = r.solve.converged;
      p["valid"] = r.valid;
      if (!r.valid) p["invalid_reason"] = r.invalid_reason;
      p["newton_iterations"] = r.solve.newton_iterations;
      p["weight_N"] = r.weight_N;
      p["roller_force_N"] = r.roller_N;
      p["weight_on_roller"] = r.roller_share;
      for (size_t s = 0; s < r.support_N.size(); ++s) p["supports_N"][spec.supports[s].name] = r.support_N[s];
      p["supports_along_N"] = r.supports_along_N;
      p["balance_error"] = r.balance_error;
      p["peak_pressure_Pa"] = r.peak_Pa;
      p["mean_pressure_Pa"] = r.mean_Pa;
      p["contact_area_m2"] = r.area_m2;
      p["foam_compression_m"] = r.foam_compression_m;
      p["min_volume_ratio"] = r.tissue_volume;
      p["contact_edge_clearance_m"] = r.edge_clearance_m;
      for (const StructureReading& s : r.structures) {
        nlohmann::ordered_json js;
        js["skin_peak_pressure_Pa"] = s.skin_peak_Pa;
        if (s.line) js["tissue_pressure_peak_Pa"] = s.tissue_peak_Pa;
        else js["skin_mean_pressure_Pa"] = s.skin_mean_Pa;
        p["structures"][s.name] = js;
      }
      jr["positions"].push_back(p);
    }
    j["runs"].push_back(jr);
  }
  return j.dump(2) + "\n";
}

std::string exercise_maps_png(const ExerciseSpec& spec, const std::vector<ExerciseRun>& runs) {
  RegionMapSpec m;
  m.title = spec.name + ": the skin's contact pressure";
  m.caption = "seen from the roller's side; a row per roller, a panel per place (+: the roller); 1 mm cells";
  m.x_towards = spec.x_towards;
  m.y_towards = spec.y_towards;
  RegionGrid& g = m.grid;
  g.nx = static_cast<int>(std::lround(2 * spec.half_m.x() / g.cell_m));
  g.ny = static_cast<int>(std::lround(2 * spec.half_m.y() / g.cell_m));
  g.x0_m = -spec.half_m.x(), g.y0_m = -spec.half_m.y();
  auto centre = [&](int ix, int iy) { return Vec2(g.x0_m + (ix + 0.5) * g.cell_m, g.y0_m + (iy + 0.5) * g.cell_m); };
  for (const Structure& s : spec.structures) {
    RegionOutline o;
    o.name = s.name;
    o.inside.resize(static_cast<size_t>(g.nx) * g.ny);
    for (int iy = 0; iy < g.ny; ++iy)
      for (int ix = 0; ix < g.nx; ++ix) o.inside[iy * g.nx + ix] = spec.over(s, centre(ix, iy));
    m.outlines.push_back(o);
  }
  for (const ExerciseRun& run : runs) {
    std::vector<std::vector<int>> nearest;
    for (const std::vector<Vec2>& places : run.skin_layouts) nearest.push_back(nearest_points(g, places));
    RegionMapRow row;
    double top = 0;
    for (const ExerciseResult& r : run.positions) {
      RegionMapPanel p;
      p.title = fmt::format("{}, {:+.0f} / {:+.0f} mm{}", run.roller_name, 1e3 * r.at_m.x(), 1e3 * r.at_m.y(), r.valid ? "" : " (not valid)");
      p.roller_x_m = r.at_m.x(), p.roller_y_m = r.at_m.y();
      // Each cell reads the nearest contact point's pressure: the points stand for the skin about them.
      // A place that is not valid is drawn empty: a solve that did not converge, or a state that is
      // not possible, has no pressure to show.
      p.pressure_Pa.assign(static_cast<size_t>(g.nx) * g.ny, 0.0);
      if (r.valid) {
        for (size_t c = 0; c < p.pressure_Pa.size(); ++c) p.pressure_Pa[c] = r.skin_pressure_Pa[nearest[r.skin_layout][c]];
        top = std::max(top, r.peak_Pa);
      }
      row.panels.push_back(p);
    }
    row.scale_max_Pa = nice_ceil(std::max(top, kExerciseContactThresholdPa));
    m.rows.push_back(row);
  }
  return render_region_maps_png(m);
}

}  // namespace backroll
