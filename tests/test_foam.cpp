// The rollers' foam: the compliant layer's law (fem/compliant_layer.h) and each catalog roller's
// curve, the solver settling a body on a layer where the law says, and no foam pressed through
// its depth by the heaviest body the files allow.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>

#include "fem/quasi_static.h"
#include "gear/roller.h"
#include "run/roll.h"

using namespace backroll;

namespace {
const char* kRollers[] = {"soft", "standard", "high_density", "trigger_point", "spiked", "peanut", "ball"};
}

TEST_CASE("compliant layer: the force is the energy's derivative, the stiffness the force's", "[unit][foam]") {
  for (const char* name : kRollers) {
    const CompliantLayer l = load_roller_spec(roller_path(name)).layer();
    const double k = 1e4, h = l.depth_m;
    for (double e : {1e-4, 2e-3, 0.02, 0.1, 0.3, 0.5, 0.7, 0.9, 0.97}) {
      const double d = e * h, step = 1e-6 * h;
      const double dE = (l.energy(k, d + step) - l.energy(k, d - step)) / (2 * step);
      const double dF = (l.force(k, d + step) - l.force(k, d - step)) / (2 * step);
      INFO(name << " at strain " << e);
      CHECK(dE == Approx(l.force(k, d)).epsilon(1e-6));
      CHECK(dF == Approx(l.stiffness(k, d)).epsilon(1e-6));
    }
  }
}

TEST_CASE("every roller's foam law: linear at first, rising, and unbounded at its depth", "[unit][foam]") {
  for (const char* name : kRollers) {
    const RollerSpec r = load_roller_spec(roller_path(name));
    const CompliantLayer l = r.layer();
    INFO(name);
    CHECK(l.depth_m == r.foam_depth_m);
    CHECK(r.foam_pressure_Pa(0) == 0);
    CHECK(r.foam_pressure_Pa(1e-4) == Approx(1e-4 * r.foam_E_Pa).epsilon(0.01));  // the initial modulus
    double last = 0;
    for (int i = 1; i < 100; ++i) {
      const double p = r.foam_pressure_Pa(0.01 * i);
      CHECK(p > last);
      last = p;
    }
    // Near the depth the foam holds any pressure the body can bring: 1 MPa is 10x the peaks
    // under the back; at the depth itself no finite energy.
    CHECK(r.foam_pressure_Pa(0.99) > 1e6);
    CHECK(std::isinf(l.energy(1.0, r.foam_depth_m)));
  }
}

TEST_CASE("the soft roller's law reads the Plastazote LD33 datasheet it was fitted to", "[unit][foam]") {
  // Datasheet points (REFERENCES.md): 40 kPa at 25 %, 75 at 40 %, 115 at 50 %, 175 at 60 % strain.
  const RollerSpec r = load_roller_spec(roller_path("soft"));
  const double strain[] = {0.25, 0.40, 0.50, 0.60}, kPa[] = {40, 75, 115, 175};
  for (int i = 0; i < 4; ++i) CHECK(r.foam_pressure_Pa(strain[i]) / 1e3 == Approx(kPa[i]).epsilon(0.07));
}

TEST_CASE("a body pressed on a foam layer sinks as far as the law says, never through it", "[unit][foam][solver]") {
  // A plate (a downward-facing plane, free to move vertically) pressed with force F on the
  // top nodes of a fixed block, each a foam contact point of stiffness k: n k h phi(d / h) = F.
  const RollerSpec roller = load_roller_spec(roller_path("standard"));
  const CompliantLayer layer = roller.layer();
  FemModel m;
  append_structured(m.mesh, 3, 3, 2, false, 0, [](int i, int j, int k) { return Vec3(0.01 * i, 0.01 * j, 0.01 * k); });
  m.tet_material.assign(m.mesh.n_tets(), NeoHookean::from_young_poisson(20e3, 0.3));
  m.node_dof.assign(m.mesh.n_nodes(), {kFixed, kFixed, kFixed});
  m.node_force_N.assign(m.mesh.n_nodes(), Vec3::Zero());
  RigidBody plate;
  plate.shape = std::make_shared<FloorShape>(-Vec3::UnitZ());
  plate.rest_position_m = Vec3(0, 0, 0.01);
  plate.dof = {kFixed, kFixed, 0, kFixed, kFixed, kFixed};
  m.rigid_bodies.push_back(plate);
  RigidContactSet cs;
  cs.compliant = true;
  cs.layer = layer;
  const double k = 1e4;
  for (int v = 0; v < m.mesh.n_nodes(); ++v)
    if (m.mesh.X[v].z() > 0.01 - 1e-12) cs.slave_nodes.push_back(v), cs.penalty_N_per_m.push_back(k);
  m.rigid_contacts.push_back(cs);
  m.n_dofs = 1;
  m.finalize();
  const int n = static_cast<int>(cs.slave_nodes.size());
  REQUIRE(n == 9);
  // Loads from the linear region to deep in densification (strain 0.01 to about 0.9).
  for (double strain : {0.01, 0.2, 0.5, 0.8, 0.9}) {
    const double F = n * layer.force(k, strain * layer.depth_m);
    FemState st;
    st.reset(m);
    st.inputs.body_force_N[0] = Vec3(0, 0, -F);
    SolverSettings s;
    s.load_steps = 4;  // the plateau's flat stretch: ramp the load
    const SolveReport rep = solve_equilibrium(m, st, s);
    INFO("strain " << strain << ": " << rep.message);
    REQUIRE(rep.converged);
    const double sink = -st.u[0];
    CHECK(sink / layer.depth_m == Approx(strain).epsilon(1e-6));
    CHECK(sink < layer.depth_m);
    double sum = 0;
    for (double f : rigid_contact_forces(m, st, 0)) sum += f;
    CHECK(sum == Approx(F).epsilon(1e-8));
  }
}

TEST_CASE("no roller's foam is pressed through its depth, even by the heaviest body allowed", "[slow][foam]") {
  // 200 kg (the body file's upper bound) on the softest roller at T10, where a linear foam was
  // compressed past its 40 mm depth (docs/model.md).
  Scenario sc = load_scenario(std::string(BACKROLL_ASSET_DIR) + "/scenarios/coarse.toml");
  sc.roller = load_roller_spec(roller_path("soft"));
  sc.body.mass_kg = 200;
  const RollResult r = RollSession(sc, nullptr).solve_at(10, true);
  INFO(r.solve.message << " " << r.validity.reason);
  REQUIRE(r.solve.converged);
  CHECK(r.foam_compression_max_m > 0);
  CHECK(r.foam_compression_max_m < sc.roller.foam_depth_m);
  WARN("200 kg on the soft roller at T10: foam compressed " << 1e3 * r.foam_compression_max_m << " mm of "
       << 1e3 * sc.roller.foam_depth_m << " mm; " << (r.validity.valid ? "valid" : "invalid: " + r.validity.reason));
}
