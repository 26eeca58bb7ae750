// The layered-tissue contact scene: a block of the body's tissue layers (each a region of a body
// file, which supplies its material, and a thickness) over rigid bone, pressed by a catalog roller
// with a force. It shows the same roller on different tissue ("on the back vs on a thick muscle")
// and is the scene to hold against published roller-pressure measurements.
//
// `backroll contact FILE.toml`, FILE holding [[layer]] tables:
//   body = "default"                     # catalog name or body file: the regions' materials
//   roller = "standard"                  # catalog name or roller file (no surface pattern)
//   force_N = 200                        # the whole roller's push
//   contact_length_m = 0.12              # a cylinder's: the block's length along its axis
//   [[layer]]                            # from the skin inwards
//   region = "skin"
//   thickness_m = 0.002
// The roller acts as on the torso: its shape and foam law through contact points on the block's
// top triangles (gear/roller.h foam_contact). Quarter model: the planes through the roller's
// axis and across its middle are planes of symmetry; the block's bottom is bonded to the bone.
// The regions' fibres (fascia sheets) are left out: the isotropic matrix only.
#pragma once

#include <string>
#include <vector>

#include "fem/quasi_static.h"
#include "anatomy/body_spec.h"
#include "gear/roller.h"
#include "io/toml_reader.h"

namespace backroll {

struct TissueLayer {
  std::string region;
  double thickness_m = 0;
};

struct LayeredCaseParams {
  std::string source;
  std::string body_file, roller_file;
  std::vector<TissueLayer> layers;
  double force_N = 200;
  double contact_length_m = 0.12;
  double element_size_m = 0.002;   // at the skin over the contact zone (5 cm of it at most)
  double threshold_Pa = 1000;      // the loaded area: contact points above this pressure
};

struct LayeredCaseResult {
  SolveReport solve;
  RollerSpec roller;
  double peak_Pa = 0;          // highest contact point pressure
  double peak_offset_m = 0;    // its distance from the contact's middle line (a cylinder) or centre
  double mean_Pa = 0;          // force over area of the points above the threshold
  double area_m2 = 0;          // their area (whole roller)
  double compression_m = 0;    // the foam's deepest compression
  double force_sum_N = 0;      // the contact forces' vertical sum, pressure and friction (whole roller): equals force_N
  double friction_vertical_N = 0;  // friction's part of it
  int nodes = 0, dofs = 0;
};

// True when the TOML file holds [[layer]] tables (a layered scene, not a contact-suite file).
bool is_layered_case(const std::string& path);
// Reads and checks the file: file, key, value and allowed range in every error (ConfigError).
// `overrides` replace the file's keys (the command line's --roller: a resolved roller file).
LayeredCaseParams load_layered_case(const std::string& path, const std::vector<ConfigOverride>& overrides = {});
// Each layer's material, from its region in the body file (or in `body`, that file read).
std::vector<TissueMaterial> layer_materials(const LayeredCaseParams& p);
std::vector<TissueMaterial> layer_materials(const LayeredCaseParams& p, const BodySpec& body);
LayeredCaseResult run_layered_case(const LayeredCaseParams& p);
// The same scene held under its force for `seconds` while the tissue creeps (fem/viscoelastic.h):
// the result at time 0 (the instantaneous response, as run_layered_case) and after each step of
// dt_s (the last shortened to end on time); it stops after a step that does not converge.
std::vector<LayeredCaseResult> run_layered_dwell(const LayeredCaseParams& p, double seconds, double dt_s);

}  // namespace backroll
