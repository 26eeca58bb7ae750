#include "fem/linear_solver.h"

#include <dlfcn.h>
#include <omp.h>

#include "fem/quasi_static.h"

namespace backroll {
namespace {

// Two rules keep CHOLMOD's results bit-identical on any number of threads.
//
// The ordering (symbolic analysis) always takes a process-wide lock. Measured: on the main job's
// mesh of 6,948 dofs nothing showed; on the 12,378 dofs the abdomen brought, two rollers solved at
// once differed from one thread's results in the 6th digit, under load from run to run, until the
// ordering was locked (the likely mechanism: when AMD's fill is poor CHOLMOD orders with METIS,
// whose random numbers come from one state shared by the process, so two orderings at once can
// get different permutations and so different roundings) (the flat reference solved on three threads under load: three different
// results unlocked, bit-identical with the ordering locked; the main job on 2 threads under load:
// the same compare.csv as on one thread, three runs out of three).
//
// Factorisations and solves take the lock too unless the loaded BLAS is a threaded OpenBLAS (set
// here to one thread a call, so each call runs on its caller and the rounding does not depend on
// the machine's core count). With the serial OpenBLAS, two rollers factorised at once gave
// results that changed from run to run (Newton iteration counts and the 6th digit).
//
// Debian's CHOLMOD is built with OpenMP and a fixed team of 4 threads (CHOLMOD_OMP_NUM_THREADS,
// compiled in, so OMP_NUM_THREADS does not reach it) for its supernodal scatter loops. backroll
// parallelises across cases itself, and on 2 cores those teams' fork/join barriers cost more than
// their loops: measured on the standard roller along T2-L5 on one thread, 20.2 s with the teams,
// 13.8 s without (bit-identical results); a team of 2 took 14.1 s and more CPU. So each thread's
// first use of the lock also makes the OpenMP regions it starts run on itself alone.
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
         (b.thread_safe ? " (threaded build, one thread a call: factorisations run in parallel, orderings one at a time)"
                        : " (not known thread-safe: one CHOLMOD call at a time)");
}

CholmodLock::CholmodLock(bool ordering) : lock_(mutex(), std::defer_lock) {
  thread_local const bool serial = (omp_set_max_active_levels(0), true);
  (void)serial;
  if (ordering || !blas_info().thread_safe) lock_.lock();
}

std::mutex& CholmodLock::mutex() {
  static std::mutex m;
  return m;
}

}  // namespace backroll
