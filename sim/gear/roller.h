// Rollers from the catalog in assets/rollers/: their geometry as a signed-distance function for
// the contact solver and their foam as a compliant surface layer.
//
// Geometry (local frame: the roller's axis is x, its centre the origin):
//   cylinder  a capped cylinder (foam rollers, the trigger-point and spiked rollers' core);
//   peanut    two balls joined by a narrower core, a groove of given width between them;
//   ball      a single ball.
// A surface pattern (knobs or spikes) raises the cylinder's radius by a smooth periodic bump
// around and along the axis; its distance is the first-order one, f / |grad f|, exact on the
// surface, which is where contact reads it.
//
// Foam: a nonlinear elastic foundation over the rigid core (fem/compliant_layer.h): the pressure
// a function of the layer's compressive strain, linear at first (the initial modulus), levelling
// at a plateau where a foam's cells buckle (none for a solid such as rubber), then stiffening
// without bound as the cells crush together (densification), so no load compresses the layer
// through its depth. Each file cites its curve. Exact for a thin bonded layer on a rigid core
// (the trigger-point roller); for a solid foam cylinder or a rubber ball it is the usual
// approximation with an effective depth (Johnson, Contact Mechanics, ch. 5.9), stated in each
// file. The tissue is 10-100x softer than any roller in the catalog at small strain, so the
// roller's compliance is the smaller part of the contact's.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "fem/compliant_layer.h"
#include "fem/quasi_static.h"
#include "fem/rigid_shape.h"
#include "io/toml_reader.h"

namespace backroll {

// Radius over which a peanut's creases (ball to ball, ball to neck) are rounded (estimate: the
// tape or moulding that joins the balls).
constexpr double kCreaseRadiusM = 0.003;

// A roller's shape and its surface, as the files name them (kind = "cylinder", pattern.kind = "spikes").
enum class RollerKind { Cylinder, Peanut, Ball };
enum class RollerPattern { None, Knobs, Spikes };
const char* name(RollerKind k);     // "cylinder", "peanut", "ball"
const char* name(RollerPattern p);  // "none", "knobs", "spikes"

// The slip over which friction builds up to mu N unless the roller file says (surface.stick_slip_m):
// a shirt's give and the skin's micro-slip before it slides, 0.1 mm (estimate; docs/model.md
// measures 0.05-0.2 mm).
constexpr double kFrictionSlipM = 1e-4;

struct RollerSpec {
  std::string source;            // the file it came from
  std::string name;              // "standard foam roller"
  RollerKind kind = RollerKind::Cylinder;
  double diameter_m = 0.15;      // cylinder diameter, or each ball's
  double length_m = 0.9;         // cylinder length (peanut and ball: derived)
  double groove_width_m = 0;     // peanut: gap between the two balls' surfaces along the axis
  double core_diameter_m = 0;    // peanut: the neck joining the balls
  double foam_E_Pa = 1e6;        // foam (or rubber) initial Young's modulus
  double foam_depth_m = 0.03;    // the depth that compresses (Winkler layer)
  double foam_plateau_Pa = 0;    // the stress where the cells buckle; 0: none (a solid)
  // The strain where densification has added as much stress again as the linear-plateau curve
  // holds there (the stress about doubles); for a solid, where the layer locks.
  double foam_densification_strain = 0.7;
  // Coulomb's coefficient of the surface against a clothed back (0: frictionless), and the slip
  // over which its friction builds up (fem/quasi_static.h).
  double friction = 0.5;
  double friction_slip_m = kFrictionSlipM;
  RollerPattern pattern = RollerPattern::None;
  double pattern_height_m = 0;   // how far the pattern stands above the base radius
  double pattern_pitch_m = 0;    // along the axis
  int pattern_around = 0;        // bumps around the circumference

  double outer_radius_m() const { return 0.5 * diameter_m + pattern_height_m; }
  // The smallest length over which the surface turns (m): a ball's or the cylinder's radius, or
  // the pattern's pitch. Contact must sample the skin finer than this.
  double feature_size_m() const {
    const double r = 0.5 * diameter_m;
    return pattern == RollerPattern::None ? r : std::min(r, pattern_pitch_m);
  }
  // The foundation's stiffness per area at zero compression (Pa/m).
  double foundation_Pa_per_m() const { return foam_E_Pa / foam_depth_m; }
  // The foam's law, normalised by its initial modulus (fem/compliant_layer.h).
  CompliantLayer layer() const;
  // The foam's pressure (Pa) at compressive strain e (0 <= e < 1).
  double foam_pressure_Pa(double e) const { return foam_E_Pa * layer().phi(e); }
};

// The roller's foam acting on a body's surface (outward triangles `faces` over rest positions X):
// contact points spread over the triangles, a quarter of the roller's feature size apart (each
// triangle cut into m x m, at most kMaxSubdivision, and the pieces' centroids taken, each point
// with its piece's area), so a ball cannot slip between nodes and the foam law is integrated over
// the surface rather than lumped on the nodes. The set is compliant, with the roller's law and
// each point's stiffness its area x the foundation's; `body` is the roller's rigid body.
constexpr int kMaxSubdivision = 8;
RigidContactSet foam_contact(const RollerSpec& roller, int body, const std::vector<Tri>& faces,
                             const std::vector<Vec3>& X);
// A point's area (m2) in such a set: its stiffness over the foundation's.
inline double foam_point_area_m2(const RollerSpec& roller, const RigidContactSet& cs, size_t i) {
  return cs.penalty_N_per_m[i] / roller.foundation_Pa_per_m();
}

// Reads and checks a roller file; errors name the file, key, value and allowed range.
RollerSpec load_roller_spec(const std::string& path, const std::vector<ConfigOverride>& overrides = {});
// assets/rollers/<name>.toml
std::string roller_path(const std::string& name);

class RollerShape final : public RigidShape {
 public:
  explicit RollerShape(const RollerSpec& p);
  double signed_distance(const Vec3& p, Vec3* normal) const override;
  // The shape lies inside a cylinder along x (radius bound_r_, half-length bound_x_); its
  // distance is at least the distance to that cylinder minus bound_slack_ (the pattern's height,
  // or what the rounded creases' smooth minimum can take off).
  double distance_lower_bound(const Vec3& p) const override;

 private:
  RollerSpec p_;
  RollerKind kind_;
  bool patterned_ = false;
  bool spikes_ = false;     // the bump sharpened to a spike by its 4th power (knobs: as it is)
  double bound_r_ = 0, bound_x_ = 0, bound_slack_ = 0;
  double base_distance(const Vec3& p, Vec3* normal) const;
  double value(const Vec3& p, Vec3* normal) const;  // the distance, normal = grad f / |grad f|
};

}  // namespace backroll
