#include "viz/live.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/core.h>

#include "io/catalog.h"

namespace backroll {

std::vector<ConfigOverride> LiveSetup::overrides() const {
  std::vector<ConfigOverride> ov;
  if (!roller.empty()) ov.push_back({"roller", catalog_file("rollers", roller, "", origin, "roller"), origin});
  if (!body.empty()) ov.push_back({"body", catalog_file("bodies", body, "", origin, "body"), origin});
  if (foam_modulus_Pa) ov.push_back({"roller.foam.youngs_modulus_Pa", *foam_modulus_Pa, origin});
  if (diameter_m) ov.push_back({"roller.diameter_m", *diameter_m, origin});
  if (body_mass_kg) ov.push_back({"body.mass_kg", *body_mass_kg, origin});
  if (hip_lift_m) ov.push_back({"posture.hip_lift_m", *hip_lift_m, origin});
  return ov;
}

bool LiveSetup::operator==(const LiveSetup& o) const {
  return scenario == o.scenario && roller == o.roller && body == o.body && foam_modulus_Pa == o.foam_modulus_Pa &&
         diameter_m == o.diameter_m && body_mass_kg == o.body_mass_kg && hip_lift_m == o.hip_lift_m;
}

std::vector<double> path_grid(const std::array<double, 20>& tip_s_m, double step_m) {
  std::vector<double> g;
  for (int l = 2; l < kLevels; ++l) {
    const double a = tip_s_m[l], b = tip_s_m[l + 1];
    const int n = std::max(1, static_cast<int>(std::ceil((b - a) / step_m - 1e-9)));
    for (int i = 0; i < n; ++i) g.push_back(a + (b - a) * i / n);
  }
  g.push_back(tip_s_m[kLevels]);
  return g;
}

LiveSession::LiveSession(bool solve_path) : solve_path_(solve_path), worker_([this] { run(); }) {}

LiveSession::~LiveSession() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    quit_ = true;
    cancel_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

uint64_t LiveSession::configure(const LiveSetup& setup) {
  uint64_t id;
  {
    std::lock_guard<std::mutex> lk(mu_);
    pending_setup_ = setup;
    id = pending_id_ = next_id_++;
    cancel_ = true;  // the solve in progress is for a setup nobody wants any more
  }
  cv_.notify_all();
  return id;
}

void LiveSession::request(double s_m) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    target_level_ = 0;
    aim_locked(s_m);
  }
  cv_.notify_all();
}

void LiveSession::request_level(int level) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    target_level_ = std::clamp(level, 2, kLevels);
    if (model_) {
      aim_locked(model_->sp_tip_s_m[target_level_]);
    } else {
      has_target_ = true;
      need_solve_ = true;
      ++requests_;
    }
  }
  cv_.notify_all();
}

void LiveSession::aim_locked(double s_m) {
  target_s_ = s_m;
  has_target_ = true;
  need_solve_ = true;
  ++requests_;
  const std::vector<double>& g = path_.s_m;
  if (!model_ || g.empty()) return;
  const double s = std::clamp(s_m, model_->s_min_m, model_->s_max_m);
  size_t k = std::lower_bound(g.begin(), g.end(), s) - g.begin();
  if (k == g.size() || (k > 0 && s - g[k - 1] < g[k] - s)) --k;  // the nearest place
  const auto& f = path_.frame[k];
  if (!f) return;
  if (f != frame_) show_locked(f);
  need_solve_ = false;
  answered_ = requests_;
}

void LiveSession::show_locked(std::shared_ptr<const LiveFrame> f) {
  // A converged state that is not physically possible is shown, and says so.
  const RollResult& r = f->result;
  if (!r.validity.valid) status_.error = "not a possible state at " + level_name(r.level) + ": " + r.validity.reason;
  else status_.error.clear();
  frame_ = std::move(f);
}

std::shared_ptr<const LiveFrame> LiveSession::frame() const {
  std::lock_guard<std::mutex> lk(mu_);
  return frame_;
}

std::shared_ptr<const LiveModel> LiveSession::model() const {
  std::lock_guard<std::mutex> lk(mu_);
  return model_;
}

LiveStatus LiveSession::status() const {
  std::lock_guard<std::mutex> lk(mu_);
  return status_;
}

bool LiveSession::idle_locked() const {
  const bool busy = status_.phase == LiveStatus::Building || status_.phase == LiveStatus::Solving;
  return !pending_setup_ && !busy && (!need_solve_ || !model_ || !has_target_);
}

bool LiveSession::path_done_locked() const {
  return !pending_setup_ && model_ && status_.path_done == status_.path_total;
}

bool LiveSession::idle() const {
  std::lock_guard<std::mutex> lk(mu_);
  return idle_locked();
}

bool LiveSession::wait_idle(double timeout_s) const {
  std::unique_lock<std::mutex> lk(mu_);
  return cv_.wait_for(lk, std::chrono::duration<double>(timeout_s), [&] { return idle_locked(); });
}

bool LiveSession::wait_path(double timeout_s) const {
  std::unique_lock<std::mutex> lk(mu_);
  return cv_.wait_for(lk, std::chrono::duration<double>(timeout_s), [&] { return path_done_locked(); });
}

LiveSession::Path LiveSession::path() const {
  std::lock_guard<std::mutex> lk(mu_);
  return path_;
}

std::shared_ptr<LiveFrame> LiveSession::walk_path(RollSession& walker, const std::shared_ptr<const LiveModel>& model,
                                                  int place, bool& failed) {
  failed = false;
  try {
    RollResult r = walker.solve_at_s(path_.s_m[place]);  // path_.s_m: written by this thread only
    if (r.solve.cancelled) return nullptr;
    if (!r.solve.converged) {
      failed = true;
      return nullptr;
    }
    auto f = std::make_shared<LiveFrame>();
    f->model = model;
    f->scene = scene_frame(walker, r);
    f->person = person_figure(model->scenario.body, model->scenario.posture, model->topo, f->scene);
    f->result = std::move(r);
    return f;
  } catch (const std::exception&) {
    failed = true;
    return nullptr;
  }
}

void LiveSession::run() {
  using clock = std::chrono::steady_clock;
  // The worker's own: the sessions rolling the current model (they point into the model's flat
  // reference, so the model outlives them): one for what is asked, one walking the path ahead.
  std::shared_ptr<LiveModel> model;
  std::unique_ptr<RollSession> session, walker;
  std::unique_lock<std::mutex> lk(mu_);
  // status_.path_done is also the next place of the path to solve.
  const auto walking = [&] { return walker && status_.path_done < status_.path_total; };
  while (true) {
    cv_.wait(lk, [&] { return quit_ || pending_setup_ || (model_ && has_target_ && need_solve_) || walking(); });
    if (quit_) break;
    if (pending_setup_) {
      const LiveSetup setup = *pending_setup_;
      const uint64_t id = pending_id_;
      pending_setup_.reset();
      cancel_ = false;
      status_.phase = LiveStatus::Building;
      status_.activity = "building the body and solving it lying flat";
      lk.unlock();
      cv_.notify_all();
      const auto t0 = clock::now();
      auto m = std::make_shared<LiveModel>();
      std::unique_ptr<RollSession> ses, walk;
      std::string err;
      bool cancelled = false;
      try {
        m->id = id;
        m->setup = setup;
        m->scenario = load_scenario(setup.scenario, setup.overrides());
        refuse_moving_patch(m->scenario, "the viewer");
        m->flat = solve_flat_reference(m->scenario, &cancel_);
        cancelled = m->flat.solve.cancelled;
        if (!cancelled && !m->flat.solve.converged)
          err = "the body lying flat found no equilibrium: " + m->flat.solve.message;
        if (!cancelled && err.empty()) {
          const auto posed = build_posed_model(m->scenario);
          ses = std::make_unique<RollSession>(posed, &m->flat);
          ses->set_cancel(&cancel_);
          if (solve_path_) {
            walk = std::make_unique<RollSession>(posed, &m->flat);
            walk->set_cancel(&cancel_);
          }
          m->topo = scene_topology(ses->model());
          const RollerSpec& rs = m->scenario.roller;
          const int around = rs.pattern == RollerPattern::None ? 72 : std::max(72, 8 * rs.pattern_around);
          const double len = 2 * rs.outer_radius_m() + std::max(rs.length_m, 2 * rs.diameter_m + rs.groove_width_m);
          // A plain cylinder needs few stations along its axis; balls and patterns need them fine.
          const double step = rs.pattern != RollerPattern::None ? std::min(0.004, rs.pattern_pitch_m / 8) : rs.kind == RollerKind::Cylinder ? len / 8 : 0.004;
          m->roller = roller_mesh(rs, std::clamp(static_cast<int>(len / step), 24, 600), around);
          m->sp_tip_s_m = ses->model().sp_tip_s_m;
          m->s_min_m = m->sp_tip_s_m[2];
          m->s_max_m = m->sp_tip_s_m[kLevels];
        }
      } catch (const std::exception& e) {
        err = e.what();
      }
      m->build_seconds = std::chrono::duration<double>(clock::now() - t0).count();
      lk.lock();
      status_.phase = LiveStatus::Idle;
      status_.activity.clear();
      if (cancelled || pending_setup_ || quit_) continue;  // superseded
      if (!err.empty()) {
        status_.error = err;  // the previous setup (if any) keeps rolling
        cv_.notify_all();
        continue;
      }
      status_.error.clear();
      session.reset();
      walker.reset();
      session = std::move(ses);
      walker = std::move(walk);
      model = m;
      model_ = m;
      status_.model_id = id;
      path_ = Path{};
      if (walker) {
        path_.s_m = path_grid(m->sp_tip_s_m, kPathStepM);
        path_.frame.assign(path_.s_m.size(), nullptr);
      }
      status_.path_done = status_.path_failed = 0;
      status_.path_seconds = 0;
      status_.path_total = static_cast<int>(path_.s_m.size());
      if (target_level_ > 0) target_s_ = m->sp_tip_s_m[target_level_];
      need_solve_ = has_target_;
      cv_.notify_all();
      continue;
    }
    // The next place of the path when nothing is asked, and after each place solved on request
    // (a roller dragged on through places not solved yet would otherwise hold the path back).
    if (walking() && (!(has_target_ && need_solve_) || path_turn_)) {
      path_turn_ = false;
      const int place = status_.path_done;
      status_.phase = LiveStatus::Walking;
      status_.activity = fmt::format("solving the path ahead: {} of {} places", place, status_.path_total);
      lk.unlock();
      const auto t0 = clock::now();
      bool failed = false;
      auto f = walk_path(*walker, model, place, failed);
      const double dt = std::chrono::duration<double>(clock::now() - t0).count();
      lk.lock();
      status_.path_seconds += dt;
      status_.phase = LiveStatus::Idle;
      status_.activity.clear();
      if (!f && !failed) continue;  // cancelled: a new setup (or the end) comes
      if (f) {
        f->serial = ++frames_;
        path_.frame[place] = f;
      }
      status_.path_failed += failed;
      ++status_.path_done;
      cv_.notify_all();
      continue;
    }
    // A position to solve (none if it is where the state on screen already is).
    const double s = std::clamp(target_s_, model->s_min_m, model->s_max_m);
    need_solve_ = false;
    if (frame_ && frame_->model == model && frame_->result.s_m == s) {
      cv_.notify_all();
      continue;
    }
    const uint64_t asked = requests_;
    path_turn_ = true;
    status_.phase = LiveStatus::Solving;
    status_.activity = "solving with the roller at " + level_name(nearest_level(session->model(), s));
    lk.unlock();
    const auto t0 = clock::now();
    RollResult r;
    SceneFrame sf;
    Figure person;
    std::string err;
    try {
      r = session->solve_at_s(s);
      if (r.solve.converged) {
        sf = scene_frame(*session, r);
        person = person_figure(model->scenario.body, model->scenario.posture, model->topo, sf);
      }
      else if (!r.solve.cancelled) err = "no equilibrium with the roller at " + level_name(r.level) + ": " + r.solve.message;
    } catch (const std::exception& e) {
      err = e.what();
    }
    const double dt = std::chrono::duration<double>(clock::now() - t0).count();
    lk.lock();
    status_.phase = LiveStatus::Idle;
    status_.activity.clear();
    if (r.solve.cancelled) continue;
    status_.last_solve_s = dt;
    // Solves per second, averaged over the last few (exponentially).
    avg_solve_s_ = avg_solve_s_ > 0 ? 0.7 * avg_solve_s_ + 0.3 * dt : dt;
    status_.solves_per_s = 1.0 / avg_solve_s_;
    if (answered_ > asked) {  // a later target was answered from the path meanwhile: it stays shown
      cv_.notify_all();
      continue;
    }
    if (!err.empty()) {
      status_.error = err;
    } else {
      auto f = std::make_shared<LiveFrame>();
      f->model = model;
      f->result = std::move(r);
      f->scene = std::move(sf);
      f->person = std::move(person);
      f->serial = ++frames_;
      show_locked(f);
    }
    cv_.notify_all();
  }
  walker.reset();
  session.reset();
}

}  // namespace backroll
