// The contact validation suite run by `backroll contact`: a mesh-refinement series of a rigid
// roller against Hertz, a load-scaling case, and a compliant-roller (two elastic bodies) case,
// all derived from one base ContactCaseParams. Loadable from TOML (every parameter a key).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "validation/contact_case.h"
#include "io/toml_reader.h"  // ConfigError

namespace backroll {

struct ContactSuite {
  ContactCaseParams base;
  std::vector<double> fine_sizes_m = {0.001, 0.0005, 0.00025};  // refinement series (rigid)
  double force_factor = 2.0;   // scaling case: the load times this (base mesh)
  bool compliant_case = true;  // add the foam-roller case (base mesh)
  bool sphere_cases = true;    // also the 3D ball against Hertz point contact (validation/sphere_case.h)
};

struct SuiteCase {
  std::string name;
  ContactCaseParams params;
};
// The cases of the suite, in the order they are reported.
std::vector<SuiteCase> suite_cases(const ContactSuite& s);

// Reads a TOML file over the defaults. Unknown keys, wrong types and out-of-range values throw
// ConfigError; a missing or unparsable file too.
ContactSuite load_contact_suite(const std::string& path);
// The same from TOML text (`source` names it in messages).
ContactSuite parse_contact_suite(const std::string& toml_text, const std::string& source);

}  // namespace backroll
