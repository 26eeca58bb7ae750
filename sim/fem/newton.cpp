// Newton's method on the energy (fem/quasi_static.h explains the design): the tangent assembled
// into its fixed pattern, factorised by CHOLMOD (fem/linear_solver.h), the step taken from the
// first of three tangents that factorises and points downhill, an energy line search, and the
// augmented-Lagrangian multiplier updates between Newton solves. Also the state queries.
#include <Eigen/CholmodSupport>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "fem/fem_terms.h"
#include "fem/linear_solver.h"

namespace backroll {

using namespace fem_terms;

namespace {

// Where a rigid contact can reach in the tangent before it touches: every slave's dofs (its nodes'
// and its surface body's) coupled with each other, with zero values, and the diagonal (the shift
// in newton_step adds to it). The first pattern analysed starts from it, so a roller pressing in
// does not add entries, and a new fill-reducing ordering, as each slave comes into contact.
Eigen::SparseMatrix<double> contact_pattern(const FemModel& m) {
  std::vector<Eigen::Triplet<double>> t;
  for (int d = 0; d < m.n_dofs; ++d) t.emplace_back(d, d, 0.0);
  std::vector<int> dofs;
  for (const RigidContactSet& cs : m.rigid_contacts) {
    const std::array<int, 6>& body = m.rigid_bodies[cs.body].dof;
    for (size_t i = 0; i < cs.n_slaves(); ++i) {
      dofs.clear();
      for (int c : body)
        if (c >= 0) dofs.push_back(c);
      std::array<std::pair<int, double>, 3> who{};
      for (int a = 0, nw = slave_of(cs, i, who); a < nw; ++a) {
        const FemModel::NodeKinematics& k = m.node_kin[who[a].first];
        dofs.insert(dofs.end(), k.dof.begin(), k.dof.begin() + k.n);
      }
      for (int a : dofs)
        for (int b : dofs) t.emplace_back(a, b, 0.0);
    }
  }
  Eigen::SparseMatrix<double> p(m.n_dofs, m.n_dofs);
  p.setFromTriplets(t.begin(), t.end());
  return p;
}

// CHOLMOD's supernodal Cholesky, with its symbolic factor's largest front in reach: the rows of
// the largest dense block a factorisation works on (the top separator of the nested dissection).
struct Cholesky : Eigen::CholmodSupernodalLLT<Eigen::SparseMatrix<double>> {
  int largest_front() const {
    const cholmod_factor* L = m_cholmodFactor;
    if (!L || !L->is_super) return 0;
    const auto* pi = static_cast<const int*>(L->pi);
    int front = 0;
    for (size_t s = 0; s < L->nsuper; ++s) front = std::max(front, pi[s + 1] - pi[s]);
    return front;
  }
};

}  // namespace

// What the Newton steps keep between them (and, in a SolverCache, the solves): the factorisation
// and its symbolic analysis, the pattern analysed (the union of every tangent's so far, values
// zero: quasi_static.h's SolverCache says why), the elastic tangent in its fixed pattern, and the
// diagonal shift that last worked (reset by each solve).
struct NewtonWorkspace {
  Cholesky chol;
  Eigen::SparseMatrix<double> K, Kel, Kdyn, analysed;
  Eigen::SparseMatrix<double> Kp;  // the cells' pressure stiffness in Kel's pattern; empty until a solve asks for it
  double shift_hint = 0;  // diagonal shift carried between Newton steps (see newton_step)
  double factor_nonzeros = 0, factor_flops = 0;  // of the last analysis (SolveReport)
  int factor_front = 0;
  // chol holds a factorisation of an exact tangent (no shift) of the pattern analysed: a
  // preconditioner for the next steps' tangents (see reuse_step).
  bool factor_exact = false;
  bool last_full_step = false;  // the last line search accepted the whole step
  bool after_update = false;    // ... and the multipliers were updated since

  explicit NewtonWorkspace(const FemModel& m) : K(m.n_dofs, m.n_dofs), Kel(m.n_dofs, m.n_dofs), Kdyn(m.n_dofs, m.n_dofs) {
    // CHOLMOD supernodal Cholesky (LL^T): an indefinite tangent fails to factorise and gets the
    // diagonal shift below. Its own printing is off: failures are handled here.
    chol.cholmod().print = 0;
    // Relaxed supernode amalgamation: bigger dense blocks for BLAS, a few more flops. Measured on
    // the torso: factorisation 11.3 s -> 7.9 s over a settle (CHOLMOD's defaults: 4/16/48, 0.8/0.1/0.05).
    chol.cholmod().nrelax[0] = 16;
    chol.cholmod().nrelax[1] = 64;
    chol.cholmod().nrelax[2] = 256;
    chol.cholmod().zrelax[0] = 0.9;
    chol.cholmod().zrelax[1] = 0.3;
    chol.cholmod().zrelax[2] = 0.1;
    // The elastic part of the tangent in its fixed pattern (columns beyond the pattern's n, dofs
    // added after finalize(), are empty); the rest comes as triplets.
    const FemModel::TangentPattern& tp = m.elastic_pattern;
    if (tp.n > m.n_dofs || tp.outer.size() != static_cast<size_t>(tp.n) + 1 || tp.slot.size() != m.elastic_entries())
      throw std::logic_error("solve_equilibrium: the model changed after finalize()");
    Kel.resizeNonZeros(static_cast<Eigen::Index>(tp.inner.size()));
    std::copy(tp.outer.begin(), tp.outer.end(), Kel.outerIndexPtr());
    std::fill(Kel.outerIndexPtr() + tp.n + 1, Kel.outerIndexPtr() + m.n_dofs + 1, tp.outer.back());
    std::copy(tp.inner.begin(), tp.inner.end(), Kel.innerIndexPtr());
  }

  // The tangent parts given, each padded to the analysed pattern (their sum's pattern first added
  // to it, and analysed anew when that added an entry; the first pattern holds every rigid
  // contact's reach, contact_pattern): K, and K + Kn when Kn has entries.
  void pad(const FemModel& m, Eigen::SparseMatrix<double>& K, Eigen::SparseMatrix<double>* Kn, SolveReport& rep) {
    const bool first = analysed.rows() != K.rows();
    if (first) analysed = contact_pattern(m);
    Eigen::SparseMatrix<double> sum = Kn ? Eigen::SparseMatrix<double>(K + *Kn + analysed) : Eigen::SparseMatrix<double>(K + analysed);
    if (first || sum.nonZeros() != analysed.nonZeros()) {
      analysed = sum;
      analysed.coeffs().setZero();
      CholmodLock lock(true);
      const auto t0 = std::chrono::steady_clock::now();
      chol.analyzePattern(analysed);
      rep.seconds_analyse += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      factor_exact = false;
      ++rep.analyses;
      factor_nonzeros = chol.cholmod().lnz;
      factor_flops = chol.cholmod().fl;
      factor_front = chol.largest_front();
    }
    if (!Kn) {
      K = std::move(sum);
      return;
    }
    *Kn = std::move(sum);
    K = Eigen::SparseMatrix<double>(K + analysed);
  }
};

SolverCache::SolverCache() = default;
SolverCache::~SolverCache() = default;
SolverCache::SolverCache(SolverCache&&) noexcept = default;
SolverCache& SolverCache::operator=(SolverCache&&) noexcept = default;

namespace {

double median_penalty(const FemModel& m) {
  std::vector<double> k;
  for (const auto& c : m.rigid_contacts) k.insert(k.end(), c.penalty_N_per_m.begin(), c.penalty_N_per_m.end());
  for (const auto& c : m.surface_contacts) k.insert(k.end(), c.penalty_N_per_m.begin(), c.penalty_N_per_m.end());
  if (k.empty()) return 1.0;
  std::nth_element(k.begin(), k.begin() + k.size() / 2, k.end());
  return k[k.size() / 2];
}

// The tangent's dense rank-one parts (K + U D U^T, D = diag(k)) by the Woodbury formula: x from
// K x = r becomes x - Y (D^-1 + U^T Y)^-1 U^T x, Y = K^-1 U: r extra solves (r the number of
// cavities, one) once per tangent, then a few dot products per right-hand side.
template <class Factor>
struct RankOneSolve {
  const std::vector<fem_terms::RankOne>& parts;
  std::vector<Eigen::VectorXd> Y;
  Eigen::LDLT<Eigen::MatrixXd> S;
  RankOneSolve(const std::vector<fem_terms::RankOne>& p, Factor& chol) : parts(p) {
    const int r = static_cast<int>(parts.size());
    if (r == 0) return;
    Y.resize(r);
    Eigen::MatrixXd M = Eigen::MatrixXd::Zero(r, r);
    for (int i = 0; i < r; ++i) Y[i] = chol.solve(parts[i].v);
    for (int i = 0; i < r; ++i) {
      M(i, i) = 1.0 / parts[i].k;
      for (int j = 0; j < r; ++j) M(i, j) += parts[i].v.dot(Y[j]);
    }
    S.compute(M);
  }
  // x = K^-1 r on entry; (K + U D U^T)^-1 r on exit.
  void apply(Eigen::VectorXd& x) const {
    if (Y.empty() || !x.allFinite()) return;
    Eigen::VectorXd b(Y.size());
    for (size_t i = 0; i < Y.size(); ++i) b[i] = parts[i].v.dot(x);
    const Eigen::VectorXd c = S.solve(b);
    for (size_t i = 0; i < Y.size(); ++i) x -= c[i] * Y[i];
  }
};

// A push-only support that has let go by a hair (a roller lifted micrometres off the floor when
// the scene is placed anew) has no stiffness, so the step would carry its body metres through it
// and the line search would cut it to nothing: a wasted Newton iteration at every new roller
// place. Where the forces press the body towards the support (the descent direction -grad closes
// its gap), the step is taken on the support's touching branch, its spring k delta^2 / 2 extended
// to delta > 0: its stiffness in the tangent, its pull k delta in the step's right-hand side, so
// the step closes the gap and bears on the support at once. Where the forces lift the body away
// it stays out, so a body leaving its support is not held. Only the step changes: the energy and
// the residual that judge it and decide convergence are the exact ones. Returns the step's
// right-hand side, -grad plus those pulls.
Eigen::VectorXd step_rhs_with_pressed_supports(Eval& ev) {
  Eigen::VectorXd rhs = -ev.grad;
  for (const Eval::NearSupport& ns : ev.near_supports) {
    double closing = 0;  // d delta along -grad
    for (int a = 0; a < 12; ++a)
      if (ns.dof[a] >= 0) closing -= ns.jac[a] * ev.grad[ns.dof[a]];
    if (closing >= 0) continue;
    for (int a = 0; a < 12; ++a) {
      if (ns.dof[a] < 0) continue;
      rhs[ns.dof[a]] -= ns.k * ns.delta * ns.jac[a];
      for (int b = 0; b < 12; ++b)
        if (ns.dof[b] >= 0) ev.trip.emplace_back(ns.dof[a], ns.dof[b], ns.k * ns.jac[a] * ns.jac[b]);
    }
  }
  return rhs;
}

// An inexact Newton step on the exact tangent A (+ its rank-one parts) by conjugate gradients,
// preconditioned by the last factorisation. Tried only where that factorisation is a good
// preconditioner: it was of an exact tangent (no shift) and the last step went all the way, and
// either the residual is down to kReuseGate times the tolerance (Newton's final, quadratic phase,
// where the contact set has settled) or the multipliers were just updated (the active contacts'
// stiffness does not depend on their multipliers, so the tangent is the one just factorised).
// Solved to kReuseRtol of the right-hand side within kReuseMaxCg iterations, else the caller
// factorises afresh. An iteration costs a pair of triangular solves, about a twelfth of a
// factorisation on the main job's mesh. Measured on the standard roller along T2-L5 (one
// thread): 167 -> 124 factorisations, 266 CG iterations, Newton iterations unchanged; the main
// job's three rollers (one thread each, run side by side): 116.8 -> 106.7 CPU-seconds. Tried on
// every step (no gate), most early tries failed and it saved nothing.
constexpr double kReuseGate = 40, kReuseRtol = 1e-2;
constexpr int kLagStall = 10;  // Newton iterations without a new low before friction's lag is relaxed
// Near the solution: the residual under kNearGate times the tolerance. There the tangent holds the
// grid cells' pressure stiffness (below) and friction's stalls are counted.
constexpr double kNearGate = 400;
constexpr int kReuseMaxCg = 8;
bool reuse_step(const Eigen::SparseMatrix<double>& A, const std::vector<fem_terms::RankOne>& parts,
                const Eigen::VectorXd& rhs, const Eigen::VectorXd& grad, double residual_tol, NewtonWorkspace& w,
                SolveReport& rep, Eigen::VectorXd& du) {
  if (!w.factor_exact || !w.last_full_step) return false;
  if (!w.after_update && grad.cwiseAbs().maxCoeff() > kReuseGate * residual_tol) return false;
  CholmodLock lock;
  const RankOneSolve<decltype(w.chol)> r1(parts, w.chol);
  auto apply_A = [&](const Eigen::VectorXd& x) {
    Eigen::VectorXd y = A * x;
    for (const fem_terms::RankOne& p : parts) y += p.k * p.v.dot(x) * p.v;
    return y;
  };
  auto precondition = [&](const Eigen::VectorXd& r) {
    Eigen::VectorXd z = w.chol.solve(r);
    r1.apply(z);
    return z;
  };
  du = Eigen::VectorXd::Zero(rhs.size());
  Eigen::VectorXd r = rhs, z = precondition(r), p = z;
  double rz = r.dot(z);
  const double stop = kReuseRtol * rhs.norm();
  for (int it = 1; it <= kReuseMaxCg; ++it) {
    ++rep.cg_iterations;
    const Eigen::VectorXd Ap = apply_A(p);
    const double pAp = p.dot(Ap);
    if (!(pAp > 0)) break;  // not positive definite along p: factorise instead
    const double a = rz / pAp;
    du += a * p;
    r -= a * Ap;
    if (r.norm() <= stop) {
      if (!(du.allFinite() && du.dot(grad) < 0)) break;
      ++rep.reused_steps;
      return true;
    }
    z = precondition(r);
    const double rz_next = r.dot(z);
    p = z + (rz_next / rz) * p;
    rz = rz_next;
  }
  return false;
}

// The Newton step du at the evaluated state ev (empty when no tangent factorises), and whether it
// came from the exact tangent; with reuse, on the last factorisation where it fits (reuse_step).
// Counts factorisations and times assembly and factorisation.
Eigen::VectorXd newton_step(const FemModel& m, Eval& ev, double k_reg, bool reuse, NewtonWorkspace& w, SolveReport& rep,
                            bool* exact) {
  auto tic = std::chrono::steady_clock::now();
  auto toc = [&tic](double& acc) {
    const auto now = std::chrono::steady_clock::now();
    acc += std::chrono::duration<double>(now - tic).count();
    tic = now;
  };
  // Before any contact is active a free rigid body (one held by no joint and no tissue: a roller)
  // has no stiffness: regularise its dofs (this shapes the step only, never the equilibrium that
  // the residual test accepts).
  if (ev.active == 0)
    for (size_t b = 0; b < m.rigid_bodies.size(); ++b)
      for (int c = 0; c < 6; ++c)
        if (!m.body_anchors[b] && m.rigid_bodies[b].dof[c] >= 0)
          ev.trip.emplace_back(m.rigid_bodies[b].dof[c], m.rigid_bodies[b].dof[c], c < 3 ? k_reg : k_reg * 1e-2);
  const Eigen::VectorXd rhs = step_rhs_with_pressed_supports(ev);
  std::copy(ev.k_elastic.begin(), ev.k_elastic.end(), w.Kel.valuePtr());
  w.Kdyn.setFromTriplets(ev.trip.begin(), ev.trip.end());
  w.K = w.Kel + w.Kdyn;
  Eigen::SparseMatrix<double>& K = w.K;
  Eigen::SparseMatrix<double> Kx;  // the exact tangent, when it is not K (below)
  if (!ev.trip_neg.empty()) {
    Kx.resize(m.n_dofs, m.n_dofs);
    Kx.setFromTriplets(ev.trip_neg.begin(), ev.trip_neg.end());
  }
  const bool with_pressure = !ev.k_pressure.empty();
  if (with_pressure) {
    if (w.Kp.nonZeros() != w.Kel.nonZeros()) w.Kp = w.Kel;  // the elastic pattern, first asked for here
    std::copy(ev.k_pressure.begin(), ev.k_pressure.end(), w.Kp.valuePtr());
  }
  toc(rep.seconds_assemble);
  w.pad(m, K, ev.trip_neg.empty() ? nullptr : &Kx, rep);  // Kx: K + the contact's negative part
  // The exact tangent: K with the contact curvature's negative part and the grid cells' pressure
  // stiffness (Kp, in the elastic pattern, which the pattern analysed holds).
  if (with_pressure) Kx = Eigen::SparseMatrix<double>((ev.trip_neg.empty() ? K : Kx) + w.Kp);
  const bool has_exact = with_pressure || !ev.trip_neg.empty();
  // The step, from the first of these that factorises and points downhill:
  //  1. the exact tangent, with its two indefinite parts: the contact curvature's negative part
  //     (a point sliding off a convex bump) and the cells' pressure stiffness (a nearly
  //     incompressible tissue squeezed under a roller): Newton's quadratic convergence near the
  //     solution;
  //  2. without them (the contact's part is semi-definite by construction, so it fails only if
  //     the tissue's own tangent is indefinite);
  //  3. (2) with a diagonal shift: large compression, a free body. The shift that last worked,
  //     a tenth of it, is tried first, so a run of indefinite steps does not pay for a failed
  //     factorisation each time; it fades once the tangent is definite.
  // Measured on the spiked roller along T2-L5 (16 positions, one thread): shifting the exact
  // tangent took 319 Newton steps and 522 factorisations (62.6 s); this order, 152 and 234
  // (18.7 s). A saddle (the ridge balanced on a spike) gets the lengthening line search.
  Eigen::VectorXd du;
  *exact = false;
  if (reuse && reuse_step(has_exact ? Kx : K, ev.rank_one, rhs, ev.grad, rep.residual_tol_N, w, rep, du)) {
    *exact = true;
    toc(rep.seconds_factorize);
    return du;
  }
  auto try_factor = [&](const Eigen::SparseMatrix<double>& A) {
    CholmodLock lock;
    w.chol.factorize(A);
    ++rep.factorizations;
    if (w.chol.info() != Eigen::Success) {
      ++rep.failed_factorizations;
      return false;
    }
    du = w.chol.solve(rhs);
    RankOneSolve<decltype(w.chol)>(ev.rank_one, w.chol).apply(du);
    return du.allFinite() && du.dot(ev.grad) < 0;
  };
  w.factor_exact = false;
  if (has_exact) *exact = w.factor_exact = try_factor(Kx);
  const double diag_max = K.diagonal().cwiseAbs().maxCoeff();
  double shift = 0;
  if (*exact) {
    w.shift_hint *= 0.1;
  } else {
    shift = w.shift_hint >= 1e-9 * diag_max ? w.shift_hint : 0.0;
    for (int d = 0; shift > 0 && d < m.n_dofs; ++d) K.coeffRef(d, d) += shift;
    bool ok = false;
    for (int attempt = 0; attempt < 8; ++attempt) {
      ok = try_factor(K);
      if (ok) break;
      const double next = shift == 0 ? 1e-6 * diag_max : shift * 10;
      for (int d = 0; d < m.n_dofs; ++d) K.coeffRef(d, d) += next - shift;
      shift = next;
    }
    if (!ok) du.resize(0);
    w.shift_hint = 0.1 * shift;
    *exact = ok && !has_exact && shift == 0;
    w.factor_exact = *exact;
  }
  toc(rep.seconds_factorize);
  return du;
}

// Backtracking line search on the energy (Armijo) along du from the state ev was evaluated at;
// moves st.u and returns the share of du taken (0: no step was accepted; 1 or more: all of it).
double line_search(const FemModel& m, FemState& st, const Eval& ev, const Eigen::VectorXd& du, double load, bool exact) {
  const double slope = du.dot(ev.grad);
  double alpha = 1.0;
  const double grad_norm = ev.grad.norm();
  for (int ls = 0; ls < 40; ++ls) {
    const Eigen::VectorXd trial = st.u + alpha * du;
    const double e = evaluate(m, st, trial, load, false, false).energy;
    bool accepted = false;
    if (std::isfinite(e) && e <= ev.energy + 1e-4 * alpha * slope) {
      accepted = true;
    } else if (std::isfinite(e) && std::abs(e - ev.energy) <= 1e-11 * std::max(std::abs(ev.energy), ev.energy_magnitude)) {
      // Near convergence the energy change drowns in round-off (of the terms it sums, which may
      // cancel): judge the step by the residual instead.
      accepted = evaluate(m, st, trial, load, true, false).grad.norm() < grad_norm;
    }
    if (accepted) {
      st.u = trial;
      if (alpha == 1.0 && !exact) {
        // A modified tangent (negative curvature dropped or shifted) does not know the step's
        // length: while doubling it keeps lowering the energy, go on (up to 16x). Near a saddle
        // this is what moves the state off it.
        double e_best = e;
        for (int k = 0; k < 4; ++k) {
          const Eigen::VectorXd longer = st.u + alpha * du;
          const double e2 = evaluate(m, st, longer, load, false, false).energy;
          if (!(std::isfinite(e2) && e2 < e_best)) break;
          e_best = e2;
          st.u = longer;
          alpha *= 2;
        }
      }
      return alpha;
    }
    alpha *= 0.5;
  }
  return 0;
}

}  // namespace

SolveReport solve_equilibrium(const FemModel& m, FemState& st, const SolverSettings& s, SolverCache* cache) {
  const auto t0 = std::chrono::steady_clock::now();
  SolveReport rep;
  if (st.u.size() != m.n_dofs || st.body_rotation.size() != m.rigid_bodies.size()) st.reset(m);
  check_inputs(m, st.inputs);
  rep.residual_tol_N = s.residual_rtol * std::max(st.inputs.load_scale_N(m), 1e-30);
  const double k_reg = median_penalty(m);
  SolverCache own;
  if (!cache) cache = &own;
  if (!cache->w_ || cache->model_ != &m || cache->w_->K.rows() != m.n_dofs) {
    cache->w_ = std::make_unique<NewtonWorkspace>(m);
    cache->model_ = &m;
  }
  NewtonWorkspace& w = *cache->w_;
  w.shift_hint = 0;
  w.last_full_step = w.after_update = false;
  auto finish = [&](bool ok, const std::string& msg) {
    rep.converged = ok;
    rep.message = msg;
    rep.factor_nonzeros = w.factor_nonzeros;
    rep.factor_flops = w.factor_flops;
    rep.factor_largest_front = w.factor_front;
    rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return rep;
  };
  bool relax_lag = false;  // friction's lag moved half way (below)
  double lowest = std::numeric_limits<double>::infinity();
  int since_lowest = 0;
  for (int step = 1; step <= s.load_steps; ++step) {
    const double load = static_cast<double>(step) / s.load_steps;
    while (true) {
      if (s.cancel && s.cancel->load(std::memory_order_relaxed)) {
        rep.cancelled = true;
        return finish(false, "cancelled");
      }
      // Every evaluation at theta = 0: the tangent is the exact second derivative there.
      st.fold_rotations(m);
      // Friction acts with the normal forces of the state each Newton step starts from (lagged
      // by one step, fem/quasi_static.h): at convergence they are the solution's own. Lagging
      // is a fixed-point iteration, and near the solution it can cycle: Newton steps that go all
      // the way and a residual that swings between two values, as the soft roller's cold solve
      // at T11 on the fine patch did (1.2 / 0.88 N against a 0.076 N tolerance, to the 200th
      // iteration, on the exact tangent too). Once the residual, under kNearGate x the
      // tolerance, has not set a new low for kLagStall iterations, the lag moves the normal
      // forces half way only; the solve then converges only where the half it left is within
      // the tolerance (the friction's bound from the solution's own normal forces).
      const double moved = lag_friction(m, st, relax_lag ? 0.5 : 1.0);
      const bool lag_settled = !relax_lag || 0.5 * moved <= rep.residual_tol_N;
      const auto tic = std::chrono::steady_clock::now();
      // Far from the solution, unless the solve asks for it (SolverSettings::
      // cells_pressure_stiffness), the step's tangent leaves out the grid cells' pressure
      // stiffness (fem_terms.h): under a roller a nearly incompressible fat's cells carry some
      // 100 kPa, about 140 times its shear modulus, and that term makes most of those tangents
      // indefinite. Near it (the last residual under kNearGate x the tolerance) the tangent holds
      // it: newton_step tries the tangent with it first and the one without it second. Left out
      // there too, the last steps converge linearly, and where the squeezed cells carry much of
      // the load (the peanut's groove at T7 on the main job's patch) by 1-7 % a step: 151 Newton
      // steps, the skin's residual 0.05 N a node at most but 8 N summed (the supports balanced
      // the weight to 1.1 %), read as friction's lag cycling. With it: 24 steps, 0.03 N summed.
      // Without grid cells nothing changes.
      const bool near = !rep.residual_history.empty() && rep.residual_history.back() <= kNearGate * rep.residual_tol_N;
      Eval ev = evaluate(m, st, st.u, load, true, true, s.cells_pressure_stiffness || near);
      rep.seconds_evaluate += std::chrono::duration<double>(std::chrono::steady_clock::now() - tic).count();
      if (!std::isfinite(ev.energy)) return finish(false, "inverted element in the current state");
      rep.residual_max_N = ev.grad.size() ? ev.grad.cwiseAbs().maxCoeff() : 0.0;
      rep.penetration_max_m = ev.max_penetration;
      rep.residual_history.push_back(rep.residual_max_N);
      if (!std::isfinite(rep.residual_max_N)) return finish(false, "non-finite residual");
      if (rep.residual_max_N <= kNearGate * rep.residual_tol_N) {
        if (rep.residual_max_N < 0.9 * lowest) lowest = rep.residual_max_N, since_lowest = 0;
        else if (++since_lowest >= kLagStall && !relax_lag) relax_lag = true, ++rep.relaxed_lags;
      }
      if (rep.residual_max_N <= rep.residual_tol_N && lag_settled) {
        if (ev.max_penetration <= s.gap_tol_m) break;  // converged at this load step
        if (rep.multiplier_updates >= s.max_multiplier_updates)
          return finish(false, "contact multipliers did not converge (penetration above gap_tol_m)");
        // Augmented Lagrangian update: the multiplier takes the current contact force.
        for (size_t c = 0; c < m.rigid_contacts.size(); ++c)
          if (!m.rigid_contacts[c].compliant) st.rigid_mult[c] = ev.rigid_lam[c];
        st.surface_mult = ev.surface_lam;
        ++rep.multiplier_updates;
        w.after_update = true;
        continue;
      }
      if (rep.newton_iterations >= s.max_newton) {
        std::ostringstream os;
        os << "Newton did not converge in " << s.max_newton << " iterations (residual " << rep.residual_max_N
           << " N > " << rep.residual_tol_N << " N)";
        rep.iteration_limit = true;
        return finish(false, os.str());
      }
      ++rep.newton_iterations;
      bool exact = false;
      const Eigen::VectorXd du = newton_step(m, ev, k_reg, s.reuse_factorization, w, rep, &exact);
      if (du.size() == 0) return finish(false, "linear solve failed (tangent not positive definite)");
      const auto ls0 = std::chrono::steady_clock::now();
      const double taken = line_search(m, st, ev, du, load, exact);
      w.last_full_step = taken >= 1.0;
      w.after_update = false;
      rep.seconds_line_search += std::chrono::duration<double>(std::chrono::steady_clock::now() - ls0).count();
      if (taken == 0) return finish(false, "line search failed (no energy decrease along Newton step)");
    }
  }
  return finish(true, "converged");
}

std::vector<Vec3> node_positions(const FemModel& model, const FemState& state) {
  return pose_of(model, state, state.u, false).x;
}

Vec3 rigid_position(const FemModel& model, const FemState& state, int body) {
  return rigid_pos_of(model, state.inputs, state.u, body);
}

Vec3 rigid_rotation(const FemModel& model, const FemState& state, int body) {
  return rotation::log_map(bodies_of(model, state, state.u).q[body]);
}

Mat3 rigid_orientation(const FemModel& model, const FemState& state, int body) {
  return bodies_of(model, state, state.u).R[body];
}

double body_signed_distance(const FemModel& model, const FemState& state, int body, const Vec3& p, Vec3* normal) {
  const Pose pose = bodies_of(model, state, state.u);
  return PosedShape(*model.rigid_bodies.at(body).shape, pose.R[body]).signed_distance(p - pose.origin[body], normal);
}

JointState joint_state(const FemModel& m, const FemState& st, int joint) {
  const Joint& j = m.joints[joint];
  const JointMotion jm = joint_motion(m, bodies_of(m, st, st.u), j, false);
  JointState js;
  for (int r = 0; r < 6; ++r) {
    const double d = jm.delta[r];
    const double f = spring(j, r, d).force;
    if (r < 3) js.translation_m[r] = d, js.force_N[r] = f;
    else js.rotation_rad[r - 3] = d, js.moment_Nm[r - 3] = f;
  }
  return js;
}

std::vector<Vec3> internal_forces(const FemModel& m, const FemState& st) {
  const std::vector<Vec3> x = pose_of(m, st, st.u, false).x;
  const std::vector<double> ratio = group_volume_ratios(m, x);
  std::vector<Vec3> f(m.mesh.n_nodes(), Vec3::Zero());
  for (int t = 0; t < m.mesh.n_tets(); ++t) {
    if (m.tet_cavity[t] >= 0) continue;
    const Tet& e = m.mesh.tets[t];
    const Mat3 F = deformation_gradient(m, x, t);
    const double r = m.tet_group[t] >= 0 ? ratio[m.tet_group[t]] : 1.0;
    const Eigen::Matrix<double, 3, 4> fe =
        m.tet_volume_m3[t] * tissue_pk1(m, st.inputs, t, F, r) * m.tet_grad[t].transpose();
    for (int a = 0; a < 4; ++a) f[e[a]] += fe.col(a);
  }
  return f;
}

}  // namespace backroll
