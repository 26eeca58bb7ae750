#include "report/region_map.h"

#include <algorithm>
#include <cmath>
#include <fmt/core.h>

#include "report/pressure_key.h"

namespace backroll {

std::string render_region_maps_png(const RegionMapSpec& spec) {
  const RGB black{0, 0, 0}, grey{120, 120, 120};
  const RegionGrid& g = spec.grid;
  int cols = 1;
  for (const RegionMapRow& row : spec.rows) cols = std::max(cols, static_cast<int>(row.panels.size()));
  const int rows = static_cast<int>(spec.rows.size());
  // Pixels per cell: the panels about 300 px wide.
  const int px = std::max(1, static_cast<int>(std::lround(300.0 / g.nx)));
  const int mw = g.nx * px, mh = g.ny * px, gap = 40, head = 40, bar_w = 110;
  const int legend_h = 30 + 24 * static_cast<int>((spec.outlines.size() + 2) / 3);
  const int top = 80 + legend_h;
  const int W = std::max(30 + cols * (mw + gap) + bar_w, 1300), H = top + rows * (mh + head + gap) + 30;
  Canvas cv(W, H);
  cv.text(20, 12, spec.title, black, 2.5);
  cv.text(20, 44, spec.caption, grey, 2);
  // The outlines' legend.
  for (size_t k = 0; k < spec.outlines.size(); ++k) {
    const double x = 20 + (k % 3) * 420.0, y = 78 + (k / 3) * 24.0;
    cv.rect(x, y + 2, x + 28, y + 8, kPalette[k % 8]);
    cv.text(x + 36, y, spec.outlines[k].name, black, 2);
  }
  for (int ri = 0; ri < rows; ++ri) {
    const RegionMapRow& row = spec.rows[ri];
    auto colour = [&](double p) { return pressure_rgb(p, row.scale_max_Pa); };
    const double oy = top + ri * (mh + head + gap) + head;
    for (size_t k = 0; k < row.panels.size(); ++k) {
      const RegionMapPanel& m = row.panels[k];
      const double ox = 30 + k * (mw + gap);
      // Seen from the roller's side: the region's +x on the left, +y up.
      auto X = [&](double ix) { return ox + (g.nx - ix) * px; };
      auto Y = [&](double iy) { return oy + (g.ny - iy) * px; };
      cv.text(ox, oy - 30, m.title, black, std::clamp((mw + gap - 16) / std::max(1.0, text_width(m.title)), 0.5, 2.0));
      for (int iy = 0; iy < g.ny; ++iy)
        for (int ix = 0; ix < g.nx; ++ix) cv.rect(X(ix + 1), Y(iy + 1), X(ix), Y(iy), colour(m.pressure_Pa[iy * g.nx + ix]));
      // Each outline: the cells inside with a neighbour outside.
      for (size_t s = 0; s < spec.outlines.size(); ++s) {
        const std::vector<unsigned char>& in = spec.outlines[s].inside;
        auto at = [&](int ix, int iy) { return ix >= 0 && iy >= 0 && ix < g.nx && iy < g.ny && in[iy * g.nx + ix]; };
        for (int iy = 0; iy < g.ny; ++iy)
          for (int ix = 0; ix < g.nx; ++ix)
            if (at(ix, iy) && !(at(ix - 1, iy) && at(ix + 1, iy) && at(ix, iy - 1) && at(ix, iy + 1)))
              cv.rect(X(ix + 1), Y(iy + 1), X(ix), Y(iy), kPalette[s % 8]);
      }
      // The roller's place: a cross.
      const double rx = X((m.roller_x_m - g.x0_m) / g.cell_m), ry = Y((m.roller_y_m - g.y0_m) / g.cell_m);
      cv.line(rx - 8, ry, rx + 8, ry, black, 2);
      cv.line(rx, ry - 8, rx, ry + 8, black, 2);
      // Which way is which.
      cv.text(ox, oy + mh + 4, "< " + spec.x_towards, grey, 1.5);
      cv.text(ox + mw - 8, oy - 12, "^ " + spec.y_towards, grey, 1.5);
    }
    // The row's colour bar.
    draw_pressure_bar(cv, 30 + cols * (mw + gap), oy, std::min(200, mh - 40), row.scale_max_Pa, 4);
  }
  return cv.png();
}

}  // namespace backroll
