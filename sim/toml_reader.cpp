#include "toml_reader.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <utility>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

namespace backroll {

namespace {

std::string fmt_num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

void record_sources(const toml::table& t, const std::string& prefix, const std::string& path,
                    std::map<std::string, std::string>& where) {
  for (const auto& [k, v] : t) {
    const std::string key = prefix + std::string(k.str());
    std::ostringstream os;
    os << path;
    if (v.source().begin) os << ":" << v.source().begin.line;
    where[key] = os.str();
    if (const toml::table* sub = v.as_table()) record_sources(*sub, key + ".", path, where);
  }
}

toml::table parse_file(const std::string& path, int depth, std::map<std::string, std::string>& where) {
  if (depth > 8) throw ConfigError(path + ": `base` chain deeper than 8 files (a loop?)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open the file (does not exist or unreadable)");
  std::stringstream ss;
  ss << in.rdbuf();
  toml::table t;
  try {
    t = toml::parse(ss.str(), path);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << path << ":" << e.source().begin.line << ": TOML syntax error: " << e.description();
    throw ConfigError(os.str());
  }
  const toml::node* b = t.get("base");
  if (!b) {
    record_sources(t, "", path, where);
    return t;
  }
  auto base_name = b->value<std::string>();
  if (!base_name) throw ConfigError(path + ": key 'base' must be a file name (string)");
  const std::string base_path =
      (std::filesystem::path(path).parent_path() / *base_name).lexically_normal().string();
  toml::table merged = parse_file(base_path, depth + 1, where);
  t.erase("base");
  record_sources(t, "", path, where);  // this file's keys win
  // Lay t over merged, table by table.
  std::function<void(toml::table&, const toml::table&)> overlay = [&](toml::table& dst, const toml::table& src) {
    for (const auto& [k, v] : src) {
      toml::node* d = dst.get(k);
      if (d && d->is_table() && v.is_table())
        overlay(*d->as_table(), *v.as_table());
      else
        dst.insert_or_assign(k, v);
    }
  };
  overlay(merged, t);
  return merged;
}

void leaf_keys(const toml::table& t, const std::string& prefix, std::vector<std::string>& out) {
  for (const auto& [k, v] : t) {
    const std::string key = prefix + std::string(k.str());
    if (const toml::table* sub = v.as_table())
      leaf_keys(*sub, key + ".", out);
    else
      out.push_back(key);
  }
}


}  // namespace

TomlReader::TomlReader(const std::string& path)
    : path_(path), root_(std::make_unique<toml::table>(parse_file(path, 0, where_))) {}

TomlReader::~TomlReader() = default;

bool TomlReader::has(const std::string& key) const {
  return static_cast<bool>(root_->at_path(key));
}

std::string TomlReader::where(const std::string& key) const {
  const auto it = where_.find(key);
  return it != where_.end() ? it->second : path_;
}

const toml::node& TomlReader::node(const std::string& key) {
  toml::node_view<toml::node> v = root_->at_path(key);
  if (!v) throw ConfigError(path_ + ": missing key '" + key + "'");
  read_.insert(key);
  return *v.node();
}

double TomlReader::number(const std::string& key, double lo, double hi) {
  const toml::node& n = node(key);
  auto v = n.value<double>();
  if (!v || n.is_boolean()) throw ConfigError(where(key) + ": key '" + key + "' must be a number");
  if (!(*v >= lo && *v <= hi))
    throw ConfigError(where(key) + ": " + key + " = " + fmt_num(*v) + " is out of range: allowed [" +
                      fmt_num(lo) + ", " + fmt_num(hi) + "]");
  return *v;
}

int TomlReader::integer(const std::string& key, int lo, int hi) {
  const toml::node& n = node(key);
  auto v = n.value_exact<int64_t>();
  if (!v) throw ConfigError(where(key) + ": key '" + key + "' must be an integer");
  if (*v < lo || *v > hi)
    throw ConfigError(where(key) + ": " + key + " = " + std::to_string(*v) + " is out of range: allowed [" +
                      std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<int>(*v);
}

std::vector<double> TomlReader::numbers(const std::string& key, size_t count, double lo, double hi) {
  const toml::node& n = node(key);
  const toml::array* arr = n.as_array();
  if (!arr) throw ConfigError(where(key) + ": key '" + key + "' must be an array of numbers");
  if ((count && arr->size() != count) || arr->empty())
    throw ConfigError(where(key) + ": " + key + " has " + std::to_string(arr->size()) + " values: expected " +
                      (count ? std::to_string(count) : std::string("at least 1")));
  std::vector<double> out;
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::node& e = *arr->get(i);
    auto v = e.value<double>();
    if (!v || e.is_boolean())
      throw ConfigError(where(key) + ": " + key + "[" + std::to_string(i) + "] must be a number");
    if (!(*v >= lo && *v <= hi))
      throw ConfigError(where(key) + ": " + key + "[" + std::to_string(i) + "] = " + fmt_num(*v) +
                        " is out of range: allowed [" + fmt_num(lo) + ", " + fmt_num(hi) + "]");
    out.push_back(*v);
  }
  return out;
}

std::string TomlReader::text(const std::string& key, const std::vector<std::string>& allowed) {
  const toml::node& n = node(key);
  auto v = n.value<std::string>();
  if (!v) throw ConfigError(where(key) + ": key '" + key + "' must be a string");
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), *v) == allowed.end()) {
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    throw ConfigError(where(key) + ": " + key + " = \"" + *v + "\" is not allowed: allowed " + list);
  }
  return *v;
}

bool TomlReader::boolean(const std::string& key) {
  auto v = node(key).value<bool>();
  if (!v) throw ConfigError(where(key) + ": key '" + key + "' must be true or false");
  return *v;
}

std::vector<std::string> TomlReader::texts(const std::string& key, size_t count) {
  const toml::node& n = node(key);
  const toml::array* arr = n.as_array();
  if (!arr) throw ConfigError(where(key) + ": key '" + key + "' must be an array of strings");
  if (count && arr->size() != count)
    throw ConfigError(where(key) + ": " + key + " has " + std::to_string(arr->size()) + " values: expected " +
                      std::to_string(count));
  std::vector<std::string> out;
  for (const auto& e : *arr) {
    auto v = e.value<std::string>();
    if (!v) throw ConfigError(where(key) + ": " + key + " must hold strings");
    out.push_back(*v);
  }
  return out;
}

void TomlReader::finish() const {
  std::vector<std::string> keys;
  leaf_keys(*root_, "", keys);
  for (const std::string& k : keys)
    if (!read_.count(k)) throw ConfigError(where(k) + ": unknown key '" + k + "'");
}

int level_index(const std::string& name) {
  if (name == "C7") return 0;
  if (name == "S1") return 18;
  if (name == "S2") return 19;
  if (name.size() < 2 || (name[0] != 'T' && name[0] != 'L')) return -1;
  int n = 0;
  for (size_t i = 1; i < name.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(name[i]))) return -1;
    n = n * 10 + (name[i] - '0');
  }
  if (name[0] == 'T') return n >= 1 && n <= 12 ? n : -1;
  return n >= 1 && n <= 5 ? 12 + n : -1;
}

std::string level_name(int i) {
  if (i == 0) return "C7";
  if (i >= 1 && i <= 12) return "T" + std::to_string(i);
  if (i >= 13 && i <= 17) return "L" + std::to_string(i - 12);
  if (i == 18) return "S1";
  if (i == 19) return "S2";
  return "?";
}

}  // namespace backroll
