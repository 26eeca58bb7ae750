// The shipped catalogs in assets/: rollers/, bodies/, scenarios/, lessons/. A data file
// names a catalog entry by its stem ("peanut") or gives a .toml file of its own.
#pragma once

#include <string>
#include <vector>

namespace backroll {

// A path as outputs show it: one inside this checkout relative to its root ("assets/rollers/
// standard.toml"), so the same run gives the same files in any clone; any other path as it is.
std::string portable_path(const std::string& path);

// The name a data file goes by: its stem ("assets/rollers/peanut.toml" -> "peanut").
std::string data_name(const std::string& file);

// Stems of the .toml files in assets/<folder>, sorted.
std::vector<std::string> catalog(const std::string& folder);

// `name_or_file`: a catalog name ("standard") -> assets/<folder>/standard.toml, or a path ending
// in .toml, taken relative to the file `relative_to` (an absolute path stays as it is; an empty
// `relative_to` leaves it relative to the working directory). Throws ConfigError naming `where`
// (file:line) and `key` when it is neither, with the catalog's names as the allowed values.
std::string catalog_file(const std::string& folder, const std::string& name_or_file, const std::string& relative_to,
                         const std::string& where, const std::string& key);

}  // namespace backroll
