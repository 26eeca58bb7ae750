// What a viewer draws of an exercise (run/exercise.h), read off a solved place: the region's
// tissue with its skin's contact pressure, the posed person, the roller. No GL here; the viewer
// uploads these arrays as they are. World frame: the exercise file's (the floor z = 0).
//
// The person is drawn, not simulated beyond what the model holds: a tapered capsule along each of
// the pose's segments (radii from the body file's [figure], the trunk's and the hand's and foot's
// estimates), each moved with the rigid body that carries it (the core or its limb).
#pragma once

#include "run/exercise.h"
#include "viz/scene.h"

namespace backroll {

struct ExerciseScene {
  TriMesh tissue;                         // the region's outer surface, outward
  // Per tissue vertex: the skin's contact pressure (its share of the contact's force over its share
  // of the skin's area), 0 elsewhere.
  std::vector<float> tissue_pressure_Pa;
  TriMesh figure;                         // the posed person
  Eigen::Matrix4f roller_pose = Eigen::Matrix4f::Identity();  // roller frame (axis x) -> world
};

// The session's current state, which gave `r` (ExerciseSession::solve_at).
ExerciseScene exercise_scene(const ExerciseSession& s, const ExerciseResult& r);

// A capsule from a to b, radius ra at a and rb at b, appended to `mesh` (outward, smooth normals).
void append_capsule(TriMesh& mesh, const Vec3f& a, const Vec3f& b, float ra, float rb, int n_around = 18);

}  // namespace backroll
