#include "run/fingerprint.h"

#include <fstream>
#include <sstream>
#include <toml++/toml.h>

#include "io/catalog.h"
#include "io/toml_reader.h"

namespace backroll {

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void add_file_chain(Fnv& f, const std::string& path, int depth) {
  f.add(portable_path(path));
  const std::string bytes = read_bytes(path);
  f.add(bytes);
  if (depth > 8) return;
  try {
    const toml::table t = toml::parse(bytes, path);
    if (auto b = t["base"].value<std::string>()) add_file_chain(f, resolve_relative(path, *b), depth + 1);
  } catch (const toml::parse_error&) {
    // a bad file was already reported by load_scenario
  }
}

}  // namespace backroll
