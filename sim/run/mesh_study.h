// Whether a scenario's mesh is fine enough (`backroll mesh-study`): every roller asked for solved
// at the chosen positions on the scenario's mesh and on a refined one (mesh.scale x refine: every
// element size times refine, the rows through the muscle and the kidneys divided by it), each
// position from rest, and every measure of the registry held against the pass rule: the two
// meshes agree within 5 % of the refined value or within the measure's floor (registry.h:
// noise_floor; 2 kPa, 0.2 kPa for the kidneys and the abdomen, 5 N, 0.5 percentage points,
// 0.05 deg, 0.1 mm (a place 1 mm), 1 cm2, 0.5 N m). A scenario with a fine patch where the
// roller acts (mesh.patch_size_m) has it centred on each position in turn, one model each, and
// refined with the rest (its size times refine). The table also counts the main job's headline
// measures outside the rule (compare.h: headline_measures).
#pragma once

#include <array>
#include <string>
#include <vector>

#include "measure/registry.h"
#include "run/batch.h"

namespace backroll {

struct MeshStudyOptions {
  std::vector<std::string> roller_files;  // empty: the main job's (compare.h)
  std::vector<int> levels = {7, 15};      // T7 and L3
  double refine = 0.7;                    // the refined mesh's scale relative to the scenario's
  std::vector<ConfigOverride> overrides;  // laid over the scenario file (a cheaper mesh for a test)
};

struct MeshStudy {
  std::string source;
  Scenario coarse, fine;                        // the scenario's mesh and the refined one
  int coarse_dofs = 0, fine_dofs = 0;           // the largest over the positions' models
  std::vector<std::string> rollers;             // the roller files, in order
  std::vector<RollerSpec> roller_specs;         // ... as read
  std::vector<int> levels;
  // Per mesh (0 the scenario's, 1 refined), per roller, per level.
  std::vector<std::vector<RollResult>> results[2];
  std::array<double, 2> seconds_per_mesh{};     // CPU time over each mesh's jobs
  double seconds = 0;
  int threads = 1;
};

// Reads both meshes' scenarios (a bad file or value fails here, before any solve).
MeshStudy prepare_mesh_study(const std::string& scenario_path, const MeshStudyOptions& opt);
// Solves every roller, mesh and position through run_batch (independent of the thread count).
void solve_mesh_study(MeshStudy& s, int threads, const BatchProgressFn& progress = {});

// The pass rule's tolerance for a measure whose refined value is `fine`.
double mesh_tolerance(const Measure& m, double fine);

// One measure at one roller and level on both meshes.
struct MeshDifference {
  std::string roller, measure;
  int level = 0;
  double coarse = 0, fine = 0, tolerance = 0;
  bool solved = false;  // both positions converged to a possible state
  bool pass = false;
};
// Every registry measure at every roller and level, in that order (roller, level, the registry's
// order); where either mesh's position did not solve to a possible state, not solved and failed.
std::vector<MeshDifference> mesh_differences(const MeshStudy& s);
bool mesh_study_passes(const MeshStudy& s);
std::string mesh_study_table(const MeshStudy& s);
std::string mesh_study_csv(const MeshStudy& s);
std::string mesh_study_json(const MeshStudy& s);

}  // namespace backroll
