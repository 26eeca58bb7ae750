// The measure registry: every number backroll reports per roller position, each one function of a
// solved frame (measure/frame.h) with its key, label, unit and description. The CSV columns, the
// JSON, the sweep plots, the viewer's panels and the README's measures table (`backroll measures`)
// all come from this one list, in its order. Adding a measure is one entry in registry.cpp.
#pragma once

#include <string>
#include <vector>

#include "measure/frame.h"

namespace backroll {

struct Measure {
  std::string key, label, unit;
  double (*get)(const Frame&);
  std::string description;  // what it is and how it is computed, in a sentence or two
};
const std::vector<Measure>& measure_registry();
// Its CSV column: key and unit ("peak_pressure_kPa"; "peak_pressure_mmHg" stays as it is).
std::string column_name(const std::string& key, const std::string& unit);
inline std::string column_name(const Measure& m) { return column_name(m.key, m.unit); }
// The measure with this key; throws std::out_of_range for an unknown key.
const Measure& find_measure(const std::string& key);
// The smallest difference of this measure worth reading as a difference (below it, mesh and
// solver tolerance): by unit, kPa 2 (the kidneys' 0.2), mmHg 15, N 5, % 0.5, deg 0.05, mm 0.1 (a place: 1),
// cm2 1, N m 0.5, a pure number 0.02. Comparisons and plot axes use it.
double noise_floor(const std::string& key, const std::string& unit);
inline double noise_floor(const Measure& m) { return noise_floor(m.key, m.unit); }

}  // namespace backroll
