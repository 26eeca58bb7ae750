#include <catch2/catch.hpp>

#include <cmath>
#include <memory>

#include "face_pressure.h"
#include "fem/quasi_static.h"

using namespace backroll;

// A plane-strain block pressed by a uniform load on its top, free to expand sideways: every
// element is in the same state, eps_yy = -p (1 - nu^2) / E at small strain.
TEST_CASE("patch test: uniform compression of a plane-strain block", "[unit][solver]") {
  const double E = 50e3, nu = 0.3, W = 0.04, T = 0.02, s = 0.002, p = 50.0;  // p/E = 1e-3
  FemModel m;
  const int nx = 9, ny = 5;
  append_structured(m.mesh, nx, ny, 2, false, 0, [&](int i, int j, int k) {
    return Vec3(W * i / (nx - 1), T * j / (ny - 1), s * k);
  });
  m.tet_material.assign(m.mesh.n_tets(), NeoHookean::from_young_poisson(E, nu));
  m.node_dof.assign(m.mesh.n_nodes(), {kFixed, kFixed, kFixed});
  m.node_force_N.assign(m.mesh.n_nodes(), Vec3::Zero());
  int nd = 0;
  for (int n = 0; n < m.mesh.n_nodes(); ++n) {
    const Vec3& X = m.mesh.X[n];
    if (X.x() > 1e-12) m.node_dof[n][0] = nd++;  // x held on the left face only
    if (X.y() > 1e-12) m.node_dof[n][1] = nd++;  // y held on the floor only (rollers)
  }
  press_face(m, 1, T, p);  // on the top (y = T)
  m.n_dofs = nd;
  m.finalize();
  FemState st;
  st.reset(m);
  const SolveReport r = solve_equilibrium(m, st, SolverSettings{});
  REQUIRE(r.converged);
  const double eps = -p * (1 - nu * nu) / E;
  const auto x = node_positions(m, st);
  for (int n = 0; n < m.mesh.n_nodes(); ++n) {
    const double uy = x[n].y() - m.mesh.X[n].y();
    CHECK(uy == Approx(eps * m.mesh.X[n].y()).epsilon(3e-3).margin(1e-12));
  }
  // Lateral expansion eps_xx = nu (1 + nu) p / E.
  const double ux_right = x[nx - 1].x() - W;
  CHECK(ux_right == Approx(nu * (1 + nu) * p / E * W).epsilon(3e-3));
}

// Tied nodes (FemModel::NodeTie) make a coarser conforming mesh of the same grid: under a uniform
// strain, which is linear and so lies in the coarser space, the patch test's block with its middle
// rows following their neighbours gives the untied block's solution with fewer unknowns, and every
// tied node sits where its masters put it.
TEST_CASE("tied nodes: the patch test passes with the middle rows following their neighbours", "[unit][solver]") {
  const double E = 50e3, nu = 0.3, W = 0.04, T = 0.025, s = 0.002, p = 50.0;
  const int nx = 9, ny = 6;
  const double dy = T / (ny - 1);
  auto row = [&](const Vec3& X) { return static_cast<int>(std::lround(X.y() / dy)); };
  auto solve = [&](bool tie, int& dofs) {
    FemModel m;
    append_structured(m.mesh, nx, ny, 2, false, 0, [&](int i, int j, int k) {
      return Vec3(W * i / (nx - 1), dy * j, s * k);
    });
    m.tet_material.assign(m.mesh.n_tets(), NeoHookean::from_young_poisson(E, nu));
    m.node_dof.assign(m.mesh.n_nodes(), {kFixed, kFixed, kFixed});
    m.node_force_N.assign(m.mesh.n_nodes(), Vec3::Zero());
    auto node_at = [&](const Vec3& X) {
      for (int n = 0; n < m.mesh.n_nodes(); ++n)
        if ((m.mesh.X[n] - X).norm() < 1e-12) return n;
      throw std::logic_error("no node there");
    };
    int nd = 0;
    for (int n = 0; n < m.mesh.n_nodes(); ++n) {
      const Vec3& X = m.mesh.X[n];
      if (tie && (row(X) == 2 || row(X) == 3)) {  // rows 2 and 3 follow rows 1 and 4
        const double w = (4 - X.y() / dy) / 3;
        m.node_ties.push_back({n, node_at(Vec3(X.x(), dy, X.z())), node_at(Vec3(X.x(), 4 * dy, X.z())), w});
        continue;
      }
      if (X.x() > 1e-12) m.node_dof[n][0] = nd++;  // x held on the left face only
      if (X.y() > 1e-12) m.node_dof[n][1] = nd++;  // y held on the floor only (rollers)
    }
    press_face(m, 1, T, p);  // on the top (y = T)
    m.n_dofs = dofs = nd;
    m.finalize();
    FemState st;
    st.reset(m);
    SolverSettings set;
    REQUIRE(solve_equilibrium(m, st, set).converged);
    std::vector<Vec3> x = node_positions(m, st);
    for (const FemModel::NodeTie& t : m.node_ties)  // where its masters put it
      CHECK((x[t.node] - m.mesh.X[t.node] - t.w * (x[t.a] - m.mesh.X[t.a]) - (1 - t.w) * (x[t.b] - m.mesh.X[t.b])).norm() < 1e-15);
    return x;
  };
  int full = 0, coarse = 0;
  const std::vector<Vec3> a = solve(false, full), b = solve(true, coarse);
  CHECK(coarse < full);
  double diff = 0;
  for (size_t n = 0; n < a.size(); ++n) diff = std::max(diff, (a[n] - b[n]).norm());
  INFO("dofs " << full << " -> " << coarse << ", largest difference " << diff << " m");
  CHECK(diff < 1e-10);
  // And both are the analytic answer: eps_yy = -p (1 - nu^2) / E.
  const double eps = -p * (1 - nu * nu) / E;
  TetMesh grid;
  append_structured(grid, nx, ny, 2, false, 0, [&](int i, int j, int k) { return Vec3(W * i / (nx - 1), dy * j, s * k); });
  const std::vector<Vec3>& X = grid.X;
  for (size_t n = 0; n < b.size(); ++n) CHECK((b[n].y() - X[n].y()) == Approx(eps * X[n].y()).epsilon(3e-3).margin(1e-12));
}

namespace {
// One rigid body with 6 free dofs, joined to the ground at its origin by `j`.
FemModel one_body(const Joint& j) {
  FemModel m;
  RigidBody b;
  for (int c = 0; c < 6; ++c) b.dof[c] = c;
  m.rigid_bodies.push_back(b);
  m.joints.push_back(j);
  m.n_dofs = 6;
  m.finalize();
  return m;
}
}  // namespace

TEST_CASE("joints: linear, bilinear and two-sided rotational springs", "[unit][solver]") {
  Joint j;
  j.body_a = -1;
  j.body_b = 0;
  j.translational_N_per_m = Vec3::Constant(1e5);
  j.rotational_Nm_per_rad = Vec3(100, 200, 300);
  j.stiffen_axis = 0;
  j.stiffen_after_rad = 0.01;
  j.stiffened_Nm_per_rad = 400;
  j.opposite_Nm_per_rad = 50;
  SolverSettings s;
  auto rotate = [&](const Vec3& torque) {
    FemModel m = one_body(j);
    m.rigid_bodies[0].applied_torque_Nm = torque;
    m.rigid_bodies[0].applied_force_N = Vec3(1, 2, 3);  // a force too, through the origin
    FemState st;
    st.reset(m);
    REQUIRE(solve_equilibrium(m, st, s).converged);
    CHECK((rigid_position(m, st, 0) - Vec3(1, 2, 3) / 1e5).norm() < 1e-12);
    return rigid_rotation(m, st, 0);
  };
  // Below the stiffening angle: linear, each axis its own stiffness (a torque about one axis
  // turns the body about that axis only).
  CHECK(rotate(Vec3(0.5, 0, 0)).x() == Approx(0.5 / 100).epsilon(1e-7));  // to the solver's residual tolerance
  CHECK(rotate(Vec3(0, 1.0, 0)).y() == Approx(1.0 / 200).epsilon(1e-7));
  CHECK(rotate(Vec3(0, 0, 1.5)).z() == Approx(1.5 / 300).epsilon(1e-7));
  // About all three at once the rotation vector phi is exact, and a fixed torque balances the
  // springs' moments K phi through the exponential map's left Jacobian (Chirikjian 2011, vol. 2,
  // eq. 10.86): torque = Jl(phi)^-T K phi, Jl^-1 = I - [phi]/2 + (1/a^2 - (1 + cos a)/(2 a sin a)) [phi]^2.
  {
    const Vec3 tau(0.5, 1.0, 1.5);
    const Vec3 phi = rotate(tau);
    const double a = phi.norm();
    Mat3 P;
    P << 0, -phi.z(), phi.y(), phi.z(), 0, -phi.x(), -phi.y(), phi.x(), 0;
    const Mat3 Jl_inv = Mat3::Identity() - 0.5 * P + (1 / (a * a) - (1 + std::cos(a)) / (2 * a * std::sin(a))) * P * P;
    const Vec3 moment = Jl_inv.transpose() * Vec3(100 * phi.x(), 200 * phi.y(), 300 * phi.z());
    CHECK((moment - tau).norm() < 1e-7 * tau.norm());
    CHECK((phi - Vec3(0.5 / 100, 1.0 / 200, 1.5 / 300)).norm() > 1e-5);  // not the linear answer
  }
  // Beyond it: 100 * 0.01 = 1 N m to reach it, the rest at 400 N m/rad.
  Vec3 th = rotate(Vec3(3.0, 0, 0));
  CHECK(th.x() == Approx(0.01 + 2.0 / 400).epsilon(1e-7));
  // The other side: 50 N m/rad.
  th = rotate(Vec3(-1.0, 0, 0));
  CHECK(th.x() == Approx(-1.0 / 50).epsilon(1e-7));
}

// A body resting on a push-only support (a roller on the floor) that starts a hair above it, as a
// new roller place leaves it: the step lands it at once (before, the support's missing stiffness
// let the step carry the body far through it and the line search cut the step to nothing). The
// same support must not hold a body that the forces lift away.
TEST_CASE("push-only support: a body a hair above it lands in one step, a lifted one leaves", "[unit][solver]") {
  const double k = 1e8, W = 500, lifted = 2e-5;  // N/m, N, m above the support
  Joint floor;
  floor.body_a = -1;
  floor.body_b = 0;
  floor.translational_N_per_m = Vec3(1e5, 1e5, k);
  floor.rotational_Nm_per_rad = Vec3::Constant(100);
  floor.push_only_axis = 2;
  auto solve = [&](double force_z, double soft_k, SolveReport& r) {
    FemModel m;
    RigidBody b;
    for (int c = 0; c < 6; ++c) b.dof[c] = c;
    b.applied_force_N = Vec3(0, 0, force_z);
    m.rigid_bodies.push_back(b);
    m.joints.push_back(floor);
    if (soft_k > 0) {  // a soft spring that holds a lifted body where the forces balance
      Joint soft;
      soft.body_a = -1;
      soft.body_b = 0;
      soft.translational_N_per_m = Vec3::Constant(soft_k);
      m.joints.push_back(soft);
    }
    m.n_dofs = 6;
    m.finalize();
    FemState st;
    st.reset(m);
    st.u[2] = lifted;
    r = solve_equilibrium(m, st, SolverSettings{});
    return rigid_position(m, st, 0).z();
  };
  SolveReport r;
  // Pressed down by its weight: it comes to rest W / k into the support.
  const double z = solve(-W, 0, r);
  REQUIRE(r.converged);
  CHECK(z == Approx(-W / k).epsilon(1e-6));
  CHECK(r.newton_iterations == 1);  // the spring is linear: one step on the touching branch lands it
  // Pulled up by W against a soft spring of 1e5 N/m: it leaves to W / 1e5 = 5 mm; the support
  // a hair below does not hold it.
  const double up = solve(W, 1e5, r);
  REQUIRE(r.converged);
  CHECK(up == Approx(W / 1e5).epsilon(1e-6));
  CHECK(r.newton_iterations == 1);
}

namespace {
// A block of soft tissue (E = 20 kPa, nu = 0.3) on a 1 cm grid of ni x ni x nk nodes, every node
// fixed and unloaded until a test frees and loads it.
FemModel soft_block(int ni, int nk) {
  FemModel m;
  append_structured(m.mesh, ni, ni, nk, false, 0, [](int i, int j, int k) { return Vec3(0.01 * i, 0.01 * j, 0.01 * k); });
  m.tet_material.assign(m.mesh.n_tets(), NeoHookean::from_young_poisson(20e3, 0.3));
  m.node_dof.assign(m.mesh.n_nodes(), {kFixed, kFixed, kFixed});
  m.node_force_N.assign(m.mesh.n_nodes(), Vec3::Zero());
  return m;
}

// A soft block (ni x ni x 3 nodes) held by its top face, its other nodes free under their weight
// (0.01 N each, which sets the residual's scale), its bottom face touching a rigid body of `shape`
// at `origin` (augmented-Lagrangian contact, 1e4 N/m per node).
FemModel block_on(std::shared_ptr<const RigidShape> shape, const Vec3& origin, int ni) {
  FemModel m = soft_block(ni, 3);
  RigidContactSet cs;
  int nd = 0;
  for (int v = 0; v < m.mesh.n_nodes(); ++v) {
    if (m.mesh.X[v].z() > 0.02 - 1e-12) continue;  // the top face holds the block
    for (int c = 0; c < 3; ++c) m.node_dof[v][c] = nd++;
    m.node_force_N[v] = Vec3(0, 0, -0.01);
    if (m.mesh.X[v].z() < 1e-12) cs.slave_nodes.push_back(v), cs.penalty_N_per_m.push_back(1e4);
  }
  RigidBody floor;
  floor.shape = std::move(shape);
  floor.rest_position_m = origin;
  m.rigid_bodies.push_back(floor);
  cs.body = 0;
  m.rigid_contacts.push_back(cs);
  m.n_dofs = nd;
  m.finalize();
  return m;
}
}  // namespace

TEST_CASE("tissue attached to a rigid body moves with it and passes the load on", "[unit][solver]") {
  // A soft column whose bottom nodes ride on a body held by a vertical spring k: a load F on
  // the top compresses the column and moves the body by F / k exactly (force balance).
  FemModel m = soft_block(3, 4);
  m.node_body.assign(m.mesh.n_nodes(), -1);
  RigidBody b;
  b.rest_position_m = Vec3(0.01, 0.01, 0);
  m.rigid_bodies.push_back(b);
  int nd = 0, top = 0;
  for (int n = 0; n < m.mesh.n_nodes(); ++n) {
    if (m.mesh.X[n].z() < 1e-12) {
      m.node_body[n] = 0;
    } else {
      for (int c = 0; c < 3; ++c) m.node_dof[n][c] = nd++;
      if (m.mesh.X[n].z() > 0.03 - 1e-12) ++top;
    }
  }
  for (int c = 0; c < 6; ++c) m.rigid_bodies[0].dof[c] = nd++;
  m.n_dofs = nd;
  const double k = 2e4, F = 1.0;
  for (int n = 0; n < m.mesh.n_nodes(); ++n)
    if (m.mesh.X[n].z() > 0.03 - 1e-12) m.node_force_N[n] = Vec3(0, 0, -F / top);
  Joint j;
  j.body_b = 0;
  j.point_m = b.rest_position_m;
  j.translational_N_per_m = Vec3::Constant(k);
  j.rotational_Nm_per_rad = Vec3::Constant(10.0);
  m.joints.push_back(j);
  m.finalize();
  FemState st;
  st.reset(m);
  REQUIRE(solve_equilibrium(m, st, SolverSettings{}).converged);
  CHECK(rigid_position(m, st, 0).z() - b.rest_position_m.z() == Approx(-F / k).epsilon(1e-7));
  const JointState js = joint_state(m, st, 0);
  CHECK(js.force_N.z() == Approx(-F).epsilon(1e-7));
  // Every bottom node moved with the body: x = o + c + R (X - o). (The Kuhn split is not
  // mirror-symmetric, so the column tilts the body a little; the relation holds regardless.)
  const std::vector<Vec3> x = node_positions(m, st);
  const Vec3 o = rigid_position(m, st, 0);
  const Mat3 R = rigid_orientation(m, st, 0);
  CHECK((R.transpose() * R - Mat3::Identity()).norm() < 1e-15);
  CHECK(rigid_rotation(m, st, 0).norm() > 1e-6);
  for (int n = 0; n < m.mesh.n_nodes(); ++n)
    if (m.node_body[n] == 0) {
      const Vec3 r = m.mesh.X[n] - b.rest_position_m;
      CHECK((x[n] - (o + R * r)).norm() < 1e-15);
    }
}

// A constant model, its inputs in the state: a floor placed and turned through FemInputs presses
// a hanging block exactly as a floor built into the model at that place and angle does, and the
// model is untouched (so one model can serve many states).
TEST_CASE("placed bodies: a floor moved and turned through the state's inputs", "[unit][solver]") {
  const double tilt = 0.2, lift = 0.002;  // rad about x; the plane's height over the block's bottom at its centre
  const Vec3 n(0, -std::sin(tilt), std::cos(tilt)), centre(0.01, 0.01, lift);
  // (a) the plane built in: FloorShape(n) at the centre.
  const FemModel built = block_on(std::make_shared<FloorShape>(n), centre, 3);
  FemState a;
  a.reset(built);
  REQUIRE(solve_equilibrium(built, a, SolverSettings{}).converged);
  // (b) a level floor far below in the model, placed and turned by the state.
  const FemModel level = block_on(std::make_shared<FloorShape>(), Vec3(0, 0, -1), 3);
  FemState b;
  b.reset(level);
  Mat3 R;
  R << 1, 0, 0, 0, std::cos(tilt), -std::sin(tilt), 0, std::sin(tilt), std::cos(tilt);
  REQUIRE((R * Vec3::UnitZ() - n).norm() < 1e-15);
  b.inputs.body_pose[0] = {centre, R};
  const SolveReport rb = solve_equilibrium(level, b, SolverSettings{});
  REQUIRE(rb.converged);
  const std::vector<Vec3> xa = node_positions(built, a), xb = node_positions(level, b);
  double moved = 0, diff = 0;
  for (size_t v = 0; v < xa.size(); ++v) {
    moved = std::max(moved, (xa[v] - built.mesh.X[v]).norm());
    diff = std::max(diff, (xa[v] - xb[v]).norm());
  }
  CHECK(moved > 1e-3);   // the floor really pressed the block
  CHECK(diff < 1e-12);   // the same solution to round-off
  CHECK(level.rigid_bodies[0].rest_position_m == Vec3(0, 0, -1));  // the model is untouched
  // A fresh state on the same model sees the model's own floor: nothing touches.
  FemState c;
  c.reset(level);
  REQUIRE(solve_equilibrium(level, c, SolverSettings{}).converged);
  CHECK(c.rigid_mult[0] == std::vector<double>(c.rigid_mult[0].size(), 0.0));
}

// The late Newton steps solved by conjugate gradients on the last factorisation (an inexact
// Newton method) reach the same equilibrium as factorising every step: a block held by its top
// face and pressed 2 mm into a tilted rigid floor, whose contact is held by augmented-Lagrangian
// multipliers (the steps after each multiplier update are the ones reused).
TEST_CASE("factorisation reuse: the same equilibrium as a factorisation every step", "[unit][solver]") {
  const double tilt = 0.2;
  const FemModel m =
      block_on(std::make_shared<FloorShape>(Vec3(0, -std::sin(tilt), std::cos(tilt))), Vec3(0.015, 0.015, 0.002), 4);
  auto solve = [&](bool reuse, SolveReport& r) {
    FemState st;
    st.reset(m);
    SolverSettings s;
    s.gap_tol_m = 1e-9;
    s.reuse_factorization = reuse;
    r = solve_equilibrium(m, st, s);
    return node_positions(m, st);
  };
  SolveReport direct, reused;
  const std::vector<Vec3> xd = solve(false, direct), xr = solve(true, reused);
  REQUIRE(direct.converged);
  REQUIRE(reused.converged);
  INFO("direct: " << direct.newton_iterations << " Newton steps, " << direct.factorizations << " factorisations; reused: "
                  << reused.newton_iterations << " steps, " << reused.factorizations << " factorisations, "
                  << reused.reused_steps << " steps on an old one (" << reused.cg_iterations << " CG iterations)");
  CHECK(direct.multiplier_updates > 0);
  CHECK(direct.reused_steps == 0);
  CHECK(reused.reused_steps > 0);
  CHECK(reused.factorizations < direct.factorizations);
  double diff = 0, moved = 0;
  for (size_t v = 0; v < xd.size(); ++v) {
    diff = std::max(diff, (xd[v] - xr[v]).norm());
    moved = std::max(moved, (xd[v] - m.mesh.X[v]).norm());
  }
  INFO("largest displacement " << moved << " m, largest difference " << diff << " m");
  CHECK(moved > 1e-3);
  CHECK(diff < 1e-6 * moved);
}

TEST_CASE("placed bodies: a body that carries tissue cannot be placed", "[unit][solver]") {
  FemModel m = soft_block(2, 2);
  m.node_body.assign(m.mesh.n_nodes(), 0);  // the whole block rides on body 0
  RigidBody b;
  for (int c = 0; c < 3; ++c) b.dof[c] = c;
  m.rigid_bodies.push_back(b);
  m.n_dofs = 3;
  m.finalize();
  FemState st;
  st.reset(m);
  st.inputs.body_pose[0].origin_m = Vec3(0, 0, 0.1);
  CHECK_THROWS_AS(solve_equilibrium(m, st, SolverSettings{}), std::invalid_argument);
}

// Friction (fem/quasi_static.h): a soft block pressed on a foam-covered floor by its weight W
// and pulled sideways at its top. Coulomb's law: below mu W the floor holds it, its friction
// balancing the pull exactly, no point carrying more than mu times its own normal force; above
// mu W nothing can hold it and the solve must say so.
TEST_CASE("friction: a block pulled sideways sticks below mu W and cannot be held above", "[unit][solver]") {
  const double mu = 0.4, w = 0.05;  // N per node
  auto pulled = [&](double pull_over_muW, FemModel& m, FemState& st) {
    m = soft_block(3, 3);
    RigidContactSet cs;
    cs.body = 0;
    cs.compliant = true;
    cs.friction = mu;
    cs.friction_slip_m = 1e-4;
    int nd = 0, top = 0;
    for (int v = 0; v < m.mesh.n_nodes(); ++v) {
      for (int c = 0; c < 3; ++c) m.node_dof[v][c] = nd++;
      m.node_force_N[v] = Vec3(0, 0, -w);
      if (m.mesh.X[v].z() < 1e-12) cs.slave_nodes.push_back(v), cs.penalty_N_per_m.push_back(2e3);
      if (m.mesh.X[v].z() > 0.02 - 1e-12) ++top;
    }
    const double W = w * m.mesh.n_nodes();
    for (int v = 0; v < m.mesh.n_nodes(); ++v)
      if (m.mesh.X[v].z() > 0.02 - 1e-12) m.node_force_N[v].x() = pull_over_muW * mu * W / top;
    RigidBody floor;
    floor.shape = std::make_shared<FloorShape>();
    floor.rest_position_m = Vec3(0, 0, 5e-4);  // the block's bottom starts 0.5 mm into the foam
    m.rigid_bodies.push_back(floor);
    m.rigid_contacts.push_back(cs);
    m.n_dofs = nd;
    m.finalize();
    st = FemState{};  // the model's own loads
    st.reset(m);
    SolverSettings s;
    s.max_newton = 100;
    return solve_equilibrium(m, st, s);
  };
  FemModel m;
  FemState st;
  for (double ratio : {0.2, 0.6, 0.9}) {
    INFO("pull " << ratio << " mu W");
    const SolveReport r = pulled(ratio, m, st);
    REQUIRE(r.converged);
    const double W = w * m.mesh.n_nodes();
    const std::vector<Vec3> f = rigid_friction_forces(m, st, 0);
    const std::vector<double> N = rigid_contact_forces(m, st, 0);
    Vec3 sum = Vec3::Zero();
    double worst = 0, Nsum = 0;
    for (size_t i = 0; i < f.size(); ++i) {
      sum += f[i];
      Nsum += N[i];
      CHECK(std::abs(f[i].z()) < 1e-12);  // tangential to the floor
      worst = std::max(worst, f[i].norm() / std::max(mu * N[i], 1e-300));
    }
    INFO("friction " << sum.transpose() << " N, normal " << Nsum << " N, largest |f_t| / mu N " << worst);
    CHECK(Nsum == Approx(W).epsilon(1e-6));
    CHECK(sum.x() == Approx(-ratio * mu * W).epsilon(1e-6));
    CHECK(std::abs(sum.y()) < 1e-6 * W);
    CHECK(worst <= 1 + 1e-9);
  }
  // The lag: at the solution it is the state's own; a stale one (half the normal forces) moved
  // half way gets three quarters, and the bound it was off by is mu x the half missing.
  CHECK(lag_friction(m, st) < 1e-9);
  const std::vector<Vec3> own = st.friction_normal[0];
  double off = 0;
  for (Vec3& n : st.friction_normal[0]) off = std::max(off, mu * 0.5 * n.norm()), n *= 0.5;
  CHECK(lag_friction(m, st, 0.5) == Approx(off).epsilon(1e-12));
  for (size_t i = 0; i < own.size(); ++i) CHECK((st.friction_normal[0][i] - 0.75 * own[i]).norm() <= 1e-12 * (1 + own[i].norm()));
  const SolveReport slides = pulled(1.3, m, st);
  CHECK_FALSE(slides.converged);
}
