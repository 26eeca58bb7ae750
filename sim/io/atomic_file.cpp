#include "io/atomic_file.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

#include "io/toml_reader.h"

namespace backroll {

void write_file_atomic(const std::string& path, const std::string& text) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(path + ": cannot write (folder missing or not writable)");
    out << text;
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      throw std::runtime_error(path + ": write failed (disk full?)");
    }
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw std::runtime_error(path + ": cannot rename the finished file into place: " + ec.message());
  }
}

void ensure_output_dir(const std::string& dir, const std::string& what) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw ConfigError(what + ": cannot create the folder " + dir + ": " + ec.message());
  const std::string probe = (fs::path(dir) / (".backroll_write_test." + std::to_string(::getpid()))).string();
  {
    std::ofstream out(probe, std::ios::binary | std::ios::trunc);
    if (!out) throw ConfigError(what + ": cannot write in the folder " + dir + " (not writable)");
  }
  std::remove(probe.c_str());
}

}  // namespace backroll
