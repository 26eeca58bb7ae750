// Geometry exports for inspection in ParaView (VTU) and Blender/MeshLab (OBJ).
#pragma once

#include <string>
#include <vector>

#include "anatomy/body_model.h"

namespace backroll {

// VTK XML unstructured grid (ASCII) of the tissue tetrahedra at the given node positions, with
// cell data region (tag), region_name index order in a FieldData string, youngs_modulus_Pa,
// poisson_ratio, density_kg_m3, and point data attached_bone (-1 = free).
std::string tissue_vtu(const BodyModel& m, const std::vector<Vec3>& x);

// Wavefront OBJ: the tissue's outer surface grouped by region, and every bone as boxes (one
// object per bone), at the given node positions and bone displacements (rest if empty).
std::string model_obj(const BodyModel& m, const std::vector<Vec3>& x);

}  // namespace backroll
