// The torso's data: everything the model is generated from, read from a file in assets/bodies/.
// Per-level arrays run T1..T12, L1..L5 (kLevels = 17); per-joint arrays T1-T2 .. L5-S1
// (17 joints, the last one onto the pelvis). Units are SI; angles in degrees where named _deg.
#pragma once

#include <array>
#include <map>
#include <string>
#include <vector>

#include "fem/neo_hookean.h"
#include "io/toml_reader.h"

namespace backroll {

constexpr int kLevels = 17;  // T1..L5
constexpr int kThoracic = 12;
constexpr int kRibs = 12;

using PerLevel = std::array<double, kLevels>;

struct TissueMaterial {
  double youngs_modulus_Pa = 0;  // the isotropic (matrix) part
  double poisson_ratio = 0;
  double density_kg_m3 = 0;
  // Tension-only collagen fibres (a fascia sheet, a ligament), 0 for none: their small-strain
  // tensile modulus across the back (a sheet's two families together) or along a ligament, and a
  // sheet's fibre angle from the transverse direction (two families, +- the angle).
  double fibre_modulus_Pa = 0;
  double fibre_angle_deg = 0;
  // Stress relaxation under a held strain (fem/viscoelastic.h): this share of the instantaneous
  // stress relaxes away with this time constant; the modulus above is the instantaneous one.
  // 0: elastic.
  double relaxation_share = 0, relaxation_time_s = 0;
  // The solid's law (fem/neo_hookean.h): 2 is neo-Hookean; another alpha the one-term Ogden form
  // with the same small-strain moduli (a negative one stiffens in compression).
  double ogden_alpha = 2;
};

struct BodySpec {
  std::string source;  // the file it came from

  // [body]
  double mass_kg = 75, height_m = 1.75;
  bool male = true;
  // [posture]
  double kyphosis_deg = 24.1, lordosis_deg = 35.6;
  // [skin_line]
  double skin_line_length_m = 0.509, reference_height_m = 1.75;
  std::vector<int> anchor_levels;  // level indices (level_index)
  std::vector<double> anchor_fractions;
  // [spine]
  PerLevel body_width_m{}, body_depth_m{}, body_height_m{}, tip_to_body_m{}, canal_depth_m{},
      sp_inclination_deg{}, tp_halfspan_m{}, trunk_halfwidth_m{}, trunk_depth_m{};
  // [tissue]
  PerLevel depth_over_sp_m{}, fat_thickness_m{}, fascia_thickness_m{}, paraspinal_thickness_m{},
      superficial_thickness_m{}, erector_halfwidth_m{}, multifidus_halfwidth_m{};
  double skin_thickness_m = 0.002, trapezius_share = 0.44, sp_tip_halfwidth_m = 0.004,
         sp_base_halfwidth_m = 0.012, ql_halfwidth_m = 0.095, ql_thickness_m = 0.018,
         abdominal_depth_m = 0.12;
  int iliac_crest_level = 16;
  // [abdomen]: the abdominal cavity's fluid behind the lumbar flanks (its density: the
  // abdominal_content material's).
  double abdominal_pressure_Pa = 6.5 * 133.322, abdominal_compliance_m3_per_Pa = 250e-6 / 133.322,
         abdominal_reference_depth_m = 0.11;
  // [kidneys]
  int kidney_left_top = 11, kidney_left_bottom = 14, kidney_right_top = 12, kidney_right_bottom = 15;
  double kidney_lateral_centre_m = 0.06, kidney_halfwidth_m = 0.03, kidney_halfthickness_m = 0.02,
         kidney_posterior_depth_m = 0.065;
  // [ribs]
  double costovertebral_N_per_m = 2e4, costovertebral_Nm_per_rad = 0.87, cartilage_E_Pa = 32.9e6,
         cartilage_width_m = 0.012, cartilage_thickness_m = 0.008, cartilage_perichondrium_share = 0.47,
         rib_mass_kg = 0.06, sternum_mass_kg = 0.12, intercostal_thickness_m = 0.01, intercostal_strip_m = 0.02,
         rib_segment_m = 0.05, rib_descent_levels = 0;
  // Rib shaft: an elliptical cortical shell, rib_height_m along the body, rib_thickness_m through
  // the wall.
  double rib_height_m = 0.012, rib_thickness_m = 0.006, rib_cortex_m = 0.001, rib_E_Pa = 12e9;
  std::array<double, kRibs> bony_fraction{};
  // [joints]
  double reference_moment_Nm = 7.5, facet_engagement_deg = 1.0, stiffening_ratio = 2.0,
         compression_N_per_m = 1.5e6, shear_N_per_m = 1e5;
  PerLevel flexion_rom_deg{}, extension_rom_deg{}, lateral_bending_rom_deg{}, axial_rotation_rom_deg{};
  // [mass] de Leva fractions (% of body mass) for the chosen sex.
  double head_pct = 0, trunk_pct = 0, trunk_upper_share = 0, trunk_middle_share = 0, upper_arm_pct = 0,
         forearm_pct = 0, hand_pct = 0, thigh_pct = 0, shank_pct = 0, foot_pct = 0;
  int upper_trunk_last_level = 8, middle_trunk_last_level = 15;
  // [figure] the drawn person (viz/figure.h), fractions of height_m for the chosen sex.
  struct Figure {
    double upper_arm = 0, forearm = 0, hand = 0, thigh = 0, shank = 0, foot = 0, head_neck = 0;
    double shoulder_breadth = 0, hip_breadth = 0;
    std::array<double, 3> head{};  // breadth, length, height
    std::array<double, 2> upper_arm_r{}, forearm_r{}, thigh_r{}, shank_r{};  // proximal, distal
  } figure;
  // [materials] by region name.
  std::map<std::string, TissueMaterial> materials;
  // [mesh]
  double lateral_halfwidth_m = 0.12, midline_size_m = 0.004, max_lateral_size_m = 0.015,
         axial_size_m = 0.012;
  int fat_rows = 1, muscle_rows = 4, kidney_rows = 4;
  static constexpr int kMaxFatRows = 4;  // the body file's mesh.fat_rows is 1 .. this
  // The tissues' Poisson's ratio at most: with each tet's own volume term, and with each cell's
  // (mesh.mean_dilatation), which does not lock.
  static constexpr double kMaxPoissonTet = 0.49, kMaxPoissonCell = 0.4999;
  bool tie_band_rows = true;  // away from the kidneys their rows follow their neighbours (band_ties)
  bool mean_dilatation = false;   // each grid cell's tets share one volume ratio (fem dilatation_groups)
  bool share_deep_nodes = false;  // a deep node over two bones rides both (BodyBuilder::share_deep_nodes)
  // A fine patch where the roller acts (a scenario's [mesh] patch_*, none when patch_size_m = 0):
  // elements of patch_size_m in the skin's plane within patch_halflength_m along the skin line of
  // level patch_level's spinous-process tip and within patch_halfwidth_m of the midline, growing
  // by 1.25 per element outside it to the sizes above (BodyBuilder::tissue_grid). patch_level 0
  // with a patch: it follows the roller, and a run centres it on each position before building
  // (run/roll.h: with_patch_at).
  double patch_size_m = 0, patch_halflength_m = 0.06, patch_halfwidth_m = 0.08;
  int patch_level = 0;
};

// The tissue regions every body file must give a material for, in tag order.
// Bending and torsional stiffness of the rib shaft, a hollow ellipse (cortical shell): EI about
// the axis along the body (bending within the rib's plane, through its thin dimension), EI about
// the radial axis (bending out of the plane, through its height) and GJ (Bredt's thin-walled
// closed section, G = E / 2.6).
struct RibSection {
  double EI_in_Nm2 = 0, EI_out_Nm2 = 0, GJ_Nm2 = 0;
};
RibSection rib_section(const BodySpec& p);

// Costal cartilage as a composite beam: a rectangle of cartilage substance (cartilage_width_m
// along the body, cartilage_thickness_m through the wall) inside a thin fibrous sheath, the
// perichondrium. The sheath's stiffness (E t, per unit of its length round the section) is set so
// it carries cartilage_perichondrium_share of the stiffness in bending through the wall, the
// quantity Forman et al. 2010 measured by stripping it; the same sheath then adds to the axial,
// the other bending and, as a closed thin-walled tube (Bredt), the torsional stiffness.
struct CartilageSection {
  double EA_N = 0, EI_wall_Nm2 = 0, EI_body_Nm2 = 0, GJ_Nm2 = 0;
  double sheath_Et_N_per_m = 0;  // the perichondrium's E x thickness
};
CartilageSection cartilage_section(const BodySpec& p);

const std::vector<std::string>& region_names();
// Index of a region name in region_names(); throws std::out_of_range for an unknown name.
int region_index(const std::string& name);

// The shipped default adult, assets/bodies/default.toml.
std::string default_body_path();

// The material of a region (index into region_names()); both kidneys share "kidney".
const TissueMaterial& region_material(const BodySpec& p, int region);
// A tissue's isotropic solid law (its fibres, when it has them, are the builder's to lay).
NeoHookean solid_law(const TissueMaterial& tm);

// Reads and checks a body file; throws ConfigError (file:line, key, value, allowed range).
BodySpec load_body_spec(const std::string& path, const std::vector<ConfigOverride>& overrides = {});

}  // namespace backroll
