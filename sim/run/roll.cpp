#include "run/roll.h"

#include <algorithm>
#include <cmath>
#include <fmt/core.h>
#include <stdexcept>

#include "io/catalog.h"
#include "io/toml_reader.h"
#include "pose/lying_flat.h"

namespace backroll {
namespace {
constexpr double kDeg = 3.14159265358979323846 / 180.0;
}  // namespace

std::string default_scenario_path() { return std::string(BACKROLL_ASSET_DIR) + "/scenarios/default.toml"; }
std::string main_job_scenario_path() { return std::string(BACKROLL_ASSET_DIR) + "/scenarios/fine_patch.toml"; }

BodySpec scaled_mesh(BodySpec p, double scale) {
  p.midline_size_m *= scale;
  p.max_lateral_size_m *= scale;
  p.axial_size_m *= scale;
  p.muscle_rows = std::max(2, static_cast<int>(std::lround(p.muscle_rows / scale)));
  p.kidney_rows = std::max(4, static_cast<int>(std::lround(p.kidney_rows / scale)));  // never under 4
  return p;
}

Scenario load_scenario(const std::string& path, const std::vector<ConfigOverride>& overrides) {
  std::vector<ConfigOverride> own = overrides;
  const std::vector<ConfigOverride> roller = take_overrides(own, "roller.", true);
  const std::vector<ConfigOverride> physiology = take_overrides(own, "physiology.", true);
  std::vector<ConfigOverride> body = take_overrides(own, "torso.", true);
  for (ConfigOverride& o : take_overrides(own, "body.", false)) body.push_back(std::move(o));
  TomlReader r(path, own);
  if (r.has("pose") && r.has("region"))
    throw ConfigError(fmt::format("{}: an exercise's file ([pose], [region]), not a scenario of the back: run it with "
                                  "`backroll exercise {}`", path, path));
  Scenario sc;
  sc.source = path;
  // A catalog name ("peanut") or a .toml file, relative to the file that names it (a base file's
  // paths stay its own when a scenario elsewhere starts from it).
  auto data_file = [&](const char* key, const char* folder) {
    return catalog_file(folder, r.text(key), r.source_file(key), r.where(key), key);
  };
  sc.body_file = data_file("body", "bodies");
  sc.roller_file = data_file("roller", "rollers");
  sc.physiology_file = r.has("physiology") ? data_file("physiology", "physiology") : default_physiology_path();
  PostureParams& q = sc.posture;
  if (r.has("posture.kind")) q.kind = r.text("posture.kind", posture_kinds());
  q.hip_lift_m = r.number("posture.hip_lift_m", 0.0, 0.25);
  q.foot_distance_m = r.number("posture.foot_distance_m", 0.05, 0.8);
  q.arms = r.text("posture.arms", {"behind_head", "on_chest"});
  // The person's state: a named tone and breath (the physiology file says what each does); a
  // number for the muscles' segment stiffness, when given, replaces the tone's (a sweep's axis).
  if (r.has("posture.tone")) q.tone = r.text("posture.tone", tone_names());
  if (r.has("posture.breath")) q.breath = r.text("posture.breath", breath_names());
  const bool own_muscle = r.has("posture.trunk_muscle_Nm_per_deg");
  if (own_muscle) q.trunk_muscle_Nm_per_deg = r.number("posture.trunk_muscle_Nm_per_deg", 0.0, 5000);
  q.leg_N_per_m = r.number("posture.leg_stiffness_N_per_m", 1e3, 1e7);
  if (r.has("posture.hip_muscle_Nm_per_deg")) q.hip_muscle_Nm_per_deg = r.number("posture.hip_muscle_Nm_per_deg", 0.0, 100);
  if (r.has("posture.hips")) q.hips_down = r.text("posture.hips", {"lifted", "down"}) == "down";
  if (r.has("posture.seat_stiffness_N_per_m")) q.seat_N_per_m = r.number("posture.seat_stiffness_N_per_m", 1e3, 1e7);
  if (q.hips_down && q.hip_lift_m > 0)
    throw ConfigError(fmt::format("{}: posture.hips = \"down\" puts the pelvis on the floor: it needs posture.hip_lift_m = 0 "
                                  "(it is {:g})", r.where("posture.hips"), q.hip_lift_m));
  sc.mesh_scale = r.number("mesh.scale", 0.5, 4.0);
  // A fine patch where the roller acts (BodySpec::patch_size_m): its size is its own, not scaled.
  double patch_size = 0, patch_halflength = 0, patch_halfwidth = 0;
  int patch_level = 0;
  if (r.has("mesh.patch_size_m")) {
    patch_size = r.number("mesh.patch_size_m", 0.001, 0.02);
    if (!r.has("mesh.patch_at"))
      throw ConfigError(fmt::format("{}: mesh.patch_size_m needs mesh.patch_at, the level the patch is centred on (T2..L5) "
                                    "or \"roller\" (it follows the roller)", r.where("mesh.patch_size_m")));
    std::vector<std::string> at = {"roller"};
    for (int l = 2; l <= kLevels; ++l) at.push_back(level_name(l));
    const std::string where = r.text("mesh.patch_at", at);
    patch_level = where == "roller" ? 0 : level_index(where);
    const BodySpec defaults;
    patch_halflength = r.has("mesh.patch_halflength_m") ? r.number("mesh.patch_halflength_m", 0.01, 0.3) : defaults.patch_halflength_m;
    patch_halfwidth = r.has("mesh.patch_halfwidth_m") ? r.number("mesh.patch_halfwidth_m", 0.01, 0.2) : defaults.patch_halfwidth_m;
  }
  // T1 is left out: the tissue mesh ends at C7, so a roller there would press the mesh's cut edge.
  const int a = r.level("roll.from", 2, kLevels), b = r.level("roll.to", 2, kLevels);
  for (int l = a; a <= b ? l <= b : l >= b; l += a <= b ? 1 : -1) sc.levels.push_back(l);
  if (r.has("roll.warm_start")) sc.warm_start = r.boolean("roll.warm_start");
  r.finish();
  const PhysiologySpec ph = load_physiology(sc.physiology_file, physiology);
  sc.tone = effective_tone(ph, q.tone, q.breath);
  if (!own_muscle) q.trunk_muscle_Nm_per_deg = sc.tone.trunk_muscle_Nm_per_deg;
  q.spine_stiffening = preload_stiffening(ph, sc.tone);
  sc.body = scaled_mesh(load_body_spec(sc.body_file, body), sc.mesh_scale);
  if (patch_size > 0) {
    if (patch_size > sc.body.max_lateral_size_m || patch_size > sc.body.axial_size_m)
      throw ConfigError(fmt::format("{}: mesh.patch_size_m {:g} is coarser than the mesh around it (at most {:g} m here)",
                                    path, patch_size, std::min(sc.body.max_lateral_size_m, sc.body.axial_size_m)));
    sc.body.patch_size_m = patch_size;
    sc.body.patch_level = patch_level;
    sc.body.patch_halflength_m = patch_halflength;
    sc.body.patch_halfwidth_m = patch_halfwidth;
  }
  apply_physiology(sc.body, ph, q.tone, q.breath);
  sc.roller = load_roller_spec(sc.roller_file, roller);
  return sc;
}

bool patch_follows_roller(const Scenario& sc) { return sc.body.patch_size_m > 0 && sc.body.patch_level == 0; }

Scenario with_patch_at(const Scenario& sc, int level) {
  Scenario out = sc;
  if (patch_follows_roller(sc)) out.body.patch_level = level;
  return out;
}

void refuse_patch(const Scenario& sc, const std::string& command) {
  if (sc.body.patch_size_m > 0 && !patch_follows_roller(sc))
    throw ConfigError(fmt::format("{}: mesh.patch_at = \"{}\": a fine patch is fine at one place, and `backroll {}` compares "
                                  "places, so it would compare two meshes; mesh.patch_at = \"roller\" centres it on each "
                                  "position", sc.source, level_name(sc.body.patch_level), command));
}

void refuse_moving_patch(const Scenario& sc, const std::string& command) {
  if (patch_follows_roller(sc))
    throw ConfigError(fmt::format("{}: mesh.patch_at = \"roller\": the patch follows the roller, a mesh for each position, "
                                  "and {} rolls on one mesh; centre the patch on a level (mesh.patch_at = \"L3\")", sc.source,
                                  command));
}

std::shared_ptr<const PosedModel> build_posed_model(const Scenario& sc) {
  return posture_of_kind(sc.posture.kind).build(sc.body, sc.roller, sc.posture);
}

FlatReference solve_flat_reference(const Scenario& sc, const std::atomic<bool>* cancel) {
  return solve_flat(sc, nullptr, cancel).reference;
}

bool same_mesh(const FemModel& a, const FemModel& b) {
  if (a.n_dofs != b.n_dofs || a.mesh.X != b.mesh.X || a.mesh.tets != b.mesh.tets ||
      a.rigid_bodies.size() != b.rigid_bodies.size() || a.rigid_contacts.size() != b.rigid_contacts.size() ||
      a.surface_contacts.size() != b.surface_contacts.size())
    return false;
  for (size_t i = 0; i < a.rigid_bodies.size(); ++i)
    if (a.rigid_bodies[i].dof != b.rigid_bodies[i].dof || a.rigid_bodies[i].rest_position_m != b.rigid_bodies[i].rest_position_m)
      return false;
  for (size_t c = 0; c < a.rigid_contacts.size(); ++c)
    if (a.rigid_contacts[c].n_slaves() != b.rigid_contacts[c].n_slaves()) return false;
  for (size_t c = 0; c < a.surface_contacts.size(); ++c)
    if (a.surface_contacts[c].slave_nodes.size() != b.surface_contacts[c].slave_nodes.size()) return false;
  return true;
}

FlatSolve solve_flat(const Scenario& sc, const FlatSolve* from, const std::atomic<bool>* cancel) {
  FlatSolve out;
  out.model = posture_of_kind("lying_flat").build(sc.body, sc.roller, sc.posture);
  const BodyModel& m = out.model->body;
  SolverSettings s;
  s.cancel = cancel;
  // The positions' tolerance: a tighter one moved the measures read against it by under 1e-6
  // deg and 0.005 N (the main job's patch, shipped body) and, with the cells' tangent Newton
  // uses (newton.cpp), took 80 Newton steps lying flat on compare.toml's mesh at nu 0.4995
  // against 39 (at 1e-8 and 1 um).
  s.residual_rtol = kRollResidualRtol;
  s.gap_tol_m = kRollGapTolM;
  const bool warm = from && from->reference.solve.converged && same_mesh(from->model->body.fem, m.fem);
  SettleResult r = settle(m, s, warm ? &from->state : nullptr);
  if (warm && !r.solve.converged && !r.solve.cancelled) r = settle(m, s);
  out.reference.solve = r.solve;
  if (!r.solve.converged) return out;  // its jobs' positions are then marked not converged (batch.h)
  const Frame flat = measure_frame(*out.model, r.state, Placement{}, nullptr);
  out.reference.rotation_rad = flat.joint_rotation_rad;
  out.reference.translation_m = flat.joint_translation_m;
  out.reference.sp_load_N = flat.sp_load_N;
  out.state = std::move(r.state);
  return out;
}

RollSession::RollSession(std::shared_ptr<const PosedModel> model, const FlatReference* flat)
    : pm_(std::move(model)), flat_(flat) {}

RollSession::RollSession(const Scenario& sc, const FlatReference* flat) : RollSession(build_posed_model(sc), flat) {}

RollStart RollSession::snapshot() const {
  if (!has_state_ || !has_placement_) throw std::logic_error("snapshot: no solved roller position");
  return {state_, placed_};
}

void RollSession::start_from(const RollStart& from) {
  const FemModel& fem = pm_->body.fem;
  const FemState& o = from.state;
  bool fits = o.u.size() == fem.n_dofs && o.body_rotation.size() == fem.rigid_bodies.size() &&
              o.rigid_mult.size() == fem.rigid_contacts.size() && o.surface_mult.size() == fem.surface_contacts.size() &&
              o.friction_normal.size() == fem.rigid_contacts.size();
  for (size_t c = 0; fits && c < fem.rigid_contacts.size(); ++c) fits = o.rigid_mult[c].size() == fem.rigid_contacts[c].n_slaves();
  for (size_t c = 0; fits && c < fem.surface_contacts.size(); ++c)
    fits = o.surface_mult[c].size() == fem.surface_contacts[c].slave_nodes.size();
  if (!fits) throw std::invalid_argument("start_from: the state was solved on another mesh or with other bodies");
  history_ = ViscousHistory{};
  state_.reset(fem);  // this model's loads
  ViscousHistory::clear(state_.inputs);
  state_.u = o.u;
  state_.body_rotation = o.body_rotation;
  state_.rigid_mult = o.rigid_mult;
  state_.surface_mult = o.surface_mult;
  state_.friction_normal = o.friction_normal;
  placed_ = from.placed;
  has_placement_ = has_state_ = true;
}

void RollSession::place(const Placement& pl) {
  pm_->posture->apply(*pm_, pl, state_.inputs);
  placed_ = pl;
  has_placement_ = true;
}

RollResult RollSession::solve_at(int level, bool cold) {
  if (level < 2 || level > kLevels) throw std::invalid_argument("roller level must be T2..L5");
  return solve_at_s(pm_->body.sp_tip_s_m[level], cold);
}

bool RollSession::roll_to(const Placement& target, const SolverSettings& s, RollResult& r) {
  // Warm start: the roller rolls to its new place in steps of at most kRollStepM, and at each
  // intermediate place the tissue gets kRollSubstepNewton Newton steps, enough to move it out of
  // the roller's way, so no tissue node is carried through the roller (a jump of centimetres into
  // tissue shaped around the old place can push nodes out through the far side). Settling each
  // intermediate place fully is not needed: measured on the main job, one step per place gives
  // the same results (within 1e-3) in 37 s instead of 49 s.
  const int n = static_cast<int>(std::ceil((target.centre_m - placed_.centre_m).norm() / kRollStepM));
  SolverSettings loose = s;
  loose.residual_rtol = 1e-3;
  loose.max_newton = kRollSubstepNewton;
  return step_between(placed_, target, n, loose, r);
}

SolveReport RollSession::substep(const Placement& at, const SolverSettings& s, RollResult& r) {
  place(at);
  const SolveReport sub = solve_equilibrium(pm_->body.fem, state_, s, &cache_);
  r.substeps += 1;
  r.substep_newton_iterations += sub.newton_iterations;
  r.substep_seconds += sub.seconds;
  if (sub.cancelled) {
    has_state_ = false;
    r.solve = sub;
  }
  return sub;
}

bool RollSession::step_between(const Placement& from, const Placement& target, int n, const SolverSettings& sub,
                               RollResult& r) {
  for (int k = 1; k < n; ++k) {
    const SolveReport rep = substep(lerp(from, target, static_cast<double>(k) / n), sub, r);
    if (rep.cancelled) return false;
    if (!rep.converged && !rep.iteration_limit) {  // a failed step, not just an unsettled one
      state_.reset(pm_->body.fem);
      return false;
    }
  }
  return true;
}

SolveReport RollSession::solve_from_rest(const Placement& target, const SolverSettings& s, RollResult& r) {
  if (!start_cold(target, s, r)) return r.solve;  // cancelled
  place(target);
  return solve_equilibrium(pm_->body.fem, state_, s, &cache_);
}

bool RollSession::start_cold(const Placement& target, const SolverSettings& s, RollResult& r) {
  const FemModel& fem = pm_->body.fem;
  state_.reset(fem);
  const Placement start = pm_->posture->cold_start(*pm_, target);
  if (start.pitch_rad == target.pitch_rad && start.centre_m == target.centre_m) return true;
  // Solved where the posture starts, then the supports moved to the target as a roll moves them.
  const SolveReport first = substep(start, s, r);
  if (first.cancelled) return false;
  if (!first.converged) {  // the target from rest after all
    state_.reset(fem);
    return true;
  }
  // The hips lifted to the target's height in steps that move the skin farthest from the hip by
  // at most kRollStepM, each settled to 1e-3 of the load (the body has to bend over the roller:
  // one Newton step a place, as rolling takes, leaves it behind and the floor runs through it).
  // A step that fails leaves the state reset: the target from rest after all.
  const Vec3 H = pm_->body.bones[pm_->body.pelvis].origin_m;
  double reach = 0;
  for (int k : pm_->body.skin_nodes) reach = std::max(reach, (fem.mesh.X[k] - H).norm());
  const int n = static_cast<int>(std::ceil(std::abs(target.pitch_rad - start.pitch_rad) * reach / kRollStepM));
  SolverSettings loose = s;
  loose.residual_rtol = 1e-3;
  loose.max_newton = 40;
  return step_between(start, target, n, loose, r) || !r.solve.cancelled;
}

void RollSession::measure(const Placement& at, RollResult& r) const {
  static_cast<Frame&>(r) = measure_frame(*pm_, state_, at, flat_);
  r.validity = check_validity(*pm_, r);
}

SolverSettings RollSession::settings() const {
  SolverSettings s;
  s.residual_rtol = kRollResidualRtol;
  s.gap_tol_m = kRollGapTolM;
  s.max_newton = 200;
  s.cancel = cancel_;
  s.reuse_factorization = !direct_;
  return s;
}

RollResult RollSession::hold(double dt_s) {
  if (!has_state_ || !has_placement_) throw std::logic_error("hold: no solved roller position to hold");
  const FemModel& fem = pm_->body.fem;
  if (!history_.started()) history_.start(fem, state_);
  history_.prepare(fem, dt_s, state_.inputs);
  RollResult r;
  r.s_m = placed_.s_m;
  r.level = nearest_level(pm_->body, placed_.s_m);
  r.start_pitch_deg = placed_.pitch_rad / kDeg;
  r.weight_N = total_gravity_vector_N(fem, state_).norm();
  r.solve = solve_equilibrium(fem, state_, settings(), &cache_);
  if (!r.solve.converged) {  // the hold ends here: nothing further to step from
    has_state_ = false;
    history_ = ViscousHistory{};
    ViscousHistory::clear(state_.inputs);
    return r;
  }
  history_.commit(fem, state_, dt_s);
  measure(placed_, r);
  return r;
}

RollResult RollSession::solve_at_s(double s_m, bool cold) {
  const auto [s_lo, s_hi] = pm_->posture->path(*pm_);
  if (s_lo <= s_hi && !(s_m >= s_lo - 1e-9 && s_m <= s_hi + 1e-9))
    throw std::invalid_argument("roller position " + std::to_string(s_m) + " m is outside T2..L5 (" +
                                std::to_string(s_lo) + ".." + std::to_string(s_hi) + " m)");
  const FemModel& fem = pm_->body.fem;
  history_ = ViscousHistory{};  // a new position: the tissue's response is the instantaneous one
  ViscousHistory::clear(state_.inputs);
  Placement target = pm_->posture->placement(*pm_, s_m);
  target.start_tilt_rad = start_tilt_rad_;
  const SolverSettings s = settings();
  RollResult r;  // where it is, whatever the solve gives; measured once converged
  r.s_m = s_m;
  r.level = nearest_level(pm_->body, s_m);
  r.start_pitch_deg = target.pitch_rad / kDeg;
  const bool warm = !cold && has_state_ && has_placement_;
  if (!warm) {
    r.solve = solve_from_rest(target, s, r);
  } else if (!roll_to(target, s, r)) {  // a sub-step failed (the state reset) or was cancelled
    if (r.solve.cancelled) return r;
    r.solve = solve_from_rest(target, s, r);
  } else {
    place(target);
    r.solve = solve_equilibrium(fem, state_, s, &cache_);
    if (!r.solve.converged && !r.solve.cancelled) {  // a warm start that failed gets a cold one
      r.cold_retry = true;
      r.solve = solve_from_rest(target, s, r);
    }
  }
  r.weight_N = total_gravity_vector_N(fem, state_).norm();
  has_state_ = r.solve.converged;
  if (!r.solve.converged) return r;
  measure(target, r);
  if (!r.validity.valid && warm && !r.cold_retry) {
    // A warm start can carry the state onto an impossible branch (a heavy body rolled onto the
    // roller sinking through it) where a solve from rest finds a possible one: try cold, keep it
    // if it is possible, and say what the warm start gave.
    const std::string warm_reason = r.validity.reason;
    const FemState warm_state = state_;
    RollResult c = r;
    c.solve = solve_from_rest(target, s, c);
    if (c.solve.converged) measure(target, c);
    if (c.solve.converged && c.validity.valid) {
      c.cold_retry = true;
      c.warm_start_note = "the warm-started solve gave an impossible state (" + warm_reason + "); solved from rest";
      return c;
    }
    state_ = warm_state;  // neither is possible: report the warm one
  }
  return r;
}

}  // namespace backroll
