// The reference tables of the README, generated from the code so they cannot drift from it:
// every key of every data file, as its reader checks it (read off the shipped files with a
// KeyCheckLog), and the measure registry.
#pragma once

#include <string>

namespace backroll {

// Markdown: one table per file kind (scenario, body, roller, sweep, lesson): key, type, allowed
// values, an example from the shipped files.
std::string file_format_tables();
// Markdown: the measures (key, unit, what it is), in the registry's order.
std::string measure_table();

}  // namespace backroll
