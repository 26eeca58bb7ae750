// An interactive session: the core's RollSession on a worker thread that follows the roller
// position a client asks for and publishes each solved state. The client (the viewer) never
// waits on the solver: it asks, and reads the latest published frame whenever it draws.
//
// A setup (scenario + the viewer's parameters) builds a body, solves it lying flat (the segment
// motions' reference) and starts rolling; positions are solved warm-started from the last one,
// the same way the headless commands roll. A new setup cancels the solve in progress (the solver
// checks a stop flag every Newton iteration), so changing parameters mid-solve never waits for it.
//
// While no request waits, the worker solves the roller's whole path ahead (the solved path): every
// place of path_grid(), rolled from T2 towards the feet as the main job rolls, in steps of at most
// kPathStepM. A request near a place already solved is answered at once with that solved state: a
// hand dragging the roller is followed at the display's rate, not the solver's. Elsewhere the
// request is solved as before. Rolled back towards the head, the states differ from these by at
// most half the mesh study's rule (5 % or the unit's floor; docs/viewer.md, "The solved path"), so
// one direction serves.
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

// The solved path's places: every level's spinous-process tip (T2..L5, `tip_s_m` as
// BodyModel::sp_tip_s_m) and, between two tips, equal steps of at most `step_m`; increasing.
std::vector<double> path_grid(const std::array<double, 20>& tip_s_m, double step_m);
// The solved path's largest step (m): a hand dragging at 2.5 cm/s is shown 10 solved places a
// second. Rolled warm on the viewer's mesh (compare.toml, one thread), a 2.5 mm step costs about
// 0.37 s, so the whole path (174 places on the default adult) takes about a minute.
inline constexpr double kPathStepM = 0.0025;

struct LiveStatus {
  // Walking: solving the path ahead (idle() all the same: nothing asked waits for it).
  enum Phase { Idle, Building, Solving, Walking } phase = Idle;
  std::string activity;                    // "solving at T7", "building the body"
  std::string error;                       // the last failure (bad setup, non-converged solve), or empty
  double solves_per_s = 0;                 // over the last solves (0 before two)
  double last_solve_s = 0;
  uint64_t model_id = 0;                   // id of the model now in use (0: none yet)
  // The solved path: places tried (solved or failed) and places in all.
  int path_done = 0, path_total = 0;
  int path_failed = 0;                     // places whose solve failed (requested there: solved anew)
  double path_seconds = 0;                 // the worker's time on the path so far
};

class LiveSession {
 public:
  // `solve_path`: solve the path ahead while idle (above); false: only what is requested.
  explicit LiveSession(bool solve_path = true);
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
  // Waits until the current model's path is solved (every place tried) or the timeout (s).
  bool wait_path(double timeout_s) const;
  // The current model's path: its grid and the solved states (null: not solved, yet or at all).
  struct Path {
    std::vector<double> s_m;
    std::vector<std::shared_ptr<const LiveFrame>> frame;
  };
  Path path() const;

 private:
  void run();
  bool idle_locked() const;  // idle(), with mu_ held
  bool path_done_locked() const;
  // The target moved to s: a place of the path solved near it is shown at once.
  void aim_locked(double s_m);
  // A frame shown: the status's error says whether its state is possible.
  void show_locked(std::shared_ptr<const LiveFrame> f);
  // One more place of the path solved by `walker` (mu_ not held).
  std::shared_ptr<LiveFrame> walk_path(RollSession& walker, const std::shared_ptr<const LiveModel>& model, int place,
                                       bool& failed);
  const bool solve_path_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::atomic<bool> cancel_{false};
  bool quit_ = false;
  std::optional<LiveSetup> pending_setup_;
  uint64_t pending_id_ = 0, next_id_ = 1;
  double target_s_ = 0;
  bool has_target_ = false;
  int target_level_ = 0;                   // a level asked before the model existed
  uint64_t requests_ = 0;                  // targets asked
  uint64_t answered_ = 0;                  // the last target answered from the path (requests_ then)
  Path path_;                              // the current model's
  bool path_turn_ = false;                 // a place was solved on request: the path's turn next
  bool need_solve_ = false;                // the target changed (or the model) since the last solve
  double avg_solve_s_ = 0;
  std::shared_ptr<const LiveFrame> frame_;
  std::shared_ptr<const LiveModel> model_;
  LiveStatus status_;
  uint64_t frames_ = 0;
  std::thread worker_;                     // last: started after the members above exist
};

}  // namespace backroll
