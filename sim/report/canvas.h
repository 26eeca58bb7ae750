// A small raster canvas for the report's pictures (charts, maps): filled rectangles, anti-aliased
// lines, text from stb_easy_font, written as PNG with stb_image_write. No GL.
#pragma once

#include <array>
#include <string>
#include <vector>

namespace backroll {

using RGB = std::array<unsigned char, 3>;

// Distinct line colours (matplotlib's tab10, first eight).
extern const RGB kPalette[8];

struct Canvas {
  int w, h;
  std::vector<unsigned char> px;  // RGB, row-major from the top left; white to start
  Canvas(int w_, int h_);
  // The pixel blended towards c by a (0: unchanged, 1: c); outside the canvas: nothing.
  void blend(int x, int y, const RGB& c, double a);
  void rect(double x0, double y0, double x1, double y1, const RGB& c, double a = 1);
  // A line of width `t` pixels: a distance test around the segment (anti-aliased edge).
  void line(double x0, double y0, double x1, double y1, const RGB& c, double t = 2);
  // Text at (x, y) top-left, scaled; returns its width in pixels.
  double text(double x, double y, const std::string& s, const RGB& c, double scale = 2);
  // The canvas as PNG bytes.
  std::string png() const;
};

// RGB pixels (rows from the top) as PNG bytes; empty if stb cannot encode them.
std::string png_bytes(const std::vector<unsigned char>& rgb, int w, int h);

// Text's width in pixels at scale 1.
double text_width(const std::string& s);

// A round step (1, 2, 2.5 or 5 x 10^k) that cuts `range` into about `target` parts: axis ticks.
double nice_step(double range, int target);

}  // namespace backroll
