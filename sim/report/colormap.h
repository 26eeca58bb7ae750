// Colour maps for pictures of the results (the viewer, the charts). Colours are sRGB in [0, 1].
#pragma once

#include <array>

namespace backroll {

using Rgb = std::array<float, 3>;

// Viridis (van der Walt & Smith 2015, matplotlib's default): perceptually uniform, readable in
// grey and by the colour-blind. t in [0, 1] (clamped; a NaN reads as 0), linear between nine
// published stops (its hex values at t = 0, 1/8, ..., 1).
Rgb viridis(double t);

// sRGB hue in degrees [0, 360) and saturation (HSV) of a colour: how a test tells a colour-map
// pixel from skin, floor or roller when shading has scaled its brightness.
float hue_deg(const Rgb& c);
float saturation(const Rgb& c);

}  // namespace backroll
