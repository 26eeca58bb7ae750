#include "report/plot.h"

#include <algorithm>
#include <cmath>
#include <fmt/core.h>

#include "report/canvas.h"
#include "report/pressure_key.h"
#include "report/colormap.h"

namespace backroll {

double nice_ceil(double v) {
  if (!(v > 0)) return 1;
  const double e = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0})
    if (m * e >= v * (1 - 1e-9)) return m * e;
  return 10 * e;
}

std::string render_chart_png(const ChartSpec& c, int W, int H) {
  Canvas cv(W, H);
  const RGB black{0, 0, 0}, grey{120, 120, 120}, light{225, 225, 225};
  cv.text(20, 12, c.title, black, 2.5);
  // Legend: series names of the first panel, then the bands; wrapped to the width.
  double lx = 20, ly = 46;
  auto room = [&](const std::string& s, double extra) {
    const double w = text_width(s) * 2 + extra;
    if (lx + w > W - 20 && lx > 20) lx = 20, ly += 24;
  };
  if (!c.panels.empty())
    for (size_t i = 0; i < c.panels[0].series.size(); ++i) {
      const RGB col = kPalette[i % 8];
      if (c.panels[0].series[i].name.empty()) continue;  // a lone unnamed line needs no legend
      room(c.panels[0].series[i].name, 40);
      cv.line(lx, ly + 6, lx + 30, ly + 6, col, 4);
      lx += 50 + cv.text(lx + 38, ly, c.panels[0].series[i].name, black, 2);
    }
  for (const auto& b : c.bands) {
    room(b.label, 34);
    cv.rect(lx, ly - 2, lx + 24, ly + 14, b.rgb);
    lx += 44 + cv.text(lx + 30, ly, b.label, black, 2);
  }
  const int cols = std::max(1, c.columns), rows = (static_cast<int>(c.panels.size()) + cols - 1) / cols;
  const double top = ly + 29, pw = static_cast<double>(W) / cols, ph = (H - top) / std::max(1, rows);
  // Categories at 0, 1, ..., n-1, each centred in its slot.
  const double nx = std::max<double>(1, c.x_ticks.size());
  for (size_t pi = 0; pi < c.panels.size(); ++pi) {
    const Panel& p = c.panels[pi];
    const double ox = (pi % cols) * pw, oy = top + (pi / cols) * ph;
    const double x0 = ox + 80, x1 = ox + pw - 20, y0 = oy + 30, y1 = oy + ph - 45;
    double lo = 1e300, hi = -1e300;
    for (const Series& s : p.series)
      for (double v : s.y) lo = std::min(lo, v), hi = std::max(hi, v);
    if (lo > hi) lo = 0, hi = 1;
    if (lo > 0 && lo < 0.5 * hi) lo = 0;
    if (hi - lo < p.min_span) {  // widen about the middle, not below zero for data that is not
      const double mid = 0.5 * (lo + hi);
      const bool positive = lo >= 0;
      lo = mid - 0.5 * p.min_span, hi = mid + 0.5 * p.min_span;
      if (positive && lo < 0) hi -= lo, lo = 0;
    }
    if (hi - lo < 1e-9) hi = lo + 1;
    const double step = nice_step(hi - lo, 5);
    lo = std::floor(lo / step) * step;
    hi = std::ceil(hi / step) * step;
    auto X = [&](double x) { return x0 + (x1 - x0) * (x + 0.5) / nx; };
    auto Y = [&](double y) { return y1 - (y1 - y0) * (y - lo) / (hi - lo); };
    for (const auto& b : c.bands) cv.rect(std::max(x0, X(b.from)), y0, std::min(x1, X(b.to)), y1, b.rgb);
    for (double v = lo; v <= hi + 1e-9 * step; v += step) {
      cv.line(x0, Y(v), x1, Y(v), light, 1);
      // As many decimals as the step needs (a narrow range around 57 reads 56.9, 57.0, ...).
      int dec = 0;
      while (dec < 6 && std::abs(step * std::pow(10, dec) - std::round(step * std::pow(10, dec))) > 1e-6) ++dec;
      const std::string t = fmt::format("{:.{}f}", std::abs(v) < 1e-9 * step ? 0.0 : v, dec);
      cv.text(x0 - 10 - text_width(t) * 2, Y(v) - 6, t, grey, 2);
    }
    // Tick labels centred under their ticks; one that would touch the last drawn is skipped.
    double last_right = -1e9;
    for (size_t i = 0; i < c.x_ticks.size(); ++i) {
      cv.line(X(i), y1, X(i), y1 + 5, grey, 1);
      const double w = text_width(c.x_ticks[i]) * 2;
      if (X(i) - 0.5 * w < last_right + 8) continue;
      cv.text(X(i) - 0.5 * w, y1 + 10, c.x_ticks[i], grey, 2);
      last_right = X(i) + 0.5 * w;
    }
    cv.line(x0, y1, x1, y1, black, 1.5);
    cv.line(x0, y0, x0, y1, black, 1.5);
    // The title, smaller if it would run past the panel.
    const std::string title = p.title + (p.y_label.empty() ? "" : " (" + p.y_label + ")");
    const double tw = text_width(title);
    cv.text(x0 - 60, oy + 6, title, black, std::clamp((x1 - x0 + 60) / std::max(1.0, tw), 1.0, 2.0));
    for (size_t si = 0; si < p.series.size(); ++si) {
      const Series& s = p.series[si];
      const RGB col = kPalette[si % 8];
      for (size_t k = 0; k + 1 < s.x.size(); ++k)
        if (s.x[k + 1] - s.x[k] < 1.5) cv.line(X(s.x[k]), Y(s.y[k]), X(s.x[k + 1]), Y(s.y[k + 1]), col, 3);
      for (size_t k = 0; k < s.x.size(); ++k) cv.rect(X(s.x[k]) - 3, Y(s.y[k]) - 3, X(s.x[k]) + 3, Y(s.y[k]) + 3, col);
    }
  }
  return cv.png();
}

std::string render_tornado_png(const TornadoSpec& t, int W, int H) {
  Canvas cv(W, H);
  const RGB black{0, 0, 0}, grey{120, 120, 120}, light{225, 225, 225}, low_c{31, 119, 180}, high_c{255, 127, 14},
      flag{214, 39, 40};
  cv.text(20, 12, t.title, black, 2.5);
  cv.text(20, 46, t.legend, grey, 2);
  const int cols = std::max(1, t.columns), rows = (static_cast<int>(t.panels.size()) + cols - 1) / cols;
  const double top = 80, pw = static_cast<double>(W) / cols, ph = (H - top) / std::max(1, rows);
  for (size_t pi = 0; pi < t.panels.size(); ++pi) {
    const TornadoPanel& p = t.panels[pi];
    const double ox = (pi % cols) * pw, oy = top + (pi / cols) * ph;
    const double x0 = ox + 230, x1 = ox + pw - 30, y0 = oy + 34, y1 = oy + ph - 40;
    std::vector<TornadoBar> bars = p.bars;
    std::stable_sort(bars.begin(), bars.end(),
                     [](const TornadoBar& a, const TornadoBar& b) { return std::abs(a.high - a.low) > std::abs(b.high - b.low); });
    double lo = std::min(p.base, p.divide), hi = std::max(p.base, p.divide);
    for (const TornadoBar& b : bars) lo = std::min({lo, b.low, b.high}), hi = std::max({hi, b.low, b.high});
    if (hi - lo < 1e-12) hi = lo + 1;
    const double step = nice_step(hi - lo, 5);
    lo = std::floor(lo / step) * step;
    hi = std::ceil(hi / step) * step;
    auto X = [&](double v) { return x0 + (x1 - x0) * (v - lo) / (hi - lo); };
    for (double v = lo; v <= hi + 1e-9 * step; v += step) {
      cv.line(X(v), y0, X(v), y1, light, 1);
      int dec = 0;
      while (dec < 6 && std::abs(step * std::pow(10, dec) - std::round(step * std::pow(10, dec))) > 1e-6) ++dec;
      const std::string s = fmt::format("{:.{}f}", std::abs(v) < 1e-9 * step ? 0.0 : v, dec);
      cv.text(X(v) - text_width(s), y1 + 8, s, grey, 2);
    }
    const std::string title = p.title + (p.unit.empty() ? "" : " (" + p.unit + ")");
    const double tw = text_width(title);
    cv.text(ox + 20, oy + 6, title, black, std::clamp((pw - 40) / std::max(1.0, tw), 1.0, 2.0));
    const double row = (y1 - y0) / std::max<size_t>(1, bars.size());
    for (size_t i = 0; i < bars.size(); ++i) {
      const TornadoBar& b = bars[i];
      const double yc = y0 + (i + 0.5) * row, hh = std::min(0.35 * row, 14.0);
      cv.text(ox + 20, yc - 7, b.label, b.flagged ? flag : black, 2);
      cv.rect(X(std::min(p.base, b.low)), yc - hh, X(std::max(p.base, b.low)), yc + hh, b.flagged ? flag : low_c, 0.85);
      cv.rect(X(std::min(p.base, b.high)), yc - hh, X(std::max(p.base, b.high)), yc + hh, b.flagged ? flag : high_c,
              b.flagged ? 0.55 : 0.85);
    }
    cv.line(X(p.base), y0 - 4, X(p.base), y1, black, 2);
    if (p.divide >= lo && p.divide <= hi) cv.line(X(p.divide), y0 - 4, X(p.divide), y1, grey, 1.5);
    cv.line(x0, y1, x1, y1, black, 1.5);
  }
  return cv.png();
}

std::string render_pressure_maps_png(const PressureMapSpec& spec) {
  const RGB black{0, 0, 0}, grey{120, 120, 120};
  int cols_max = 1, rows_max = 1;  // cells
  for (const PressureMapPanel& m : spec.maps) cols_max = std::max(cols_max, m.mat.nx), rows_max = std::max(rows_max, m.mat.ns);
  const int px = 8, gap = 40, top = 90, bar_w = 150;  // pixels a cell (1 cm), between maps, above them, for the bar
  const int mw = cols_max * px, mh = rows_max * px;
  const int W = 30 + static_cast<int>(spec.maps.size()) * (mw + gap) + bar_w, H = top + mh + 60;
  Canvas cv(W, H);
  cv.text(20, 12, spec.title, black, 2.5);
  cv.text(20, 46, "seen from behind: the subject's left on the left, the head up; 1 cm cells; the arrow: the roller", grey, 2);
  auto colour = [&](double p) { return pressure_rgb(p, spec.scale_max_Pa); };
  for (size_t k = 0; k < spec.maps.size(); ++k) {
    const PressureMapPanel& m = spec.maps[k];
    const double ox = 30 + k * (mw + gap), oy = top;
    const double tw = text_width(m.title);
    cv.text(ox, oy - 26, m.title, black, std::clamp((mw + gap - 16) / std::max(1.0, tw), 0.5, 2.0));
    if (!m.missing.empty()) {
      cv.rect(ox, oy, ox + mw - 1, oy + mh - 1, RGB{235, 235, 235});
      cv.text(ox + 10, oy + mh / 2 - 10, m.missing, grey, std::clamp((mw - 20) / std::max(1.0, text_width(m.missing)), 0.5, 2.0));
      continue;
    }
    for (int is = 0; is < m.mat.ns; ++is)
      for (int ix = 0; ix < m.mat.nx; ++ix) {
        const double x = ox + (m.mat.nx - 1 - ix) * px, y = oy + is * px;  // +x (the left) drawn on the left
        cv.rect(x, y, x + px - 1, y + px - 1, colour(m.mat.pressure_Pa(ix, is)));
      }
    const double ry = oy + (m.roller_s_m - m.mat.s0_m) / m.mat.cell_m * px;
    cv.line(ox - 16, ry, ox - 4, ry, black, 2);
    cv.line(ox - 9, ry - 5, ox - 4, ry, black, 2);
    cv.line(ox - 9, ry + 5, ox - 4, ry, black, 2);
  }
  // The colour bar: 0 at the bottom, the scale's top above.
  draw_pressure_bar(cv, W - bar_w + 20, top, std::min(300, mh), spec.scale_max_Pa, 5);
  return cv.png();
}

}  // namespace backroll
