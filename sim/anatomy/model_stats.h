// Statistics of a built body model: per-region size, mass and mesh quality, floating tissue
// (`backroll model info` and the tests).
#pragma once

#include <string>
#include <vector>

#include "anatomy/body_model.h"

namespace backroll {

struct RegionStats {
  std::string name;
  int tets = 0, nodes = 0;
  double volume_m3 = 0, mass_kg = 0;
  MeshQuality quality;  // of this region's tets alone
};
std::vector<RegionStats> region_stats(const BodyModel& m);

// Tets that cannot reach a bone-attached node through shared nodes (0 = no floating islands).
int floating_tets(const BodyModel& m);

}  // namespace backroll
