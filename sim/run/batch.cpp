#include "run/batch.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <fmt/core.h>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "io/toml_reader.h"

namespace backroll {

std::string RollPosition::label() const { return level > 0 ? level_name(level) : fmt::format("{:.3f} m", s_m); }

namespace {

// Throws when job j's position p starts from a position that is not an earlier job's.
void check_start(const std::vector<RollJob>& jobs, size_t j, const RollPosition& p) {
  if (static_cast<size_t>(p.from_job) >= j || p.from_position >= jobs[p.from_job].positions.size())
    throw std::invalid_argument(fmt::format("run_batch: job {} starts from job {}'s position {}, which is not an earlier job's",
                                            j, p.from_job, p.from_position));
}

// run_batch on jobs whose models are fixed (no patch that follows the roller).
BatchResult run_fixed_batch(const std::vector<RollJob>& jobs, int threads, const BatchProgressFn& progress,
                            const std::function<void(int, const std::vector<RollResult>&)>& on_job_done,
                            const PositionFn& on_position) {
  const auto t0 = std::chrono::steady_clock::now();
  BatchResult out;
  out.threads = std::max(1, threads);
  out.results.resize(jobs.size());
  out.job_seconds.assign(jobs.size(), 0.0);
  out.job_flat.resize(jobs.size());
  // Flat-lying references: one per distinct key, in order of first use.
  std::map<std::string, int> flat_of_key;
  std::vector<int> flat_first_job;
  for (size_t j = 0; j < jobs.size(); ++j) {
    auto [it, fresh] = flat_of_key.emplace(jobs[j].flat_key, static_cast<int>(flat_first_job.size()));
    if (fresh) flat_first_job.push_back(static_cast<int>(j));
    out.job_flat[j] = it->second;
  }
  out.flats.resize(flat_first_job.size());
  // Which earlier flat-lying solve each starts from (-1: from rest), and how many start from each:
  // a solve's model and state are kept until the last of those has started.
  std::vector<int> flat_start(flat_first_job.size(), -1), flat_starts_left(flat_first_job.size(), 0);
  for (size_t f = 0; f < flat_first_job.size(); ++f) {
    const std::optional<std::string>& key = jobs[flat_first_job[f]].flat_start_key;
    const auto it = key ? flat_of_key.find(*key) : flat_of_key.end();
    if (it != flat_of_key.end() && it->second < static_cast<int>(f)) flat_start[f] = it->second, ++flat_starts_left[it->second];
  }
  std::vector<std::shared_ptr<const FlatSolve>> flat_solved(flat_first_job.size());
  std::vector<char> flat_done(flat_first_job.size(), 0);
  // Tasks: the flat references first (every job waits for one), then each job's runs.
  struct Task {
    int flat = -1;  // >= 0: solve this flat reference
    size_t job = 0, first = 0, last = 0;
  };
  std::vector<Task> tasks;
  for (size_t f = 0; f < flat_first_job.size(); ++f) tasks.push_back({static_cast<int>(f), 0, 0, 0});
  std::vector<int> remaining(jobs.size(), 1);  // runs left + the flat reference
  std::vector<int> runs_left(jobs.size(), 0);  // the job's model is let go after its last run
  size_t positions_total = 0;
  for (size_t j = 0; j < jobs.size(); ++j) {
    const size_t n = jobs[j].positions.size();
    out.results[j].resize(n);
    positions_total += n;
    for (size_t a = 0; a < n; a += kBatchChunk) {
      tasks.push_back({-1, j, a, std::min(n, a + kBatchChunk)});
      ++remaining[j], ++runs_left[j];
    }
  }
  // The states other jobs start from (RollPosition::from_job), by (job, position), published as
  // those positions are solved: start empty when that solve gave no possible state.
  struct Published {
    bool done = false;
    std::optional<RollStart> start;
  };
  std::map<std::pair<size_t, size_t>, Published> published;
  for (size_t j = 0; j < jobs.size(); ++j)
    for (const RollPosition& p : jobs[j].positions)
      if (p.from_job >= 0) {
        check_start(jobs, j, p);
        published[{static_cast<size_t>(p.from_job), p.from_position}];
      }
  std::condition_variable published_cv;
  bool failed = false;  // under mu: a task threw, the pool stops
  BatchProgress prog;
  prog.positions_total = positions_total;
  prog.jobs_total = jobs.size();
  std::mutex mu;
  // Each job's model, built once by the first of its runs to start and shared read-only by all.
  std::vector<std::shared_ptr<const PosedModel>> models(jobs.size());
  std::vector<std::once_flag> built(jobs.size());
  // Under mu: a job's last piece has arrived; apply its flat reference and report it.
  auto finish_job = [&](size_t j) {
    const FlatReference& flat = out.flats[out.job_flat[j]];
    for (RollResult& r : out.results[j]) {
      if (!flat.solve.converged && r.solve.converged) {
        r.solve.converged = false;
        r.solve.message = "the flat-lying reference (segment motion is measured against it) did not converge: " +
                          flat.solve.message;
      }
      relate_to_flat(r, &flat);
    }
    ++prog.jobs_done;
    if (on_job_done) on_job_done(static_cast<int>(j), out.results[j]);
  };
  auto work = [&](const Task& task) {
    const auto t = std::chrono::steady_clock::now();
    if (task.flat >= 0) {
      std::shared_ptr<const FlatSolve> from;
      if (flat_start[task.flat] >= 0) {
        std::unique_lock<std::mutex> lock(mu);
        const int g = flat_start[task.flat];
        published_cv.wait(lock, [&] { return flat_done[g] || failed; });
        if (failed) return;
        from = flat_solved[g];
        if (--flat_starts_left[g] == 0) flat_solved[g].reset();
      }
      auto f = std::make_shared<FlatSolve>(solve_flat(jobs[flat_first_job[task.flat]].scenario, from.get()));
      from.reset();
      std::lock_guard<std::mutex> lock(mu);
      out.flats[task.flat] = f->reference;
      if (flat_starts_left[task.flat] > 0) flat_solved[task.flat] = std::move(f);
      flat_done[task.flat] = 1;
      published_cv.notify_all();
      for (size_t j = 0; j < jobs.size(); ++j)
        if (out.job_flat[j] == task.flat && --remaining[j] == 0) finish_job(j);
      prog.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (progress) progress(prog);
      return;
    }
    const RollJob& job = jobs[task.job];
    std::vector<RollResult> res;
    std::call_once(built[task.job], [&] { models[task.job] = build_posed_model(job.scenario); });
    RollSession ses(models[task.job], nullptr);
    ses.set_direct_solves(job.scenario.direct_solves);
    for (size_t a = task.first; a < task.last; ++a) {
      const RollPosition& p = job.positions[a];
      bool cold = a == task.first || !job.scenario.warm_start;
      if (p.from_job >= 0 && job.scenario.warm_start) {
        std::unique_lock<std::mutex> lock(mu);
        const std::pair<size_t, size_t> key{static_cast<size_t>(p.from_job), p.from_position};
        const Published& from = published.at(key);
        published_cv.wait(lock, [&] { return from.done || failed; });
        if (failed) return;
        cold = !from.start;
        if (!cold) ses.start_from(*from.start);
      }
      res.push_back(p.level > 0 ? ses.solve_at(p.level, cold) : ses.solve_at_s(p.s_m, cold));
      if (on_position) on_position(static_cast<int>(task.job), a, ses, res.back());
      const auto it = published.find({task.job, a});
      if (it != published.end()) {
        std::optional<RollStart> start;
        if (res.back().usable()) start = ses.snapshot();
        std::lock_guard<std::mutex> lock(mu);
        it->second.start = std::move(start);
        it->second.done = true;
        published_cv.notify_all();
      }
    }
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
    std::lock_guard<std::mutex> lock(mu);
    for (size_t a = task.first; a < task.last; ++a) out.results[task.job][a] = std::move(res[a - task.first]);
    out.job_seconds[task.job] += sec;
    prog.positions_done += task.last - task.first;
    if (--runs_left[task.job] == 0) models[task.job].reset();  // a job a position: one model each
    if (--remaining[task.job] == 0) finish_job(task.job);
    prog.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (progress) progress(prog);
  };
  // An exception (a bug, or a bad model the checks let through) stops the batch and is rethrown.
  run_pool(tasks.size(), out.threads, [&](size_t k) { work(tasks[k]); }, [&] {
    std::lock_guard<std::mutex> lock(mu);
    failed = true;
    published_cv.notify_all();  // no state a waiting task needs will come
  });
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace

BatchResult run_batch(const std::vector<RollJob>& jobs, int threads, const BatchProgressFn& progress,
                      const std::function<void(int, const std::vector<RollResult>&)>& on_job_done,
                      const PositionFn& on_position) {
  if (std::none_of(jobs.begin(), jobs.end(), [](const RollJob& j) { return patch_follows_roller(j.scenario); }))
    return run_fixed_batch(jobs, threads, progress, on_job_done, on_position);
  // A job whose patch follows the roller becomes a job per position, the patch centred on it (a
  // mesh of its own: solved from rest, with its own flat-lying reference); the results are
  // gathered back into the job's order.
  std::vector<RollJob> parts;
  std::vector<std::pair<size_t, size_t>> origin;     // per part: (job, its first position)
  std::vector<std::vector<size_t>> part_of(jobs.size());  // per job and position: its part
  for (size_t j = 0; j < jobs.size(); ++j) {
    const RollJob& job = jobs[j];
    const bool moving = patch_follows_roller(job.scenario);
    for (size_t k = 0; k < job.positions.size(); ++k) {
      if (moving || k == 0) {
        RollJob part = job;
        part.positions.clear();
        if (moving) {
          const RollPosition& p = job.positions[k];
          if (p.level <= 0)
            throw ConfigError(fmt::format("{}: mesh.patch_at = \"roller\" centres the patch on a level, and position {} is "
                                          "not at one", job.scenario.source, p.label()));
          part.scenario = with_patch_at(job.scenario, p.level);
          part.flat_key += " patch at " + level_name(p.level);
          if (part.flat_start_key) *part.flat_start_key += " patch at " + level_name(p.level);
        }
        parts.push_back(std::move(part));
        origin.push_back({j, k});
      }
      RollPosition p = job.positions[k];
      if (p.from_job >= 0) {
        check_start(jobs, j, p);
        const size_t from = part_of[p.from_job][p.from_position];
        p.from_position -= origin[from].second;
        p.from_job = static_cast<int>(from);
      }
      parts.back().positions.push_back(p);
      part_of[j].push_back(parts.size() - 1);
    }
  }
  BatchResult out;  // each part's finished results land in their job's places as they come
  out.results.resize(jobs.size());
  for (size_t j = 0; j < jobs.size(); ++j) out.results[j].resize(jobs[j].positions.size());
  std::vector<size_t> parts_left(jobs.size(), 0);
  for (const auto& o : origin) ++parts_left[o.first];
  size_t jobs_done = 0;
  auto part_done = [&](int part, const std::vector<RollResult>& res) {  // one call at a time
    const auto [j, first] = origin[part];
    std::copy(res.begin(), res.end(), out.results[j].begin() + first);
    if (--parts_left[j] > 0) return;
    ++jobs_done;
    if (on_job_done) on_job_done(static_cast<int>(j), out.results[j]);
  };
  BatchProgressFn own_progress;
  if (progress)
    own_progress = [&](const BatchProgress& p) {
      BatchProgress q = p;
      q.jobs_done = jobs_done, q.jobs_total = jobs.size();
      progress(q);
    };
  PositionFn own_position;
  if (on_position)
    own_position = [&](int part, size_t a, const RollSession& ses, const RollResult& r) {
      on_position(static_cast<int>(origin[part].first), origin[part].second + a, ses, r);
    };
  BatchResult b = run_fixed_batch(parts, threads, own_progress, part_done, own_position);
  for (size_t j = 0; j < jobs.size(); ++j)  // a job without positions has no part
    if (jobs[j].positions.empty() && on_job_done) on_job_done(static_cast<int>(j), {});
  out.threads = b.threads;
  out.seconds = b.seconds;
  out.flats = std::move(b.flats);
  out.job_seconds.assign(jobs.size(), 0.0);
  out.job_flat.assign(jobs.size(), -1);
  for (size_t part = 0; part < parts.size(); ++part) {
    const size_t j = origin[part].first;
    out.job_seconds[j] += b.job_seconds[part];
    if (out.job_flat[j] < 0) out.job_flat[j] = b.job_flat[part];
  }
  return out;
}

void run_pool(size_t n, int threads, const std::function<void(size_t)>& task, const std::function<void()>& on_failure) {
  std::mutex mu;
  size_t next = 0;
  std::exception_ptr failure;
  auto take = [&] {
    while (true) {
      size_t k;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (next >= n || failure) return;
        k = next++;
      }
      try {
        task(k);
      } catch (...) {
        bool first = false;
        {
          std::lock_guard<std::mutex> lock(mu);
          first = !failure;
          if (first) failure = std::current_exception();
        }
        if (first && on_failure) on_failure();
      }
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 0; t < std::min(n, static_cast<size_t>(std::max(1, threads))); ++t) pool.emplace_back(take);
  for (std::thread& th : pool) th.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace backroll
