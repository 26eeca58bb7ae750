// Fingerprints of what a sweep's results depend on (its resume and shard checks): FNV-1a over
// strings and over data files with their `base` chains, the same on every machine and run.
#pragma once

#include <cstdint>
#include <fmt/core.h>
#include <string>

namespace backroll {

// FNV-1a, 64 bits: a fingerprint that is the same on every machine and run.
struct Fnv {
  uint64_t h = 1469598103934665603ull;
  void add(const std::string& s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;  // separator
  }
  std::string hex() const { return fmt::format("{:016x}", h); }
};

// A file's bytes (empty when it cannot be read).
std::string read_bytes(const std::string& path);
// A data file and its `base` chain, bytes and all: what a case's results depend on.
void add_file_chain(Fnv& f, const std::string& path, int depth = 0);

}  // namespace backroll
