#include "fem/linear_solver.h"

#include <dlfcn.h>
#include <omp.h>

#include "fem/quasi_static.h"

namespace backroll {
namespace {

// Every CHOLMOD call (ordering, factorisation, solve) takes one process-wide lock: solves on
// several threads are then bit-identical to one thread's. Measured: with the serial OpenBLAS,
// two rollers solved in parallel gave results that changed from run to run (Newton iteration
// counts and the 6th digit). The threaded OpenBLAS told to use one thread a call used to be let
// through unlocked, and was deterministic on the main job's mesh of 6,948 dofs; on the mesh of
// 13,464 dofs (since the abdomen and its rows) two rollers solved at once gave results that
// differed from one thread's in the 6th digit, under load from run to run, even with
// OPENBLAS_NUM_THREADS=1 set before start. Locked, they are bit-identical (the main job on 2
// threads: 39 s unlocked, 70 s locked; the rest of each Newton step still runs in parallel).
//
// Debian's CHOLMOD is built with OpenMP and a fixed team of 4 threads (CHOLMOD_OMP_NUM_THREADS,
// compiled in, so OMP_NUM_THREADS does not reach it) for its supernodal scatter loops. backroll
// parallelises across cases itself, and on 2 cores those teams' fork/join barriers cost more than
// their loops: measured on the standard roller along T2-L5 on one thread, 20.2 s with the teams,
// 13.8 s without (bit-identical results); a team of 2 took 14.1 s and more CPU. So each thread's
// first use of the lock also makes the OpenMP regions it starts run on itself alone (libgomp keeps
// max-active-levels per thread).
// The BLAS that is loaded, as it names itself; a threaded OpenBLAS is told to run each call on
// its caller (its own threads would make the rounding depend on the machine's core count).
std::string blas_setup() {
  using ConfigFn = char* (*)();
  using ThreadsFn = void (*)(int);
  const auto config = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
  const auto threads = reinterpret_cast<ThreadsFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (threads) threads(1);
  return config ? config() : "not OpenBLAS";
}
const std::string& blas_config() {
  static const std::string config = blas_setup();
  return config;
}

}  // namespace

std::string linear_solver_info() {
  return "CHOLMOD supernodal Cholesky; BLAS: " + blas_config() + " (one thread a call, one solve at a time: bit-identical results)";
}

CholmodLock::CholmodLock() : lock_(mutex()) {
  thread_local const bool serial = (omp_set_max_active_levels(0), true);
  (void)serial;
  (void)blas_config();
}

std::mutex& CholmodLock::mutex() {
  static std::mutex m;
  return m;
}

}  // namespace backroll
