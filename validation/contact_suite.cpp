#include "validation/contact_suite.h"

#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <toml++/toml.h>
#include <variant>

namespace backroll {

std::vector<SuiteCase> suite_cases(const ContactSuite& s) {
  std::vector<SuiteCase> out;
  for (double h : s.fine_sizes_m) {
    ContactCaseParams p = s.base;
    p.roller.compliant = false;
    p.mesh.fine_size_m = h;
    std::ostringstream name;
    name << "rigid h=" << h * 1e3 << "mm";
    out.push_back({name.str(), p});
  }
  if (s.force_factor != 1.0) {
    ContactCaseParams p = s.base;
    p.roller.compliant = false;
    p.load.force_N *= s.force_factor;
    std::ostringstream name;
    name << "rigid " << s.force_factor << "xF";
    out.push_back({name.str(), p});
  }
  if (s.compliant_case) {
    ContactCaseParams p = s.base;
    p.roller.compliant = true;
    out.push_back({"foam roller", p});
    // The same foam as the torso's rollers carry it: a Winkler layer of the foam's depth on a
    // rigid cylinder.
    p.roller.compliant = false;
    p.roller.winkler_depth_m = p.roller.radius_m - p.roller.core_radius_m;
    out.push_back({"foam as Winkler", p});
  }
  return out;
}

namespace {

using Slot = std::variant<double*, int*, bool*, std::vector<double>*>;

std::map<std::string, Slot> schema(ContactSuite& s) {
  ContactCaseParams& b = s.base;
  return {
      {"tissue.youngs_modulus_Pa", &b.tissue.youngs_modulus_Pa},
      {"tissue.poisson_ratio", &b.tissue.poisson_ratio},
      {"tissue.width_m", &b.tissue.width_m},
      {"tissue.thickness_m", &b.tissue.thickness_m},
      {"roller.radius_m", &b.roller.radius_m},
      {"roller.length_m", &b.roller.length_m},
      {"roller.foam_youngs_modulus_Pa", &b.roller.foam_youngs_modulus_Pa},
      {"roller.foam_poisson_ratio", &b.roller.foam_poisson_ratio},
      {"roller.core_radius_m", &b.roller.core_radius_m},
      {"roller.winkler_depth_m", &b.roller.winkler_depth_m},
      {"roller.offset_x_m", &b.roller.offset_x_m},
      {"load.force_N", &b.load.force_N},
      {"mesh.fine_size_m", &b.mesh.fine_size_m},
      {"mesh.fine_halfwidth_m", &b.mesh.fine_halfwidth_m},
      {"mesh.growth", &b.mesh.growth},
      {"mesh.max_size_m", &b.mesh.max_size_m},
      {"mesh.slab_depth_m", &b.mesh.slab_depth_m},
      {"solver.residual_rtol", &b.solver.residual_rtol},
      {"solver.gap_tol_m", &b.solver.gap_tol_m},
      {"solver.max_newton", &b.solver.max_newton},
      {"solver.load_steps", &b.solver.load_steps},
      {"output.contact_threshold_rel", &b.contact_threshold_rel},
      {"suite.fine_sizes_m", &s.fine_sizes_m},
      {"suite.force_factor", &s.force_factor},
      {"suite.compliant_case", &s.compliant_case},
      {"suite.sphere_cases", &s.sphere_cases},
  };
}

std::string where(const std::string& source, const toml::node& n) {
  std::ostringstream os;
  os << source;
  if (n.source().begin) os << ":" << n.source().begin.line;
  return os.str();
}

std::string allowed_keys(const std::map<std::string, Slot>& sch, const std::string& prefix) {
  std::string out;
  for (const auto& kv : sch)
    if (kv.first.rfind(prefix, 0) == 0) out += (out.empty() ? "" : ", ") + kv.first.substr(prefix.size());
  return out;
}

void bind_table(const toml::table& tbl, const std::string& prefix, std::map<std::string, Slot>& sch,
          const std::string& source) {
  for (const auto& [k, node] : tbl) {
    const std::string key = prefix + std::string(k.str());
    if (const toml::table* sub = node.as_table()) {
      if (allowed_keys(sch, key + ".").empty())
        throw ConfigError(where(source, node) + ": unknown table [" + key + "] (allowed: " +
                          allowed_keys(sch, "") + ")");
      bind_table(*sub, key + ".", sch, source);
      continue;
    }
    auto it = sch.find(key);
    if (it == sch.end())
      throw ConfigError(where(source, node) + ": unknown key '" + key + "' (allowed in this table: " +
                        allowed_keys(sch, prefix) + ")");
    auto type_error = [&](const char* want) {
      return ConfigError(where(source, node) + ": key '" + key + "' must be " + want);
    };
    if (auto* d = std::get_if<double*>(&it->second)) {
      auto v = node.value<double>();  // accepts integers too
      if (!v || node.is_boolean()) throw type_error("a number");
      **d = *v;
    } else if (auto* i = std::get_if<int*>(&it->second)) {
      auto v = node.value_exact<int64_t>();
      if (!v) throw type_error("an integer");
      if (*v < -1000000000 || *v > 1000000000) throw type_error("an integer of modest size");
      **i = static_cast<int>(*v);
    } else if (auto* b = std::get_if<bool*>(&it->second)) {
      auto v = node.value_exact<bool>();
      if (!v) throw type_error("true or false");
      **b = *v;
    } else if (auto* vec = std::get_if<std::vector<double>*>(&it->second)) {
      const toml::array* arr = node.as_array();
      if (!arr) throw type_error("an array of numbers");
      (*vec)->clear();
      for (const auto& e : *arr) {
        auto v = e.value<double>();
        if (!v || e.is_boolean()) throw type_error("an array of numbers");
        (*vec)->push_back(*v);
      }
    }
  }
}

}  // namespace

ContactSuite parse_contact_suite(const std::string& text, const std::string& source) {
  ContactSuite s;
  toml::table tbl;
  try {
    tbl = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << source << ":" << e.source().begin.line << ": TOML syntax error: " << e.description();
    throw ConfigError(os.str());
  }
  auto sch = schema(s);
  bind_table(tbl, "", sch, source);
  try {
    if (s.fine_sizes_m.empty() || s.fine_sizes_m.size() > 6)
      throw std::invalid_argument("suite.fine_sizes_m has " + std::to_string(s.fine_sizes_m.size()) +
                                  " entries: allowed 1 to 6");
    if (!(s.force_factor > 0 && s.force_factor <= 100)) {
      std::ostringstream os;
      os << "suite.force_factor = " << s.force_factor << " is out of range: allowed (0, 100]";
      throw std::invalid_argument(os.str());
    }
    for (const SuiteCase& c : suite_cases(s)) validate(c.params);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(source + ": " + e.what());
  }
  return s;
}

ContactSuite load_contact_suite(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open the file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_contact_suite(ss.str(), path);
}

}  // namespace backroll
