#include "measure/pressure_mat.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace backroll {

MatStats mat_stats(const PressureMat& mat, double xlo, double xhi, double slo, double shi) {
  MatStats st;
  std::vector<double> loaded;
  double fx = 0, fs = 0;
  for (int is = 0; is < mat.ns; ++is)
    for (int ix = 0; ix < mat.nx; ++ix) {
      const double xc = mat.x0_m + (ix + 0.5) * mat.cell_m, sc = mat.s0_m + (is + 0.5) * mat.cell_m;
      if (xc < xlo || xc > xhi || sc < slo || sc > shi) continue;
      const double f = mat.force_N[is * mat.nx + ix];
      const double p = mat.pressure_Pa(ix, is);
      st.force_N += f;
      fx += f * xc;
      fs += f * sc;
      st.peak_Pa = std::max(st.peak_Pa, p);
      if (p > kContactThresholdPa) loaded.push_back(p);
    }
  const double A = mat.cell_m * mat.cell_m;
  st.contact_area_m2 = loaded.size() * A;
  if (!loaded.empty()) {
    double sum = 0;
    for (double p : loaded) sum += p;
    st.mean_Pa = sum / loaded.size();
    std::sort(loaded.begin(), loaded.end(), std::greater<double>());
    const size_t k = std::min(loaded.size(), static_cast<size_t>(std::ceil(kPpiAreaM2 / A - 1e-9)));
    double top = 0;
    for (size_t i = 0; i < k; ++i) top += loaded[i];
    st.ppi_Pa = top / k;
  }
  if (st.force_N > 0) {
    st.cop_x_m = fx / st.force_N;
    st.cop_s_m = fs / st.force_N;
  }
  return st;
}

SkinGrid::SkinGrid(const BodyModel& m) {
  for (int k : m.skin_nodes) xs.push_back(m.node_local[k].x()), ss.push_back(m.node_local[k].y());
  auto uniq = [](std::vector<double>& v) {
    std::sort(v.begin(), v.end());
    std::vector<double> u;
    for (double e : v)
      if (u.empty() || e - u.back() > 1e-9) u.push_back(e);
    v.swap(u);
  };
  uniq(xs);
  uniq(ss);
}

void SkinGrid::span(const std::vector<double>& v, double e, double* lo, double* hi) {
  const size_t i = std::lower_bound(v.begin(), v.end(), e - 1e-9) - v.begin();
  *lo = i > 0 ? 0.5 * (v[i - 1] + v[i]) : v[i];
  *hi = i + 1 < v.size() ? 0.5 * (v[i] + v[i + 1]) : v[i];
}

PressureMat pressure_mat(const BodyModel& m, const SkinGrid& g, const std::vector<double>& fn) {
  PressureMat mat;
  mat.cell_m = kMatCellM;
  mat.x0_m = g.xs.front();
  mat.s0_m = g.ss.front();
  mat.nx = static_cast<int>(std::ceil((g.xs.back() - g.xs.front()) / mat.cell_m - 1e-9));
  mat.ns = static_cast<int>(std::ceil((g.ss.back() - g.ss.front()) / mat.cell_m - 1e-9));
  mat.force_N.assign(static_cast<size_t>(mat.nx) * mat.ns, 0.0);
  for (int k : m.skin_nodes) {
    if (fn[k] <= 0) continue;
    double xl, xh, sl, sh;
    SkinGrid::span(g.xs, m.node_local[k].x(), &xl, &xh);
    SkinGrid::span(g.ss, m.node_local[k].y(), &sl, &sh);
    const double A = (xh - xl) * (sh - sl);
    const int ix0 = std::max(0, static_cast<int>((xl - mat.x0_m) / mat.cell_m));
    const int ix1 = std::min(mat.nx - 1, static_cast<int>((xh - mat.x0_m) / mat.cell_m));
    const int is0 = std::max(0, static_cast<int>((sl - mat.s0_m) / mat.cell_m));
    const int is1 = std::min(mat.ns - 1, static_cast<int>((sh - mat.s0_m) / mat.cell_m));
    for (int is = is0; is <= is1; ++is)
      for (int ix = ix0; ix <= ix1; ++ix) {
        const double cx0 = mat.x0_m + ix * mat.cell_m, cs0 = mat.s0_m + is * mat.cell_m;
        const double ox = std::min(xh, cx0 + mat.cell_m) - std::max(xl, cx0);
        const double os = std::min(sh, cs0 + mat.cell_m) - std::max(sl, cs0);
        if (ox > 0 && os > 0) mat.force_N[is * mat.nx + ix] += fn[k] * ox * os / A;
      }
  }
  return mat;
}

std::vector<double> skin_pressure(const BodyModel& m, const SkinGrid& g, const std::vector<double>& fn) {
  std::vector<double> out;
  out.reserve(m.skin_nodes.size());
  for (int k : m.skin_nodes) {
    double xl, xh, sl, sh;
    SkinGrid::span(g.xs, m.node_local[k].x(), &xl, &xh);
    SkinGrid::span(g.ss, m.node_local[k].y(), &sl, &sh);
    const double A = (xh - xl) * (sh - sl);
    out.push_back(A > 0 ? fn[k] / A : 0.0);
  }
  return out;
}

}  // namespace backroll
