#include "validation/layered_case.h"

#include <cmath>
#include <memory>
#include <toml++/toml.h>

#include "fem/viscoelastic.h"
#include "anatomy/body_layout.h"
#include "anatomy/body_spec.h"
#include "io/catalog.h"
#include "validation/tissue_block.h"

namespace backroll {

bool is_layered_case(const std::string& path) {
  try {
    const toml::table t = toml::parse_file(path);
    return t.contains("layer");
  } catch (const toml::parse_error&) {
    return false;  // the suite's reader reports the syntax error
  }
}

LayeredCaseParams load_layered_case(const std::string& path, const std::vector<ConfigOverride>& overrides) {
  TomlReader r(path, overrides);
  LayeredCaseParams p;
  p.source = path;
  p.body_file = catalog_file("bodies", r.text("body"), r.source_file("body"), r.where("body"), "body");
  p.roller_file = catalog_file("rollers", r.text("roller"), r.source_file("roller"), r.where("roller"), "roller");
  p.force_N = r.number("force_N", 1, 2000);
  if (r.has("contact_length_m")) p.contact_length_m = r.number("contact_length_m", 0.02, 0.5);
  if (r.has("element_size_m")) p.element_size_m = r.number("element_size_m", 0.001, 0.01);
  const size_t n = r.table_count("layer");
  for (size_t i = 0; i < n; ++i) {
    const std::string k = "layer[" + std::to_string(i) + "].";
    TissueLayer l;
    l.region = r.text(k + "region", region_names());
    l.thickness_m = r.number(k + "thickness_m", 0.0005, 0.2);
    p.layers.push_back(l);
  }
  if (p.layers.empty() || p.layers.size() > 8)
    throw ConfigError(path + ": [[layer]] has " + std::to_string(p.layers.size()) + " tables: allowed 1 to 8");
  r.finish();
  return p;
}

namespace {

// The block's row heights from the bone (z = -T) up to the skin (z = 0): rows of h at the skin,
// growing with depth d as h + (growth - 1) d up to h_max, every layer's thickness divided into
// whole rows (at least two, so a thin stiff layer still bends), interfaces on row boundaries.
std::vector<double> layer_rows(const std::vector<TissueLayer>& layers, double h, double growth, double h_max) {
  std::vector<double> down = {0};  // depths below the skin
  for (const TissueLayer& l : layers) {
    const double top = down.back();
    std::vector<double> rows;
    double sum = 0;
    while (sum < l.thickness_m - 1e-9 || rows.size() < 2) {
      rows.push_back(std::min(h + (growth - 1) * (top + sum), h_max));
      sum += rows.back();
    }
    double d = top;
    for (double r : rows) down.push_back(d += r * l.thickness_m / sum);
  }
  std::vector<double> zs;
  for (auto it = down.rbegin(); it != down.rend(); ++it) zs.push_back(-*it);
  zs.back() = 0;
  return zs;
}

}  // namespace

std::vector<TissueMaterial> layer_materials(const LayeredCaseParams& p) {
  return layer_materials(p, load_body_spec(p.body_file));
}

std::vector<TissueMaterial> layer_materials(const LayeredCaseParams& p, const BodySpec& body) {
  std::vector<TissueMaterial> out;
  for (const TissueLayer& l : p.layers) out.push_back(region_material(body, region_index(l.region)));
  return out;
}

LayeredCaseResult run_layered_case(const LayeredCaseParams& p) { return run_layered_dwell(p, 0, 1).front(); }

std::vector<LayeredCaseResult> run_layered_dwell(const LayeredCaseParams& p, double seconds, double dt_s) {
  LayeredCaseResult res;
  res.roller = load_roller_spec(p.roller_file);
  const RollerSpec& roller = res.roller;
  double T = 0;
  std::vector<NeoHookean> mat;
  std::vector<Relaxation> relax;
  const BodySpec body = load_body_spec(p.body_file);
  for (const TissueMaterial& tm : layer_materials(p, body)) {  // the body's laws and, below, its volume terms
    mat.push_back(solid_law(tm));
    relax.push_back({tm.relaxation_share, tm.relaxation_time_s});
  }
  for (const TissueLayer& l : p.layers) T += l.thickness_m;
  // The block: x along the roller's axis from its middle, y across it, z up to the skin; y = 0 a
  // plane of symmetry. A ball or a peanut: a quarter block, x = 0 a plane of symmetry too, its
  // far sides free. A cylinder: a slice of a contact as long as contact_length_m, x = 0 and x = X
  // both planes of symmetry (plane strain: the back's contact has no free tissue edge at its ends);
  // with knobs or spikes the slice is half a pitch wide, a bump's crest at x = 0, and the roller is
  // turned so that a row of bumps points straight down (the pattern's planes of symmetry then are
  // the slice's: a periodic line of bumps).
  const bool line = roller.kind == RollerKind::Cylinder;
  const bool patterned = roller.pattern != RollerPattern::None;
  const double R = 0.5 * roller.diameter_m, h = p.element_size_m;
  const double X = patterned ? 0.5 * roller.pattern_pitch_m
                   : line    ? 2 * h
                   : roller.kind == RollerKind::Peanut ? 0.5 * roller.groove_width_m + 2 * R
                                                       : 1.5 * R;
  const double Y = R + T;
  const std::vector<double> xs = line && !patterned ? std::vector<double>{0, h, X}
                                 : line              ? graded_axis(0, X, 0, X, h, 1.2, h)
                                                     : graded_axis(0, X, 0, std::min(0.8 * X, 0.05), h, 1.2, 0.25 * Y);
  // The whole roller's figures from the model's: area and force times this.
  const double whole = line ? 2 * p.contact_length_m / X : 4;
  const std::vector<double> ys = graded_axis(0, Y, 0, std::min(0.6 * Y, 0.05), h, 1.2, 0.25 * Y);
  const std::vector<double> zs = layer_rows(p.layers, h, 1.2, 4 * h);
  FemModel m;
  const std::vector<Tri> top = add_tissue_block(m, xs, ys, zs, line);
  for (const Tet& t : m.mesh.tets) {  // each tet takes the material of the layer its centre lies in
    const double zc = 0.25 * (m.mesh.X[t[0]].z() + m.mesh.X[t[1]].z() + m.mesh.X[t[2]].z() + m.mesh.X[t[3]].z());
    double layer_top = 0;
    size_t layer = 0;
    while (layer + 1 < p.layers.size() && zc < layer_top - p.layers[layer].thickness_m)
      layer_top -= p.layers[layer++].thickness_m;
    m.tet_material.push_back(mat[layer]);
    m.tet_relaxation.push_back(relax[layer]);
  }
  if (body.mean_dilatation) m.dilatation_groups = structured_cells(0, m.mesh.n_tets());
  RigidBody rb;
  rb.shape = std::make_shared<RollerShape>(roller);
  // Touching the skin under its axis, a tenth of a millimetre in: a contact that is already active
  // gives the first Newton step the foam's stiffness (from a gap the free roller has none, and its
  // regularised first step can carry it straight through the block).
  rb.rest_position_m = Vec3(0, 0, roller.outer_radius_m() - 1e-4);
  rb.dof[2] = m.n_dofs++;
  rb.applied_force_N = Vec3(0, 0, -p.force_N / whole);
  m.rigid_bodies.push_back(rb);
  m.rigid_contacts.push_back(foam_contact(roller, 0, top, m.mesh.X));
  m.finalize();
  res.nodes = m.mesh.n_nodes();
  res.dofs = m.n_dofs;

  FemState st;
  st.reset(m);
  // A pattern's row of bumps pointing down: the roller placed turned (its +y down), which is also
  // where its friction counts slip from.
  if (patterned) st.inputs.body_pose[0].rotation = rotation::to_matrix(rotation::exp_map(Vec3(-0.5 * body_layout::kPi, 0, 0)));
  SolverSettings s;
  s.load_steps = 4;
  s.cells_pressure_stiffness = true;  // a tight tolerance on a small mesh (SolverSettings)
  res.solve = solve_equilibrium(m, st, s);
  // The contact read off a solved state into res (its solve report set by the caller).
  auto read = [&](LayeredCaseResult& res) {
  const std::vector<double> f = rigid_contact_forces(m, st, 0);
  const std::vector<Vec3> ft = rigid_friction_forces(m, st, 0);
  const std::vector<Vec3> x = node_positions(m, st);
  const Vec3 c = rigid_position(m, st, 0);
  const Mat3 Q = rigid_orientation(m, st, 0);
  const RigidContactSet& cs = m.rigid_contacts[0];
  double loaded_f = 0, loaded_A = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] <= 0) continue;
    Vec3 n;
    const double g = rb.shape->signed_distance(Q.transpose() * (cs.slave_points[i].position(x) - c), &n);
    n = Q * n;
    res.compression_m = std::max(res.compression_m, -g);
    res.force_sum_N += -whole * (f[i] * n.z() + ft[i].z());  // the skin's push on the roller, friction's part too
    res.friction_vertical_N += -whole * ft[i].z();
    const double A = foam_point_area_m2(roller, cs, i), pr = f[i] / A;
    if (pr > res.peak_Pa) {
      const Vec3 at = cs.slave_points[i].position(m.mesh.X);
      res.peak_Pa = pr;
      res.peak_offset_m = line ? at.y() : std::hypot(at.x(), at.y());
    }
    if (pr > p.threshold_Pa) loaded_f += f[i], loaded_A += A;
  }
  res.area_m2 = whole * loaded_A;
  res.mean_Pa = loaded_A > 0 ? loaded_f / loaded_A : 0;
  };
  read(res);
  std::vector<LayeredCaseResult> out = {res};
  // Held under the same force: each step's equilibrium with the tissue's history (fem/viscoelastic.h).
  ViscousHistory history;
  s.load_steps = 1;
  for (double t = 0; t < seconds - 1e-9 && out.back().solve.converged;) {
    const double dt = std::min(dt_s, seconds - t);
    if (!history.started()) history.start(m, st);
    history.prepare(m, dt, st.inputs);
    LayeredCaseResult r;
    r.roller = res.roller;
    r.nodes = res.nodes;
    r.dofs = res.dofs;
    r.solve = solve_equilibrium(m, st, s);
    if (r.solve.converged) history.commit(m, st, dt);
    read(r);
    out.push_back(r);
    t += dt;
  }
  return out;
}

}  // namespace backroll
