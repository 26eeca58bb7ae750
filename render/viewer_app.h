// Inside the viewer (render/): its state and its parts, one file each: viewer.cpp (the window and
// the frame loop), viewer_scene.cpp (uploading and drawing the 3D scene), viewer_panels.cpp (the
// Dear ImGui panels and plots), viewer_capture.cpp (screenshots, the self-test). viewer.h is the
// interface.
#pragma once

#include "gl.h"
#include "viewer.h"

#include <GLFW/glfw3.h>
#include <imgui.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <fmt/core.h>
#include <map>
#include <nlohmann/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "report/gif.h"
#include "report/plot.h"
#include "viz/lesson.h"
#include "viz/live.h"

namespace backroll {
namespace viewer {

using gfx::Mat4f;
using gfx::Vertex;
using Clock = std::chrono::steady_clock;

inline constexpr float kPi = 3.14159265358979f;
inline constexpr std::array<float, 4> kSkin = {0.92f, 0.76f, 0.64f, 1.0f};
inline constexpr std::array<float, 4> kBone = {0.90f, 0.88f, 0.80f, 1.0f};
inline constexpr std::array<float, 4> kBackground = {0.16f, 0.17f, 0.19f, 1.0f};

// Tissue regions' colours when shown as layers (region_names() order is looked up by name).
inline constexpr std::array<float, 4> kDisc = {0.55f, 0.72f, 0.86f, 1.0f};  // intervertebral discs

// A region's name as a legend prints it ("erector_spinae" -> "erector spinae").
inline std::string region_label(std::string r) {
  std::replace(r.begin(), r.end(), '_', ' ');
  return r;
}

inline std::array<float, 4> region_colour(const std::string& r) {
  if (r == "skin") return kSkin;
  if (r == "subcutaneous_fat") return {0.97f, 0.85f, 0.42f, 1};
  if (r == "thoracolumbar_fascia") return {0.93f, 0.93f, 0.90f, 1};
  if (r == "trapezius") return {0.78f, 0.33f, 0.30f, 1};
  if (r == "rhomboid") return {0.70f, 0.26f, 0.36f, 1};
  if (r == "latissimus_dorsi") return {0.84f, 0.42f, 0.32f, 1};
  if (r == "erector_spinae") return {0.66f, 0.20f, 0.20f, 1};
  if (r == "multifidus") return {0.55f, 0.16f, 0.24f, 1};
  if (r == "quadratus_lumborum") return {0.74f, 0.38f, 0.22f, 1};
  if (r.rfind("kidney", 0) == 0) return {0.50f, 0.18f, 0.62f, 1};
  return {0.78f, 0.66f, 0.66f, 1};  // abdominal content
}

// The roller's colour by kind: none in viridis's green-yellow hues, so a picture's colour-map
// pixels are the skin's pressure and nothing else.
inline std::array<float, 4> roller_colour(const RollerSpec& r) {
  if (r.kind == RollerKind::Peanut) return {0.80f, 0.30f, 0.25f, 1};
  if (r.kind == RollerKind::Ball) return {0.85f, 0.35f, 0.20f, 1};
  if (r.pattern == RollerPattern::Spikes) return {0.85f, 0.50f, 0.15f, 1};
  if (r.pattern == RollerPattern::Knobs) return {0.45f, 0.35f, 0.70f, 1};
  const float t = std::clamp(static_cast<float>(std::log10(r.foam_E_Pa / 1e5) / 2.0), 0.0f, 1.0f);  // 0.1-10 MPa
  return {0.55f - 0.35f * t, 0.62f - 0.35f * t, 0.85f - 0.25f * t, 1};  // light blue (soft) to dark blue (firm)
}


// A measure's value as the panels print it: 3 significant digits; a solver's round-off residue
// (below 5e-4 in the measure's unit, far under anything a mat or the model resolves) prints as 0.
inline std::string show(double v) { return std::abs(v) < 5e-4 ? "0" : fmt::format("{:.3g}", v); }
inline std::string show_signed(double v) { return std::abs(v) < 5e-4 ? "0" : fmt::format("{:+.3g}", v); }



// Text the last ImGui frame drew cut off at the side of its clip rectangle (a screenshot's check).
nlohmann::json clipped_text();
// The back buffer's pixels, RGB, rows from the top.
std::vector<unsigned char> read_pixels(int fb_w, int fb_h);

struct Camera {
  Eigen::Vector3f target{0, 0.3f, 0.1f};
  float azimuth = 0.9f, elevation = -0.8f, distance = 0.95f;
  Eigen::Vector3f eye() const {
    return target + distance * Eigen::Vector3f(std::cos(elevation) * std::cos(azimuth), std::cos(elevation) * std::sin(azimuth),
                                               std::sin(elevation));
  }
  void preset(const std::string& name) {
    target = {0, 0.3f, 0.1f};
    if (name == "section") target = {0, 0.3f, 0.12f}, azimuth = 1.5708f, elevation = 0.55f, distance = 0.8f;  // from the head, along the spine: a transverse cut face on
    else if (name == "person") target = {0, 0.1f, 0.25f}, azimuth = 0.45f, elevation = 0.3f, distance = 2.2f;  // the whole body, from the left and above
    else if (name == "side") azimuth = 0.0f, elevation = 0.02f, distance = 1.25f;
    else if (name == "below") azimuth = 1.5708f, elevation = -1.2f, distance = 1.0f;  // head up the screen
    else azimuth = 0.9f, elevation = -0.8f, distance = 0.95f;  // three_quarter: below, from the left and the head
  }
};

struct Viewport {
  int x = 0, y = 0, w = 1, h = 1;  // framebuffer pixels, origin bottom-left (GL)
  Mat4f pv = Mat4f::Identity();
  // World -> framebuffer pixel (origin top-left, as ImGui and PNG count), false behind the eye.
  bool project(const Eigen::Vector3f& p, int fb_h, float* px, float* py) const {
    const Eigen::Vector4f c = pv * Eigen::Vector4f(p.x(), p.y(), p.z(), 1);
    if (c.w() <= 1e-6f) return false;
    *px = x + (c.x() / c.w() * 0.5f + 0.5f) * w;
    *py = fb_h - (y + (c.y() / c.w() * 0.5f + 0.5f) * h);
    return true;
  }
};

// The measures the panels show, by measure_registry() key.
inline const std::vector<std::string> kReadouts = {"weight_on_roller", "roller_force",    "peak_pressure",      "ppi",
                                            "contact_area",     "midline_peak",    "paraspinal_peak",    "sp_load",
                                            "rib_share",        "thoracic_extension", "lumbar_extension", "kidney_mean",
                                            "kidney_peak"};
inline const std::vector<std::string> kPlotted = {"peak_pressure", "sp_load", "rib_share", "lumbar_extension", "kidney_mean",
                                           "weight_on_roller"};

// One setup and its viewport: the solver session, what is uploaded, what was visited.
struct Side {
  std::unique_ptr<LiveSession> live = std::make_unique<LiveSession>();
  LiveSetup setup;
  std::string label;
  uint64_t configured_id = 0;
  int level = 7;
  double s_m = 0;             // the roller's requested place (m along the skin line)
  bool have_s = false;
  std::shared_ptr<const LiveFrame> shown;
  uint64_t shown_count = 0;   // frames shown so far (a new solved place each)
  double peak_Pa = 0, peak_bone_N = 0;  // of `shown`
  uint64_t uploaded_model = 0;
  // A place's level (1 = T1, fractional between two tips) and its kPlotted values.
  using PlotPoint = std::pair<double, std::vector<double>>;
  std::map<int, PlotPoint> visited;  // nearest level -> the last solve shown near it
  PlotPoint shown_point;             // `shown` on the plots
  // The solved path as far as it has come (LiveSession::path), refreshed when it grows.
  std::vector<PlotPoint> path_curve;
  int path_seen = -1;
  uint64_t path_model = 0;
  gfx::Mesh tissue, bones, roller, section, floor, person;
  size_t outer_count = 0;
  std::vector<std::pair<size_t, size_t>> region_range;  // into tissue's indices
  std::vector<char> section_regions;                     // per region: in the cut (the legend)
  struct Label {
    int level;
    float x, y;  // the anchor on screen (window pixels from the top left)
  };
  std::vector<Label> labels;                             // drawn in the last frame
  bool need_colours = true;
  // Panel edits (applied on release).
  float ui_modulus_MPa = 1, ui_diameter_cm = 15, ui_mass_kg = 75, ui_hip_cm = 5;

  void configure(const LiveSetup& s) {
    setup = s;
    configured_id = live->configure(s);
    if (have_s) live->request(s_m);
    else live->request_level(level);
  }
  void goto_level(int l) {
    level = std::clamp(l, 2, kLevels);
    have_s = false;
    live->request_level(level);
  }
  void goto_s(double s) {
    s_m = s;
    have_s = true;
    live->request(s);
  }
  bool ready() const {  // the configured setup is built and its requested place solved
    const auto f = live->frame();
    return live->idle() && f && f->model->id == configured_id;
  }
};

struct Display {
  bool bones = false;
  bool bone_load_colours = true;
  bool layers = false;
  std::vector<char> region_on;
  int cut = 0;  // 0 none, 1 sagittal, 2 transverse
  bool labels = true;
  bool person = true;  // the drawn person around the simulated back
  bool roller_see_through = true;
  bool auto_scale = true;
  float scale_kPa = 100;
  bool auto_roll = false;
  float roll_speed_cm_s = 3;
};

class Viewer {
 public:
  Viewer(GLFWwindow* w, const ViewerOptions& o) : win_(w), opt_(o) {}
  int run();

 private:
  // The frame loop's parts (viewer.cpp).
  void start();                              // shader, catalogs, the first setup or lesson
  void roll_automatically(double dt);        // auto-roll: move every side's target
  void place_viewports(int fb_h);            // the 3D viewports between the panels, their overlays
  void handle_mouse(int fb_h);               // orbit, pan, zoom, drag a roller along the back
  void compose(int fb_w, int fb_h);          // the cached 3D scene and the panels into the window
  bool screenshot_step(int fb_w, int fb_h);  // screenshot mode: true when it is time to stop
  void count_frame(Clock::time_point t0, Clock::time_point t1, Clock::time_point t2, Clock::time_point t3,
                   Clock::time_point t4, Clock::time_point t5);
  void print_timings() const;
  void apply_lesson(const Lesson& l);
  void start_default();
  void update_side(Side& s);
  void update_path_curve(Side& s);
  void upload_colours(Side& s);
  void draw_scene(Side& s, const Viewport& vp);
  void draw_overlays(Side& s, const Viewport& vp, int fb_h);
  // Where the panels end and the 3D area begins (ImGui units): the setup panel on the left, the
  // measures on the right, the menu bar on top, the status bar under the 3D area.
  struct Layout {
    float top, left, right, status;
  };
  Layout layout() const;
  void panels();
  void setup_panel(Side& s, const char* id);
  void measures_panel();
  void plot(const char* title, const std::string& key, float width);
  bool write_screenshot(const std::string& path, int fb_w, int fb_h, std::string* err);
  bool record_step(int fb_w, int fb_h);  // record mode: true when it is time to stop
  double pressure_scale_kPa() const;
  double bone_scale_N() const;

  GLFWwindow* win_;
  ViewerOptions opt_;
  gfx::Shader shader_;
  std::vector<std::unique_ptr<Side>> sides_;
  bool compare_ = false;
  Display disp_;
  Camera cam_;
  bool cam_on_cut_ = false;  // a transverse cut's view: the camera's target follows the roller
  void view_cut();           // the camera that shows the cut chosen face on
  std::vector<Lesson> lessons_;
  std::string lesson_title_, lesson_summary_;
  std::string message_;
  std::vector<std::string> rollers_, bodies_;
  std::vector<Viewport> viewports_;
  int roll_dir_ = 1;
  // Roller drag.
  int drag_side_ = -1;
  double drag_s0_ = 0, drag_y0_ = 0;
  // Frame timing (s): scene update, GL submission, ImGui, swap; averaged.
  double t_update_ = 0, t_draw_ = 0, t_ui_ = 0, t_swap_ = 0, fps_ = 0;
  bool want_screenshot_ = false;
  // The 3D viewports are drawn into an offscreen framebuffer only when what they show changes
  // (a new solved state, the camera, a display setting, the window's size) and copied to the
  // window every frame: the panels stay live at full rate, the scene costs nothing while the
  // solver works towards its next state.
  struct SceneCache {
    GLuint fbo = 0, color = 0, depth = 0;
    int w = 0, h = 0;
    std::string key;
    long redraws = 0;
  } cache_;
  uint64_t colours_version_ = 0;
  std::string scene_key(int fb_w, int fb_h) const;
  bool self_test_step(long frame);
  size_t self_test_next_ = 0;
  long self_test_last_ = 0;
  void ensure_cache(int w, int h);
  // A run's bookkeeping: its exit code, frames, and in screenshot mode the frames measured after
  // the first solves (with --auto-roll, while the roller moves and the solver runs).
  int rc_ = 0;
  long n_frames_ = 0;
  Clock::time_point t_start_, measured_from_;
  int frames_after_ready_ = -1;
  long measured_frames_ = -1;
  std::vector<uint64_t> shown_at_ready_;
  // Record mode: the roller's places (m along the skin line), the next one, frames waited there.
  std::vector<double> record_s_;
  size_t record_next_ = 0;
  int record_waited_ = 0;
  std::unique_ptr<GifAnimation> gif_;
  nlohmann::json record_frames_;  // what each frame shows, written beside the GIF
  double sum_update_ = 0, sum_draw_ = 0, sum_ui_ = 0, sum_swap_ = 0;
};

}  // namespace viewer
}  // namespace backroll
