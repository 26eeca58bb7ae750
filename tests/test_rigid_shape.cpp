#include <catch2/catch.hpp>

#include <BulletCollision/CollisionShapes/btCylinderShape.h>
#include <BulletCollision/NarrowPhaseCollision/btGjkEpa2.h>
#include <random>

#include "fem/rigid_shape.h"

using namespace backroll;

TEST_CASE("Bullet is the double-precision build", "[unit][bullet]") {
  // A float/double mismatch between headers and library links but corrupts memory.
  CHECK(sizeof(btScalar) == sizeof(double));
}

TEST_CASE("cylinder signed distance: analytic values", "[unit][shape]") {
  const CylinderShape c(0.075, 0.15);
  Vec3 n;
  CHECK(c.signed_distance(Vec3(0, -0.08, 0), &n) == Approx(0.005));
  CHECK(n.isApprox(Vec3(0, -1, 0)));
  CHECK(c.signed_distance(Vec3(0.07, 0, 0.1), &n) == Approx(-0.005));
  CHECK(n.isApprox(Vec3(1, 0, 0)));
  CHECK(c.signed_distance(Vec3(0, 0, 0.16), &n) == Approx(0.01));
  CHECK(n.isApprox(Vec3(0, 0, 1)));
  CHECK(c.signed_distance(Vec3(0.078, 0, 0.154), &n) == Approx(0.005));  // beyond the rim: 3-4-5
}

TEST_CASE("cylinder signed distance agrees with Bullet's GJK outside the shape", "[unit][shape][bullet]") {
  // Bullet's Z-axis cylinder with a zero margin is the same solid as CylinderShape.
  const double R = 0.075, H = 0.15;
  btCylinderShapeZ bt(btVector3(R, R, H));
  bt.setMargin(0);
  const CylinderShape ours(R, H);
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-0.3, 0.3);
  int tested = 0;
  for (int i = 0; i < 500; ++i) {
    const Vec3 p(u(rng), u(rng), u(rng));
    const double d = ours.signed_distance(p, nullptr);
    if (d < 0.002) continue;  // outside only: GJK's exact regime
    btGjkEpaSolver2::sResults res;
    const double d_bt = btGjkEpaSolver2::SignedDistance(btVector3(p.x(), p.y(), p.z()), 0, &bt,
                                                       btTransform::getIdentity(), res);
    CHECK(d_bt == Approx(d).margin(1e-6));
    ++tested;
  }
  CHECK(tested > 300);
}
