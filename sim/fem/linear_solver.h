// The linear-algebra backend under the Newton solver: CHOLMOD's supernodal Cholesky, and the rule
// that keeps its calls deterministic and safe on several threads (linear_solver.cpp says why).
#pragma once

#include <mutex>
#include <string>

namespace backroll {

// Held around every CHOLMOD call (ordering, factorisation, solve): a process-wide lock; the
// thread's OpenMP regions run on itself alone.
class CholmodLock {
 public:
  CholmodLock();

 private:
  static std::mutex& mutex();
  std::unique_lock<std::mutex> lock_;
};

}  // namespace backroll
