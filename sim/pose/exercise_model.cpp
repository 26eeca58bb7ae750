#include "pose/exercise_model.h"

#include <cmath>
#include <fmt/core.h>
#include <stdexcept>

#include "anatomy/body_layout.h"
#include "fem/tet_mesh.h"

namespace backroll {

namespace {

using body_layout::kG;  // gravity, m/s^2
// A limb's joint holds it in place: stiff beside the supports' 20 kN/m (estimate), so the hip
// moves with the core.
constexpr double kLimbJointN_per_m = 1e6;

// Node rows through the depth: per layer at least one row, about one per element size (the
// skin's thin layers take one each); the last layer's rows share what is left down to the bone,
// rows about 2.5 element sizes thick, at least two.
std::vector<int> rows_per_layer(const ExerciseSpec& e) {
  std::vector<int> n;
  double above = 0;
  for (size_t l = 0; l + 1 < e.layers.size(); ++l) {
    n.push_back(std::max(1, static_cast<int>(std::ceil(e.layers[l].thickness_m / e.element_size_m - 0.25))));
    above += e.layers[l].thickness_m;
  }
  n.push_back(std::max(2, static_cast<int>(std::ceil((e.bone_depth_m - above) / (2.5 * e.element_size_m)))));
  return n;
}

// The depth below the skin of node row k (0: the skin) at region place p.
double row_depth(const ExerciseSpec& e, const std::vector<int>& rows, int k, const Vec2& p) {
  double top = 0;
  for (size_t l = 0; l < rows.size(); ++l) {
    const bool last = l + 1 == rows.size();
    const double t = last ? e.bone_depth_at(p) - top : e.layers[l].thickness_m;
    if (k <= rows[l]) return top + t * k / rows[l];
    k -= rows[l];
    top += t;
  }
  return top;
}

}  // namespace

std::shared_ptr<const ExerciseModel> build_exercise_model(const ExerciseSpec& e, const RollerSpec& roller, double lowest_x_m) {
  auto out = std::make_shared<ExerciseModel>();
  ExerciseModel& m = *out;
  m.spec = e;
  m.lowest_x_m = lowest_x_m;
  m.roller = roller;
  FemModel& f = m.fem;
  const double h = e.element_size_m;
  m.skin_height_m = 2 * roller.outer_radius_m();

  // The grid: fine over the roller's places and 3.5 cm across and 2.5 cm along beyond them,
  // growing away from there.
  Vec2 lo = e.path_m.front(), hi = lo;
  for (const Vec2& p : e.path_m) lo = lo.cwiseMin(p), hi = hi.cwiseMax(p);
  const Vec2 fine_lo = (lo - Vec2(0.035, 0.025)).cwiseMax(-e.half_m), fine_hi = (hi + Vec2(0.035, 0.025)).cwiseMin(e.half_m);
  const std::vector<double> xs = graded_axis(-e.half_m.x(), e.half_m.x(), fine_lo.x(), fine_hi.x(), h, 1.3, 4 * h);
  const std::vector<double> ys = graded_axis(-e.half_m.y(), e.half_m.y(), fine_lo.y(), fine_hi.y(), h, 1.3, 4 * h);
  const std::vector<int> rows = rows_per_layer(e);
  int nk = 1;
  for (int r : rows) nk += r;
  const int ni = static_cast<int>(xs.size()), nj = static_cast<int>(ys.size());
  auto place = [&](int i, int j, int k) {
    const Vec2 p(xs[i], ys[j]);
    const double d = row_depth(e, rows, k, p);
    return Vec3(e.centre_m.x() + p.x(), e.centre_m.y() + p.y(), m.skin_height_m + e.skin_rise_m(p - Vec2(lowest_x_m, 0)) + d);
  };
  // Cut mirror-symmetrically about the grid's middle column when the grid is symmetric there.
  const std::vector<int> id = append_structured(f.mesh, ni, nj, nk, false, 0, place, ni / 2);
  // A cell's tets are of one layer (its row): each cell one volume ratio (fem FemModel).
  if (e.body.mean_dilatation) f.dilatation_groups = structured_cells(0, f.mesh.n_tets());
  const int nn = f.mesh.n_nodes();
  std::vector<int> node_row(nn);
  m.node_region.resize(nn);
  for (int k = 0; k < nk; ++k)
    for (int j = 0; j < nj; ++j)
      for (int i = 0; i < ni; ++i) {
        const int v = id[(k * nj + j) * ni + i];
        node_row[v] = k;
        m.node_region[v] = Vec3(xs[i], ys[j], row_depth(e, rows, k, Vec2(xs[i], ys[j])));
      }

  // The person's core: rigid body 0 (its dofs after the tissue's); the roller: 1, placed and held
  // (it rolls freely: no friction).
  RigidBody person;
  person.rest_position_m = Vec3(e.centre_m.x(), e.centre_m.y(), m.skin_height_m + e.bone_depth_m);
  f.rigid_bodies.push_back(person);
  RigidBody rb;
  rb.shape = std::make_shared<RollerShape>(roller);
  // A tenth of a millimetre into the skin: the first Newton step meets the foam's stiffness.
  rb.rest_position_m = Vec3(e.centre_m.x(), e.centre_m.y(), roller.outer_radius_m() + 1e-4);
  f.rigid_bodies.push_back(rb);

  // Tissue dofs; the bone's row and the block's sides ride on the person (the tissue goes on
  // beyond the region as it is).
  f.node_dof.assign(nn, {kFixed, kFixed, kFixed});
  f.node_body.assign(nn, -1);
  f.node_force_N.assign(nn, Vec3::Zero());
  int nd = 0;
  for (int k = 0; k < nk; ++k)
    for (int j = 0; j < nj; ++j)
      for (int i = 0; i < ni; ++i) {
        const int v = id[(k * nj + j) * ni + i];
        if (k == nk - 1 || i == 0 || j == 0 || i == ni - 1 || j == nj - 1) {
          f.node_body[v] = m.person;
        } else {
          for (int c = 0; c < 3; ++c) f.node_dof[v][c] = nd++;
        }
      }
  for (int c = 0; c < 6; ++c) f.rigid_bodies[m.person].dof[c] = nd++;
  f.n_dofs = nd;

  // Materials by layer (each tet's cell row), the tissue's weight on its nodes.
  std::vector<NeoHookean> mat;
  std::vector<Relaxation> relax;
  std::vector<double> rho;
  for (const ExerciseLayer& l : e.layers) {
    const TissueMaterial& tm = region_material(e.body, region_index(l.region));
    mat.push_back(solid_law(tm));
    relax.push_back({tm.relaxation_share, tm.relaxation_time_s});
    rho.push_back(tm.density_kg_m3);
  }
  std::vector<int> row_layer;
  for (size_t l = 0; l < rows.size(); ++l) row_layer.insert(row_layer.end(), rows[l], static_cast<int>(l));
  Vec3 tissue_moment = Vec3::Zero();
  for (const Tet& t : f.mesh.tets) {
    int k = nk;
    for (int a = 0; a < 4; ++a) k = std::min(k, node_row[t[a]]);
    const int l = row_layer[k];
    f.tet_material.push_back(mat[l]);
    f.tet_relaxation.push_back(relax[l]);
    const double V = std::abs(tet_signed_volume(f.mesh.X[t[0]], f.mesh.X[t[1]], f.mesh.X[t[2]], f.mesh.X[t[3]]));
    const double mass = rho[l] * V;
    m.tissue_mass_kg += mass;
    for (int a = 0; a < 4; ++a) {
      f.node_force_N[t[a]].z() -= 0.25 * mass * kG;
      tissue_moment += 0.25 * mass * f.mesh.X[t[a]];
    }
  }

  // The masses: de Leva's segments at their centres of mass, the core's on the person's body less
  // the region's tissue (its own nodes carry it), each limb's on its own body.
  const int nlimb = static_cast<int>(e.limbs.size());
  const std::vector<PoseBodyMass> masses = pose_body_masses(e);
  std::vector<double> body_mass(1 + nlimb, 0.0);
  std::vector<Vec3> body_moment(1 + nlimb, Vec3::Zero());
  for (int b = 0; b <= nlimb; ++b) body_mass[b] = masses[b].mass_kg, body_moment[b] = masses[b].mass_kg * masses[b].com_m;
  m.weight_N = 0;
  for (const PoseBodyMass& b : masses) m.weight_N += b.mass_kg * kG;
  body_mass[0] -= m.tissue_mass_kg;
  body_moment[0] -= tissue_moment;
  if (body_mass[0] <= 0) throw std::runtime_error(e.source + ": the region's tissue outweighs the body's core");
  for (int b = 0; b <= nlimb; ++b) {
    const int body = b == 0 ? m.person : static_cast<int>(f.rigid_bodies.size());
    if (b > 0) {  // a limb: its own body, hung on the core at its joint
      RigidBody lb;
      lb.rest_position_m = e.point(e.limbs[b - 1].joint);
      for (int c = 0; c < 6; ++c) lb.dof[c] = f.n_dofs++;
      f.rigid_bodies.push_back(lb);
      // The joint holds the limb in place and, with the muscles' stiffness, against turning; a
      // limb resting on one support turns freely about the level axis across the line from the
      // joint to that support (a relaxed leg pivoting on its hip), so its weight splits between
      // joint and support as its statics say, whatever the springs' stiffness.
      const Limb& limb = e.limbs[b - 1];
      Joint j;
      j.body_a = m.person;
      j.body_b = body;
      j.point_m = lb.rest_position_m;
      j.translational_N_per_m = Vec3::Constant(kLimbJointN_per_m);
      const double k = limb.Nm_per_deg * 180 / M_PI;
      j.rotational_Nm_per_rad = Vec3::Constant(k);
      std::vector<const ExerciseSupport*> own;
      for (const ExerciseSupport& s : e.supports)
        if (s.limb == b - 1) own.push_back(&s);
      if (own.size() == 1) {
        Vec3 along = e.point(own[0]->point) - lb.rest_position_m;
        along.z() = 0;
        if (along.norm() < 1e-3) throw std::runtime_error(e.source + ": " + limb.name + "'s support lies under its joint");
        along.normalize();
        j.axes.row(0) = Vec3(0, 0, 1).cross(along).transpose();
        j.axes.row(1) = along.transpose();
        j.axes.row(2) = Vec3(0, 0, 1).transpose();
        j.rotational_Nm_per_rad = Vec3(0, k, k);
      }
      j.name = limb.name;
      m.limb_body.push_back(body);
      m.limb_joint.push_back(static_cast<int>(f.joints.size()));
      f.joints.push_back(j);
    }
    RigidBody& rb = f.rigid_bodies[body];
    rb.applied_force_N = Vec3(0, 0, -body_mass[b] * kG);
    rb.load_offset_m = body_moment[b] / body_mass[b] - rb.rest_position_m;
  }

  // The supports: at each point a spring up that only pushes. Those on the core also hold it
  // sideways (static friction, as stiff), which closes no loop (one rigid body); a limb's slides
  // (its joint holds it in place), so no force runs round through the floor and the body.
  for (const ExerciseSupport& s : e.supports) {
    Joint j;
    j.body_a = -1;
    j.body_b = s.limb < 0 ? m.person : m.limb_body[s.limb];
    j.point_m = e.point(s.point);
    const double side = s.limb < 0 ? s.stiffness_N_per_m : 0.0;
    j.translational_N_per_m = Vec3(side, side, s.stiffness_N_per_m);
    j.push_only_axis = 2;
    j.name = s.name;
    m.support_joint.push_back(static_cast<int>(f.joints.size()));
    f.joints.push_back(j);
  }

  // The skin: the boundary triangles of the top row (k = 0), facing the roller.
  std::vector<Tri> skin;
  for (const Tri& t : boundary_faces(f.mesh))
    if (node_row[t[0]] == 0 && node_row[t[1]] == 0 && node_row[t[2]] == 0) skin.push_back(t);
  RigidContactSet cs = foam_contact(roller, m.roller_body, skin, f.mesh.X);
  cs.friction = 0;
  m.roller_contact = static_cast<int>(f.rigid_contacts.size());
  for (size_t i = 0; i < cs.n_slaves(); ++i) {
    const Vec3 X = cs.slave_position(i, f.mesh.X);
    m.skin_at_m.push_back(Vec2(X.x(), X.y()) - e.centre_m);
  }
  f.rigid_contacts.push_back(cs);
  f.finalize();

  // Where the lines run: per sample along y, the tets in the line's cross-section there.
  std::vector<Vec3> centre(f.mesh.n_tets(), Vec3::Zero());
  for (int t = 0; t < f.mesh.n_tets(); ++t)
    for (int a = 0; a < 4; ++a) centre[t] += 0.25 * m.node_region[f.mesh.tets[t][a]];
  for (const Structure& s : e.structures) {
    m.line_tets.emplace_back();
    if (s.kind != Structure::Kind::Line) continue;
    const double w = std::max(s.half_width_m, h) + 1e-9;  // centres on the edge in, on both sides alike
    for (double y = -e.half_m.y() + h; y < e.half_m.y() - h; y += h) {
      std::vector<int> in;
      for (int t = 0; t < f.mesh.n_tets(); ++t)
        if (std::abs(centre[t].x() - s.x_m) <= w && std::abs(centre[t].z() - s.depth_m) <= w && std::abs(centre[t].y() - y) <= 0.5 * h + 1e-9)
          in.push_back(t);
      m.line_tets.back().push_back(in);
    }
  }
  return out;
}

std::vector<PoseBodyMass> pose_body_masses(const ExerciseSpec& e) {
  std::vector<PoseBodyMass> out(1 + e.limbs.size());
  double pct = 0;
  for (size_t i = 0; i < e.segments.size(); ++i) {
    const PoseSegment& s = e.segments[i];
    const double mass = segment_mass_pct(e.body, s.kind) / 100 * e.body.mass_kg;
    const Vec3 a = e.point(s.from), b = e.point(s.to);
    pct += segment_mass_pct(e.body, s.kind);
    PoseBodyMass& body = out[s.limb + 1];
    body.com_m = (body.mass_kg * body.com_m + mass * (a + segment_com_fraction(s.kind, !e.body.male) * (b - a))) / (body.mass_kg + mass);
    body.mass_kg += mass;
    body.segments.push_back(static_cast<int>(i));
  }
  if (std::abs(pct - 100) > 1)
    throw std::runtime_error(fmt::format("{}: the pose's segments hold {:.1f} % of the body's mass (de Leva's segments: "
                                         "every one, 100 %)", e.source, pct));
  return out;
}

void place_exercise_roller(const ExerciseModel& m, const Vec2& at_m, FemInputs& in) {
  in.body_pose[m.roller_body].origin_m = m.fem.rigid_bodies[m.roller_body].rest_position_m + Vec3(at_m.x(), at_m.y(), 0);
}

}  // namespace backroll
