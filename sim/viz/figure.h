// The person around the simulated back, for pictures: the trunk's sides and front, the neck and
// head, the arms (hands behind the head or on the chest), the pelvis, the thighs, shanks and feet
// on the floor. Smooth shapes posed where the solved state puts the back's skin and the pelvis,
// sized by the body file's [figure] proportions (de Leva's segment lengths). Drawn, not
// simulated: these shapes carry no load and have no mass of their own (the segments' masses are
// the model's, lumped on its bones), and the legs stand where a 90-degree knee puts the feet (the
// model's legs are springs from the hip to the floor). The simulated back keeps its own surface:
// the trunk's shell starts at the skin's outermost columns, so the two meet without a gap.
#pragma once

#include <array>

#include "viz/scene.h"

namespace backroll {

// Where the drawn segments end, world frame; [0] the subject's right (-x), [1] the left.
struct FigureJoints {
  Vec3f head_centre = Vec3f::Zero(), neck_base = Vec3f::Zero();
  std::array<Vec3f, 2> shoulder, elbow, wrist, hip, knee, ankle, toe;
};

struct Figure {
  TriMesh mesh;  // world frame, outward triangles, smooth normals; nothing below the floor
  FigureJoints joints;
};

Figure person_figure(const BodySpec& body, const PostureParams& posture, const SceneTopology& topo, const SceneFrame& f);

}  // namespace backroll
