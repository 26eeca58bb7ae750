#include <cstdlib>
#include "io/toml_reader.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fmt/core.h>
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
    if (const toml::array* arr = v.as_array())
      if (arr->is_array_of_tables())
        for (size_t i = 0; i < arr->size(); ++i)
          record_sources(*arr->get(i)->as_table(), key + "[" + std::to_string(i) + "].", path, where);
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
  const std::string base_path = resolve_relative(path, *base_name);
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
    else if (v.is_array() && v.as_array()->is_array_of_tables() && !v.as_array()->empty())
      for (size_t i = 0; i < v.as_array()->size(); ++i)
        leaf_keys(*v.as_array()->get(i)->as_table(), key + "[" + std::to_string(i) + "].", out);
    else
      out.push_back(key);
  }
}


void apply_override(toml::table& root, const ConfigOverride& o, const std::string& path) {
  toml::table* t = &root;
  std::string key = o.key, walked;  // walked: the tables passed, "region."
  for (size_t dot; (dot = key.find('.')) != std::string::npos; walked += key.substr(0, dot + 1), key = key.substr(dot + 1)) {
    const std::string part = key.substr(0, dot);
    toml::node* n = nullptr;
    if (const size_t open = part.find('['); open != std::string::npos) {  // "layer[1]": a table of an array of tables
      const std::string name = part.substr(0, open);
      char* end = nullptr;
      const long i = std::strtol(part.c_str() + open + 1, &end, 10);
      toml::array* a = t->get_as<toml::array>(name);
      if (!end || std::string(end) != "]" || end == part.c_str() + open + 1)
        throw ConfigError(o.origin + ": " + o.key + ": '" + part + "': allowed name[index], the index a whole number");
      if (!a || i < 0 || static_cast<size_t>(i) >= a->size() || !a->get(static_cast<size_t>(i))->is_table())
        throw ConfigError(o.origin + ": " + o.key + ": " + path + " holds no table " + part +
                          (a ? fmt::format(" (it holds {} tables [[{}{}]]: index 0..{})", a->size(), walked, name, static_cast<long>(a->size()) - 1) : ""));
      n = a->get(static_cast<size_t>(i));
    } else {
      n = t->get(part);
      if (!n) n = &t->insert_or_assign(part, toml::table{}).first->second;
    }
    if (!n->is_table())
      throw ConfigError(o.origin + ": " + o.key + ": '" + part + "' is a value in " + path + ", not a table");
    t = n->as_table();
  }
  if (const toml::node* n = t->get(key); n && n->is_table())
    throw ConfigError(o.origin + ": " + o.key + " is a table in " + path + ": name one of its keys");
  if (o.op == ConfigOverride::Op::replace) {
    std::visit([&](const auto& v) { t->insert_or_assign(key, v); }, o.value);
    return;
  }
  // A factor or a term on the numbers the file holds there (integers become floating point).
  const bool times = o.op == ConfigOverride::Op::scale;
  const double* f = std::get_if<double>(&o.value);
  auto changed = [&](double x) { return times ? x * *f : x + *f; };
  const toml::node* n = t->get(key);
  bool ok = f && n && (n->is_number() || n->is_array());
  if (ok && n->is_number()) {
    t->insert_or_assign(key, changed(*n->value<double>()));
    return;
  }
  toml::array out;
  if (ok)
    for (const toml::node& x : *n->as_array()) {
      ok = ok && x.is_number();
      if (ok) out.push_back(changed(*x.value<double>()));
    }
  if (!ok)
    throw ConfigError(o.origin + ": " + o.key + (times ? " x " : " + ") + to_string(o.value) + ": " +
                      (times ? "a factor" : "a term") + " applies to a number or an array of numbers that " + path + " holds");
  t->insert_or_assign(key, std::move(out));
}

}  // namespace

std::vector<ConfigOverride> take_overrides(std::vector<ConfigOverride>& from, const std::string& prefix, bool strip) {
  std::vector<ConfigOverride> taken, rest;
  for (ConfigOverride& o : from) {
    if (o.key.rfind(prefix, 0) != 0) {
      rest.push_back(std::move(o));
      continue;
    }
    if (strip) o.key = o.key.substr(prefix.size());
    taken.push_back(std::move(o));
  }
  from = std::move(rest);
  return taken;
}

std::string to_string(const ConfigValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return "\"" + *s + "\"";
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  return fmt_num(std::get<double>(v));
}

TomlReader::TomlReader(const std::string& path, const std::vector<ConfigOverride>& overrides)
    : path_(path), root_(std::make_unique<toml::table>(parse_file(path, 0, where_))) {
  for (const ConfigOverride& o : overrides) {
    apply_override(*root_, o, path);
    where_[o.key] = o.origin;
    overridden_.insert(o.key);
  }
}

TomlReader::~TomlReader() = default;

namespace {
thread_local KeyCheckLog* current_log = nullptr;

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& e : v) s += (s.empty() ? "" : ", ") + e;
  return s;
}
}  // namespace

KeyCheckLog::KeyCheckLog() : outer_(current_log) { current_log = this; }
KeyCheckLog::~KeyCheckLog() { current_log = outer_; }
void KeyCheckLog::record(KeyCheck c) {
  if (current_log) current_log->checks_.push_back(std::move(c));
}

void TomlReader::log(const std::string& key, const char* kind, const std::string& allowed,
                     const std::string& value) const {
  if (!current_log) return;
  std::string k;  // "axis[3].key" -> "axis[].key"
  for (size_t i = 0; i < key.size(); ++i) {
    k += key[i];
    if (key[i] == '[')
      while (i + 1 < key.size() && key[i + 1] != ']') ++i;
  }
  KeyCheckLog::record({path_, k, kind, allowed, value});
}

bool TomlReader::has(const std::string& key) const {
  return static_cast<bool>(root_->at_path(key));
}

std::string TomlReader::where(const std::string& key) const {
  const auto it = where_.find(key);
  return it != where_.end() ? it->second : path_;
}

std::string TomlReader::source_file(const std::string& key) const {
  if (overridden_.count(key)) return "";
  const std::string w = where(key);
  const size_t colon = w.rfind(':');
  const bool line = colon != std::string::npos && colon + 1 < w.size() &&
                    w.find_first_not_of("0123456789", colon + 1) == std::string::npos;
  return line ? w.substr(0, colon) : w;
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
  log(key, "number", "[" + fmt_num(lo) + ", " + fmt_num(hi) + "]", fmt_num(*v));
  return *v;
}

int TomlReader::integer(const std::string& key, int lo, int hi) {
  const toml::node& n = node(key);
  auto v = n.value_exact<int64_t>();
  if (!v) throw ConfigError(where(key) + ": key '" + key + "' must be an integer");
  if (*v < lo || *v > hi)
    throw ConfigError(where(key) + ": " + key + " = " + std::to_string(*v) + " is out of range: allowed [" +
                      std::to_string(lo) + ", " + std::to_string(hi) + "]");
  log(key, "integer", "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]", std::to_string(*v));
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
  std::string shown;
  for (double v : out) shown += (shown.empty() ? "" : ", ") + fmt_num(v);
  log(key, "numbers", (count ? std::to_string(count) + " in [" : "each in [") + fmt_num(lo) + ", " + fmt_num(hi) + "]",
      "[" + shown + "]");
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
  log(key, "text", allowed.empty() ? "any" : join(allowed), "\"" + *v + "\"");
  return *v;
}

bool TomlReader::boolean(const std::string& key) {
  auto v = node(key).value<bool>();
  if (!v) throw ConfigError(where(key) + ": key '" + key + "' must be true or false");
  log(key, "boolean", "true, false", *v ? "true" : "false");
  return *v;
}

int TomlReader::level(const std::string& key, int lo, int hi) {
  const toml::node& n = node(key);
  auto v = n.value<std::string>();
  if (!v) throw ConfigError(where(key) + ": key '" + key + "' must be a level name (\"T7\")");
  std::string allowed = level_name(lo) + ".." + level_name(hi);
  if (lo <= 12 && hi >= 13) allowed += " (" + level_name(lo) + "..T12, L1.." + level_name(hi) + ")";
  const int i = level_index(*v);
  if (i < lo || i > hi) throw ConfigError(where(key) + ": " + key + " = \"" + *v + "\": allowed " + allowed);
  log(key, "level", allowed, "\"" + *v + "\"");
  return i;
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
  std::string shown;
  for (const auto& s : out) shown += (shown.empty() ? "\"" : ", \"") + s + "\"";
  log(key, "texts", count ? std::to_string(count) + " strings" : "strings", "[" + shown + "]");
  return out;
}

std::vector<ConfigValue> TomlReader::scalars(const std::string& key) {
  const toml::node& n = node(key);
  const toml::array* arr = n.as_array();
  if (!arr || arr->empty()) throw ConfigError(where(key) + ": key '" + key + "' must be a non-empty array of values");
  std::vector<ConfigValue> out;
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::node& e = *arr->get(i);
    if (auto s = e.value_exact<std::string>()) out.emplace_back(*s);
    else if (auto b = e.value_exact<bool>()) out.emplace_back(*b);
    else if (auto k = e.value_exact<int64_t>()) out.emplace_back(*k);
    else if (auto d = e.value_exact<double>()) out.emplace_back(*d);
    else throw ConfigError(where(key) + ": " + key + "[" + std::to_string(i) + "] must be a number, string or boolean");
  }
  std::string shown;
  for (const auto& v : out) shown += (shown.empty() ? "" : ", ") + to_string(v);
  log(key, "values", "numbers, strings or booleans", "[" + shown + "]");
  return out;
}

size_t TomlReader::table_count(const std::string& key) {
  if (!has(key)) return 0;
  const toml::array* arr = node(key).as_array();
  if (!arr || !arr->is_array_of_tables())
    throw ConfigError(where(key) + ": key '" + key + "' must be an array of tables ([[" + key + "]])");
  log(key, "tables", "[[" + key + "]] tables", std::to_string(arr->size()) + " tables");
  return arr->size();
}

void TomlReader::finish() const {
  std::vector<std::string> keys;
  leaf_keys(*root_, "", keys);
  for (const std::string& k : keys)
    if (!read_.count(k)) throw ConfigError(where(k) + ": unknown key '" + k + "'");
}

std::string resolve_relative(const std::string& file, const std::string& rel) {
  return (std::filesystem::path(file).parent_path() / rel).lexically_normal().string();
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
