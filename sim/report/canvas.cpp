#include "report/canvas.h"

#include <algorithm>
#include <cmath>
#include <stb/stb_easy_font.h>
#include <stb/stb_image_write.h>

namespace backroll {

const RGB kPalette[8] = {{31, 119, 180}, {214, 39, 40}, {44, 160, 44}, {148, 103, 189}, {255, 127, 14},
                         {140, 86, 75},  {227, 119, 194}, {23, 190, 207}};

Canvas::Canvas(int w_, int h_) : w(w_), h(h_), px(static_cast<size_t>(w_) * h_ * 3, 255) {}

void Canvas::blend(int x, int y, const RGB& c, double a) {
  if (x < 0 || y < 0 || x >= w || y >= h) return;
  unsigned char* p = &px[(static_cast<size_t>(y) * w + x) * 3];
  for (int k = 0; k < 3; ++k) p[k] = static_cast<unsigned char>(std::lround(p[k] * (1 - a) + c[k] * a));
}

void Canvas::rect(double x0, double y0, double x1, double y1, const RGB& c, double a) {
  for (int y = static_cast<int>(std::floor(std::min(y0, y1))); y < static_cast<int>(std::ceil(std::max(y0, y1))); ++y)
    for (int x = static_cast<int>(std::floor(std::min(x0, x1))); x < static_cast<int>(std::ceil(std::max(x0, x1))); ++x)
      blend(x, y, c, a);
}

void Canvas::line(double x0, double y0, double x1, double y1, const RGB& c, double t) {
  const int xa = static_cast<int>(std::floor(std::min(x0, x1) - t)), xb = static_cast<int>(std::ceil(std::max(x0, x1) + t));
  const int ya = static_cast<int>(std::floor(std::min(y0, y1) - t)), yb = static_cast<int>(std::ceil(std::max(y0, y1) + t));
  const double dx = x1 - x0, dy = y1 - y0, L2 = dx * dx + dy * dy;
  for (int y = ya; y <= yb; ++y)
    for (int x = xa; x <= xb; ++x) {
      double u = L2 > 0 ? ((x - x0) * dx + (y - y0) * dy) / L2 : 0;
      u = std::clamp(u, 0.0, 1.0);
      const double d = std::hypot(x - (x0 + u * dx), y - (y0 + u * dy));
      const double a = std::clamp(0.5 * t + 0.5 - d, 0.0, 1.0);
      if (a > 0) blend(x, y, c, a);
    }
}

double Canvas::text(double x, double y, const std::string& s, const RGB& c, double scale) {
  static char buf[200000];
  const int quads = stb_easy_font_print(0, 0, const_cast<char*>(s.c_str()), nullptr, buf, sizeof(buf));
  for (int q = 0; q < quads; ++q) {
    const float* v = reinterpret_cast<const float*>(buf + q * 64);
    // four vertices of 16 bytes: x, y, z, colour
    const double qx0 = v[0], qy0 = v[1], qx1 = v[8], qy1 = v[9];
    rect(x + qx0 * scale, y + qy0 * scale, x + qx1 * scale, y + qy1 * scale, c);
  }
  return text_width(s) * scale;
}

std::string Canvas::png() const { return png_bytes(px, w, h); }

std::string png_bytes(const std::vector<unsigned char>& rgb, int w, int h) {
  std::string out;
  if (!stbi_write_png_to_func(
          [](void* ctx, void* data, int size) { static_cast<std::string*>(ctx)->append(static_cast<char*>(data), size); },
          &out, w, h, 3, const_cast<unsigned char*>(rgb.data()), w * 3))
    out.clear();
  return out;
}

double text_width(const std::string& s) { return stb_easy_font_width(const_cast<char*>(s.c_str())); }

double nice_step(double range, int target) {
  const double raw = range / target, mag = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

}  // namespace backroll
