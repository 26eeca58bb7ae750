#include "fem/viscoelastic.h"

#include <cmath>

namespace backroll {
namespace {

// The step's weights for one relaxation: e = exp(-dt / tau), g gamma.
struct StepWeights {
  double e = 1, g_gamma = 0;
};
StepWeights weights(const Relaxation& r, double dt_s) {
  StepWeights w;
  if (r.g <= 0 || r.tau_s <= 0) return w;
  const double x = dt_s / r.tau_s;
  w.e = std::exp(-x);
  w.g_gamma = r.g * (x > 1e-8 ? -std::expm1(-x) / x : 1 - 0.5 * x);
  return w;
}

// Every relaxing tet's elastic shear stress as PK2, S_e = F^-1 P_shear(F) (its law without the
// volume term: lambda's, its own and its group's, does not relax), at the state's configuration.
std::vector<Mat3> shear_pk2(const FemModel& m, const FemState& st) {
  const std::vector<Vec3> x = node_positions(m, st);
  std::vector<Mat3> S(m.mesh.n_tets(), Mat3::Zero());
  for (int t = 0; t < m.mesh.n_tets(); ++t) {
    if (m.tet_cavity[t] >= 0 || m.tet_relaxation.empty() || m.tet_relaxation[t].g <= 0) continue;
    const Mat3 F = deformation_gradient(m, x, t);
    NeoHookean shear = m.tet_material[t];
    shear.lambda_Pa = 0;
    S[t] = F.inverse() * shear.pk1(F);
  }
  return S;
}

}  // namespace

void ViscousHistory::start(const FemModel& m, const FemState& st) {
  S_e_ = shear_pk2(m, st);
  h_.assign(S_e_.size(), Mat3::Zero());
  for (size_t t = 0; t < h_.size(); ++t)
    if (!m.tet_relaxation.empty()) h_[t] = m.tet_relaxation[t].g * S_e_[t];
}

void ViscousHistory::prepare(const FemModel& m, double dt_s, FemInputs& in) const {
  const size_t nt = static_cast<size_t>(m.mesh.n_tets());
  in.viscous_scale.assign(nt, 1.0);
  in.viscous_stress_PK2_Pa.assign(nt, Mat3::Zero());
  if (m.tet_relaxation.empty()) return;
  for (size_t t = 0; t < nt; ++t) {
    const Relaxation& r = m.tet_relaxation[t];
    if (r.g <= 0) continue;
    const StepWeights w = weights(r, dt_s);
    in.viscous_scale[t] = (1 - r.g) + w.g_gamma;
    in.viscous_stress_PK2_Pa[t] = w.e * h_[t] - w.g_gamma * S_e_[t];
  }
}

void ViscousHistory::commit(const FemModel& m, const FemState& st, double dt_s) {
  const std::vector<Mat3> S_new = shear_pk2(m, st);
  for (size_t t = 0; t < h_.size(); ++t) {
    if (m.tet_relaxation.empty() || m.tet_relaxation[t].g <= 0) continue;
    const StepWeights w = weights(m.tet_relaxation[t], dt_s);
    h_[t] = w.e * h_[t] + w.g_gamma * (S_new[t] - S_e_[t]);
  }
  S_e_ = S_new;
}

void ViscousHistory::clear(FemInputs& in) {
  in.viscous_scale.clear();
  in.viscous_stress_PK2_Pa.clear();
}

}  // namespace backroll
