#include <catch2/catch.hpp>

#include "validation/contact_suite.h"

using namespace backroll;
using Catch::Matchers::Contains;

TEST_CASE("config: an empty file gives the defaults", "[unit][config]") {
  const ContactSuite s = parse_contact_suite("", "empty.toml");
  CHECK(s.base.tissue.youngs_modulus_Pa == ContactCaseParams{}.tissue.youngs_modulus_Pa);
  CHECK(suite_cases(s).size() == 6);
}

TEST_CASE("config: every key sets its parameter", "[unit][config]") {
  const ContactSuite s = parse_contact_suite(R"(
[tissue]
youngs_modulus_Pa = 30000
poisson_ratio = 0.4
[roller]
radius_m = 0.05
foam_youngs_modulus_Pa = 1e5
[load]
force_N = 3
[solver]
max_newton = 50
[suite]
fine_sizes_m = [0.002, 0.001]
compliant_case = false
force_factor = 1.0
)", "t.toml");
  CHECK(s.base.tissue.youngs_modulus_Pa == 30000);
  CHECK(s.base.tissue.poisson_ratio == 0.4);
  CHECK(s.base.roller.radius_m == 0.05);
  CHECK(s.base.roller.foam_youngs_modulus_Pa == 1e5);
  CHECK(s.base.load.force_N == 3);
  CHECK(s.base.solver.max_newton == 50);
  CHECK(s.fine_sizes_m == std::vector<double>{0.002, 0.001});
  CHECK(suite_cases(s).size() == 2);
}

TEST_CASE("config: bad input names file, key, value and range", "[unit][config]") {
  CHECK_THROWS_WITH(parse_contact_suite("[tissue]\npoisson_ratio = 0.7\n", "bad.toml"),
                    Contains("bad.toml") && Contains("tissue.poisson_ratio") && Contains("0.7") &&
                        Contains("[0, 0.49]"));
  CHECK_THROWS_WITH(parse_contact_suite("[tissue]\nyoungs = 5\n", "bad.toml"),
                    Contains("bad.toml:2") && Contains("unknown key 'tissue.youngs'") &&
                        Contains("youngs_modulus_Pa"));
  CHECK_THROWS_WITH(parse_contact_suite("[tisue]\nx = 1\n", "bad.toml"), Contains("unknown table [tisue]"));
  CHECK_THROWS_WITH(parse_contact_suite("[load]\nforce_N = \"heavy\"\n", "bad.toml"),
                    Contains("'load.force_N' must be a number"));
  CHECK_THROWS_WITH(parse_contact_suite("[solver]\nmax_newton = 2.5\n", "bad.toml"),
                    Contains("'solver.max_newton' must be an integer"));
  CHECK_THROWS_WITH(parse_contact_suite("[load]\nforce_N = -1\n", "bad.toml"),
                    Contains("load.force_N = -1") && Contains("(0, 1e4] N"));
  CHECK_THROWS_WITH(parse_contact_suite("[load\n", "bad.toml"), Contains("bad.toml:1") && Contains("TOML syntax error"));
  CHECK_THROWS_WITH(parse_contact_suite("[suite]\nfine_sizes_m = []\n", "bad.toml"), Contains("allowed 1 to 6"));
  CHECK_THROWS_WITH(load_contact_suite("/nonexistent/x.toml"), Contains("/nonexistent/x.toml") && Contains("cannot open"));
  CHECK_THROWS_AS(parse_contact_suite("[roller]\ncore_radius_m = 0.1\n", "bad.toml"), ConfigError);
}
