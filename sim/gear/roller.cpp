#include "gear/roller.h"

#include <algorithm>
#include <cmath>

#include "io/toml_reader.h"

namespace backroll {
namespace {
constexpr double kPi = 3.14159265358979323846;

// Capped cylinder along x: radius r, half-length h.
double cylinder_x(const Vec3& p, double r, double h, Vec3* normal) {
  const double rho = std::hypot(p.y(), p.z());
  const Vec3 er = rho > 1e-15 ? Vec3(0, p.y() / rho, p.z() / rho) : Vec3(0, 0, 1);
  const Vec3 ex(p.x() >= 0 ? 1.0 : -1.0, 0, 0);
  const double dr = rho - r, dx = std::abs(p.x()) - h;
  if (dr <= 0 && dx <= 0) {
    if (normal) *normal = dr >= dx ? er : ex;
    return std::max(dr, dx);
  }
  if (dx <= 0) {
    if (normal) *normal = er;
    return dr;
  }
  if (dr <= 0) {
    if (normal) *normal = ex;
    return dx;
  }
  const double d = std::hypot(dr, dx);
  if (normal) *normal = (dr * er + dx * ex) / d;
  return d;
}

double sphere_at(const Vec3& p, const Vec3& c, double r, Vec3* normal) {
  const Vec3 d = p - c;
  const double n = d.norm();
  if (normal) *normal = n > 1e-15 ? Vec3(d / n) : Vec3(0, 0, 1);
  return n - r;
}

// The union of two shapes with the crease between them rounded over `k` (polynomial smooth
// minimum). Its gradient h grad(a) + (1 - h) grad(b) is exact; the result is returned as a
// first-order distance f / |grad f| with a unit normal, like the patterns below.
double smooth_union(double a, const Vec3& na, double b, const Vec3& nb, double k, Vec3* normal) {
  const double h = std::clamp(0.5 + 0.5 * (b - a) / k, 0.0, 1.0);
  const double f = b + h * (a - b) - k * h * (1 - h);
  const Vec3 g = h * na + (1 - h) * nb;
  const double gn = std::max(g.norm(), 1e-6);
  if (normal) *normal = g / gn;
  return f / gn;
}
}  // namespace

const char* name(RollerKind k) {
  return k == RollerKind::Peanut ? "peanut" : k == RollerKind::Ball ? "ball" : "cylinder";
}

const char* name(RollerPattern p) {
  return p == RollerPattern::Knobs ? "knobs" : p == RollerPattern::Spikes ? "spikes" : "none";
}

CompliantLayer RollerSpec::layer() const {
  CompliantLayer l;
  l.depth_m = foam_depth_m;
  l.plateau = foam_plateau_Pa / foam_E_Pa;
  // Densification adds at e_D what the first term holds there: B (e_D / (1 - e_D))^2 = phi_1(e_D).
  const double eD = foam_densification_strain;
  const double first = l.phi(eD);  // densify is still 0
  l.densify = first * std::pow((1 - eD) / eD, 2);
  return l;
}

RigidContactSet foam_contact(const RollerSpec& roller, int body, const std::vector<Tri>& faces,
                             const std::vector<Vec3>& X) {
  RigidContactSet cs;
  cs.body = body;
  cs.compliant = true;
  cs.layer = roller.layer();
  cs.friction = roller.friction;
  cs.friction_slip_m = roller.friction_slip_m;
  const double spacing = 0.25 * roller.feature_size_m();
  for (const Tri& f : faces) {
    const Vec3 &A = X[f[0]], &B = X[f[1]], &C = X[f[2]];
    const double edge = std::max({(B - A).norm(), (C - B).norm(), (A - C).norm()});
    const int m = std::clamp(static_cast<int>(std::ceil(edge / spacing)), 1, kMaxSubdivision);
    const double piece = 0.5 * (B - A).cross(C - A).norm() / (m * m);
    auto add = [&](double a, double b) {
      SurfacePoint sp;
      sp.node = {f[0], f[1], f[2]};
      sp.w = Vec3(1 - (a + b) / m, a / m, b / m);
      cs.slave_points.push_back(sp);
      cs.penalty_N_per_m.push_back(roller.foundation_Pa_per_m() * piece);
    };
    for (int i = 0; i < m; ++i)
      for (int j = 0; i + j < m; ++j) {
        add(i + 1.0 / 3, j + 1.0 / 3);                    // pieces pointing like the triangle
        if (i + j < m - 1) add(i + 2.0 / 3, j + 2.0 / 3);  // ... and the inverted ones
      }
  }
  return cs;
}

std::string roller_path(const std::string& name) { return std::string(BACKROLL_ASSET_DIR) + "/rollers/" + name + ".toml"; }

RollerSpec load_roller_spec(const std::string& path, const std::vector<ConfigOverride>& overrides) {
  TomlReader r(path, overrides);
  RollerSpec p;
  p.source = path;
  p.name = r.text("name");
  const std::string kind = r.text("kind", {name(RollerKind::Cylinder), name(RollerKind::Peanut), name(RollerKind::Ball)});
  for (RollerKind k : {RollerKind::Cylinder, RollerKind::Peanut, RollerKind::Ball})
    if (kind == name(k)) p.kind = k;
  p.diameter_m = r.number("diameter_m", 0.03, 0.4);
  if (p.kind == RollerKind::Cylinder) p.length_m = r.number("length_m", 0.1, 1.5);
  if (p.kind == RollerKind::Peanut) {
    p.groove_width_m = r.number("groove_width_m", 0.0, 0.1);
    p.core_diameter_m = r.number("core_diameter_m", 0.0, p.diameter_m);
    p.length_m = 2 * p.diameter_m + p.groove_width_m;
  }
  if (p.kind == RollerKind::Ball) p.length_m = p.diameter_m;
  p.foam_E_Pa = r.number("foam.youngs_modulus_Pa", 1e4, 1e9);
  p.foam_depth_m = r.number("foam.depth_m", 0.001, 0.5 * p.diameter_m);
  if (r.has("foam.plateau_Pa")) p.foam_plateau_Pa = r.number("foam.plateau_Pa", 0, 1e8);  // 0: none
  p.foam_densification_strain = r.number("foam.densification_strain", 0.3, 0.95);
  p.friction = r.number("surface.friction", 0.0, 2.0);
  if (r.has("surface.stick_slip_m")) p.friction_slip_m = r.number("surface.stick_slip_m", 1e-6, 1e-3);
  if (r.has("pattern.kind")) {
    const std::string pattern =
        r.text("pattern.kind", {name(RollerPattern::None), name(RollerPattern::Knobs), name(RollerPattern::Spikes)});
    for (RollerPattern q : {RollerPattern::None, RollerPattern::Knobs, RollerPattern::Spikes})
      if (pattern == name(q)) p.pattern = q;
    if (p.pattern != RollerPattern::None) {
      if (p.kind != RollerKind::Cylinder)
        throw ConfigError(r.where("pattern.kind") + ": pattern.kind = \"" + pattern +
                          "\" needs kind = \"cylinder\" (allowed on a cylinder only)");
      p.pattern_height_m = r.number("pattern.height_m", 0.001, 0.05);
      p.pattern_pitch_m = r.number("pattern.pitch_m", 0.005, 0.2);
      p.pattern_around = r.integer("pattern.around", 3, 64);
    }
  }
  r.finish();
  return p;
}

RollerShape::RollerShape(const RollerSpec& p)
    : p_(p), kind_(p.kind) {
  patterned_ = p_.pattern != RollerPattern::None;
  spikes_ = p_.pattern == RollerPattern::Spikes;
  const double R = 0.5 * p_.diameter_m;
  bound_r_ = R;
  switch (kind_) {
    case RollerKind::Ball: bound_x_ = R; break;
    // Each ball and the neck lie inside |x| <= c + R, rho <= R; each of the two smooth unions
    // takes at most k/4 off the smaller distance.
    case RollerKind::Peanut:
      bound_x_ = R + 0.5 * p_.groove_width_m + R;
      bound_slack_ = 2 * 0.25 * kCreaseRadiusM;
      break;
    // f = d0 - h b with the bump b in [0, 1]: at least d0 - h.
    case RollerKind::Cylinder:
      bound_x_ = 0.5 * p_.length_m;
      bound_slack_ = patterned_ ? p_.pattern_height_m : 0.0;
      break;
  }
}

double RollerShape::distance_lower_bound(const Vec3& p) const {
  const double rho = std::sqrt(p.y() * p.y() + p.z() * p.z());
  return std::max(rho - bound_r_, std::abs(p.x()) - bound_x_) - bound_slack_;
}

double RollerShape::base_distance(const Vec3& p, Vec3* normal) const {
  const double R = 0.5 * p_.diameter_m;
  if (kind_ == RollerKind::Ball) return sphere_at(p, Vec3::Zero(), R, normal);
  if (kind_ == RollerKind::Peanut) {
    const double c = R + 0.5 * p_.groove_width_m;
    // The crease where the balls (and the neck) meet is rounded over kCreaseRadiusM: a taped or
    // moulded peanut fills it, and a sharp crease would make the contact normal jump.
    Vec3 n1, n2, n3;
    const double d1 = sphere_at(p, Vec3(c, 0, 0), R, &n1);
    const double d2 = sphere_at(p, Vec3(-c, 0, 0), R, &n2);
    Vec3 n;
    double d = smooth_union(d1, n1, d2, n2, kCreaseRadiusM, &n);
    if (p_.core_diameter_m > 0) {
      const double d3 = cylinder_x(p, 0.5 * p_.core_diameter_m, c, &n3);
      d = smooth_union(d, Vec3(n), d3, n3, kCreaseRadiusM, &n);
    }
    if (normal) *normal = n;
    return d;
  }
  return cylinder_x(p, R, 0.5 * p_.length_m, normal);
}

double RollerShape::signed_distance(const Vec3& p, Vec3* normal) const {
  const bool exact = !patterned_ && kind_ != RollerKind::Peanut;  // a true distance, exact normal
  const double g = value(p, exact ? normal : nullptr);
  if (exact || !normal) return g;
  // A pattern's or a rounded crease's first-order distance f / |grad f| is not a true distance,
  // and grad f / |grad f| is not its gradient: the contact's force must be the gradient of its
  // energy, or Newton and the line search disagree. So the gradient is taken of g itself, by
  // central differences (step 1e-7 m: truncation and round-off both below 1e-8 relative).
  constexpr double h = 1e-7;
  Vec3 grad;
  for (int c = 0; c < 3; ++c) {
    Vec3 a = p, b = p;
    a[c] += h;
    b[c] -= h;
    grad[c] = (value(a, nullptr) - value(b, nullptr)) / (2 * h);
  }
  *normal = grad;
  return g;
}

double RollerShape::value(const Vec3& p, Vec3* normal) const {
  Vec3 n0;
  const double d0 = base_distance(p, &n0);
  if (!patterned_) {
    if (normal) *normal = n0;
    return d0;
  }
  // f = d0 - h b(x, phi): the bump b in [0, 1], (1 + cos)/2 around and along, sharpened to a
  // spike by a power. Only on the mantle (the bump fades to 0 beyond the caps).
  const double rho = std::max(std::hypot(p.y(), p.z()), 1e-9);
  const double phi = std::atan2(p.z(), p.y());
  const double kx = 2 * kPi / p_.pattern_pitch_m, N = p_.pattern_around;
  const double ax = 0.5 * (1 + std::cos(kx * p.x())), af = 0.5 * (1 + std::cos(N * phi));
  const double base = ax * af;
  // b = base^q and its derivative (q = 4 or 1: products, not pow, in this hot path).
  double b = base, db = 1.0;
  if (spikes_) {
    const double b2 = base * base;
    b = b2 * b2;
    db = 4.0 * b2 * base;
  }
  const double dbdx = db * af * (-0.5 * kx * std::sin(kx * p.x()));
  const double dbdphi = db * ax * (-0.5 * N * std::sin(N * phi));
  const Vec3 ephi(0, -p.z() / rho, p.y() / rho);
  const double h = p_.pattern_height_m;
  const Vec3 grad = n0 - h * (dbdx * Vec3::UnitX() + dbdphi / rho * ephi);
  const double g = grad.norm();
  if (normal) *normal = grad / g;
  return (d0 - h * b) / g;
}

}  // namespace backroll
