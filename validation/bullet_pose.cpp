#include "validation/bullet_pose.h"

#include <btBulletDynamicsCommon.h>

#include <Eigen/Eigenvalues>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>

#include "anatomy/body_layout.h"

namespace backroll {
namespace {

using body_layout::kG;  // gravity, m/s^2
constexpr double kSupportRadiusM = 0.01;  // each support's sphere
constexpr double kStepS = 1.0 / 480;
constexpr double kAverageS = 0.5;         // the forces: averaged over the last half second

btVector3 bt(const Vec3& v) { return btVector3(v.x(), v.y(), v.z()); }
Vec3 eig(const btVector3& v) { return Vec3(v.x(), v.y(), v.z()); }
btMatrix3x3 bt(const Mat3& m) {
  return btMatrix3x3(m(0, 0), m(0, 1), m(0, 2), m(1, 0), m(1, 1), m(1, 2), m(2, 0), m(2, 1), m(2, 2));
}

// A body of the pose: its segments' inertia about their common centre of mass, turned to its
// principal axes.
struct PoseBody {
  PoseBodyMass mass;
  Mat3 axes = Mat3::Identity();  // principal axes, columns (a rotation)
  Vec3 inertia = Vec3::Zero();   // about them
  std::unique_ptr<btCompoundShape> shape;
  std::vector<std::unique_ptr<btSphereShape>> spheres;
  std::unique_ptr<btDefaultMotionState> motion;
  std::unique_ptr<btRigidBody> body;
  std::vector<int> supports;     // spec.supports it carries
  Vec3 local(const Vec3& world) const { return axes.transpose() * (world - mass.com_m); }
};

PoseBody make_body(const ExerciseSpec& e, const PoseBodyMass& m) {
  PoseBody b;
  b.mass = m;
  Mat3 I = Mat3::Zero();
  for (int i : m.segments) {
    const PoseSegment& s = e.segments[i];
    const double mass = segment_mass_pct(e.body, s.kind) / 100 * e.body.mass_kg;
    const Vec3 a = e.point(s.from), c = e.point(s.to);
    const Vec3 com = a + segment_com_fraction(s.kind, !e.body.male) * (c - a);
    const double L = (c - a).norm();
    const Vec3 u = L > 0 ? Vec3((c - a) / L) : Vec3::UnitZ();
    const Vec3 r = com - m.com_m;
    // A solid cylinder of the segment's length and a 5 cm radius (estimate: Bullet needs an inertia
    // about a straight limb's long axis too; the statics do not depend on it).
    const double r2 = 0.05 * 0.05;
    I += mass * ((L * L / 12 + r2 / 4) * (Mat3::Identity() - u * u.transpose()) + r2 / 2 * u * u.transpose());
    I += mass * (r.squaredNorm() * Mat3::Identity() - r * r.transpose());
  }
  Eigen::SelfAdjointEigenSolver<Mat3> es(I);
  b.axes = es.eigenvectors();
  if (b.axes.determinant() < 0) b.axes.col(2) *= -1;
  b.inertia = es.eigenvalues().cwiseMax(1e-4);
  b.shape = std::make_unique<btCompoundShape>();
  return b;
}

void add_sphere(PoseBody& b, const Vec3& world_centre, double r) {
  b.spheres.push_back(std::make_unique<btSphereShape>(r));
  btTransform t;
  t.setIdentity();
  t.setOrigin(bt(b.local(world_centre)));
  b.shape->addChildShape(t, b.spheres.back().get());
}

Mat3 rotation_of(const btRigidBody& b) {
  const btMatrix3x3& m = b.getWorldTransform().getBasis();
  Mat3 r;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) r(i, j) = m[i][j];
  return r;
}

}  // namespace

BulletPoseReport settle_pose_in_bullet(const ExerciseSpec& e, const RollerSpec& roller, const Vec2& at_m, double simulated_s) {
  const auto t0 = std::chrono::steady_clock::now();
  btDefaultCollisionConfiguration config;
  btCollisionDispatcher dispatcher(&config);
  btDbvtBroadphase broadphase;
  btSequentialImpulseConstraintSolver solver;
  btDiscreteDynamicsWorld world(&dispatcher, &broadphase, &solver, &config);
  world.setGravity(btVector3(0, 0, -kG));
  world.getSolverInfo().m_numIterations = 200;
  world.getSolverInfo().m_erp = 0.2;

  // The floor and the roller, static; the roller's top at the skin's lowest point, 2R above the floor.
  const double R = roller.outer_radius_m();
  btStaticPlaneShape floor_shape(btVector3(0, 0, 1), 0);
  btRigidBody floor(btRigidBody::btRigidBodyConstructionInfo(0, nullptr, &floor_shape));
  floor.setFriction(1.0);
  world.addRigidBody(&floor);
  const Vec3 contact_w(e.centre_m.x() + at_m.x(), e.centre_m.y() + at_m.y(), 2 * R);
  std::unique_ptr<btCollisionShape> roller_shape;
  if (roller.kind == RollerKind::Ball) roller_shape = std::make_unique<btSphereShape>(R);
  else roller_shape = std::make_unique<btCylinderShapeX>(btVector3(0.5 * roller.length_m, R, R));
  btRigidBody roller_body(btRigidBody::btRigidBodyConstructionInfo(0, nullptr, roller_shape.get()));
  btTransform rt;
  rt.setIdentity();
  rt.setOrigin(bt(Vec3(contact_w.x(), contact_w.y(), R)));
  roller_body.setWorldTransform(rt);
  roller_body.setFriction(0.0);  // it rolls: no force along the skin
  world.addRigidBody(&roller_body);

  // The person: the core (0) and its limbs.
  const std::vector<PoseBodyMass> masses = pose_body_masses(e);
  std::vector<PoseBody> bodies;
  for (const PoseBodyMass& m : masses) bodies.push_back(make_body(e, m));
  for (size_t s = 0; s < e.supports.size(); ++s) {
    PoseBody& b = bodies[e.supports[s].limb + 1];
    b.supports.push_back(static_cast<int>(s));
    // On the floor under the point (as the quasi-static support pushes the point from where it is drawn).
    const Vec3 p = e.point(e.supports[s].point);
    add_sphere(b, Vec3(p.x(), p.y(), kSupportRadiusM), kSupportRadiusM);
  }
  // The skin over the roller: a sphere of the region's smaller radius of curvature (on a ball the
  // skin's curvature decides whether the body rolls off it).
  const double skin_r = e.skin_radius_m.minCoeff();
  add_sphere(bodies[0], contact_w + Vec3(0, 0, skin_r), skin_r);
  for (size_t i = 0; i < bodies.size(); ++i) {
    PoseBody& b = bodies[i];
    btTransform t;
    t.setIdentity();
    t.setOrigin(bt(b.mass.com_m));
    t.setBasis(bt(b.axes));
    b.motion = std::make_unique<btDefaultMotionState>(t);
    btRigidBody::btRigidBodyConstructionInfo info(b.mass.mass_kg, b.motion.get(), b.shape.get(), bt(b.inertia));
    info.m_friction = i == 0 ? 1.0 : 0.0;  // the core held sideways by its supports, a limb's slides
    info.m_restitution = 0;
    info.m_linearDamping = 0.6;
    info.m_angularDamping = 0.6;
    b.body = std::make_unique<btRigidBody>(info);
    b.body->setActivationState(DISABLE_DEACTIVATION);
    world.addRigidBody(b.body.get());
  }
  // The limbs' joints: a hinge at the joint about the level axis across the line to the limb's one
  // support, about which the quasi-static joint is free; its muscles' springs about the other two
  // axes hold there with no turn worth reading at rest, so the hinge holds them rigidly (Bullet's
  // 6-dof springs let a leg roll over in the first tries). A limb on no or several supports is fixed.
  std::vector<std::unique_ptr<btTypedConstraint>> joints;
  for (size_t l = 0; l < e.limbs.size(); ++l) {
    PoseBody& core = bodies[0];
    PoseBody& limb = bodies[l + 1];
    const Vec3 at = e.point(e.limbs[l].joint);
    if (limb.supports.size() == 1) {
      Vec3 along = e.point(e.supports[limb.supports[0]].point) - at;
      along.z() = 0;
      const Vec3 axis = Vec3::UnitZ().cross(along.normalized());
      joints.push_back(std::make_unique<btHingeConstraint>(*core.body, *limb.body, bt(core.local(at)), bt(limb.local(at)),
                                                           bt(Vec3(core.axes.transpose() * axis)),
                                                           bt(Vec3(limb.axes.transpose() * axis))));
    } else {
      btTransform fa, fb;
      fa.setIdentity(), fb.setIdentity();
      fa.setOrigin(bt(core.local(at)));
      fa.setBasis(bt(Mat3(core.axes.transpose())));
      fb.setOrigin(bt(limb.local(at)));
      fb.setBasis(bt(Mat3(limb.axes.transpose())));
      joints.push_back(std::make_unique<btFixedConstraint>(*core.body, *limb.body, fa, fb));
    }
    world.addConstraint(joints.back().get(), true);
  }

  BulletPoseReport rep;
  for (const PoseBodyMass& m : masses) rep.weight_N += m.mass_kg * kG;
  rep.support_N.assign(e.supports.size(), 0.0);
  const Mat3 core0 = bodies[0].axes;
  const int steps = static_cast<int>(std::lround(simulated_s / kStepS));
  const int averaged = static_cast<int>(std::lround(kAverageS / kStepS));
  for (int step = 0; step < steps; ++step) {
    world.stepSimulation(kStepS, 1, kStepS);
    if (step < steps - averaged) continue;
    // Each contact's push on the person's body: impulse over the step along the normal (Bullet's
    // normal on B points to A); a floor contact goes to the support nearest it on that body.
    for (int k = 0; k < dispatcher.getNumManifolds(); ++k) {
      const btPersistentManifold* mf = dispatcher.getManifoldByIndexInternal(k);
      const btCollisionObject* a = mf->getBody0();
      const btCollisionObject* b = mf->getBody1();
      const bool a_static = a == &floor || a == &roller_body;
      const btCollisionObject* other = a_static ? a : b;
      const btCollisionObject* person = a_static ? b : a;
      if (other != &floor && other != &roller_body) continue;  // no contact between the person's bodies
      for (int c = 0; c < mf->getNumContacts(); ++c) {
        const btManifoldPoint& pt = mf->getContactPoint(c);
        const Vec3 n = eig(pt.m_normalWorldOnB) * (a_static ? -1.0 : 1.0);  // towards the person
        const double up = pt.getAppliedImpulse() / kStepS * n.z() / averaged;
        if (other == &roller_body) {
          rep.roller_N += up;
          continue;
        }
        const Vec3 where = eig(a_static ? pt.getPositionWorldOnB() : pt.getPositionWorldOnA());
        for (const PoseBody& pb : bodies) {
          if (pb.body.get() != person) continue;
          int best = -1;
          double d = std::numeric_limits<double>::infinity();
          for (int s : pb.supports) {
            const Vec3 p = eig(pb.body->getWorldTransform() * bt(pb.local(e.point(e.supports[s].point))));
            if ((p - where).norm() < d) d = (p - where).norm(), best = s;
          }
          if (best >= 0) rep.support_N[best] += up;
        }
      }
    }
  }
  rep.steps = steps;
  for (const PoseBody& pb : bodies) {
    const double v = pb.body->getLinearVelocity().length() + pb.body->getAngularVelocity().length() * 1.0;  // a point 1 m away
    rep.max_speed_m_s = std::max(rep.max_speed_m_s, v);
  }
  const Eigen::AngleAxisd turn(rotation_of(*bodies[0].body) * core0.transpose());
  rep.core_turn_deg = turn.angle() * 180 / M_PI;
  for (auto& j : joints) world.removeConstraint(j.get());
  for (PoseBody& b : bodies) world.removeRigidBody(b.body.get());
  world.removeRigidBody(&roller_body);
  world.removeRigidBody(&floor);
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rep;
}

}  // namespace backroll
