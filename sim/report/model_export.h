// Geometry exports for inspection in ParaView (VTU) and Blender/MeshLab (OBJ).
#pragma once

#include <string>
#include <vector>

#include "anatomy/body_model.h"

namespace backroll {

// VTK XML unstructured grid (ASCII) of the tissue tetrahedra at the given node positions, with
// cell data region (tag), region_name index order in a FieldData string, youngs_modulus_Pa,
// poisson_ratio, density_kg_m3, and point data attached_bone (-1 = free).
// Extra fields: per node (point data) or per tet (cell data), of 1 or 3 components.
struct VtuField {
  std::string name;
  bool per_cell = false;
  int components = 1;
  std::vector<double> values;  // components x (nodes or tets)
};
std::string tissue_vtu(const BodyModel& m, const std::vector<Vec3>& x, const std::vector<VtuField>& extra = {});

// A solved state as a VTU (positions in the world, as the posture turns the body: R x): the
// displacement from the start R (x - X) (m), the roller's skin pressure (Pa, 0 off the skin) and
// each tet's hydrostatic pressure -tr(sigma)/3 (Pa, + compression; in the abdomen's fluid the
// fluid's pressure), besides tissue_vtu's fields.
std::string state_vtu(const BodyModel& m, const FemState& st, const Mat3& R, const std::vector<double>& skin_pressure_Pa);

// A ParaView collection (.pvd) of VTU files, one per step, in order.
std::string vtu_series(const std::vector<std::string>& files);

// Wavefront OBJ: each tissue region's closed surface (its outer faces and those it shares with
// another region, as a kidney inside the fat and the abdomen's fluid) at the given node
// positions, and every bone as boxes at rest (one object per bone).
std::string model_obj(const BodyModel& m, const std::vector<Vec3>& x);

}  // namespace backroll
