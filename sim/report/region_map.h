// Maps of the skin's contact pressure over an exercise's region of tissue (pose/exercise_model.h),
// as a pressure mat would read it: a row of panels per roller, one per place, seen from the
// roller's side, coloured by the row's viridis scale (rollers differ several-fold), the structures
// the measures read outlined, the roller's place marked. No GL.
#pragma once

#include <string>
#include <vector>

namespace backroll {

struct RegionGrid {
  double cell_m = 0.001, x0_m = 0, y0_m = 0;  // cell (ix, iy) spans x0 + ix cell .. + cell, likewise y
  int nx = 0, ny = 0;
};

struct RegionMapPanel {
  std::string title;
  std::vector<double> pressure_Pa;  // per cell, row-major [iy * nx + ix]
  double roller_x_m = 0, roller_y_m = 0;
};

struct RegionMapRow {
  std::vector<RegionMapPanel> panels;
  double scale_max_Pa = 1e5;  // the colour scale's top
};

struct RegionOutline {
  std::string name;
  std::vector<unsigned char> inside;  // per cell: 1 where the structure is
};

struct RegionMapSpec {
  std::string title, caption;
  RegionGrid grid;
  std::string x_towards = "+x", y_towards = "+y";  // what the region's +x and +y point to
  std::vector<RegionOutline> outlines;
  std::vector<RegionMapRow> rows;
};

// The maps as PNG bytes.
std::string render_region_maps_png(const RegionMapSpec& spec);

}  // namespace backroll
