// An interactive session: the core's RollSession on a worker thread that follows the roller
// position a client asks for and publishes each solved state. The client (the viewer) never
// waits on the solver: it asks, and reads the latest published frame whenever it draws.
//
// A setup (scenario + the viewer's parameters) builds a body, solves it lying flat (the segment
// motions' reference) and starts rolling; positions are solved warm-started from the last one,
// the same way the headless commands roll. A new setup cancels the solve in progress (the solver
// checks a stop flag every Newton iteration), so changing parameters mid-solve never waits for it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "run/roll.h"
#include "viz/figure.h"
#include "viz/scene.h"

namespace backroll {

// What a client can change. Empty / unset fields keep the scenario's values.
struct LiveSetup {
  std::string scenario;                    // scenario file
  std::string roller;                      // catalog name or .toml file
  std::string body;                        // catalog name or .toml file
  std::optional<double> foam_modulus_Pa;   // roller.foam.youngs_modulus_Pa
  std::optional<double> diameter_m;        // roller.diameter_m
  std::optional<double> body_mass_kg;      // body.mass_kg
  std::optional<double> hip_lift_m;        // posture.hip_lift_m
  std::string origin = "viewer setting";   // where the values came from, for error messages
  std::vector<ConfigOverride> overrides() const;  // the same keys a sweep axis uses
  bool operator==(const LiveSetup& o) const;
  bool operator!=(const LiveSetup& o) const { return !(*this == o); }
};

// A built setup: what does not change while it rolls.
struct LiveModel {
  uint64_t id = 0;                         // which configure() call it answers
  LiveSetup setup;
  Scenario scenario;
  SceneTopology topo;
  TriMesh roller;                          // in the roller's frame
  std::array<double, 20> sp_tip_s_m{};     // C7..S2, as BodyModel::sp_tip_s_m
  double s_min_m = 0, s_max_m = 0;         // the roller's range (T2..L5)
  FlatReference flat;
  double build_seconds = 0;                // body, flat-lying solve
};

// One solved position.
struct LiveFrame {
  std::shared_ptr<const LiveModel> model;
  RollResult result;
  SceneFrame scene;
  Figure person;                           // the drawn person around the back (viz/figure.h)
  uint64_t serial = 0;                     // counts published frames
};

struct LiveStatus {
  enum Phase { Idle, Building, Solving } phase = Idle;
  std::string activity;                    // "solving at T7", "building the body"
  std::string error;                       // the last failure (bad setup, non-converged solve), or empty
  double solves_per_s = 0;                 // over the last solves (0 before two)
  double last_solve_s = 0;
  uint64_t model_id = 0;                   // id of the model now in use (0: none yet)
};

class LiveSession {
 public:
  LiveSession();
  ~LiveSession();  // cancels and joins
  LiveSession(const LiveSession&) = delete;
  LiveSession& operator=(const LiveSession&) = delete;

  // Builds a new setup (cancelling work in progress). Returns its id. A setup that fails to load
  // leaves the previous one running and reports the error in status().
  uint64_t configure(const LiveSetup& setup);
  // The roller's target position along the skin line (m), clamped to the model's range.
  void request(double s_m);
  void request_level(int level);  // 2..17 (T2..L5)

  std::shared_ptr<const LiveFrame> frame() const;
  std::shared_ptr<const LiveModel> model() const;
  LiveStatus status() const;
  // True when the worker has nothing to do: the last setup is built (or failed) and the last
  // requested position solved (or failed).
  bool idle() const;
  // Waits until idle() or the timeout (s); returns idle().
  bool wait_idle(double timeout_s) const;

 private:
  void run();
  bool idle_locked() const;  // idle(), with mu_ held
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::atomic<bool> cancel_{false};
  bool quit_ = false;
  std::optional<LiveSetup> pending_setup_;
  uint64_t pending_id_ = 0, next_id_ = 1;
  double target_s_ = 0;
  bool has_target_ = false;
  int target_level_ = 0;                   // a level asked before the model existed
  bool need_solve_ = false;                // the target changed (or the model) since the last solve
  double avg_solve_s_ = 0;
  std::shared_ptr<const LiveFrame> frame_;
  std::shared_ptr<const LiveModel> model_;
  LiveStatus status_;
  uint64_t frames_ = 0;
  std::thread worker_;                     // last: started after the members above exist
};

}  // namespace backroll
