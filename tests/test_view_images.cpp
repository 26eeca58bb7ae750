// Screenshots of the viewer (made by viewer_screenshots.sh under Xvfb): the picture is not blank,
// the pressure colour map is on the skin where the roller touches it, and compare mode's two
// viewports differ when the setups differ (and do not when they are the same).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stb/stb_image.h>

#include "report/colormap.h"
#include "report/gif.h"
#include "io/toml_reader.h"
#include "anatomy/body_spec.h"

using namespace backroll;

namespace {

struct Image {
  int w = 0, h = 0;
  std::vector<unsigned char> px;  // RGB
  Rgb at(int x, int y) const {
    const unsigned char* p = &px[(static_cast<size_t>(y) * w + x) * 3];
    return {p[0] / 255.0f, p[1] / 255.0f, p[2] / 255.0f};
  }
};

std::string shots() {
  const char* d = std::getenv("BACKROLL_SHOTS");
  return d ? d : ".";
}

Image load(const std::string& name) {
  Image im;
  int n = 0;
  unsigned char* data = stbi_load((shots() + "/" + name).c_str(), &im.w, &im.h, &n, 3);
  REQUIRE(data != nullptr);
  im.px.assign(data, data + static_cast<size_t>(im.w) * im.h * 3);
  stbi_image_free(data);
  return im;
}

nlohmann::json meta(const std::string& name) {
  std::ifstream f(shots() + "/" + name + ".json");
  REQUIRE(f.good());
  return nlohmann::json::parse(f);
}

double luminance_sd(const Image& im, int x0, int y0, int w, int h) {
  double s = 0, s2 = 0;
  const double n = static_cast<double>(w) * h;
  for (int y = y0; y < y0 + h; ++y)
    for (int x = x0; x < x0 + w; ++x) {
      const Rgb c = im.at(x, y);
      const double l = 255 * (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]);
      s += l, s2 += l * l;
    }
  return std::sqrt(std::max(0.0, s2 / n - (s / n) * (s / n)));
}

// Pixels of the colour map's upper half (green-teal to yellow, saturated) within r of (cx, cy).
int colour_map_pixels(const Image& im, double cx, double cy, double r) {
  int n = 0;
  for (int y = std::max(0, int(cy - r)); y < std::min(im.h, int(cy + r)); ++y)
    for (int x = std::max(0, int(cx - r)); x < std::min(im.w, int(cx + r)); ++x) {
      if (std::hypot(x - cx, y - cy) > r) continue;
      const Rgb c = im.at(x, y);
      const float h = hue_deg(c);
      n += h > 45 && h < 200 && saturation(c) > 0.35f && std::max({c[0], c[1], c[2]}) > 0.2f;
    }
  return n;
}

double viewport_difference(const Image& im, const nlohmann::json& a, const nlohmann::json& b) {
  const int w = std::min(a["w"].get<int>(), b["w"].get<int>()), h = std::min(a["h"].get<int>(), b["h"].get<int>());
  double d = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const Rgb p = im.at(a["x"].get<int>() + x, a["y"].get<int>() + y), q = im.at(b["x"].get<int>() + x, b["y"].get<int>() + y);
      for (int k = 0; k < 3; ++k) d += std::abs(p[k] - q[k]) * 255;
    }
  return d / (3.0 * w * h);
}

// Every viewport's level labels: the roller's level among them; none overlapping (26 x 14 pixels
// apart); in the spine's order on screen; each nearer its own spinous process's tip than any tip
// two or more levels away (the label sits on the skin over the tip, a centimetre or two from it,
// so from an oblique eye a neighbour's tip can be as near). And no text cut off anywhere.
void check_readable(const std::string& name) {
  INFO(name);
  const nlohmann::json m = meta(name);
  INFO("cut text: " << m["clipped_text"].dump());
  CHECK(m["clipped_text"].empty());
  const int n = kLevels;
  for (const auto& v : m["viewports"]) {
    const auto& labels = v["labels"];
    const auto& tips = v["tips"];
    REQUIRE(tips.contains("T1"));
    REQUIRE(tips.contains("L5"));
    bool roller_level = false;
    for (const auto& l : labels) roller_level |= l["level"] == v["level"];
    CHECK(roller_level);
    const double ax = tips["L5"][0].get<double>() - tips["T1"][0].get<double>(), ay = tips["L5"][1].get<double>() - tips["T1"][1].get<double>();
    std::vector<std::pair<int, double>> along;  // level, place along the spine on screen
    for (size_t i = 0; i < labels.size(); ++i) {
      const auto& l = labels[i];
      const int own = level_index(l["level"].get<std::string>()) - 1;
      REQUIRE(own >= 0);
      const double x = l["x"], y = l["y"];
      for (size_t j = 0; j < i; ++j)
        CHECK((std::abs(labels[j]["x"].get<double>() - x) >= 26 || std::abs(labels[j]["y"].get<double>() - y) >= 14));
      double d_own = 1e9, d_far = 1e9;
      for (int k = 0; k < n; ++k) {
        const std::string name = level_name(k + 1);
        if (!tips.contains(name)) continue;
        const double d = std::hypot(tips[name][0].get<double>() - x, tips[name][1].get<double>() - y);
        if (k == own) d_own = d;
        else if (std::abs(k - own) >= 2) d_far = std::min(d_far, d);
      }
      INFO(l["level"] << " label: " << d_own << " px from its tip, " << d_far << " from the nearest tip two levels off");
      CHECK(d_own < d_far);
      along.emplace_back(own, x * ax + y * ay);
    }
    std::sort(along.begin(), along.end());
    for (size_t i = 1; i < along.size(); ++i) CHECK(along[i].second > along[i - 1].second);
  }
}

}  // namespace

TEST_CASE("every lesson at 1280x800 and 1920x1080: no text cut, labels at their vertebrae", "[view][screenshot]") {
  std::ifstream list(shots() + "/lessons.txt");
  REQUIRE(list.good());
  int shots_checked = 0;
  for (std::string name; std::getline(list, name);) {
    if (name.empty()) continue;
    check_readable(name);
    ++shots_checked;
  }
  CHECK(shots_checked >= 12);  // six lessons, two sizes
  check_readable("single.png");
  check_readable("compare.png");
}

TEST_CASE("single view: not blank, the pressure colour map under the roller", "[view][screenshot]") {
  const Image im = load("single.png");
  const nlohmann::json m = meta("single.png");
  CHECK(im.w == m["width"].get<int>());
  REQUIRE(m["viewports"].size() == 1);
  const auto& v = m["viewports"][0];
  CHECK(luminance_sd(im, 0, 0, im.w, im.h) > 20);
  CHECK(luminance_sd(im, v["x"], v["y"], v["w"], v["h"]) > 10);
  REQUIRE(v.contains("contact_px"));
  const double cx = v["contact_px"][0], cy = v["contact_px"][1];
  const int near = colour_map_pixels(im, cx, cy, 60);
  INFO("colour-map pixels within 60 px of the contact's centre: " << near);
  CHECK(near >= 40);
  // ... and the colour map is the skin's, not the picture's everywhere: far less of it per area
  // in the viewport's top quarter (labels, sky, floor grid).
  const int top = colour_map_pixels(im, v["x"].get<int>() + v["w"].get<int>() / 2.0, v["y"].get<int>() + 80, 60);
  CHECK(top < near / 4);
}

TEST_CASE("exercise view: the pose above, the contact's colour map below", "[view][screenshot]") {
  const std::string file = GENERATE(as<std::string>{}, "exercise.png", "exercise_large.png");
  INFO(file);
  const Image im = load(file);
  const nlohmann::json m = meta(file);
  CHECK(im.w == m["width"].get<int>());
  INFO("cut text: " << m["clipped_text"].dump());
  CHECK(m["clipped_text"].empty());
  CHECK(m["valid"].get<bool>());
  CHECK(m["lesson"].get<std::string>().size() > 0);  // opened through its lesson
  const auto& pose = m["pose_viewport"];
  const auto& contact = m["contact_viewport"];
  CHECK(luminance_sd(im, pose["x"], pose["y"], pose["w"], pose["h"]) > 10);  // the person drawn, not blank
  REQUIRE(m.contains("contact_px"));
  const double cx = m["contact_px"][0], cy = m["contact_px"][1];
  CHECK(cx > contact["x"].get<double>());
  CHECK(cy > contact["y"].get<double>());
  const int near = colour_map_pixels(im, cx, cy, 60);
  INFO("colour-map pixels within 60 px of the contact: " << near);
  CHECK(near >= 40);
  // The colour map is the skin's: none of it in the pose's view's top quarter (sky and floor).
  CHECK(colour_map_pixels(im, pose["x"].get<int>() + pose["w"].get<int>() / 2.0, pose["y"].get<int>() + 50, 40) < near / 4);
}

TEST_CASE("compare view: two viewports that differ when the setups differ", "[view][screenshot]") {
  const Image im = load("compare.png");
  const nlohmann::json m = meta("compare.png");
  REQUIRE(m["viewports"].size() == 2);
  const auto& a = m["viewports"][0];
  const auto& b = m["viewports"][1];
  CHECK(a["x"].get<int>() + a["w"].get<int>() <= b["x"].get<int>());
  CHECK(a["roller"] != b["roller"]);
  for (const auto* v : {&a, &b}) {
    CHECK(luminance_sd(im, (*v)["x"], (*v)["y"], (*v)["w"], (*v)["h"]) > 10);
  }
  const double diff = viewport_difference(im, a, b);
  const Image same = load("same.png");
  const nlohmann::json ms = meta("same.png");
  REQUIRE(ms["viewports"].size() == 2);
  const double diff_same = viewport_difference(same, ms["viewports"][0], ms["viewports"][1]);
  INFO("mean pixel difference: different setups " << diff << ", the same setup twice " << diff_same);
  CHECK(diff_same < 0.5);  // the same setup draws the same picture in both viewports
  CHECK(diff > 2.0);
  CHECK(diff > 10 * std::max(diff_same, 0.05));
}

TEST_CASE("recording: one frame per place from T2 to L5, the window's size, the roller moving", "[view][screenshot]") {
  std::ifstream f(shots() + "/roll.gif", std::ios::binary);
  REQUIRE(f.good());
  const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const GifInfo gif = read_gif(bytes);
  const nlohmann::json j = meta("roll.gif");
  CHECK(gif.width == j["width"].get<int>());
  CHECK(gif.height == j["height"].get<int>());
  const auto& frames = j["frames"];
  REQUIRE(frames.size() >= 3);
  CHECK(gif.frames == static_cast<int>(frames.size()));
  // The roller went from T2 to L5, each frame farther down the back by the step.
  CHECK(frames.front()[0]["level"] == "T2");
  CHECK(frames.back()[0]["level"] == "L5");
  for (size_t k = 1; k < frames.size(); ++k)
    CHECK(frames[k][0]["s_m"].get<double>() - frames[k - 1][0]["s_m"].get<double>() == Approx(j["step_m"].get<double>()).epsilon(1e-6));
  // What it read changed along the way (T2 and L5 differ), and the first frame is a picture.
  CHECK(frames.front()[0]["peak_pressure_kPa"].get<double>() != frames.back()[0]["peak_pressure_kPa"].get<double>());
  Image first;
  first.w = gif.width, first.h = gif.height, first.px = gif.first_rgb;
  REQUIRE(first.px.size() == static_cast<size_t>(first.w) * first.h * 3);
  CHECK(luminance_sd(first, 0, 0, first.w, first.h) > 20);
}
