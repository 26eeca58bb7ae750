#include "report/colormap.h"

#include <algorithm>
#include <cmath>

namespace backroll {

Rgb viridis(double t) {
  // #440154 #482878 #3e4989 #31688e #26828e #1f9e89 #35b779 #6ece58 #fde725
  static const unsigned kStops[9] = {0x440154, 0x482878, 0x3e4989, 0x31688e, 0x26828e,
                                     0x1f9e89, 0x35b779, 0x6ece58, 0xfde725};
  if (!(t > 0)) t = 0;  // also a NaN
  if (t > 1) t = 1;
  const double u = t * 8;
  const int i = std::min(7, static_cast<int>(u));
  const double w = u - i;
  Rgb c;
  for (int k = 0; k < 3; ++k) {
    const int sh = 16 - 8 * k;
    const double a = (kStops[i] >> sh & 0xff) / 255.0, b = (kStops[i + 1] >> sh & 0xff) / 255.0;
    c[k] = static_cast<float>(a + w * (b - a));
  }
  return c;
}

float hue_deg(const Rgb& c) {
  const float mx = std::max({c[0], c[1], c[2]}), mn = std::min({c[0], c[1], c[2]});
  const float d = mx - mn;
  if (d <= 0) return 0;
  float h;
  if (mx == c[0]) h = std::fmod((c[1] - c[2]) / d, 6.0f);
  else if (mx == c[1]) h = (c[2] - c[0]) / d + 2;
  else h = (c[0] - c[1]) / d + 4;
  h *= 60;
  return h < 0 ? h + 360 : h;
}

float saturation(const Rgb& c) {
  const float mx = std::max({c[0], c[1], c[2]}), mn = std::min({c[0], c[1], c[2]});
  return mx > 0 ? (mx - mn) / mx : 0;
}

}  // namespace backroll
