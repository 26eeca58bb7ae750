#include "measure/frame.h"

#include <algorithm>
#include <unordered_map>
#include <cmath>

namespace backroll {
namespace {
constexpr double kDeg = 3.14159265358979323846 / 180.0;

// Each node's residual, its internal force (`res` on entry) less the applied: at equilibrium what
// the contacts push it with. A tied node (FemModel::NodeTie) is not in equilibrium on its own:
// its residual goes to its masters by its weights, as the equations see it (their dofs carry it).
std::vector<Vec3> nodal_residual(const FemModel& fem, const FemState& st, std::vector<Vec3> res) {
  for (size_t k = 0; k < res.size(); ++k) res[k] -= st.inputs.node_force_N[k];
  for (const FemModel::NodeTie& t : fem.node_ties) {
    res[t.a] += t.w * res[t.node];
    res[t.b] += (1 - t.w) * res[t.node];
    res[t.node] = Vec3::Zero();
  }
  return res;
}

// The supports' forces on the body (world frame) and each skin node's normal force on the mat.
// The skin's residual (what the contacts push with, at equilibrium) is the roller's force, except
// on the floor: a node within a tenth of a millimetre of it gives the floor what the foam does not
// (a node can touch both, tissue wrapping a small ball down to the floor).
void support_forces(const PosedModel& pm, const FemState& st, const Mat3& R, const std::vector<Vec3>& x,
                    const std::vector<Vec3>& res, Frame& r, std::vector<double>& fn) {
  const FemModel& fem = pm.body.fem;
  const bool has_roller = pm.roller_body >= 0;
  // The roller's surface where it stands (it rolls with the solve).
  auto roller_distance = [&](const Vec3& p, Vec3* n) { return body_signed_distance(fem, st, pm.roller_body, p, n); };
  // The foam's force on each skin node: each contact point's force shared by its weights.
  std::vector<Vec3> foam(fem.mesh.n_nodes(), Vec3::Zero());
  Vec3 F_foam = Vec3::Zero();
  if (has_roller) {
    const RigidContactSet& cs = fem.rigid_contacts[pm.roller_contact];
    for (size_t i = 0; i < cs.slave_points.size(); ++i) {
      const SurfacePoint& sp = cs.slave_points[i];
      Vec3 nr;
      const double g = roller_distance(sp.position(x), &nr);
      if (g >= 0) continue;
      r.foam_compression_max_m = std::max(r.foam_compression_max_m, -g);
      const Vec3 f = cs.layer.force(cs.penalty_N_per_m[i], -g) * nr;
      F_foam += f;
      for (int a = 0; a < 3; ++a) foam[sp.node[a]] += sp.w[a] * f;
    }
  }
  const Vec3 up = st.inputs.body_pose[pm.floor_body].rotation.col(2);
  const FloorShape floor_shape(up);
  const Vec3 cfloor = rigid_position(fem, st, pm.floor_body);
  fn.assign(fem.mesh.n_nodes(), 0.0);
  Vec3 F_skin = Vec3::Zero(), F_floor = Vec3::Zero();
  for (int k : pm.body.skin_nodes) {
    const Vec3 fc = res[k];
    Vec3 f = fc;
    const bool on_floor = floor_shape.signed_distance(x[k] - cfloor, nullptr) < 1e-4;
    if (on_floor) {
      F_floor += fc - foam[k];
      f = foam[k];
    }
    if (!has_roller) {  // the mat records the floor's pressure
      fn[k] = on_floor ? std::max(0.0, up.dot(fc)) : 0.0;
      continue;
    }
    F_skin += f;
    Vec3 nr;
    roller_distance(x[k], &nr);
    fn[k] = std::max(0.0, nr.dot(f));
  }
  r.roller_force_N = R * F_skin;
  r.roller_force_foam_N = R * F_foam;
  r.floor_force_N = R * F_floor;
  // A support's force on the pelvis (world frame): minus the spring's force along the relative motion.
  auto joint_force = [&](int joint) {
    const Joint& j = fem.joints[joint];
    const Mat3 Ra = j.body_a >= 0 ? rigid_orientation(fem, st, j.body_a) : Mat3::Identity();
    return Vec3(R * (-(Ra * j.axes.transpose() * joint_state(fem, st, joint).force_N)));
  };
  if (pm.hip_joint >= 0) r.feet_force_N = joint_force(pm.hip_joint);
  if (pm.seat_joint >= 0) r.seat_force_N = joint_force(pm.seat_joint);
  // The hip muscles' moment about the hip's lateral axis; extension (holding the hips up) is +.
  if (pm.hip_muscle_joint >= 0) r.hip_moment_Nm = -joint_state(fem, st, pm.hip_muscle_joint).moment_Nm[0];
  r.roller_share = r.roller_force_N.z() / r.weight_N;
  if (has_roller) {
    // Friction (part of the skin's residual above) on its own, and the roll: the roller's
    // centre moved from where the placement put it, along the floor towards the head.
    for (const Vec3& f : rigid_friction_forces(fem, st, pm.roller_contact)) r.roller_friction_N += R * f;
    const Vec3 moved = R * (rigid_position(fem, st, pm.roller_body) - st.inputs.body_pose[pm.roller_body].origin_m);
    r.roller_roll_m = moved.y();
  }
}

// The mat and its statistics: whole, and the midline and paraspinal strips of each level.
void mat_measures(const BodyModel& m, const SkinGrid& grid, const std::vector<double>& fn, Frame& r) {
  r.mat = pressure_mat(m, grid, fn);
  r.skin_pressure_Pa = skin_pressure(m, grid, fn);
  const double big = 1e9;
  r.whole = mat_stats(r.mat, -big, big, -big, big);
  const double mid = m.params.sp_base_halfwidth_m;
  for (int l = 1; l <= kLevels; ++l) {
    const double lo = 0.5 * (m.sp_tip_s_m[l - 1] + m.sp_tip_s_m[l]);
    const double hi = 0.5 * (m.sp_tip_s_m[l] + m.sp_tip_s_m[l + 1]);
    r.midline_by_level[l - 1] = mat_stats(r.mat, -mid, mid, lo, hi);
    if (l == r.level) {
      const double es = m.params.erector_halfwidth_m[l - 1];
      r.midline = r.midline_by_level[l - 1];
      r.left = mat_stats(r.mat, mid, es, lo, hi);  // x > 0: the subject's left
      r.right = mat_stats(r.mat, -es, -mid, lo, hi);
    }
  }
}

// Loads the tissue passes to the bones: the tissue's force on each bone-attached node (shared
// between two bones in the node's weights where it rides both, BodyBuilder::share_deep_nodes), and the
// contact force of the tissue resting on each spinous process's tip, along the skin's inward
// normal at the bone's level (pushing the bone towards the front). The tips' contact forces on
// their own are the spinous-process loads (never negative: a contact presses or lets go).
void bone_loads(const PosedModel& pm, const FemState& st, const std::vector<Vec3>& x, const std::vector<Vec3>& fint,
                Frame& r) {
  const BodyModel& m = pm.body;
  const FemModel& fem = m.fem;
  std::vector<double> bone_load(m.bones.size(), 0.0);
  for (int k = 0; k < fem.mesh.n_nodes(); ++k) {
    const FemModel::NodeKinematics& kin = fem.node_kin[k];  // a node on two bones: each its share
    for (int r = 0; r < 2; ++r) {
      const int b = kin.body[r];
      if (b >= 0 && b < static_cast<int>(m.bones.size())) bone_load[b] -= kin.weight[r] * fint[k].dot(pm.bone_inward[b]);
    }
  }
  for (int v = 0; v < kLevels; ++v) {
    const int set = m.sp_contact[v];
    if (set < 0) continue;
    const RigidContactSet& cs = fem.rigid_contacts[set];
    const int b = cs.body;
    const Mat3 Rb = rigid_orientation(fem, st, b);
    const std::vector<double> lam = rigid_contact_forces(fem, st, set, x);
    for (size_t i = 0; i < lam.size(); ++i) {
      r.sp_load_N[v] += m.sp_tip_share[v][i] * lam[i];  // the tip's part; the whole force goes to the bone
      bone_load[b] -= lam[i] * (Rb * cs.facet_normal[i]).dot(pm.bone_inward[b]);
    }
  }
  for (size_t b = 0; b < m.bones.size(); ++b) {
    const Bone& bo = m.bones[b];
    if (bo.kind == BoneKind::Vertebra) r.posterior_load_N[bo.level - 1] += bone_load[b];
    if (bo.kind == BoneKind::Rib) r.rib_load_N[bo.level - 1] += bone_load[b];
    if (bo.kind == BoneKind::Pelvis) r.pelvis_load_N += bone_load[b];
  }
  r.bone_load_N = bone_load;
  double pos_total = 0, pos_ribs = 0;
  for (int l = 0; l < kLevels; ++l) pos_total += std::max(0.0, r.posterior_load_N[l]);
  for (int l = 0; l < kRibs; ++l) pos_ribs += std::max(0.0, r.rib_load_N[l]);
  pos_total += pos_ribs + std::max(0.0, r.pelvis_load_N);
  r.rib_share = pos_total > 0 ? pos_ribs / pos_total : 0.0;
}

// Kidneys: hydrostatic pressure -tr(sigma)/3 per tet (positive = compression), the abdominal
// fluid's pressure at their centroid; and the smallest volume ratios over all solid tets (each
// tet's, and the one its volume term is taken at).
void tissue_stress(const BodyModel& m, const FemState& st, const std::vector<Vec3>& x, Frame& r) {
  const TissueVolume v = tissue_volume(m.fem, x);
  r.min_J = v.min_J;
  r.tissue_volume_ratio = v.least;
  const KidneyReading k = kidney_reading(m, st, x);
  r.kidney_peak_Pa = k.peak_Pa;
  r.kidney_left_mean_Pa = k.left_mean_Pa;
  r.kidney_right_mean_Pa = k.right_mean_Pa;
  r.kidney_mean_Pa = k.mean_Pa;
  r.abdomen_pressure_Pa = k.fluid_Pa;
}

}  // namespace

KidneyReading kidney_reading(const BodyModel& m, const FemState& st, const std::vector<Vec3>& x) {
  const FemModel& fem = m.fem;
  const int kl = region_index("kidney_left"), kr = region_index("kidney_right");
  double vol[2] = {0, 0}, pv[2] = {0, 0};
  Vec3 centroid = Vec3::Zero();
  std::vector<int> tets;  // the kidneys' elements, their pressures
  std::vector<double> pe;
  KidneyReading k;
  for (int t = 0; t < fem.mesh.n_tets(); ++t) {
    const int reg = m.tet_region[t];
    if (reg != kl && reg != kr) continue;
    const double ph = hydrostatic_pressure_Pa(fem, x, t);
    const int side = reg == kl ? 0 : 1;
    const double V = fem.tet_volume_m3[t];
    vol[side] += V;
    pv[side] += ph * V;
    tets.push_back(t);
    pe.push_back(ph);
    for (int v : fem.mesh.tets[t]) centroid += 0.25 * V * x[v];
  }
  const double vt = vol[0] + vol[1];
  if (vt <= 0) return k;  // no kidney tissue in this mesh
  k.left_mean_Pa = vol[0] > 0 ? pv[0] / vol[0] : 0;
  k.right_mean_Pa = vol[1] > 0 ? pv[1] / vol[1] : 0;
  k.mean_Pa = (pv[0] + pv[1]) / vt;
  // The peak: the pressure recovered at the nodes (the volume-weighted mean of the kidney
  // elements around each), back on each element as its nodes' mean; then the most compressed
  // elements' mean, up to 5 % of the volume (the last one in part).
  std::unordered_map<int, std::pair<double, double>> at_node;  // node: (sum V p, sum V)
  for (size_t e = 0; e < tets.size(); ++e)
    for (int v : fem.mesh.tets[tets[e]]) {
      auto& [vp, vv] = at_node[v];
      vp += fem.tet_volume_m3[tets[e]] * pe[e];
      vv += fem.tet_volume_m3[tets[e]];
    }
  std::vector<std::pair<double, double>> by_pressure;  // (recovered pressure, volume) per element
  for (int t : tets) {
    double ps = 0;
    for (int v : fem.mesh.tets[t]) ps += 0.25 * at_node[v].first / at_node[v].second;
    by_pressure.emplace_back(ps, fem.tet_volume_m3[t]);
  }
  std::sort(by_pressure.begin(), by_pressure.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  double taken = 0, sum = 0;
  for (const auto& [p, V] : by_pressure) {
    const double part = std::min(V, kKidneyPeakShare * vt - taken);
    sum += p * part;
    taken += part;
    if (taken >= kKidneyPeakShare * vt) break;
  }
  k.peak_Pa = sum / taken;
  if (m.abdomen >= 0) k.fluid_Pa = cavity_reading(fem, st, m.abdomen, x).pressure_at(centroid / vt);
  return k;
}

int nearest_level(const BodyModel& m, double s_m) {
  int best = 1;
  for (int l = 1; l <= kLevels; ++l)
    if (std::abs(m.sp_tip_s_m[l] - s_m) < std::abs(m.sp_tip_s_m[best] - s_m)) best = l;
  return best;
}

void relate_to_flat(Frame& r, const FlatReference* flat) {
  for (int v = 0; v < kLevels; ++v) {
    const Vec3 r0 = flat ? flat->rotation_rad[v] : Vec3::Zero();
    const Vec3 t0 = flat ? flat->translation_m[v] : Vec3::Zero();
    r.segment[v].extension_deg = (r.joint_rotation_rad[v][0] - r0[0]) / kDeg;
    r.segment[v].anterior_shear_mm = (r.joint_translation_m[v][2] - t0[2]) * 1e3;
  }
  r.sp_load_flat_N = flat ? flat->sp_load_N : std::array<double, kLevels>{};
  r.thoracic_bend_deg = r.lumbar_bend_deg = 0;
  for (int v = 0; v < kLevels; ++v) (v < 11 ? r.thoracic_bend_deg : r.lumbar_bend_deg) += r.segment[v].extension_deg;
}

namespace {
// The solved pose in the world (see Frame).
void pose_measures(const PosedModel& pm, const FemState& st, const Mat3& R, Frame& r) {
  const BodyModel& m = pm.body;
  const Vec3 trunk = R * (rigid_position(m.fem, st, m.vertebra[0]) - rigid_position(m.fem, st, m.pelvis));
  r.trunk_angle_deg = std::atan2(trunk.z(), trunk.y()) / kDeg;
  const Vec3 pelvis_axis = R * rigid_orientation(m.fem, st, m.pelvis) * Vec3::UnitY();
  r.pelvis_angle_deg = std::atan2(pelvis_axis.z(), pelvis_axis.y()) / kDeg;
  if (pm.floor_body >= 0) {
    const Vec3 up = st.inputs.body_pose[pm.floor_body].rotation.col(2);
    r.t1_height_m = up.dot(rigid_position(m.fem, st, m.vertebra[0]) - rigid_position(m.fem, st, pm.floor_body));
  }
}
}  // namespace

// How far the roller has come into the back since it touched the unloaded skin (tissue and foam
// compressed together): its centre seen from the vertebra at its level, against where the
// placement put it, along the skin's inward normal there (+: towards the bone).
double roller_sink(const PosedModel& pm, const FemState& st, const Placement& pl, int level) {
  const FemModel& fem = pm.body.fem;
  const int v = pm.body.vertebra[level - 1];
  const Mat3 Rv = rigid_orientation(fem, st, v);
  const Vec3 seen = Rv.transpose() * (rigid_position(fem, st, pm.roller_body) - rigid_position(fem, st, v)) +
                    fem.rigid_bodies[v].rest_position_m;
  return (seen - pl.centre_m).dot(pm.bone_inward[v]);
}

Frame measure_frame(const PosedModel& pm, const FemState& st, const Placement& pl, const FlatReference* flat) {
  const BodyModel& m = pm.body;
  Frame r;
  r.s_m = pl.s_m;
  r.level = nearest_level(m, pl.s_m);
  r.start_pitch_deg = pl.pitch_rad / kDeg;
  r.weight_N = total_gravity_vector_N(m.fem, st).norm();
  const Mat3 R = pl.world_rotation();
  const std::vector<Vec3> x = node_positions(m.fem, st);
  const std::vector<Vec3> fint = internal_forces(m.fem, st);
  std::vector<double> fn;
  support_forces(pm, st, R, x, nodal_residual(m.fem, st, fint), r, fn);
  const SkinGrid grid(m);
  mat_measures(m, grid, fn, r);
  bone_loads(pm, st, x, fint, r);
  for (int v = 0; v < kLevels; ++v) {  // segment motion, absolute and relative to lying flat
    const JointState js = joint_state(m.fem, st, m.intervertebral_joint[v]);
    r.joint_rotation_rad[v] = js.rotation_rad;
    r.joint_translation_m[v] = js.translation_m;
  }
  relate_to_flat(r, flat);
  tissue_stress(m, st, x, r);
  pose_measures(pm, st, R, r);
  if (pm.roller_body >= 0) r.roller_sink_m = roller_sink(pm, st, pl, r.level);
  return r;
}

}  // namespace backroll
