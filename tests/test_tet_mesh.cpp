#include <catch2/catch.hpp>

#include "fem/tet_mesh.h"

using namespace backroll;

TEST_CASE("graded_axis is fine inside the zone, grows outside, hits both ends", "[unit][mesh]") {
  const auto xs = graded_axis(-0.15, 0.15, -0.01, 0.01, 0.001, 1.2, 0.02);
  REQUIRE(xs.front() == Approx(-0.15));
  REQUIRE(xs.back() == Approx(0.15));
  double hmin = 1, hmax = 0;
  for (size_t i = 1; i < xs.size(); ++i) {
    const double h = xs[i] - xs[i - 1];
    REQUIRE(h > 0);
    hmin = std::min(hmin, h);
    hmax = std::max(hmax, h);
    if (xs[i] <= 0.01 + 1e-12 && xs[i - 1] >= -0.01 - 1e-12) CHECK(h == Approx(0.001).epsilon(1e-9));
  }
  CHECK(hmin == Approx(0.001).epsilon(1e-9));
  CHECK(hmax <= 0.02 * 1.5 + 1e-12);  // at most a cap-sized cell plus a merged remainder
}

TEST_CASE("structured block: positive tets, exact volume, closed outward boundary", "[unit][mesh]") {
  TetMesh m;
  const auto xs = graded_axis(0, 0.1, 0.04, 0.06, 0.005, 1.3, 0.02);
  const auto ys = graded_axis(0, 0.05, 0.04, 0.05, 0.005, 1.3, 0.02);
  append_structured(m, xs.size(), ys.size(), 3, false, 0, [&](int i, int j, int k) {
    return Vec3(xs[i], ys[j], 0.01 * k);
  });
  double vol = 0;
  for (const Tet& t : m.tets) {
    const double v = tet_signed_volume(m.X[t[0]], m.X[t[1]], m.X[t[2]], m.X[t[3]]);
    REQUIRE(v > 0);
    vol += v;
  }
  CHECK(vol == Approx(0.1 * 0.05 * 0.02).epsilon(1e-12));
  // Boundary area equals the box surface; the divergence theorem (sum of n A . x / 3) its volume.
  double area = 0, div = 0;
  for (const Tri& f : boundary_faces(m)) {
    const Vec3 c = (m.X[f[1]] - m.X[f[0]]).cross(m.X[f[2]] - m.X[f[0]]) / 2;
    area += c.norm();
    div += c.dot(m.X[f[0]]) / 3;
  }
  CHECK(area == Approx(2 * (0.1 * 0.05 + 0.1 * 0.02 + 0.05 * 0.02)).epsilon(1e-12));
  CHECK(div == Approx(vol).epsilon(1e-12));
  const MeshQuality q = mesh_quality(m);
  CHECK(q.min_volume_m3 > 0);
  CHECK(q.min_dihedral_deg > 10);
  CHECK(q.max_dihedral_deg < 170);
}

TEST_CASE("periodic annulus closes on itself", "[unit][mesh]") {
  TetMesh m;
  const int nr = 4, nt = 24;
  append_structured(m, nr, nt, 2, true, 1, [&](int i, int j, int k) {
    const double r = 0.02 + 0.01 * i, th = 2 * M_PI * j / nt;
    return Vec3(r * std::cos(th), r * std::sin(th), 0.01 * k);
  });
  double vol = 0;
  for (const Tet& t : m.tets) vol += tet_signed_volume(m.X[t[0]], m.X[t[1]], m.X[t[2]], m.X[t[3]]);
  // A 24-gon annulus: area = (nt/2) sin(2 pi/nt) (r_o^2 - r_i^2).
  CHECK(vol == Approx(0.5 * nt * std::sin(2 * M_PI / nt) * (0.05 * 0.05 - 0.02 * 0.02) * 0.01).epsilon(1e-12));
  CHECK(m.n_nodes() == nr * nt * 2);
  // No boundary faces between j = nt-1 and j = 0: only inner, outer and the two z faces.
  CHECK(boundary_faces(m).size() == static_cast<size_t>(2 * nt * 2 + 2 * (nr - 1) * nt * 2));
}
