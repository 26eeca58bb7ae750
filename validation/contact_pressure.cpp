#include "validation/contact_pressure.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace backroll {

PressureField contact_pressure(const FemModel& m, const FemState& st, const std::vector<Tri>& surface) {
  const std::vector<Vec3> x = node_positions(m, st);
  const std::vector<Vec3> fint = internal_forces(m, st);
  std::map<int, size_t> slot;  // node -> index in the field (ordered: deterministic)
  for (const Tri& t : surface)
    for (int v : t) slot.emplace(v, 0);
  PressureField pf;
  for (auto& kv : slot) {
    kv.second = pf.node.size();
    pf.node.push_back(kv.first);
  }
  const size_t n = pf.node.size();
  pf.position_m.resize(n);
  pf.normal.assign(n, Vec3::Zero());
  pf.area_m2.assign(n, 0.0);
  pf.pressure_Pa.assign(n, 0.0);
  pf.shear_Pa.assign(n, 0.0);
  for (const Tri& t : surface) {
    const Vec3 c = (x[t[1]] - x[t[0]]).cross(x[t[2]] - x[t[0]]);  // 2 x area x normal
    for (int v : t) {
      pf.normal[slot[v]] += c;
      pf.area_m2[slot[v]] += c.norm() / 6.0;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    const int node = pf.node[i];
    pf.position_m[i] = x[node];
    pf.normal[i].normalize();
    Vec3 fc = Vec3::Zero();
    for (int c = 0; c < 3; ++c)
      if (m.node_dof[node][c] >= 0) fc[c] = fint[node][c] - st.inputs.node_force_N[node][c];
    const double fn = -pf.normal[i].dot(fc);
    pf.pressure_Pa[i] = fn / pf.area_m2[i];
    pf.shear_Pa[i] = (fc + fn * pf.normal[i]).norm() / pf.area_m2[i];
  }
  return pf;
}

PressureStats pressure_stats(const PressureField& f, double threshold_Pa, const Vec3& axis) {
  PressureStats s;
  Vec3 moment = Vec3::Zero();
  for (size_t i = 0; i < f.node.size(); ++i) {
    const double F = f.pressure_Pa[i] * f.area_m2[i];
    s.total_force_N += F;
    if (f.pressure_Pa[i] > threshold_Pa) {
      s.contact_area_m2 += f.area_m2[i];
      ++s.contact_nodes;
    }
    s.peak_Pa = std::max(s.peak_Pa, f.pressure_Pa[i]);
    moment += F * f.position_m[i];
  }
  if (s.total_force_N > 0) {
    s.centre_of_pressure_m = moment / s.total_force_N;
    double m2 = 0;
    for (size_t i = 0; i < f.node.size(); ++i) {
      const double d = axis.dot(f.position_m[i] - s.centre_of_pressure_m);
      m2 += f.pressure_Pa[i] * f.area_m2[i] * d * d;
    }
    s.second_moment_halfwidth_m = 2.0 * std::sqrt(std::max(0.0, m2 / s.total_force_N));
  }
  if (s.contact_area_m2 > 0) s.mean_Pa = s.total_force_N / s.contact_area_m2;
  return s;
}

}  // namespace backroll
