#include "anatomy/body_spec.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <fmt/core.h>

#include "io/toml_reader.h"

namespace backroll {
namespace {
constexpr double kPi = 3.14159265358979323846;

// Bredt's torsion of a closed thin-walled tube: GJ = 4 A^2 (G t) / perimeter, A the area the wall's
// mid-line encloses, G t the wall's shear stiffness per unit length of perimeter.
double bredt_GJ(double enclosed_area_m2, double Gt_N_per_m, double perimeter_m) {
  return 4 * enclosed_area_m2 * enclosed_area_m2 * Gt_N_per_m / perimeter_m;
}
}  // namespace

RibSection rib_section(const BodySpec& p) {
  const double a = 0.5 * p.rib_height_m, b = 0.5 * p.rib_thickness_m, t = p.rib_cortex_m;
  RibSection r;
  // Second moments of a solid ellipse (pi/4 a^3 b about its minor axis) minus the hollow inside.
  r.EI_in_Nm2 = p.rib_E_Pa * kPi / 4 * (b * b * b * a - std::pow(b - t, 3) * (a - t));
  r.EI_out_Nm2 = p.rib_E_Pa * kPi / 4 * (a * a * a * b - std::pow(a - t, 3) * (b - t));
  const double am = a - 0.5 * t, bm = b - 0.5 * t;  // mid-wall ellipse
  const double area = kPi * am * bm;
  const double perimeter = kPi * (3 * (am + bm) - std::sqrt((3 * am + bm) * (am + 3 * bm)));  // Ramanujan
  r.GJ_Nm2 = bredt_GJ(area, p.rib_E_Pa / 2.6 * t, perimeter);
  return r;
}

CartilageSection cartilage_section(const BodySpec& p) {
  const double E = p.cartilage_E_Pa, w = p.cartilage_width_m, t = p.cartilage_thickness_m;
  const double G = E / 2.9;  // cartilage substance, Poisson ratio 0.45
  CartilageSection c;
  // The substance: a solid rectangle, with Saint-Venant's torsion constant for a rectangle
  // (series approximation in the thin-to-thick side ratio, whichever side is thinner).
  const double lo = std::min(w, t), hi = std::max(w, t);
  const double J = hi * lo * lo * lo * (1.0 / 3 - 0.21 * lo / hi * (1 - std::pow(lo / hi, 4) / 12));
  c.EA_N = E * w * t;
  c.EI_wall_Nm2 = E * w * t * t * t / 12;
  c.EI_body_Nm2 = E * t * w * w * w / 12;
  c.GJ_Nm2 = G * J;
  // The sheath: a thin rectangular tube on the outline. Bending through the wall, its second
  // moment per unit thickness is w t^2 / 2 (the two faces) + t^3 / 6 (the two sides); choose its
  // E t so it carries the given share of the total.
  const double s = p.cartilage_perichondrium_share;
  if (s > 0) {
    const double I_wall_per_t = w * t * t / 2 + t * t * t / 6;
    const double Et = s / (1 - s) * c.EI_wall_Nm2 / I_wall_per_t;
    c.sheath_Et_N_per_m = Et;
    c.EA_N += Et * 2 * (w + t);
    c.EI_wall_Nm2 += Et * I_wall_per_t;
    c.EI_body_Nm2 += Et * (t * w * w / 2 + w * w * w / 6);
    // Its torsion by Bredt; fibrous tissue taken as incompressible and isotropic in its plane,
    // G = E / 3 (an assumption: no sheath shear measurement found).
    c.GJ_Nm2 += bredt_GJ(w * t, Et / 3, 2 * (w + t));
  }
  return c;
}

const std::vector<std::string>& region_names() {
  static const std::vector<std::string> names = {
      "skin",           "subcutaneous_fat", "thoracolumbar_fascia", "trapezius",
      "rhomboid",       "latissimus_dorsi", "erector_spinae",       "multifidus",
      "quadratus_lumborum", "kidney_left",  "kidney_right",         "abdominal_content",
      "perirenal_fat"};
  return names;
}

int region_index(const std::string& name) {
  const auto& r = region_names();
  const auto it = std::find(r.begin(), r.end(), name);
  if (it == r.end()) throw std::out_of_range("no tissue region '" + name + "'");
  return static_cast<int>(it - r.begin());
}

const TissueMaterial& region_material(const BodySpec& p, int region) {
  const std::string& rn = region_names().at(region);
  if (rn == "perirenal_fat") return p.materials.at("abdominal_content");
  return p.materials.at(rn.rfind("kidney", 0) == 0 ? "kidney" : rn);
}

NeoHookean solid_law(const TissueMaterial& tm) {
  NeoHookean m = NeoHookean::from_young_poisson(tm.youngs_modulus_Pa, tm.poisson_ratio);
  m.ogden_alpha = tm.ogden_alpha;
  return m;
}

std::string default_body_path() { return std::string(BACKROLL_ASSET_DIR) + "/bodies/default.toml"; }

namespace {

PerLevel per_level(TomlReader& r, const std::string& key, double lo, double hi) {
  const std::vector<double> v = r.numbers(key, kLevels, lo, hi);
  PerLevel out{};
  std::copy(v.begin(), v.end(), out.begin());
  return out;
}

// The person, the spine's curvature and the skin line of the spinous-process tips (Ernst 2013).
void read_body(TomlReader& r, BodySpec& p) {
  p.mass_kg = r.number("body.mass_kg", 30, 200);
  p.height_m = r.number("body.height_m", 1.3, 2.2);
  p.male = r.text("body.sex", {"male", "female"}) == "male";

  p.kyphosis_deg = r.number("posture.thoracic_kyphosis_deg", 0, 80);
  p.lordosis_deg = r.number("posture.lumbar_lordosis_deg", 0, 80);

  p.skin_line_length_m = r.number("skin_line.length_m", 0.3, 0.8);
  p.reference_height_m = r.number("skin_line.reference_height_m", 1.3, 2.2);
  const std::vector<std::string> anchors = r.texts("skin_line.anchor_levels");
  p.anchor_fractions = r.numbers("skin_line.anchor_fractions", anchors.size(), 0, 1);
  for (const std::string& a : anchors) {
    const int i = level_index(a);
    if (i < 0)
      throw ConfigError(r.where("skin_line.anchor_levels") + ": skin_line.anchor_levels has \"" + a +
                        "\": allowed C7, T1..T12, L1..L5, S1, S2");
    p.anchor_levels.push_back(i);
  }
  for (size_t i = 1; i < anchors.size(); ++i)
    if (!(p.anchor_levels[i] > p.anchor_levels[i - 1] && p.anchor_fractions[i] > p.anchor_fractions[i - 1]))
      throw ConfigError(r.where("skin_line.anchor_levels") +
                        ": skin_line anchors must go down the spine with increasing fractions");
  if (p.anchor_levels.front() != 0 || p.anchor_levels.back() != 19)
    throw ConfigError(r.where("skin_line.anchor_levels") + ": skin_line.anchor_levels must start at C7 and end at S2");
}

// Vertebral dimensions per level.
void read_spine(TomlReader& r, BodySpec& p) {
  const std::vector<std::string> levels = r.texts("spine.levels", kLevels);
  for (int i = 0; i < kLevels; ++i)
    if (level_index(levels[i]) != i + 1)
      throw ConfigError(r.where("spine.levels") + ": spine.levels[" + std::to_string(i) + "] = \"" + levels[i] +
                        "\": expected \"" + level_name(i + 1) + "\" (the levels are T1..T12, L1..L5 in order)");
  p.body_width_m = per_level(r, "spine.body_width_m", 0.01, 0.08);
  p.body_depth_m = per_level(r, "spine.body_depth_m", 0.01, 0.06);
  p.body_height_m = per_level(r, "spine.body_height_m", 0.008, 0.04);
  p.tip_to_body_m = per_level(r, "spine.tip_to_body_m", 0.02, 0.08);
  p.canal_depth_m = per_level(r, "spine.canal_depth_m", 0.008, 0.03);
  p.sp_inclination_deg = per_level(r, "spine.sp_inclination_deg", -10, 75);
  p.tp_halfspan_m = per_level(r, "spine.tp_halfspan_m", 0.015, 0.07);
  p.trunk_halfwidth_m = per_level(r, "spine.trunk_halfwidth_m", 0.05, 0.25);
  p.trunk_depth_m = per_level(r, "spine.trunk_depth_m", 0.05, 0.35);
  for (int i = 0; i < kLevels; ++i)
    if (p.canal_depth_m[i] + 0.005 > p.tip_to_body_m[i])
      throw ConfigError(r.where("spine.canal_depth_m") + ": spine.canal_depth_m[" + std::to_string(i) +
                        "] leaves less than 5 mm of spinous process: allowed < tip_to_body_m - 0.005");
}

// Tissue layers and muscle regions over the back.
void read_tissue(TomlReader& r, BodySpec& p) {
  p.depth_over_sp_m = per_level(r, "tissue.depth_over_sp_m", 0.002, 0.08);
  p.skin_thickness_m = r.number("tissue.skin_thickness_m", 0.0005, 0.005);
  p.fat_thickness_m = per_level(r, "tissue.fat_thickness_m", 0.0005, 0.08);
  p.fascia_thickness_m = per_level(r, "tissue.fascia_thickness_m", 0.0002, 0.005);
  p.paraspinal_thickness_m = per_level(r, "tissue.paraspinal_thickness_m", 0.005, 0.08);
  p.superficial_thickness_m = per_level(r, "tissue.superficial_thickness_m", 0.0, 0.03);
  p.trapezius_share = r.number("tissue.trapezius_share", 0, 1);
  p.erector_halfwidth_m = per_level(r, "tissue.erector_halfwidth_m", 0.02, 0.12);
  p.multifidus_halfwidth_m = per_level(r, "tissue.multifidus_halfwidth_m", 0.005, 0.06);
  p.sp_tip_halfwidth_m = r.number("tissue.sp_tip_halfwidth_m", 0.001, 0.01);
  p.sp_base_halfwidth_m = r.number("tissue.sp_base_halfwidth_m", 0.004, 0.03);
  p.ql_halfwidth_m = r.number("tissue.ql_halfwidth_m", 0.03, 0.15);
  p.ql_thickness_m = r.number("tissue.ql_thickness_m", 0.005, 0.05);
  p.abdominal_depth_m = r.number("tissue.abdominal_depth_m", 0.03, 0.2);
  p.iliac_crest_level = r.level("tissue.iliac_crest_level", 14, 17);
  for (int i = 0; i < kLevels; ++i) {
    const double layers = p.skin_thickness_m + p.fat_thickness_m[i] + p.fascia_thickness_m[i] + 0.001;
    if (p.depth_over_sp_m[i] < layers) {
      std::ostringstream os;
      os << r.where("tissue.depth_over_sp_m") << ": tissue.depth_over_sp_m[" << i << "] (" << level_name(i + 1)
         << ") = " << p.depth_over_sp_m[i] << " is thinner than skin + fat + fascia + 1 mm = " << layers
         << ": allowed >= " << layers;
      throw ConfigError(os.str());
    }
    if (p.multifidus_halfwidth_m[i] >= p.erector_halfwidth_m[i] || p.tp_halfspan_m[i] >= p.erector_halfwidth_m[i])
      throw ConfigError(r.where("tissue.erector_halfwidth_m") + ": tissue.erector_halfwidth_m[" + std::to_string(i) +
                        "] must exceed multifidus_halfwidth_m and spine.tp_halfspan_m at that level");
  }
  if (p.sp_base_halfwidth_m <= p.sp_tip_halfwidth_m)
    throw ConfigError(r.where("tissue.sp_base_halfwidth_m") +
                      ": tissue.sp_base_halfwidth_m must exceed tissue.sp_tip_halfwidth_m");
}

// The abdominal cavity: its pressure at the reference point and its compliance, in the units
// clinicians use.
void read_abdomen(TomlReader& r, BodySpec& p) {
  constexpr double kPaPerMmHg = 133.322;
  p.abdominal_pressure_Pa = r.number("abdomen.pressure_mmHg", 0.0, 30.0) * kPaPerMmHg;
  p.abdominal_compliance_m3_per_Pa = r.number("abdomen.compliance_mL_per_mmHg", 10.0, 2000.0) * 1e-6 / kPaPerMmHg;
  p.abdominal_reference_depth_m = r.number("abdomen.reference_depth_m", 0.0, 0.3);
}

// The kidneys as ellipsoids.
void read_kidneys(TomlReader& r, BodySpec& p) {
  p.kidney_left_top = r.level("kidneys.left_top_level", 9, 17);
  p.kidney_left_bottom = r.level("kidneys.left_bottom_level", 9, 17);
  p.kidney_right_top = r.level("kidneys.right_top_level", 9, 17);
  p.kidney_right_bottom = r.level("kidneys.right_bottom_level", 9, 17);
  if (p.kidney_left_bottom <= p.kidney_left_top || p.kidney_right_bottom <= p.kidney_right_top)
    throw ConfigError(r.where("kidneys") + ": a kidney's bottom level must be below its top level");
  p.kidney_lateral_centre_m = r.number("kidneys.lateral_centre_m", 0.03, 0.12);
  p.kidney_halfwidth_m = r.number("kidneys.halfwidth_m", 0.01, 0.05);
  p.kidney_halfthickness_m = r.number("kidneys.halfthickness_m", 0.01, 0.04);
  p.kidney_posterior_depth_m = r.number("kidneys.posterior_depth_m", 0.02, 0.15);
}

// The rib cage: articulations, cartilage and rib sections, masses, the intercostal sheet.
void read_ribs(TomlReader& r, BodySpec& p) {
  p.costovertebral_N_per_m = r.number("ribs.costovertebral_N_per_m", 1e2, 1e7);
  p.costovertebral_Nm_per_rad = r.number("ribs.costovertebral_Nm_per_rad", 0.01, 1e3);
  p.cartilage_E_Pa = r.number("ribs.cartilage_youngs_modulus_Pa", 1e5, 1e9);
  p.cartilage_width_m = r.number("ribs.cartilage_width_m", 0.002, 0.05);
  p.cartilage_thickness_m = r.number("ribs.cartilage_thickness_m", 0.002, 0.05);
  p.cartilage_perichondrium_share = r.number("ribs.cartilage_perichondrium_share", 0.0, 0.9);
  p.rib_height_m = r.number("ribs.rib_section_height_m", 0.004, 0.03);
  p.rib_thickness_m = r.number("ribs.rib_section_thickness_m", 0.002, p.rib_height_m);
  p.rib_cortex_m = r.number("ribs.rib_cortex_thickness_m", 0.0002, 0.5 * p.rib_thickness_m);
  p.rib_E_Pa = r.number("ribs.rib_cortical_youngs_modulus_Pa", 1e9, 3e10);
  {
    const std::vector<double> f = r.numbers("ribs.bony_fraction", kRibs, 0.05, 1.0);
    std::copy(f.begin(), f.end(), p.bony_fraction.begin());
  }
  p.rib_mass_kg = r.number("ribs.rib_mass_kg", 0.005, 0.5);
  p.sternum_mass_kg = r.number("ribs.sternum_mass_kg", 0.01, 1);
  p.intercostal_thickness_m = r.number("ribs.intercostal_thickness_m", 0, 0.03);
  p.intercostal_strip_m = r.number("ribs.intercostal_strip_m", 0.005, 0.1);
  p.rib_segment_m = r.number("ribs.rib_segment_m", 0.01, 1.0);
  p.rib_descent_levels = r.number("ribs.descent_levels", 0, 6);
}

// Intervertebral joints: ranges of motion at a reference moment.
void read_joints(TomlReader& r, BodySpec& p) {
  p.reference_moment_Nm = r.number("joints.reference_moment_Nm", 0.5, 30);
  p.flexion_rom_deg = per_level(r, "joints.flexion_rom_deg", 0.2, 30);
  p.extension_rom_deg = per_level(r, "joints.extension_rom_deg", 0.2, 30);
  p.lateral_bending_rom_deg = per_level(r, "joints.lateral_bending_rom_deg", 0.2, 30);
  p.axial_rotation_rom_deg = per_level(r, "joints.axial_rotation_rom_deg", 0.2, 30);
  p.facet_engagement_deg = r.number("joints.facet_engagement_deg", 0, 10);
  p.stiffening_ratio = r.number("joints.stiffening_ratio", 1, 20);
  p.compression_N_per_m = r.number("joints.compression_N_per_m", 1e4, 1e8);
  p.shear_N_per_m = r.number("joints.shear_N_per_m", 1e3, 1e7);
  for (int i = 0; i < kLevels; ++i)
    if (p.extension_rom_deg[i] <= p.facet_engagement_deg)
      throw ConfigError(r.where("joints.extension_rom_deg") + ": joints.extension_rom_deg[" + std::to_string(i) +
                        "] must exceed joints.facet_engagement_deg");
}

// Segment masses (de Leva 1996).
void read_masses(TomlReader& r, BodySpec& p) {
  const int sex = p.male ? 0 : 1;
  auto pct = [&](const std::string& key) { return r.numbers("mass." + key, 2, 0, 60)[sex]; };
  p.head_pct = pct("head_pct");
  p.trunk_pct = pct("trunk_pct");
  p.upper_arm_pct = pct("upper_arm_pct");
  p.forearm_pct = pct("forearm_pct");
  p.hand_pct = pct("hand_pct");
  p.thigh_pct = pct("thigh_pct");
  p.shank_pct = pct("shank_pct");
  p.foot_pct = pct("foot_pct");
  p.trunk_upper_share = r.number("mass.trunk_upper_share", 0.05, 0.9);
  p.trunk_middle_share = r.number("mass.trunk_middle_share", 0.05, 0.9);
  if (p.trunk_upper_share + p.trunk_middle_share >= 0.95)
    throw ConfigError(r.where("mass.trunk_middle_share") + ": mass.trunk_upper_share + trunk_middle_share = " +
                      std::to_string(p.trunk_upper_share + p.trunk_middle_share) + ": allowed < 0.95");
  p.upper_trunk_last_level = r.level("mass.upper_trunk_last_level", 4, 12);
  p.middle_trunk_last_level = r.level("mass.middle_trunk_last_level", p.upper_trunk_last_level + 1, 16);
  const double total = p.head_pct + p.trunk_pct + 2 * (p.upper_arm_pct + p.forearm_pct + p.hand_pct + p.thigh_pct +
                                                       p.shank_pct + p.foot_pct);
  if (std::abs(total - 100.0) > 0.5) {
    std::ostringstream os;
    os << r.where("mass") << ": the [mass] segment percentages sum to " << total << " %: allowed 100 +- 0.5 %";
    throw ConfigError(os.str());
  }
}

// The drawn person's proportions (fractions of the height).
void read_figure(TomlReader& r, BodySpec& p) {
  const int sex = p.male ? 0 : 1;
  BodySpec::Figure& f = p.figure;
  auto length = [&](const std::string& key, double lo, double hi) { return r.numbers("figure." + key, 2, lo, hi)[sex]; };
  f.upper_arm = length("upper_arm_length", 0.1, 0.25);
  f.forearm = length("forearm_length", 0.1, 0.25);
  f.hand = length("hand_length", 0.02, 0.08);
  f.thigh = length("thigh_length", 0.15, 0.3);
  f.shank = length("shank_length", 0.15, 0.3);
  f.foot = length("foot_length", 0.08, 0.2);
  f.head_neck = length("head_neck_length", 0.08, 0.2);
  f.shoulder_breadth = length("shoulder_breadth", 0.1, 0.3);
  f.hip_breadth = length("hip_breadth", 0.05, 0.2);
  const std::vector<double> head = r.numbers("figure.head_size", 3, 0.03, 0.2);
  std::copy(head.begin(), head.end(), f.head.begin());
  auto radii = [&](const std::string& key, std::array<double, 2>& out) {
    const std::vector<double> v = r.numbers("figure." + key, 2, 0.005, 0.08);
    out = {v[0], v[1]};
  };
  radii("upper_arm_radius", f.upper_arm_r);
  radii("forearm_radius", f.forearm_r);
  radii("thigh_radius", f.thigh_r);
  radii("shank_radius", f.shank_r);
}

// Tissue materials per region.
void read_materials(TomlReader& r, BodySpec& p) {
  for (const std::string m : {"skin", "subcutaneous_fat", "thoracolumbar_fascia", "trapezius", "rhomboid",
                               "latissimus_dorsi", "erector_spinae", "multifidus", "quadratus_lumborum", "kidney",
                               "abdominal_content", "intercostal"}) {
    TissueMaterial t;
    t.youngs_modulus_Pa = r.number("materials." + m + ".youngs_modulus_Pa", 100, 1e9);
    // Each tet's own volume term locks as nu nears 1/2 (docs/limits.md, "Volumetric locking"), so
    // a tissue nearer incompressible needs each cell's (mesh.mean_dilatation, read before this).
    const std::string nu_key = "materials." + m + ".poisson_ratio";
    t.poisson_ratio = r.number(nu_key, 0.0, BodySpec::kMaxPoissonCell);
    if (!p.mean_dilatation && t.poisson_ratio > BodySpec::kMaxPoissonTet)
      throw ConfigError(fmt::format("{}: {} = {} is out of range: allowed [0, {}] with each tet's own volume term, "
                                    "up to {} with mesh.mean_dilatation = true",
                                    r.where(nu_key), nu_key, t.poisson_ratio, BodySpec::kMaxPoissonTet,
                                    BodySpec::kMaxPoissonCell));
    t.density_kg_m3 = r.number("materials." + m + ".density_kg_m3", 500, 2500);
    if (r.has("materials." + m + ".fibre_modulus_Pa")) {
      t.fibre_modulus_Pa = r.number("materials." + m + ".fibre_modulus_Pa", 0, 5e9);
      t.fibre_angle_deg = r.number("materials." + m + ".fibre_angle_deg", 0, 60);
    }
    if (const std::string key = "materials." + m + ".ogden_alpha"; r.has(key)) {
      t.ogden_alpha = r.number(key, -20, 20);
      if (std::abs(t.ogden_alpha) < 0.5)
        throw ConfigError(fmt::format("{}: {} = {} is out of range: allowed [-20, -0.5] or [0.5, 20]", r.where(key), key,
                                      t.ogden_alpha));
    }
    if (r.has("materials." + m + ".relaxation_share")) {
      t.relaxation_share = r.number("materials." + m + ".relaxation_share", 0, 0.95);
      t.relaxation_time_s = r.number("materials." + m + ".relaxation_time_s", 0.01, 1e5);
    }
    p.materials[m] = t;
  }
}

// Mesh resolution.
void read_mesh(TomlReader& r, BodySpec& p) {
  p.lateral_halfwidth_m = r.number("mesh.lateral_halfwidth_m", 0.05, 0.2);
  p.midline_size_m = r.number("mesh.midline_size_m", 0.001, 0.02);
  p.max_lateral_size_m = r.number("mesh.max_lateral_size_m", p.midline_size_m, 0.05);
  p.axial_size_m = r.number("mesh.axial_size_m", 0.003, 0.05);
  p.fat_rows = r.integer("mesh.fat_rows", 1, BodySpec::kMaxFatRows);
  p.muscle_rows = r.integer("mesh.muscle_rows", 2, 12);
  p.kidney_rows = r.integer("mesh.kidney_rows", 4, 16);
  p.tie_band_rows = r.boolean("mesh.tie_band_rows");
  if (r.has("mesh.mean_dilatation")) p.mean_dilatation = r.boolean("mesh.mean_dilatation");
  if (r.has("mesh.share_deep_nodes")) p.share_deep_nodes = r.boolean("mesh.share_deep_nodes");
  for (int i = 0; i < kLevels; ++i)
    if (p.erector_halfwidth_m[i] >= p.lateral_halfwidth_m)
      throw ConfigError(r.where("mesh.lateral_halfwidth_m") + ": mesh.lateral_halfwidth_m must exceed every " +
                        "tissue.erector_halfwidth_m");
}

}  // namespace

BodySpec load_body_spec(const std::string& path, const std::vector<ConfigOverride>& overrides) {
  TomlReader r(path, overrides);
  BodySpec p;
  p.source = path;
  read_body(r, p);
  read_spine(r, p);
  read_tissue(r, p);
  read_kidneys(r, p);
  read_abdomen(r, p);
  read_ribs(r, p);
  read_joints(r, p);
  read_masses(r, p);
  read_figure(r, p);
  read_mesh(r, p);
  read_materials(r, p);
  r.finish();
  return p;
}

}  // namespace backroll
