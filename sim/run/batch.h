// Many rolls at once: the engine under `backroll compare` and `backroll sweep`. Each job is one
// scenario (body, roller, posture) rolled through its positions; the jobs run in parallel on a
// pool of threads, each task with its own solver state, so the results do not depend on the
// thread count; each job's model is built once and shared read-only by its tasks:
//   - a job's positions are cut into fixed runs of kBatchChunk, each started cold at its first
//     position and rolled warm-started through the rest (unless the scenario says warm_start =
//     false); the runs are the same whatever the threads;
//   - a position may start from the state an earlier job solved (RollPosition::from_job): its
//     task waits for that state, which the runs before it in the task order are computing;
//   - jobs with the same flat_key share one flat-lying reference (the segment motions are measured
//     against it), solved as a task of its own and applied when both are done;
//   - a job whose fine patch follows the roller (mesh.patch_at = "roller") is a job per position,
//     each on its own mesh with the patch centred there: solved from rest (or from an earlier
//     job's state on the same mesh), with its own flat-lying reference.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "run/roll.h"

namespace backroll {

// A roller position: at a vertebral level's spinous process, or at a distance along the skin line.
struct RollPosition {
  int level = 0;     // 2..17 (T2..L5); 0: use s_m
  double s_m = 0;    // along the skin line (m, BodyModel::sp_tip_s_m's frame), when level == 0
  // Start from the state an earlier job solved at its position from_position (RollSession::
  // start_from: a model on the same mesh, such as another tone), when that solve gave a possible
  // state, else from rest; not rolled from this job's previous position. Ignored (from rest)
  // when the scenario says warm_start = false.
  int from_job = -1;
  size_t from_position = 0;
  std::string label() const;  // "T7" or "0.312 m"
};

struct RollJob {
  Scenario scenario;
  std::vector<RollPosition> positions;  // rolled in this order
  std::string flat_key;                 // jobs with equal keys share one flat-lying reference
  // The flat-lying reference its own starts from (solve_flat): an earlier job's flat_key whose
  // model has the same mesh (another tone of the body); none, or a key not found: from rest.
  std::optional<std::string> flat_start_key;
};

struct BatchProgress {
  size_t positions_done = 0, positions_total = 0;
  size_t jobs_done = 0, jobs_total = 0;
  double seconds = 0;     // since the start
};
// Called from the worker threads, one call at a time, after every finished run of positions.
using BatchProgressFn = std::function<void(const BatchProgress&)>;

struct BatchResult {
  std::vector<std::vector<RollResult>> results;  // per job, per position
  std::vector<FlatReference> flats;              // per distinct flat_key
  std::vector<int> job_flat;                     // per job: its index in flats (its first position's; -1: none)
  std::vector<double> job_seconds;               // per job: CPU time over its tasks
  int threads = 1;
  double seconds = 0;
};

// Positions per task (see above).
constexpr size_t kBatchChunk = 4;

// Runs every job; a position whose solve fails is reported in its RollResult (solve.converged,
// solve.message), and so is a flat-lying reference that fails (its jobs' positions are marked
// not converged: their segment motions would be measured against nothing). on_job_done is called
// (one call at a time, from a worker thread) with each job's final results as soon as they are.
// on_position is called from the worker threads, several at a time, right after each position's
// solve with its session (the solved state) and result (not yet related to lying flat): for
// per-position outputs such as the solved geometry.
using PositionFn = std::function<void(int job, size_t position, const RollSession&, const RollResult&)>;
BatchResult run_batch(const std::vector<RollJob>& jobs, int threads, const BatchProgressFn& progress = {},
                      const std::function<void(int job, const std::vector<RollResult>&)>& on_job_done = {},
                      const PositionFn& on_position = {});

// The pool under run_batch and run_exercise_jobs: `threads` threads (no more than tasks) run
// task(k) for k = 0 .. n-1, each thread taking the next index in order. The first exception a
// task throws stops the pool from starting more; `on_failure` is then called once (so that tasks
// waiting on one another can be woken), and the exception is rethrown when every thread is done.
void run_pool(size_t n, int threads, const std::function<void(size_t)>& task, const std::function<void()>& on_failure = {});

}  // namespace backroll
