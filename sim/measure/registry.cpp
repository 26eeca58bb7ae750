#include "measure/registry.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace backroll {
namespace {
// A per-level figure summed over the roller's level (1..17) and the levels either side.
double sum3(const std::array<double, kLevels>& v, int level) {
  double f = 0;
  for (int l = std::max(1, level - 1); l <= std::min(kLevels, level + 1); ++l) f += v[l - 1];
  return f;
}

double max_over(const std::array<SegmentMotion, kLevels>& s, int lo, int hi, bool shear) {
  double m = -1e30;
  for (int v = lo; v <= hi; ++v) m = std::max(m, shear ? s[v].anterior_shear_mm : s[v].extension_deg);
  return m;
}
}  // namespace

const std::vector<Measure>& measure_registry() {
  static const std::vector<Measure> m = {
      {"weight_on_roller", "weight on the roller", "%", [](const Frame& r) { return 100 * r.roller_share; },
       "the vertical (world) part of the roller's force on the body over the body weight; + pushes up; absolute, in the solved pose"},
      {"roller_force", "roller force", "N", [](const Frame& r) { return r.roller_force_N.norm(); },
       "magnitude of the roller's force on the body, from the skin's residual at equilibrium (f_int - f_ext); always >= 0"},
      {"feet_force", "feet (legs) force", "N", [](const Frame& r) { return r.feet_force_N.norm(); },
       "magnitude of the legs' reaction on the pelvis (the floor's on the feet, the legs' weight being lumped on the pelvis); always >= 0"},
      {"weight_on_feet", "weight on the feet", "%", [](const Frame& r) { return 100 * r.feet_force_N.z() / r.weight_N; },
       "the vertical (world) part of the legs' force on the pelvis over the body weight; >= 0, the legs push only"},
      {"weight_on_floor", "weight on the floor (head and shoulders)", "%",
       [](const Frame& r) { return 100 * r.floor_force_N.z() / r.weight_N; },
       "the vertical force of the floor on the back's skin (head and shoulders) over the body weight; >= 0"},
      {"weight_on_seat", "weight on the floor under the pelvis (hips down)", "%",
       [](const Frame& r) { return 100 * r.seat_force_N.z() / r.weight_N; },
       "hips down: the vertical force of the floor on the pelvis (the buttocks) over the body weight; >= 0; 0 with the "
       "hips lifted"},
      {"hip_moment", "hip extensors' moment", "Nm", [](const Frame& r) { return r.hip_moment_Nm; },
       "the hip muscles' moment on the pelvis about the hips' lateral axis, both sides together: + extension (the "
       "gluteals and hamstrings holding the hips up), - flexion"},
      {"feet_friction", "friction the feet need", "",
       [](const Frame& r) { return std::hypot(r.feet_force_N.x(), r.feet_force_N.y()) / std::max(r.feet_force_N.z(), 1e-9 * r.weight_N); },
       "horizontal over vertical force of the legs on the pelvis: the friction coefficient the feet must find on the "
       "floor (about 0.5-1 for shoes or bare feet; above that the feet slide)"},
      {"feet_horizontal", "horizontal force of the legs", "N",
       [](const Frame& r) { return std::hypot(r.feet_force_N.x(), r.feet_force_N.y()); },
       "the legs' horizontal force on the pelvis (world frame): what the feet hold on the floor"},
      {"roller_friction", "the roller's friction on the back", "N", [](const Frame& r) { return r.roller_friction_N.norm(); },
       "the tangential force the roller's surface puts on the back, summed over the contact (Coulomb friction of a "
       "clothed back on the roller, its coefficient in the roller file)"},
      {"roller_horizontal", "horizontal force of the roller", "N",
       [](const Frame& r) { return std::hypot(r.roller_force_N.x(), r.roller_force_N.y()); },
       "the roller's force on the back along the floor (world frame): pressure and friction together; a roller that "
       "rolls freely takes it from the floor's grip under it"},
      {"roller_roll", "roller rolled from its place", "mm", [](const Frame& r) { return 1e3 * r.roller_roll_m; },
       "how far the roller's axis rolled along the floor from where the position placed it while the body settled "
       "(+ towards the head)"},
      {"trunk_angle", "trunk angle to the floor (solved)", "deg", [](const Frame& r) { return r.trunk_angle_deg; },
       "angle of the line from the pelvis's frame origin to T1's above the floor in the solved pose (+: head higher)"},
      {"pelvis_angle", "pelvis pitch (solved)", "deg", [](const Frame& r) { return r.pelvis_angle_deg; },
       "the pelvis's cranial axis above the floor in the solved pose (+: tilted head-up)"},
      {"t1_height", "T1 height above the floor (solved)", "mm", [](const Frame& r) { return r.t1_height_m * 1e3; },
       "height of T1's vertebral body centre above the floor: the head and shoulders held up, or down on the floor"},
      {"thoracic_bend", "thoracic column extension vs flat", "deg", [](const Frame& r) { return r.thoracic_bend_deg; },
       "sum of the thoracic segments' extensions (T1-T2 .. T11-T12) beyond lying flat: the thoracic curve flattened (+)"},
      {"lumbar_bend", "lumbar column extension vs flat", "deg", [](const Frame& r) { return r.lumbar_bend_deg; },
       "sum of the lumbar segments' extensions (T12-L1 .. L5-S1) beyond lying flat: the lordosis deepened (+)"},
      {"peak_pressure", "peak pressure (mat)", "kPa", [](const Frame& r) { return r.whole.peak_Pa / 1e3; },
       "highest cell of the virtual pressure mat (10 mm cells over the skin): the roller's normal pressure on the skin, absolute"},
      {"peak_pressure_mmHg", "peak pressure (mat)", "mmHg", [](const Frame& r) { return r.whole.peak_Pa / kPaPerMmHg; },
       "the same in mmHg"},
      {"ppi", "peak pressure index (9.5 cm2)", "kPa", [](const Frame& r) { return r.whole.ppi_Pa / 1e3; },
       "peak pressure index: mean of the highest mat cells over 9.5 cm2"},
      {"mean_pressure", "mean pressure (loaded cells)", "kPa", [](const Frame& r) { return r.whole.mean_Pa / 1e3; },
       "mean of the roller's normal pressure over the mat cells above 1 kPa"},
      {"contact_area", "contact area (> 1 kPa)", "cm2", [](const Frame& r) { return r.whole.contact_area_m2 * 1e4; },
       "area of the mat cells above 1 kPa"},
      {"midline_peak", "peak pressure, midline strip", "kPa", [](const Frame& r) { return r.midline.peak_Pa / 1e3; },
       "highest mat cell within the spinous processes' base half-width, at the roller's level"},
      {"paraspinal_peak", "peak pressure, paraspinal strips", "kPa",
       [](const Frame& r) { return std::max(r.left.peak_Pa, r.right.peak_Pa) / 1e3; },
       "highest mat cell of the left and right strips out to the erector spinae, at the roller's level"},
      {"cop_lateral", "centre of pressure, lateral", "mm", [](const Frame& r) { return r.whole.cop_x_m * 1e3; },
       "centre of pressure across the back (+: the subject's left)"},
      {"sp_load", "contact load on the spinous processes (3 levels)", "N",
       [](const Frame& r) { return sum3(r.sp_load_N, r.level); },
       "the force the tissue presses onto the posterior surface (the tip) of the spinous processes at the roller's "
       "level and the levels either side: the contact forces of the tissue resting on each tip (frictionless, "
       "never bonded), each counted by the part of the node's share of the back's width that lies over the tip "
       "(at the tip's edge the inner half-cell's), so never negative; zero where the tissue lifts off"},
      {"sp_load_vs_flat", "contact load on the spinous processes vs lying flat", "N",
       [](const Frame& r) { return sum3(r.sp_load_N, r.level) - sum3(r.sp_load_flat_N, r.level); },
       "sp_load minus the same three processes' contact load lying flat on the floor (same body and muscles): what "
       "the roller adds (+) or takes away (-)"},
      {"sp_load_max", "largest contact load on one spinous process", "N",
       [](const Frame& r) { return *std::max_element(r.sp_load_N.begin(), r.sp_load_N.end()); },
       "the largest of the per-process contact loads (as sp_load), T1 to L5, wherever it falls (the roller or the "
       "floor)"},
      {"vertebra_load", "net tissue load on the vertebrae under the roller (3 levels)", "N",
       [](const Frame& r) { return sum3(r.posterior_load_N, r.level); },
       "net force of the tissue on the whole posterior vertebra (the tips' contact loads and the bonded tissue's force on the transverse processes and laminae), along the skin's inward normal, three levels under the roller: the compression less the pull of the bonded tissue, so it can be negative; a net force, not a contact load"},
      {"rib_share", "rib cage's share of the bone load", "%", [](const Frame& r) { return 100 * r.rib_share; },
       "the ribs' part of the tissue's net inward load on bone, each bone (vertebra, rib pair, pelvis) counted only where it is pushed inward (a bone pulled outward counts zero)"},
      {"thoracic_extension", "largest thoracic segment extension vs flat", "deg",
       [](const Frame& r) { return max_over(r.segment, 0, 10, false); },
       "largest extension (the caudal vertebra's turn against the cranial one about the lateral axis, + extension, - flexion) of a thoracic motion segment (T1-T2 .. T11-T12), minus the same segment lying flat on the floor"},
      {"lumbar_extension", "largest lumbar segment extension vs flat", "deg",
       [](const Frame& r) { return max_over(r.segment, 11, 16, false); },
       "largest extension (sign as thoracic_extension) of a lumbar motion segment (T12-L1 .. L5-S1), minus the same segment lying flat"},
      {"lumbar_shear", "largest lumbar anterior shear vs flat", "mm",
       [](const Frame& r) { return max_over(r.segment, 11, 16, true); },
       "largest anterior shear of a lumbar motion segment (the caudal vertebra's translation at the joint, perpendicular to the disc axis), minus the same lying flat"},
      {"kidney_mean", "kidney hydrostatic pressure, mean", "kPa", [](const Frame& r) { return r.kidney_mean_Pa / 1e3; },
       "volume mean of the hydrostatic pressure -tr(sigma)/3 in both kidneys (+: compression)"},
      {"abdomen_pressure", "abdominal pressure at the kidneys", "kPa", [](const Frame& r) { return r.abdomen_pressure_Pa / 1e3; },
       "the abdominal cavity's fluid pressure at the kidneys' centroid: the resting pressure at its reference point, less "
       "the volume the cavity gained over its compliance, plus the fluid's weight over the height between (the body file's [abdomen])"},
      {"kidney_peak", "kidney hydrostatic pressure, most compressed 5 %", "kPa", [](const Frame& r) { return r.kidney_peak_Pa / 1e3; },
       "mean hydrostatic pressure -tr(sigma)/3 over the most compressed 5 % of the kidneys' volume (+: compression), the pressure first recovered at the nodes (each node's kidney elements' volume mean) to remove the element-to-element oscillation of nearly incompressible tets: their peak as a share of the organ, not one element; absolute, not relative to lying flat"},
      {"roller_sink", "roller's sink into the back (tissue + foam)", "mm", [](const Frame& r) { return 1e3 * r.roller_sink_m; },
       "how far the roller's centre has come towards the vertebra at its level since it touched the unloaded skin: the tissue's compression and the foam's together, along the skin's inward normal, seen from that vertebra (so the body's own motion does not count)"},
      {"tissue_volume", "tissue's smallest volume ratio", "", [](const Frame& r) { return r.tissue_volume_ratio; },
       "the least volume any part of the tissue keeps (1: all of it): each element's volume ratio, or with the body file's mesh.mean_dilatation each grid cell's, the volume the tissue's pressure answers to. Real soft tissue is nearly incompressible; the body file's (Poisson's ratio 0.4995) keeps 74-93 % under the main job's rollers, a state below half is reported as not possible; at 0.49, the usual choice and the default until 2026-12-06, the fat under a roller kept about a third (docs/limits.md, \"The fat's volume\")"},
      {"foam_compression", "roller foam compression, deepest", "mm",
       [](const Frame& r) { return r.foam_compression_max_m * 1e3; },
       "deepest compression of the roller's foam layer at any contact point (the foam law's penetration); always less than its depth (the law stiffens without bound before it)"},
  };
  return m;
}

std::string column_name(const std::string& key, const std::string& unit) {
  if (unit.empty()) return key;  // a pure number
  const std::string u = "_" + unit;
  const bool has_unit = key.size() > u.size() && key.compare(key.size() - u.size(), u.size(), u) == 0;
  return has_unit ? key : key + u;
}

double noise_floor(const std::string& key, const std::string& unit) {
  if (unit == "kPa") return key.rfind("kidney", 0) == 0 || key == "abdomen_pressure" ? 0.2 : 2.0;
  if (unit == "mmHg") return 15.0;  // 2 kPa
  if (unit == "N") return 5.0;
  if (unit == "%") return 0.5;
  if (unit == "deg") return 0.05;
  // A place (the centre of pressure, how far the roller rolled) is read to 1 mm, a thickness
  // (sink, compression, shear) to 0.1 mm.
  if (key == "cop_lateral" || key == "roller_roll") return 1.0;
  if (unit == "mm") return 0.1;
  if (unit == "cm2") return 1.0;
  if (unit == "Nm") return 0.5;  // 5 N at 10 cm
  return 0.02;
}

const Measure& find_measure(const std::string& key) {
  for (const Measure& m : measure_registry())
    if (m.key == key) return m;
  throw std::out_of_range("no measure " + key);
}

}  // namespace backroll
