#include "io/catalog.h"

#include <algorithm>
#include <filesystem>

#include "io/toml_reader.h"

namespace fs = std::filesystem;

namespace backroll {

std::string data_name(const std::string& file) { return std::filesystem::path(file).stem().string(); }

std::vector<std::string> catalog(const std::string& folder) {
  std::vector<std::string> names;
  const fs::path dir = fs::path(BACKROLL_ASSET_DIR) / folder;
  if (!fs::is_directory(dir)) return names;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".toml") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string portable_path(const std::string& path) {
  const fs::path root = fs::path(BACKROLL_ASSET_DIR).lexically_normal().parent_path();
  const fs::path p = fs::path(path).lexically_normal();
  if (!p.is_absolute()) return p.string();
  const fs::path rel = p.lexically_relative(root);
  return !rel.empty() && *rel.begin() != ".." ? rel.string() : p.string();
}

std::string catalog_file(const std::string& folder, const std::string& name_or_file, const std::string& relative_to,
                         const std::string& where, const std::string& key) {
  std::string allowed;
  for (const std::string& n : catalog(folder)) allowed += (allowed.empty() ? "" : ", ") + n;
  const std::string& s = name_or_file;
  const bool file = s.size() > 5 && s.substr(s.size() - 5) == ".toml";
  const std::string path = !file                 ? std::string(BACKROLL_ASSET_DIR) + "/" + folder + "/" + s + ".toml"
                           : relative_to.empty() ? s
                                                 : resolve_relative(relative_to, s);
  if (!fs::is_regular_file(path))
    throw ConfigError(where + ": " + key + " = \"" + s + "\": " + (file ? "no such file " + path : "not in the catalog") +
                      ": allowed " + allowed + " or a .toml file");
  return path;
}

}  // namespace backroll
