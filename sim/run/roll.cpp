#include "run/roll.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "io/toml_reader.h"
#include "pose/lying_flat.h"

namespace backroll {
namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr double kDeg = kPi / 180.0;
constexpr double kG = 9.81;

Mat3 pitch_matrix(double a) {  // rotation about x: the body's y (cranial) turns up towards z
  Mat3 R;
  R << 1, 0, 0, 0, std::cos(a), -std::sin(a), 0, std::sin(a), std::cos(a);
  return R;
}

// The skin's midline in the flat-lying frame: position and outward normal at skin-line position s.
void skin_midline(const TorsoModel& m, double s, Vec3* point, Vec3* normal) {
  double xmin = 1e9;
  for (int n : m.skin_nodes) xmin = std::min(xmin, std::abs(m.node_local[n].x()));
  std::vector<std::pair<double, int>> line;
  for (int n : m.skin_nodes)
    if (std::abs(m.node_local[n].x()) <= xmin + 1e-9) line.emplace_back(m.node_local[n].y(), n);
  std::sort(line.begin(), line.end());
  size_t i = 1;
  while (i + 1 < line.size() && line[i].first < s) ++i;
  const double s0 = line[i - 1].first, s1 = line[i].first;
  const double w = std::clamp((s - s0) / (s1 - s0), 0.0, 1.0);
  const Vec3& A = m.fem.mesh.X[line[i - 1].second];
  const Vec3& B = m.fem.mesh.X[line[i].second];
  *point = (1 - w) * A + w * B;
  Vec3 n = Vec3::UnitX().cross(B - A).normalized();
  if (n.z() > 0) n = -n;  // the back faces the floor
  *normal = n;
}

}  // namespace

std::string default_scenario_path() { return std::string(BACKROLL_ASSET_DIR) + "/scenarios/default.toml"; }

TorsoParams scaled_mesh(TorsoParams p, double scale) {
  p.midline_size_m *= scale;
  p.max_lateral_size_m *= scale;
  p.axial_size_m *= scale;
  p.muscle_rows = std::max(2, static_cast<int>(std::lround(p.muscle_rows / scale)));
  return p;
}

RollScenario load_scenario(const std::string& path, const std::vector<ConfigOverride>& overrides) {
  std::vector<ConfigOverride> own, body, roller;
  for (ConfigOverride o : overrides) {
    if (o.key.rfind("roller.", 0) == 0) o.key = o.key.substr(7), roller.push_back(o);
    else if (o.key.rfind("torso.", 0) == 0) o.key = o.key.substr(6), body.push_back(o);
    else if (o.key.rfind("body.", 0) == 0) body.push_back(o);
    else own.push_back(o);
  }
  TomlReader r(path, own);
  RollScenario sc;
  sc.source = path;
  sc.body_file = resolve_relative(path, r.text("body"));
  sc.roller_file = resolve_relative(path, r.text("roller"));
  PostureParams& q = sc.posture;
  q.hip_lift_m = r.number("posture.hip_lift_m", 0.0, 0.25);
  q.foot_distance_m = r.number("posture.foot_distance_m", 0.05, 0.8);
  q.arms = r.text("posture.arms", {"behind_head", "on_chest"});
  q.trunk_muscle_Nm_per_deg = r.number("posture.trunk_muscle_Nm_per_deg", 0.0, 5000);
  q.leg_N_per_m = r.number("posture.leg_stiffness_N_per_m", 1e3, 1e7);
  sc.mesh_scale = r.number("mesh.scale", 0.5, 4.0);
  const std::string from = r.text("roll.from"), to = r.text("roll.to");
  const int a = level_index(from), b = level_index(to);
  // T1 is left out: the tissue mesh ends at C7, so a roller there would press the mesh's cut edge.
  auto bad = [&](const std::string& key, const std::string& v) {
    return ConfigError(r.where(key) + ": " + key + " = \"" + v + "\": allowed T2..T12, L1..L5");
  };
  if (a < 2 || a > kLevels) throw bad("roll.from", from);
  if (b < 2 || b > kLevels) throw bad("roll.to", to);
  for (int l = a; a <= b ? l <= b : l >= b; l += a <= b ? 1 : -1) sc.levels.push_back(l);
  if (r.has("roll.warm_start")) sc.warm_start = r.boolean("roll.warm_start");
  r.finish();
  sc.body = scaled_mesh(load_torso_params(sc.body_file, body), sc.mesh_scale);
  sc.roller = load_roller_spec(sc.roller_file, roller);
  return sc;
}

TorsoModel build_posed_torso(const RollScenario& sc) {
  TorsoModel m = build_torso(sc.body);
  const TorsoParams& p = m.params;
  if (sc.posture.arms == "behind_head") {  // the arms' mass moves from the shoulders to the head
    const double arms = 2 * p.mass_kg * (p.upper_arm_pct + p.forearm_pct + p.hand_pct) / 100;
    for (int v = 1; v <= 3; ++v) m.bones[m.vertebra[v]].attached_mass_kg -= arms / 3;
    m.bones[m.vertebra[0]].attached_mass_kg += arms;
  }
  const double km = sc.posture.trunk_muscle_Nm_per_deg / kDeg;
  for (int v = 0; v < kLevels; ++v) {
    Joint& j = m.fem.joints[m.intervertebral_joint[v]];
    j.rotational_Nm_per_rad += Vec3::Constant(km);
    if (j.stiffen_axis >= 0) j.stiffened_Nm_per_rad += km;
    if (j.opposite_Nm_per_rad > 0) j.opposite_Nm_per_rad += km;
  }
  set_gravity(m, Vec3(0, 0, -1));
  return m;
}

void relate_to_flat(RollResult& r, const FlatReference* flat) {
  for (int v = 0; v < kLevels; ++v) {
    const Vec3 r0 = flat ? flat->rotation_rad[v] : Vec3::Zero();
    const Vec3 t0 = flat ? flat->translation_m[v] : Vec3::Zero();
    r.segment[v].extension_deg = (r.joint_rotation_rad[v][0] - r0[0]) / kDeg;
    r.segment[v].anterior_shear_mm = (r.joint_translation_m[v][2] - t0[2]) * 1e3;
  }
}

FlatReference solve_flat_reference(const RollScenario& sc, const std::atomic<bool>* cancel) {
  TorsoModel m = build_posed_torso(sc);
  SolverSettings s;
  s.cancel = cancel;
  s.residual_rtol = 1e-8;
  s.gap_tol_m = 1e-6;
  const SettleResult r = settle_on_floor(m, s);
  FlatReference f;
  f.solve = r.solve;
  for (int v = 0; v < kLevels; ++v) {
    const JointState js = joint_state(m.fem, r.state, m.intervertebral_joint[v]);
    f.rotation_rad[v] = js.rotation_rad;
    f.translation_m[v] = js.translation_m;
  }
  return f;
}

MatStats mat_stats(const PressureMat& mat, double xlo, double xhi, double slo, double shi) {
  MatStats st;
  std::vector<double> loaded;
  double fx = 0, fs = 0;
  for (int is = 0; is < mat.ns; ++is)
    for (int ix = 0; ix < mat.nx; ++ix) {
      const double xc = mat.x0_m + (ix + 0.5) * mat.cell_m, sc = mat.s0_m + (is + 0.5) * mat.cell_m;
      if (xc < xlo || xc > xhi || sc < slo || sc > shi) continue;
      const double f = mat.force_N[is * mat.nx + ix];
      const double p = mat.pressure_Pa(ix, is);
      st.force_N += f;
      fx += f * xc;
      fs += f * sc;
      st.peak_Pa = std::max(st.peak_Pa, p);
      if (p > kContactThresholdPa) loaded.push_back(p);
    }
  const double A = mat.cell_m * mat.cell_m;
  st.contact_area_m2 = loaded.size() * A;
  if (!loaded.empty()) {
    double sum = 0;
    for (double p : loaded) sum += p;
    st.mean_Pa = sum / loaded.size();
    std::sort(loaded.begin(), loaded.end(), std::greater<double>());
    const size_t k = std::min(loaded.size(), static_cast<size_t>(std::ceil(kPpiAreaM2 / A - 1e-9)));
    double top = 0;
    for (size_t i = 0; i < k; ++i) top += loaded[i];
    st.ppi_Pa = top / k;
  }
  if (st.force_N > 0) {
    st.cop_x_m = fx / st.force_N;
    st.cop_s_m = fs / st.force_N;
  }
  return st;
}

std::shared_ptr<const RollModel> build_roll_model(const RollScenario& sc) {
  auto rm = std::make_shared<RollModel>();
  rm->scenario = sc;
  rm->body = build_posed_torso(sc);
  TorsoModel& model = rm->body;
  FemModel& fem = model.fem;
  // The roller: a fixed rigid shape; each session places it for each solve.
  RigidBody rb;
  rb.shape = std::make_shared<RollerShape>(sc.roller);
  rm->roller_body = static_cast<int>(fem.rigid_bodies.size());
  fem.rigid_bodies.push_back(rb);
  // Its foam acts on points spread over the skin's triangles, a quarter of the roller's feature
  // size apart (each triangle cut into m x m and the pieces' centroids taken, each point with its
  // piece's area), so a ball cannot slip between nodes and the foam law is integrated over the
  // skin rather than lumped on the nodes.
  RigidContactSet cs;
  cs.body = rm->roller_body;
  cs.compliant = true;
  const double spacing = 0.25 * sc.roller.feature_size_m();
  for (const Tri& f : model.skin_faces) {
    const Vec3 &A = fem.mesh.X[f[0]], &B = fem.mesh.X[f[1]], &C = fem.mesh.X[f[2]];
    const double edge = std::max({(B - A).norm(), (C - B).norm(), (A - C).norm()});
    const int m = std::clamp(static_cast<int>(std::ceil(edge / spacing)), 1, kMaxSubdivision);
    const double piece = 0.5 * (B - A).cross(C - A).norm() / (m * m);
    auto add = [&](double a, double b) {
      SurfacePoint sp;
      sp.node = {f[0], f[1], f[2]};
      sp.w = Vec3(1 - (a + b) / m, a / m, b / m);
      cs.slave_points.push_back(sp);
      cs.penalty_N_per_m.push_back(sc.roller.foundation_Pa_per_m() * piece);
    };
    for (int i = 0; i < m; ++i)
      for (int j = 0; i + j < m; ++j) {
        add(i + 1.0 / 3, j + 1.0 / 3);                    // pieces pointing like the triangle
        if (i + j < m - 1) add(i + 2.0 / 3, j + 2.0 / 3);  // ... and the inverted ones
      }
  }
  fem.rigid_contacts.push_back(cs);
  // The floor under the roller, in the body's pitched frame: the head and shoulders come down on
  // it when the roller is small or far down the back. Rigid (augmented Lagrangian), the same
  // penalty per skin area as lying flat. Each session places and turns it for each solve.
  rm->floor_body = add_floor_contact(model);
  // The legs: two springs from the hip to the feet, half the foot distance either side.
  const double K = sc.posture.leg_N_per_m, w = 0.5 * sc.posture.foot_distance_m;
  Joint hip;
  hip.name = "legs";
  hip.body_a = -1;
  hip.body_b = model.pelvis;
  hip.point_m = model.bones[model.pelvis].origin_m;
  hip.translational_N_per_m = Vec3::Constant(2 * K);
  hip.rotational_Nm_per_rad = Vec3(0, 2 * K * w * w, 2 * K * w * w);  // free to pitch about the hip
  rm->hip_joint = static_cast<int>(fem.joints.size());
  fem.joints.push_back(hip);
  number_bone_dofs(model, {});
  // The direction a bone's load is measured along: the skin's inward normal at its level.
  for (const Bone& bo : model.bones) {
    const int l = bo.kind == BoneKind::Pelvis ? 18 : bo.kind == BoneKind::Sternum ? 4 : bo.level;
    Vec3 P, n;
    skin_midline(model, model.sp_tip_s_m[l], &P, &n);
    rm->bone_inward.push_back(-n);
  }
  return rm;
}

RollSession::RollSession(std::shared_ptr<const RollModel> model, const FlatReference* flat)
    : rm_(std::move(model)), sc_(rm_->scenario), model_(rm_->body), flat_(flat) {}

RollSession::RollSession(const RollScenario& sc, const FlatReference* flat) : RollSession(build_roll_model(sc), flat) {}

RollSession::Placement RollSession::placement(double s_m) const {
  const FemModel& fem = model_.fem;
  Placement pl;
  pl.s_m = s_m;
  // The roller under the skin at s: as close as it goes without touching the unloaded skin.
  Vec3 P, n;
  skin_midline(model_, s_m, &P, &n);
  const RigidShape& shape = *fem.rigid_bodies[rm_->roller_body].shape;
  auto clearance = [&](double d) {
    double g = 1e9;
    for (int k : model_.skin_nodes) g = std::min(g, shape.signed_distance(fem.mesh.X[k] - (P + d * n), nullptr));
    return g;
  };
  double lo = 0, hi = 2 * sc_.roller.outer_radius_m() + 0.1;
  for (int it = 0; it < 60; ++it) (clearance(0.5 * (lo + hi)) < 0 ? lo : hi) = 0.5 * (lo + hi);
  pl.centre_m = P + hi * n;
  // Pitch: the roller's axis at its outer radius above the floor, the hip at its flat height
  // plus the lift: sin(a) v_y + cos(a) v_z = D with v = roller - hip in the flat frame.
  const Vec3 H = model_.bones[model_.pelvis].origin_m;
  const Vec3 v = pl.centre_m - H;
  const double D = sc_.roller.outer_radius_m() - (H.z() + sc_.posture.hip_lift_m);
  const double rr = std::hypot(v.y(), v.z());
  pl.pitch_rad = std::asin(std::clamp(D / rr, -1.0, 1.0)) - std::atan2(v.z(), v.y());
  return pl;
}

void RollSession::place(const Placement& pl) {
  FemInputs& in = state_.inputs;
  in.body_pose[rm_->roller_body].origin_m = pl.centre_m;
  const Mat3 R = pitch_matrix(pl.pitch_rad);
  // The floor: world z = 0 where the roller's axis is at its outer radius, in the body's frame,
  // its plane (the floor shape's +z) turned to the world's up.
  const Vec3 up = R.transpose() * Vec3::UnitZ();
  in.body_pose[rm_->floor_body] = {pl.centre_m - sc_.roller.outer_radius_m() * up, R.transpose()};
  set_gravity(model_, -up, in);
  placed_ = pl;
  has_placement_ = true;
}

static int nearest_level(const TorsoModel& m, double s_m) {
  int best = 1;
  for (int l = 1; l <= kLevels; ++l)
    if (std::abs(m.sp_tip_s_m[l] - s_m) < std::abs(m.sp_tip_s_m[best] - s_m)) best = l;
  return best;
}

RollResult RollSession::solve_at(int level, bool cold) {
  if (level < 2 || level > kLevels) throw std::invalid_argument("roller level must be T2..L5");
  return solve_at_s(model_.sp_tip_s_m[level], cold);
}

RollResult RollSession::solve_at_s(double s_m, bool cold) {
  const double s_lo = model_.sp_tip_s_m[2], s_hi = model_.sp_tip_s_m[kLevels];
  if (!(s_m >= s_lo - 1e-9 && s_m <= s_hi + 1e-9))
    throw std::invalid_argument("roller position " + std::to_string(s_m) + " m is outside T2..L5 (" +
                                std::to_string(s_lo) + ".." + std::to_string(s_hi) + " m)");
  const FemModel& fem = model_.fem;
  const TorsoParams& p = model_.params;
  if (state_.u.size() != fem.n_dofs) state_.reset(fem);  // a new state takes the model's inputs
  RollResult r;
  r.s_m = s_m;
  r.level = nearest_level(model_, s_m);
  const int level = r.level;
  const Placement target = placement(s_m);
  r.pitch_deg = target.pitch_rad / kDeg;
  const Mat3 R = pitch_matrix(target.pitch_rad);

  SolverSettings s;
  s.residual_rtol = kRollResidualRtol;
  s.gap_tol_m = 1e-6;
  s.max_newton = 200;
  s.cancel = cancel_;
  const bool warm = !cold && has_state_ && has_placement_;
  if (!warm) {
    state_.reset(fem);
  } else {
    // Warm start: the roller rolls to its new place in steps of at most kRollStepM, and at each
    // intermediate place the tissue gets kRollSubstepNewton Newton steps, enough to move it out of
    // the roller's way, so no tissue node is carried through the roller (a jump of centimetres
    // into tissue shaped around the old place can push nodes out through the far side). Settling
    // each intermediate place fully is not needed: measured on the main job, one step per place
    // gives the same results (within 1e-3) in 37 s instead of 49 s.
    const Placement from = placed_;
    const int n = static_cast<int>(std::ceil((target.centre_m - from.centre_m).norm() / kRollStepM));
    SolverSettings loose = s;
    loose.residual_rtol = 1e-3;
    loose.max_newton = kRollSubstepNewton;
    for (int k = 1; k < n; ++k) {
      const double w = static_cast<double>(k) / n;
      Placement mid;
      mid.s_m = (1 - w) * from.s_m + w * target.s_m;
      mid.centre_m = (1 - w) * from.centre_m + w * target.centre_m;
      mid.pitch_rad = (1 - w) * from.pitch_rad + w * target.pitch_rad;
      place(mid);
      const SolveReport sub = solve_equilibrium(fem, state_, loose);
      r.substeps += 1;
      r.substep_newton_iterations += sub.newton_iterations;
      r.substep_seconds += sub.seconds;
      if (sub.cancelled) {
        has_state_ = false;
        r.solve = sub;
        return r;
      }
      if (!sub.converged && !sub.iteration_limit) {  // a failed step, not just an unsettled one
        state_.reset(fem);  // fall back to a cold solve at the target
        break;
      }
    }
  }
  place(target);
  r.weight_N = total_gravity_vector_N(state_.inputs).norm();
  r.solve = solve_equilibrium(fem, state_, s);
  if (!r.solve.converged && !r.solve.cancelled && warm) {  // a warm start that failed gets a cold one
    r.cold_retry = true;
    state_.reset(fem);
    r.solve = solve_equilibrium(fem, state_, s);
  }
  has_state_ = r.solve.converged;
  if (!r.solve.converged) return r;

  // ---- Measures ----
  const std::vector<Vec3> x = node_positions(fem, state_);
  const std::vector<Vec3> fint = internal_forces(fem, state_);
  const Vec3 croll = rigid_position(fem, state_, rm_->roller_body);
  const RigidShape& shape = *fem.rigid_bodies[rm_->roller_body].shape;
  const Vec3 cfloor = rigid_position(fem, state_, rm_->floor_body);
  const FloorShape floor_shape(state_.inputs.body_pose[rm_->floor_body].rotation.col(2));
  const RigidContactSet& cs = fem.rigid_contacts[0];
  // The foam's force on each skin node: each contact point's force shared by its weights.
  std::vector<Vec3> foam(fem.mesh.n_nodes(), Vec3::Zero());
  Vec3 F_foam = Vec3::Zero();
  for (size_t i = 0; i < cs.slave_points.size(); ++i) {
    const SurfacePoint& sp = cs.slave_points[i];
    Vec3 nr;
    const double g = shape.signed_distance(sp.position(x) - croll, &nr);
    if (g >= 0) continue;
    r.foam_compression_max_m = std::max(r.foam_compression_max_m, -g);
    const Vec3 f = cs.penalty_N_per_m[i] * (-g) * nr;
    F_foam += f;
    for (int a = 0; a < 3; ++a) foam[sp.node[a]] += sp.w[a] * f;
  }
  // The skin's residual (what the contacts push with, at equilibrium) is the roller's force,
  // except on the floor: a node within a tenth of a millimetre of it gives the floor what the
  // foam does not (a node can touch both, tissue wrapping a small ball down to the floor).
  std::vector<double> fn(fem.mesh.n_nodes(), 0.0);  // roller force per skin node, along its normal
  Vec3 F_skin = Vec3::Zero(), F_floor = Vec3::Zero();
  for (int k : model_.skin_nodes) {
    const Vec3 fc = fint[k] - state_.inputs.node_force_N[k];
    Vec3 f = fc;
    if (floor_shape.signed_distance(x[k] - cfloor, nullptr) < 1e-4) {
      F_floor += fc - foam[k];
      f = foam[k];
    }
    F_skin += f;
    Vec3 nr;
    shape.signed_distance(x[k] - croll, &nr);
    fn[k] = std::max(0.0, nr.dot(f));
  }
  r.roller_force_N = R * F_skin;
  r.roller_force_foam_N = R * F_foam;
  r.floor_force_N = R * F_floor;
  const JointState hj = joint_state(fem, state_, rm_->hip_joint);
  // The spring's force on body b is minus its force along the relative motion.
  r.feet_force_N = R * (-(fem.joints[rm_->hip_joint].axes.transpose() * hj.force_N));
  r.roller_share = r.roller_force_N.z() / r.weight_N;

  // Virtual pressure mat over (x, s): each skin node's force spread uniformly over its cell of
  // the structured skin grid (midpoints to its neighbours), then summed into mat cells.
  std::vector<double> xs, ss;
  for (int k : model_.skin_nodes) xs.push_back(model_.node_local[k].x()), ss.push_back(model_.node_local[k].y());
  auto uniq = [](std::vector<double>& v) {
    std::sort(v.begin(), v.end());
    std::vector<double> u;
    for (double e : v)
      if (u.empty() || e - u.back() > 1e-9) u.push_back(e);
    v.swap(u);
  };
  uniq(xs);
  uniq(ss);
  auto span = [](const std::vector<double>& v, double e, double* lo, double* hi) {
    const size_t i = std::lower_bound(v.begin(), v.end(), e - 1e-9) - v.begin();
    *lo = i > 0 ? 0.5 * (v[i - 1] + v[i]) : v[i];
    *hi = i + 1 < v.size() ? 0.5 * (v[i] + v[i + 1]) : v[i];
  };
  PressureMat& mat = r.mat;
  mat.cell_m = 0.01;
  mat.x0_m = xs.front();
  mat.s0_m = ss.front();
  mat.nx = static_cast<int>(std::ceil((xs.back() - xs.front()) / mat.cell_m - 1e-9));
  mat.ns = static_cast<int>(std::ceil((ss.back() - ss.front()) / mat.cell_m - 1e-9));
  mat.force_N.assign(static_cast<size_t>(mat.nx) * mat.ns, 0.0);
  for (int k : model_.skin_nodes) {
    if (fn[k] <= 0) continue;
    double xl, xh, sl, sh;
    span(xs, model_.node_local[k].x(), &xl, &xh);
    span(ss, model_.node_local[k].y(), &sl, &sh);
    const double A = (xh - xl) * (sh - sl);
    const int ix0 = std::max(0, static_cast<int>((xl - mat.x0_m) / mat.cell_m));
    const int ix1 = std::min(mat.nx - 1, static_cast<int>((xh - mat.x0_m) / mat.cell_m));
    const int is0 = std::max(0, static_cast<int>((sl - mat.s0_m) / mat.cell_m));
    const int is1 = std::min(mat.ns - 1, static_cast<int>((sh - mat.s0_m) / mat.cell_m));
    for (int is = is0; is <= is1; ++is)
      for (int ix = ix0; ix <= ix1; ++ix) {
        const double cx0 = mat.x0_m + ix * mat.cell_m, cs0 = mat.s0_m + is * mat.cell_m;
        const double ox = std::min(xh, cx0 + mat.cell_m) - std::max(xl, cx0);
        const double os = std::min(sh, cs0 + mat.cell_m) - std::max(sl, cs0);
        if (ox > 0 && os > 0) mat.force_N[is * mat.nx + ix] += fn[k] * ox * os / A;
      }
  }
  r.skin_pressure_Pa.reserve(model_.skin_nodes.size());
  for (int k : model_.skin_nodes) {
    double xl, xh, sl, sh;
    span(xs, model_.node_local[k].x(), &xl, &xh);
    span(ss, model_.node_local[k].y(), &sl, &sh);
    const double A = (xh - xl) * (sh - sl);
    r.skin_pressure_Pa.push_back(A > 0 ? fn[k] / A : 0.0);
  }
  const double big = 1e9;
  r.whole = mat_stats(mat, -big, big, -big, big);
  auto strip = [&](int l, double* lo, double* hi) {
    *lo = 0.5 * (model_.sp_tip_s_m[l - 1] + model_.sp_tip_s_m[l]);
    *hi = 0.5 * (model_.sp_tip_s_m[l] + model_.sp_tip_s_m[l + 1]);
  };
  const double mid = p.sp_base_halfwidth_m;
  for (int l = 1; l <= kLevels; ++l) {
    double lo, hi;
    strip(l, &lo, &hi);
    r.midline_by_level[l - 1] = mat_stats(mat, -mid, mid, lo, hi);
    if (l == level) {
      const double es = p.erector_halfwidth_m[l - 1];
      r.midline = r.midline_by_level[l - 1];
      r.left = mat_stats(mat, mid, es, lo, hi);  // x > 0: the subject's left
      r.right = mat_stats(mat, -es, -mid, lo, hi);
    }
  }

  // Loads the tissue passes to the bones: the tissue's force on each bone-attached node, along
  // the skin's inward normal at the bone's level (pushing the bone towards the front). A node's
  // force stands for the tissue over its strip of the bone, [xl, xh] across (midway to the next
  // column either side); the spinous process takes the part of that strip within its base
  // half-width, so the measure covers the same width of bone on every mesh (counting whole
  // nodes, it covered 24 to 36 mm as the columns fell).
  double pos_total = 0, pos_ribs = 0;
  std::vector<double> bone_load(model_.bones.size(), 0.0);
  for (int k = 0; k < fem.mesh.n_nodes(); ++k) {
    const int b = fem.node_body[k];
    if (b < 0 || b >= static_cast<int>(model_.bones.size())) continue;
    const double f = -fint[k].dot(rm_->bone_inward[b]);
    bone_load[b] += f;
    const Bone& bo = model_.bones[b];
    if (bo.kind != BoneKind::Vertebra) continue;
    double xl, xh;
    span(xs, model_.node_local[k].x(), &xl, &xh);
    const double w = xh > xl ? std::max(0.0, std::min(xh, mid) - std::max(xl, -mid)) / (xh - xl)
                             : (std::abs(model_.node_local[k].x()) <= mid ? 1.0 : 0.0);
    r.sp_load_N[bo.level - 1] += w * f;
  }
  for (size_t b = 0; b < model_.bones.size(); ++b) {
    const Bone& bo = model_.bones[b];
    if (bo.kind == BoneKind::Vertebra) r.posterior_load_N[bo.level - 1] += bone_load[b];
    if (bo.kind == BoneKind::Rib) r.rib_load_N[bo.level - 1] += bone_load[b];
    if (bo.kind == BoneKind::Pelvis) r.pelvis_load_N += bone_load[b];
  }
  r.bone_load_N = bone_load;
  for (int l = 0; l < kLevels; ++l) pos_total += std::max(0.0, r.posterior_load_N[l]);
  for (int l = 0; l < kRibs; ++l) pos_ribs += std::max(0.0, r.rib_load_N[l]);
  pos_total += pos_ribs + std::max(0.0, r.pelvis_load_N);
  r.rib_share = pos_total > 0 ? pos_ribs / pos_total : 0.0;

  // Segment motion relative to lying flat.
  for (int v = 0; v < kLevels; ++v) {
    const JointState js = joint_state(fem, state_, model_.intervertebral_joint[v]);
    r.joint_rotation_rad[v] = js.rotation_rad;
    r.joint_translation_m[v] = js.translation_m;
  }
  relate_to_flat(r, flat_);

  // Kidneys: hydrostatic pressure -tr(sigma)/3 per tet.
  const int kl = region_index("kidney_left"), kr = region_index("kidney_right");
  double vol[2] = {0, 0}, pv[2] = {0, 0};
  r.min_J = 1e9;
  r.kidney_peak_Pa = -1e30;
  for (int t = 0; t < fem.mesh.n_tets(); ++t) {
    const Tet& e = fem.mesh.tets[t];
    Mat3 F = Mat3::Zero();
    for (int q = 0; q < 4; ++q) F += x[e[q]] * fem.tet_grad[t].row(q);
    const double J = F.determinant();
    r.min_J = std::min(r.min_J, J);
    const int reg = model_.tet_region[t];
    if (reg != kl && reg != kr) continue;
    const Mat3 sigma = fem.tet_material[t].pk1(F) * F.transpose() / J;
    const double ph = -sigma.trace() / 3;
    const int side = reg == kl ? 0 : 1;
    vol[side] += fem.tet_volume_m3[t];
    pv[side] += ph * fem.tet_volume_m3[t];
    r.kidney_peak_Pa = std::max(r.kidney_peak_Pa, ph);
  }
  if (vol[0] + vol[1] <= 0) r.kidney_peak_Pa = 0;  // no kidney tissue in this mesh
  r.kidney_left_mean_Pa = vol[0] > 0 ? pv[0] / vol[0] : 0;
  r.kidney_right_mean_Pa = vol[1] > 0 ? pv[1] / vol[1] : 0;
  r.kidney_mean_Pa = vol[0] + vol[1] > 0 ? (pv[0] + pv[1]) / (vol[0] + vol[1]) : 0;
  return r;
}

}  // namespace backroll
