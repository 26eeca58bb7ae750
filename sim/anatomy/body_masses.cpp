#include "anatomy/body_builder.h"

#include <Eigen/Geometry>
#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace backroll {
namespace body_layout {

// de Leva 1996's segment masses: the trunk's three parts spread over the vertebrae of their
// levels minus the tissue and rib mass generated there; lying flat, the head lumped on T1, the
// arms on T2-T4 and the legs at the hip joints.
void BodyBuilder::trunk_masses() {
  const double M = p.mass_kg;
  const double trunk = M * p.trunk_pct / 100;
  const std::array<double, 3> group_mass = {trunk * p.trunk_upper_share, trunk * p.trunk_middle_share,
                                            trunk * (1 - p.trunk_upper_share - p.trunk_middle_share)};
  auto group_of_level = [&](int level) {  // level 1..17, 18 = pelvis
    return level <= p.upper_trunk_last_level ? 0 : level <= p.middle_trunk_last_level ? 1 : 2;
  };
  std::array<double, 3> taken{};
  std::array<int, 3> carriers{};
  const int nb_bones = static_cast<int>(m.bones.size());
  for (int b = 0; b < nb_bones; ++b) {
    const Bone& bo = m.bones[b];
    const int lvl = bo.kind == BoneKind::Vertebra ? bo.level
                    : bo.kind == BoneKind::Pelvis ? 18
                    : bo.kind == BoneKind::Rib    ? bo.level
                                                  : 1;
    taken[group_of_level(lvl)] += bo.own_mass_kg + tissue_mass_by_body[b];
    if (bo.kind == BoneKind::Vertebra || bo.kind == BoneKind::Pelvis) ++carriers[group_of_level(lvl)];
  }
  for (int b = 0; b < nb_bones; ++b) {
    Bone& bo = m.bones[b];
    if (bo.kind != BoneKind::Vertebra && bo.kind != BoneKind::Pelvis) continue;
    const int g = group_of_level(bo.kind == BoneKind::Pelvis ? 18 : bo.level);
    const double share = (group_mass[g] - taken[g]) / carriers[g];
    if (share < 0.05) {
      std::ostringstream os;
      os << p.source << ": the tissue generated in the " << (g == 0 ? "upper" : g == 1 ? "middle" : "lower")
         << " trunk (" << taken[g] << " kg) leaves less than 50 g per vertebra of that segment's "
         << group_mass[g] << " kg (de Leva share): the tissue layers are too thick for this body mass";
      throw std::runtime_error(os.str());
    }
    bo.own_mass_kg = share;
  }
  const double head = M * p.head_pct / 100;
  const double arms = 2 * M * (p.upper_arm_pct + p.forearm_pct + p.hand_pct) / 100;
  const double legs = 2 * M * (p.thigh_pct + p.shank_pct + p.foot_pct) / 100;
  m.bones[m.vertebra[0]].attached_mass_kg += head;
  for (int v = 1; v <= 3; ++v) m.bones[m.vertebra[v]].attached_mass_kg += arms / 3;
  m.bones[m.pelvis].attached_mass_kg += legs;

}

// Place on the floor: rest on the two lowest humps of the back, the centre of mass between them.
void BodyBuilder::lay_on_floor() {
  TetMesh& mesh = m.fem.mesh;
  FemModel& fem = m.fem;
  std::vector<Vec3> pts;
  if (o.with_tissue)
    for (int n : m.skin_nodes) pts.push_back(mesh.X[n]);
  else
    for (const Bone& b : m.bones) pts.push_back(b.origin_m);
  double mass = 0, ycom = 0;
  for (const Bone& b : m.bones) {
    mass += b.own_mass_kg + b.attached_mass_kg;
    ycom += (b.own_mass_kg + b.attached_mass_kg) * b.com_m.y();
  }
  ycom /= std::max(mass, 1e-9);
  // Lower convex hull of the (y, z) points (monotone chain).
  std::vector<Eigen::Vector2d> q;
  for (const Vec3& v : pts) q.emplace_back(v.y(), v.z());
  std::sort(q.begin(), q.end(), [](const auto& a, const auto& b) { return a.x() < b.x() || (a.x() == b.x() && a.y() < b.y()); });
  std::vector<Eigen::Vector2d> hull;
  for (const auto& pt : q) {
    while (hull.size() >= 2) {
      const Eigen::Vector2d a = hull[hull.size() - 2], b = hull.back();
      if ((b.x() - a.x()) * (pt.y() - a.y()) - (b.y() - a.y()) * (pt.x() - a.x()) <= 0) hull.pop_back();
      else break;
    }
    hull.push_back(pt);
  }
  double angle = 0;
  for (size_t i = 0; i + 1 < hull.size(); ++i)
    if (hull[i].x() <= ycom && hull[i + 1].x() >= ycom)
      angle = std::atan2(hull[i + 1].y() - hull[i].y(), hull[i + 1].x() - hull[i].x());
  const Eigen::AngleAxisd rot(-angle, Vec3::UnitX());
  const Mat3 R = rot.toRotationMatrix();
  double zmin = 1e9;
  for (const Vec3& v : pts) zmin = std::min(zmin, (R * v).z());
  const Vec3 d(0, 0, -zmin);
  auto tf = [&](const Vec3& v) { return Vec3(R * v + d); };
  for (Vec3& x : mesh.X) x = tf(x);
  for (Bone& b : m.bones) {
    b.origin_m = tf(b.origin_m);
    b.com_m = tf(b.com_m);
    for (BoneBox& bx : b.boxes) {
      bx.centre_m = tf(bx.centre_m);
      bx.axes = R * bx.axes;
    }
  }
  for (Joint& j : fem.joints) {
    j.point_m = tf(j.point_m);
    j.axes = (R * j.axes.transpose()).transpose();
  }
}

// Rigid bodies, materials (the fascia's fibres along the sheet or the ligament), gravity, and the
// skin's surface triangles.
void BodyBuilder::materials() {
  FemModel& fem = m.fem;
  const TetMesh& mesh = fem.mesh;
  fem.rigid_bodies.assign(m.bones.size(), RigidBody{});
  for (size_t b = 0; b < m.bones.size(); ++b) fem.rigid_bodies[b].rest_position_m = m.bones[b].origin_m;
  fem.tet_material.clear();
  fem.tet_relaxation.clear();
  m.tissue_mass_kg = 0;
  for (int t = 0; t < mesh.n_tets(); ++t) {
    const TissueMaterial& tm = region_material(p, m.tet_region[t]);
    NeoHookean mat = solid_law(tm);
    const BodyModel::Fibres fib = m.tet_fibres[t];
    if (tm.fibre_modulus_Pa > 0 && fib != BodyModel::Fibres::None) {
      // The tet's transverse (x) and along-spine (s) directions in the world: its local-to-world
      // map from the structured coordinates (x, s, h) of its nodes.
      const Tet& e = mesh.tets[t];
      Mat3 Dl, Dw;
      for (int a = 0; a < 3; ++a) {
        Dl.col(a) = m.node_local[e[a + 1]] - m.node_local[e[0]];
        Dw.col(a) = mesh.X[e[a + 1]] - mesh.X[e[0]];
      }
      const Mat3 M = Dw * Dl.inverse();
      const Vec3 ex = M.col(0).normalized();
      const Vec3 es = (M.col(1) - M.col(1).dot(ex) * ex).normalized();
      if (fib == BodyModel::Fibres::Sheet) {
        // Two families at +- theta: together their modulus across the back is the material's
        // (each family contributes E_family cos^4 theta along x), and E_family = 4k.
        const double th = tm.fibre_angle_deg * kPi / 180, c2 = std::cos(th) * std::cos(th);
        mat.n_fibres = 2;
        mat.fibre_dir = {Vec3(std::cos(th) * ex + std::sin(th) * es), Vec3(std::cos(th) * ex - std::sin(th) * es)};
        mat.fibre_k_Pa = tm.fibre_modulus_Pa / (2 * c2 * c2) / 4;
      } else {
        mat.n_fibres = 1;
        mat.fibre_dir[0] = es;
        mat.fibre_k_Pa = tm.fibre_modulus_Pa / 4;
      }
    }
    fem.tet_material.push_back(mat);
    fem.tet_relaxation.push_back({tm.relaxation_share, tm.relaxation_time_s});
    m.tissue_mass_kg += tm.density_kg_m3 * tet_signed_volume(mesh.X[mesh.tets[t][0]], mesh.X[mesh.tets[t][1]],
                                                             mesh.X[mesh.tets[t][2]], mesh.X[mesh.tets[t][3]]);
  }
  set_gravity(m, o.gravity ? Vec3(0, 0, -1) : Vec3::Zero());
  m.total_mass_kg = m.tissue_mass_kg;
  for (const Bone& b : m.bones) m.total_mass_kg += b.own_mass_kg + b.attached_mass_kg;

  // Skin faces: the boundary triangles whose nodes are all skin nodes.
  if (o.with_tissue) {
    std::vector<char> is_skin(mesh.n_nodes(), 0);
    for (int n : m.skin_nodes) is_skin[n] = 1;
    for (const Tri& f : boundary_faces(mesh))
      if (is_skin[f[0]] && is_skin[f[1]] && is_skin[f[2]]) m.skin_faces.push_back(f);
  }
}

}  // namespace body_layout
}  // namespace backroll
