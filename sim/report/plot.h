// Charts as PNG for the compare, sweep and sensitivity reports, on the report's canvas
// (report/canvas.h). No GL.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "measure/pressure_mat.h"

namespace backroll {

struct Series {
  std::string name;
  std::vector<double> x, y;  // points; a gap (no point) where a case did not converge
};

struct Panel {
  std::string title, y_label;
  std::vector<Series> series;
  // The y axis spans at least this much, so that round-off is not drawn as a trend (0: the data's
  // own range).
  double min_span = 0;
};

struct ChartSpec {
  std::string title;
  std::vector<std::string> x_ticks;  // label at x = 0, 1, 2, ...
  // Shaded x bands, e.g. the thoracic and lumbar zones: [from, to] with a label.
  struct Band {
    double from, to;
    std::string label;
    std::array<unsigned char, 3> rgb;
  };
  std::vector<Band> bands;
  std::vector<Panel> panels;
  int columns = 3;
};

// The first of 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k at or above v (colour-scale tops).
double nice_ceil(double v);

// Renders the chart and returns PNG bytes.
std::string render_chart_png(const ChartSpec& c, int width = 1500, int height = 900);

// A tornado chart: per panel, one bar per input from its low end's value to its high end's,
// around the base value (a vertical line), the widest first; a second line marks `divide`
// (where the verdict changes side, e.g. zero difference).
struct TornadoBar {
  std::string label;
  double low = 0, high = 0;
  bool flagged = false;  // drawn in the warning colour (a verdict that flips)
};
struct TornadoPanel {
  std::string title, unit;
  double base = 0, divide = 0;
  std::vector<TornadoBar> bars;
};
struct TornadoSpec {
  std::string title, legend;
  std::vector<TornadoPanel> panels;
  int columns = 2;
};
std::string render_tornado_png(const TornadoSpec& t, int width = 1600, int height = 1200);

// Pressure maps side by side: each a pressure mat (measure/pressure_mat.h) seen from behind (the
// subject's left on the left, the head up), its cells coloured by one viridis scale from 0 to
// scale_max_Pa (cells under the mat's 1 kPa threshold in a light skin tone), a tick at the
// roller's place along the back, and a colour bar. A panel without a map (`missing` says why: the
// position was not possible or did not converge) is drawn empty, with that word in it.
struct PressureMapPanel {
  std::string title;
  PressureMat mat;
  double roller_s_m = 0;  // the roller's place on the skin line (the mat's s)
  std::string missing;    // why there is no map; empty when there is one
};
struct PressureMapSpec {
  std::string title;
  std::vector<PressureMapPanel> maps;
  double scale_max_Pa = 1e5;
};
std::string render_pressure_maps_png(const PressureMapSpec& spec);

}  // namespace backroll
