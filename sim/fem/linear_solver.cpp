#include "fem/linear_solver.h"

#include <dlfcn.h>
#include <omp.h>

#include "fem/quasi_static.h"

namespace backroll {
namespace {

// CHOLMOD with the serial OpenBLAS is not safe to call from two threads at once: measured, two
// rollers solved in parallel gave results that changed from run to run (Newton iteration counts
// and the 6th digit), while one thread was bit-identical. The threaded OpenBLAS builds are safe
// to call from several threads; told to use one thread a call, each call runs on its caller,
// as deterministic as the serial build. So every CHOLMOD call (ordering, factorisation, solve)
// takes a process-wide lock unless the BLAS that is loaded says it is a threaded OpenBLAS; any
// other BLAS (reference, BLIS, ...) keeps the lock.
//
// Debian's CHOLMOD is built with OpenMP and a fixed team of 4 threads (CHOLMOD_OMP_NUM_THREADS,
// compiled in, so OMP_NUM_THREADS does not reach it) for its supernodal scatter loops. backroll
// parallelises across cases itself, and on 2 cores those teams' fork/join barriers cost more than
// their loops: measured on the standard roller along T2-L5 on one thread, 20.2 s with the teams,
// 13.8 s without (bit-identical results); a team of 2 took 14.1 s and more CPU. So each thread's
// first use of the lock also makes the OpenMP regions it starts run on itself alone (libgomp keeps
// max-active-levels per thread).
struct BlasInfo {
  bool thread_safe = false;
  std::string config;
};
const BlasInfo& blas_info() {
  static const BlasInfo info = [] {
    BlasInfo b;
    using ConfigFn = char* (*)();
    using ThreadsFn = void (*)(int);
    const auto config = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
    const auto threads = reinterpret_cast<ThreadsFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    b.config = config ? config() : "not OpenBLAS";
    if (config && threads && b.config.find("SINGLE_THREADED") == std::string::npos) {
      threads(1);
      b.thread_safe = true;
    }
    return b;
  }();
  return info;
}

}  // namespace

std::string linear_solver_info() {
  const BlasInfo& b = blas_info();
  return "CHOLMOD supernodal Cholesky; BLAS: " + b.config +
         (b.thread_safe ? " (threaded build, one thread a call: solves run in parallel)"
                        : " (not known thread-safe: one solve at a time)");
}

CholmodLock::CholmodLock() : lock_(mutex(), std::defer_lock) {
  thread_local const bool serial = (omp_set_max_active_levels(0), true);
  (void)serial;
  if (!blas_info().thread_safe) lock_.lock();
}

std::mutex& CholmodLock::mutex() {
  static std::mutex m;
  return m;
}

}  // namespace backroll
