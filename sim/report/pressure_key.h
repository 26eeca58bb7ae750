// The pressure maps' colours and key (the compare report's mats, the exercises' regions): viridis
// from 0 to the scale's top, a light skin tone under the mat's 1 kPa contact threshold.
#pragma once

#include "report/canvas.h"

namespace backroll {

inline constexpr RGB kUnloadedSkin{240, 222, 205};

// A contact pressure's colour on a scale topping at scale_max_Pa.
RGB pressure_rgb(double p_Pa, double scale_max_Pa);

// The colour bar at (x, y), `h` pixels tall: 0 at the bottom, the scale's top above, labelled in
// kPa about `ticks` times, with the unloaded colour's key ("< 1") under it.
void draw_pressure_bar(Canvas& cv, double x, double y, double h, double scale_max_Pa, int ticks);

}  // namespace backroll
