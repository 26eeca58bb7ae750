// The linear-algebra backend under the Newton solver: CHOLMOD's supernodal Cholesky, and the rule
// that keeps its calls deterministic and safe on several threads (linear_solver.cpp says why).
#pragma once

#include <mutex>
#include <string>

namespace backroll {

// Held around every CHOLMOD call: a process-wide lock for an ordering (symbolic analysis), and
// for a factorisation or solve unless the loaded BLAS is a threaded OpenBLAS (set to one thread
// a call); the thread's OpenMP regions run on itself alone (linear_solver.cpp says why).
class CholmodLock {
 public:
  explicit CholmodLock(bool ordering = false);  // ordering: around analyzePattern

 private:
  static std::mutex& mutex();
  std::unique_lock<std::mutex> lock_;
};

}  // namespace backroll
