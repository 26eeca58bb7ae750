#include "report/pressure_key.h"

#include <algorithm>
#include <cmath>
#include <fmt/core.h>

#include "measure/pressure_mat.h"
#include "report/colormap.h"

namespace backroll {

RGB pressure_rgb(double p_Pa, double scale_max_Pa) {
  if (!(p_Pa > kContactThresholdPa)) return kUnloadedSkin;
  const Rgb c = viridis(p_Pa / scale_max_Pa);
  return {static_cast<unsigned char>(std::lround(255 * c[0])), static_cast<unsigned char>(std::lround(255 * c[1])),
          static_cast<unsigned char>(std::lround(255 * c[2]))};
}

void draw_pressure_bar(Canvas& cv, double x, double y, double h, double scale_max_Pa, int ticks) {
  const RGB black{0, 0, 0}, grey{120, 120, 120};
  for (int i = 0; i < static_cast<int>(h); ++i)
    cv.rect(x, y + h - i - 1, x + 20, y + h - i, pressure_rgb(std::max(kContactThresholdPa * 1.001, scale_max_Pa * i / h), scale_max_Pa));
  const double top_kPa = scale_max_Pa / 1e3, step = nice_step(top_kPa, ticks);
  for (double v = 0; v <= top_kPa * (1 + 1e-9); v += step) cv.text(x + 26, y + h - h * v / top_kPa - 6, fmt::format("{:g}", v), grey, 2);
  cv.text(x - 6, y + h + 10, "kPa", black, 2);
  cv.rect(x, y + h + 32, x + 20, y + h + 44, kUnloadedSkin);
  cv.text(x + 26, y + h + 32, "< 1", grey, 2);
}

}  // namespace backroll
