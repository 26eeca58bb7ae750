// Strict reading of backroll's data files (TOML): every value is checked against its allowed
// range as it is read, and finish() rejects keys nobody read (a typo is an error, not a default).
// Messages name the file, the line, the key, the bad value and what is allowed.
//
// A file may start from another: `base = "default.toml"` (relative to the file) loads that file
// first and lays this one over it, table by table, so a variant states only what differs.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace toml {
inline namespace v3 {
class table;
class node;
}  // namespace v3
}  // namespace toml

namespace backroll {

// A bad data or config file: the message names the file, the key, the value and the allowed range.
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A scalar value as a data file holds it.
using ConfigValue = std::variant<double, int64_t, bool, std::string>;
std::string to_string(const ConfigValue& v);  // as TOML would write it ("peanut" quoted)

// A value laid over a data file's key (a sweep's axis): it replaces or adds the key, and messages
// about it name `origin` (the sweep file and line) instead of the data file. A key the data file
// does not know is an unknown key, reported at `origin`.
struct ConfigOverride {
  // Dotted, as in the data file: "foam.youngs_modulus_Pa"; a table of an array of tables by its
  // index from 0: "region.layer[1].thickness_m".
  std::string key;
  ConfigValue value;
  std::string origin;  // "experiments/x.toml:12"
  // Replace the file's value, or change the number(s) it holds (a number, or every number of an
  // array) by `value` (a number): multiply ("the kidney 60 % as stiff"), add ("3 mm more fat at
  // every level").
  enum class Op { replace, scale, add };
  Op op = Op::replace;
};

// The overrides whose key starts with `prefix`, taken out of `from` in order (the prefix cut off
// when `strip`): how a scenario's or an exercise's overrides are routed to its roller and body files.
std::vector<ConfigOverride> take_overrides(std::vector<ConfigOverride>& from, const std::string& prefix, bool strip);

// What a reader checked of one key: the file-format tables (`backroll formats`, the README) are
// generated from these records of the checks themselves, so they cannot drift from them.
struct KeyCheck {
  std::string file;     // the file read (the top of its `base` chain)
  std::string key;      // dotted; an element of an array of tables as "axis[].key"
  std::string kind;     // number, integer, numbers, text, boolean, texts, values, tables
  std::string allowed;  // "[0, 0.25]", "behind_head, on_chest", "any", ...
  std::string value;    // as read
};
// While one lives, every TomlReader on this thread records the keys it checks into it.
class KeyCheckLog {
 public:
  KeyCheckLog();
  ~KeyCheckLog();
  KeyCheckLog(const KeyCheckLog&) = delete;
  KeyCheckLog& operator=(const KeyCheckLog&) = delete;
  const std::vector<KeyCheck>& checks() const { return checks_; }
  static void record(KeyCheck c);  // no-op when no log lives on this thread

 private:
  std::vector<KeyCheck> checks_;
  KeyCheckLog* outer_;
};

class TomlReader {
 public:
  // Parses `path` (and its `base` chain), then lays `overrides` over it. Throws ConfigError on a
  // missing file, bad syntax, or an override that would replace a table.
  explicit TomlReader(const std::string& path, const std::vector<ConfigOverride>& overrides = {});
  ~TomlReader();
  TomlReader(const TomlReader&) = delete;
  TomlReader& operator=(const TomlReader&) = delete;

  const std::string& path() const { return path_; }
  bool has(const std::string& key) const;
  // A number in [lo, hi].
  double number(const std::string& key, double lo, double hi);
  // An integer in [lo, hi].
  int integer(const std::string& key, int lo, int hi);
  // Exactly n numbers, each in [lo, hi] (n = 0: any count from 1).
  std::vector<double> numbers(const std::string& key, size_t n, double lo, double hi);
  // A string from `allowed` (empty: any string).
  std::string text(const std::string& key, const std::vector<std::string>& allowed = {});
  bool boolean(const std::string& key);
  // A vertebral level by name ("T7"), its index (level_index) in [lo, hi].
  int level(const std::string& key, int lo, int hi);
  std::vector<std::string> texts(const std::string& key, size_t n = 0);
  // Scalars (numbers, strings, booleans) of an array, at least one.
  std::vector<ConfigValue> scalars(const std::string& key);
  // How many tables an array of tables holds (0 if the key is absent); element i is "key[i]".
  size_t table_count(const std::string& key);
  // Throws ConfigError naming the first key that was never read.
  void finish() const;
  // "file:line" of a key, for messages about values checked later (cross-key rules).
  std::string where(const std::string& key) const;
  // The data file that set a key: this file or one of its `base` chain, so that a path it holds
  // is read relative to the file that wrote it; empty for a value laid over the file (an
  // override carries its own resolved path).
  std::string source_file(const std::string& key) const;

 private:
  const toml::node& node(const std::string& key);
  void log(const std::string& key, const char* kind, const std::string& allowed, const std::string& value) const;
  std::string path_;
  std::map<std::string, std::string> where_;  // dotted key -> "file:line" (base files merged)
  std::unique_ptr<toml::table> root_;         // after where_: parsing fills where_
  std::set<std::string> read_;
  std::set<std::string> overridden_;
};

// A path named in data file `file`: relative to that file's folder unless absolute, normalised.
std::string resolve_relative(const std::string& file, const std::string& rel);

// Vertebral level names used in data files: C7, T1..T12, L1..L5, S1, S2 -> 0..19.
int level_index(const std::string& name);  // -1 if unknown
std::string level_name(int index);

}  // namespace backroll
