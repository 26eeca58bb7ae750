// The viewer: scene drawing (render/gl.h), panels (Dear ImGui) and the solver sessions
// (sim/live.h), one per viewport. Everything shown is read off LiveFrame: node positions and
// pressures, bone loads, the measures of measure_registry(), the same as the headless commands.
#include "viewer.h"

#include "gl.h"

#include <GLFW/glfw3.h>
#include <imgui.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <stb/stb_image_write.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fmt/core.h>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "io/atomic_file.h"
#include "io/catalog.h"
#include "report/colormap.h"
#include "run/compare.h"
#include "viz/lesson.h"
#include "viz/live.h"
#include "anatomy/body_spec.h"

namespace backroll {

namespace {

using gfx::Mat4f;
using gfx::Vertex;
using Clock = std::chrono::steady_clock;

constexpr float kPi = 3.14159265358979f;
constexpr std::array<float, 4> kSkin = {0.92f, 0.76f, 0.64f, 1.0f};
constexpr std::array<float, 4> kBone = {0.90f, 0.88f, 0.80f, 1.0f};
constexpr std::array<float, 4> kBackground = {0.16f, 0.17f, 0.19f, 1.0f};

// Tissue regions' colours when shown as layers (region_names() order is looked up by name).
std::array<float, 4> region_colour(const std::string& r) {
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
std::array<float, 4> roller_colour(const RollerSpec& r) {
  if (r.kind == "peanut") return {0.80f, 0.30f, 0.25f, 1};
  if (r.kind == "ball") return {0.85f, 0.35f, 0.20f, 1};
  if (r.pattern == "spikes") return {0.85f, 0.50f, 0.15f, 1};
  if (r.pattern == "knobs") return {0.45f, 0.35f, 0.70f, 1};
  const float t = std::clamp(static_cast<float>(std::log10(r.foam_E_Pa / 1e5) / 2.0), 0.0f, 1.0f);  // 0.1-10 MPa
  return {0.55f - 0.35f * t, 0.62f - 0.35f * t, 0.85f - 0.25f * t, 1};  // light blue (soft) to dark blue (firm)
}

// The first of 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k at or above v (colour-scale tops).
double nice_ceil(double v) {
  if (!(v > 0)) return 1;
  const double e = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0})
    if (m * e >= v * (1 - 1e-9)) return m * e;
  return 10 * e;
}

// A measure's value as the panels print it: 3 significant digits; a solver's round-off residue
// (below 5e-4 in the measure's unit, far under anything a mat or the model resolves) prints as 0.
std::string show(double v) { return std::abs(v) < 5e-4 ? "0" : fmt::format("{:.3g}", v); }
std::string show_signed(double v) { return std::abs(v) < 5e-4 ? "0" : fmt::format("{:+.3g}", v); }

std::string short_name(const std::string& file) { return std::filesystem::path(file).stem().string(); }

struct Camera {
  Eigen::Vector3f target{0, 0.3f, 0.1f};
  float azimuth = 0.9f, elevation = -0.8f, distance = 0.95f;
  Eigen::Vector3f eye() const {
    return target + distance * Eigen::Vector3f(std::cos(elevation) * std::cos(azimuth), std::cos(elevation) * std::sin(azimuth),
                                               std::sin(elevation));
  }
  void preset(const std::string& name) {
    target = {0, 0.3f, 0.1f};
    if (name == "side") azimuth = 0.0f, elevation = 0.02f, distance = 1.25f;
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
const std::vector<std::string> kReadouts = {"weight_on_roller", "roller_force",    "peak_pressure",      "ppi",
                                            "contact_area",     "midline_peak",    "paraspinal_peak",    "sp_load",
                                            "rib_share",        "thoracic_extension", "lumbar_extension", "kidney_mean",
                                            "kidney_peak"};
const std::vector<std::string> kPlotted = {"peak_pressure", "sp_load", "rib_share", "lumbar_extension", "kidney_mean",
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
  double peak_Pa = 0, peak_bone_N = 0;  // of `shown`
  uint64_t uploaded_model = 0;
  std::map<int, std::vector<double>> visited;  // level -> kPlotted values, last solve there
  gfx::Mesh tissue, bones, roller, section, floor;
  size_t outer_count = 0;
  std::vector<std::pair<size_t, size_t>> region_range;  // into tissue's indices
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
  void apply_lesson(const Lesson& l);
  void start_default();
  void update_side(Side& s);
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
  double pressure_scale_kPa() const;
  double bone_scale_N() const;

  GLFWwindow* win_;
  ViewerOptions opt_;
  gfx::Shader shader_;
  std::vector<std::unique_ptr<Side>> sides_;
  bool compare_ = false;
  Display disp_;
  Camera cam_;
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
};

std::string Viewer::scene_key(int fb_w, int fb_h) const {
  std::string k = fmt::format("{}x{} {} {} {} {} {} {} {} {} {} {} {}", fb_w, fb_h, cam_.azimuth, cam_.elevation, cam_.distance,
                              cam_.target.x(), cam_.target.y(), cam_.target.z(), disp_.bones, disp_.layers, disp_.cut,
                              disp_.roller_see_through, colours_version_);
  for (char c : disp_.region_on) k += c ? '1' : '0';
  for (const Viewport& vp : viewports_) k += fmt::format(" {},{},{},{}", vp.x, vp.y, vp.w, vp.h);
  for (const auto& s : sides_) k += fmt::format(" {}", s->shown ? s->shown->serial : 0);
  return k;
}

void Viewer::ensure_cache(int w, int h) {
  if (cache_.fbo && cache_.w == w && cache_.h == h) return;
  if (!cache_.fbo) {
    glGenFramebuffers(1, &cache_.fbo);
    glGenTextures(1, &cache_.color);
    glGenRenderbuffers(1, &cache_.depth);
  }
  glBindTexture(GL_TEXTURE_2D, cache_.color);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glBindRenderbuffer(GL_RENDERBUFFER, cache_.depth);
  glRenderbufferStorage(GL_RENDERBUFFER, GL_DEPTH_COMPONENT24, w, h);
  glBindFramebuffer(GL_FRAMEBUFFER, cache_.fbo);
  glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, cache_.color, 0);
  glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_DEPTH_ATTACHMENT, GL_RENDERBUFFER, cache_.depth);
  if (glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE) throw std::runtime_error("viewer: offscreen framebuffer incomplete");
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  cache_.w = w, cache_.h = h;
  cache_.key.clear();
}

// ---------------------------------------------------------------------------------------------

void Viewer::start_default() {
  auto s = std::make_unique<Side>();
  LiveSetup su;
  su.scenario = opt_.scenario.empty() ? std::string(BACKROLL_ASSET_DIR) + "/scenarios/compare.toml" : opt_.scenario;
  su.roller = opt_.roller;
  s->label = "";
  s->level = std::max(2, level_index(opt_.position));
  s->configure(su);
  sides_.push_back(std::move(s));
  compare_ = false;
}

void Viewer::apply_lesson(const Lesson& l) {
  // Sessions that keep their setup keep rolling; others are rebuilt.
  while (sides_.size() < l.setups.size()) sides_.push_back(std::make_unique<Side>());
  sides_.resize(l.setups.size());
  for (size_t i = 0; i < l.setups.size(); ++i) {
    Side& s = *sides_[i];
    s.label = l.setups[i].label;
    s.level = l.setups[i].level;
    s.have_s = false;
    if (s.setup != l.setups[i].setup || s.configured_id == 0) s.configure(l.setups[i].setup);
    else s.goto_level(s.level);
  }
  compare_ = l.setups.size() == 2;
  lesson_title_ = l.title;
  lesson_summary_ = l.summary;
}

double Viewer::pressure_scale_kPa() const {
  if (!disp_.auto_scale) return disp_.scale_kPa;
  double mx = 0;
  for (const auto& s : sides_) mx = std::max(mx, s->peak_Pa / 1e3);
  return nice_ceil(std::max(mx, 10.0));
}

double Viewer::bone_scale_N() const {
  double mx = 0;
  for (const auto& s : sides_) mx = std::max(mx, s->peak_bone_N);
  return nice_ceil(std::max(mx, 1.0));
}

void Viewer::update_side(Side& s) {
  auto f = s.live->frame();
  if (!f || f == s.shown) return;
  s.shown = f;
  const LiveModel& m = *f->model;
  if (s.uploaded_model != m.id) {
    // New model: indices (outer surface, then each region's boundary), roller, visited positions.
    std::vector<unsigned> idx;
    for (const Tri& t : m.topo.outer) idx.insert(idx.end(), t.begin(), t.end());
    s.outer_count = idx.size();
    s.region_range.clear();
    for (const auto& faces : m.topo.region_faces) {
      const size_t first = idx.size();
      for (const Tri& t : faces) idx.insert(idx.end(), t.begin(), t.end());
      s.region_range.emplace_back(first, idx.size() - first);
    }
    s.tissue.upload_indices(idx);
    std::vector<Vertex> rv;
    const auto rc = roller_colour(m.scenario.roller);
    std::vector<unsigned> ridx;
    for (size_t i = 0; i < m.roller.pos.size(); ++i) {
      Vertex v{};
      for (int k = 0; k < 3; ++k) v.pos[k] = m.roller.pos[i][k], v.normal[k] = m.roller.normal[i][k];
      std::copy(rc.begin(), rc.end(), v.color);
      rv.push_back(v);
    }
    for (const Tri& t : m.roller.tris) ridx.insert(ridx.end(), t.begin(), t.end());
    s.roller.upload(rv);
    s.roller.upload_indices(ridx);
    s.visited.clear();
    s.uploaded_model = m.id;
    if (disp_.region_on.size() != m.topo.region_faces.size()) disp_.region_on.assign(m.topo.region_faces.size(), 1);
    const RollerSpec& r = m.scenario.roller;
    s.ui_modulus_MPa = static_cast<float>(r.foam_E_Pa / 1e6);
    s.ui_diameter_cm = static_cast<float>(r.diameter_m * 100);
    s.ui_mass_kg = static_cast<float>(m.scenario.body.mass_kg);
    s.ui_hip_cm = static_cast<float>(m.scenario.posture.hip_lift_m * 100);
  }
  // The frame's largest pressure (mat or node) and bone load, for the shared colour scales.
  s.peak_Pa = f->result.whole.peak_Pa;
  for (float p : f->scene.node_pressure_Pa) s.peak_Pa = std::max(s.peak_Pa, static_cast<double>(p));
  s.peak_bone_N = 0;
  for (float b : f->scene.bone_load_N) s.peak_bone_N = std::max(s.peak_bone_N, static_cast<double>(b));
  std::vector<double> vals;
  for (const std::string& k : kPlotted) vals.push_back(find_measure(k).get(f->result));
  s.visited[f->result.level] = vals;
  if (!s.have_s) s.s_m = f->result.s_m;
  s.need_colours = true;
}

void Viewer::upload_colours(Side& s) {
  if (!s.shown) return;
  const LiveFrame& f = *s.shown;
  const SceneTopology& topo = f.model->topo;
  const SceneFrame& sc = f.scene;
  const double pmax = pressure_scale_kPa() * 1e3;
  // Smooth normals from the outer surface (area-weighted).
  std::vector<Eigen::Vector3f> nrm(sc.node_m.size(), Eigen::Vector3f::Zero());
  for (const Tri& t : topo.outer) {
    const Eigen::Vector3f n = (sc.node_m[t[1]] - sc.node_m[t[0]]).cross(sc.node_m[t[2]] - sc.node_m[t[0]]);
    for (int k : t) nrm[k] += n;
  }
  std::vector<Vertex> v(sc.node_m.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const Eigen::Vector3f n = nrm[i].norm() > 0 ? nrm[i].normalized() : Eigen::Vector3f::UnitZ();
    for (int k = 0; k < 3; ++k) v[i].pos[k] = sc.node_m[i][k], v[i].normal[k] = n[k];
    const double p = sc.node_pressure_Pa[i];
    if (p > kContactThresholdPa) {
      const Rgb c = viridis(p / pmax);
      v[i].color[0] = c[0], v[i].color[1] = c[1], v[i].color[2] = c[2];
    } else {
      v[i].color[0] = kSkin[0], v[i].color[1] = kSkin[1], v[i].color[2] = kSkin[2];
    }
    v[i].color[3] = 1;
  }
  s.tissue.upload(v);
  // Bones: 12 triangles per box, coloured by the bone's load (or bone white).
  static const int kQuads[6][4] = {{0, 2, 3, 1}, {4, 5, 7, 6}, {0, 1, 5, 4}, {2, 6, 7, 3}, {0, 4, 6, 2}, {1, 3, 7, 5}};
  const double bmax = bone_scale_N();
  std::vector<Vertex> bv;
  bv.reserve(sc.box_corner.size() * 36);
  for (size_t b = 0; b < sc.box_corner.size(); ++b) {
    const int bone = topo.box_bone[b];
    const double load = sc.bone_load_N[bone];
    std::array<float, 4> c = kBone;
    if (disp_.bone_load_colours && load > 0.5) {
      const Rgb cc = viridis(load / bmax);
      c = {cc[0], cc[1], cc[2], 1};
    }
    for (const auto& q : kQuads)
      for (int tri : {0, 1})
        for (int k : {0, tri ? 2 : 1, tri ? 3 : 2}) {
          Vertex x{};
          const Eigen::Vector3f& p = sc.box_corner[b][q[k]];
          for (int j = 0; j < 3; ++j) x.pos[j] = p[j];
          std::copy(c.begin(), c.end(), x.color);
          bv.push_back(x);
        }
  }
  s.bones.upload(bv);
  // The section through the roller (sagittal: the midline; transverse: across the roller's axis).
  std::vector<Vertex> sv;
  if (disp_.cut) {
    const Eigen::Vector3f n = disp_.cut == 1 ? Eigen::Vector3f::UnitX() : Eigen::Vector3f::UnitY();
    const float d = disp_.cut == 1 ? 0.0f : sc.roller_centre_m.y();
    const Section sec = tissue_section(topo, sc.node_m, n, d);
    const auto& names = region_names();
    for (size_t t = 0; t < sec.region.size(); ++t) {
      const auto c = region_colour(names[sec.region[t]]);
      for (int k = 0; k < 3; ++k) {
        Vertex x{};
        for (int j = 0; j < 3; ++j) x.pos[j] = sec.pos[3 * t + k][j];
        std::copy(c.begin(), c.end(), x.color);
        sv.push_back(x);
      }
    }
  }
  s.section.upload(sv);
  // The floor: a grid of 10 cm lines under the body.
  if (s.floor.vertices() == 0) {
    std::vector<Vertex> fv;
    for (int i = -10; i <= 10; ++i)
      for (int e = 0; e < 2; ++e) {
        Vertex a{}, b{};
        const float u = 0.1f * i;
        if (e == 0) a.pos[0] = u, a.pos[1] = -0.6f, b.pos[0] = u, b.pos[1] = 1.2f;
        else a.pos[0] = -1.0f, a.pos[1] = 0.3f + u * 0.9f, b.pos[0] = 1.0f, b.pos[1] = 0.3f + u * 0.9f;
        for (Vertex* x : {&a, &b}) x->color[0] = x->color[1] = x->color[2] = 0.55f, x->color[3] = 0.6f;
        fv.push_back(a);
        fv.push_back(b);
      }
    s.floor.upload(fv);
  }
  s.need_colours = false;
  ++colours_version_;
}

void Viewer::draw_scene(Side& s, const Viewport& vp) {
  glViewport(vp.x, vp.y, vp.w, vp.h);
  glScissor(vp.x, vp.y, vp.w, vp.h);
  glEnable(GL_SCISSOR_TEST);
  glClearColor(kBackground[0], kBackground[1], kBackground[2], 1);
  glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
  glEnable(GL_DEPTH_TEST);
  shader_.use();
  const Eigen::Vector3f eye = cam_.eye();
  shader_.set_eye(eye);
  shader_.set_alpha(1);
  shader_.set_clip(false);
  shader_.set_uniform_color(false);
  const Mat4f I = Mat4f::Identity();
  // Floor grid.
  glEnable(GL_BLEND);
  glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
  shader_.set_matrices(vp.pv, I);
  shader_.set_unlit(true);
  shader_.set_flat(false);
  s.floor.draw(GL_LINES);
  shader_.set_unlit(false);
  if (!s.shown) return;
  const SceneFrame& sc = s.shown->scene;
  shader_.set_matrices(vp.pv, I);
  Eigen::Vector3f cn = Eigen::Vector3f::UnitX();
  float cd = 0;
  if (disp_.cut == 2) cn = Eigen::Vector3f::UnitY(), cd = sc.roller_centre_m.y();
  shader_.set_clip(disp_.cut != 0, cn, cd);
  if (disp_.bones) {
    shader_.set_flat(true);
    s.bones.draw(GL_TRIANGLES);
  }
  if (disp_.layers) {
    shader_.set_flat(true);
    const auto& names = region_names();
    for (size_t r = 0; r < s.region_range.size() && r < disp_.region_on.size(); ++r) {
      if (!disp_.region_on[r] || names[r] == "skin") continue;
      shader_.set_uniform_color(true, region_colour(names[r]));
      s.tissue.draw_range(GL_TRIANGLES, s.region_range[r].first, s.region_range[r].second);
    }
    shader_.set_uniform_color(false);
  }
  shader_.set_clip(false);
  if (disp_.cut) {
    shader_.set_flat(true);
    s.section.draw(GL_TRIANGLES);
  }
  shader_.set_clip(disp_.cut != 0, cn, cd);
  // The skin surface with its pressure colours: see-through when bones or layers are shown.
  const bool skin_on = !disp_.layers || (disp_.region_on.size() > 0 && disp_.region_on[region_index("skin")]);
  if (skin_on) {
    shader_.set_flat(false);
    const bool see_through = disp_.bones || disp_.layers;
    if (see_through) {
      shader_.set_alpha(0.35f);
      glDepthMask(GL_FALSE);
    }
    s.tissue.draw_range(GL_TRIANGLES, 0, s.outer_count);
    glDepthMask(GL_TRUE);
    shader_.set_alpha(1);
  }
  shader_.set_clip(false);
  // The roller last, see-through by default: the contact patch is on its far side from below.
  shader_.set_matrices(vp.pv, sc.roller_pose);
  shader_.set_flat(false);
  if (disp_.roller_see_through) {
    shader_.set_alpha(0.3f);
    glDepthMask(GL_FALSE);
    glEnable(GL_CULL_FACE);  // front faces only: the far side would double the tint
    glCullFace(GL_BACK);
  }
  s.roller.draw(GL_TRIANGLES);
  glDisable(GL_CULL_FACE);
  glDepthMask(GL_TRUE);
  shader_.set_alpha(1);
  glDisable(GL_SCISSOR_TEST);
}

void Viewer::draw_overlays(Side& s, const Viewport& vp, int fb_h) {
  ImDrawList* dl = ImGui::GetBackgroundDrawList();
  const float sx = ImGui::GetIO().DisplayFramebufferScale.x > 0 ? 1.0f / ImGui::GetIO().DisplayFramebufferScale.x : 1.0f;
  const float x0 = vp.x * sx, y0 = (fb_h - vp.y - vp.h) * sx, w = vp.w * sx, h = vp.h * sx;
  dl->PushClipRect(ImVec2(x0, y0), ImVec2(x0 + w, y0 + h), true);
  // A thin frame between compare viewports.
  if (vp.x > 0) dl->AddLine(ImVec2(x0, y0), ImVec2(x0, y0 + h), IM_COL32(90, 90, 100, 255), 2);
  float ty = y0 + 8;
  if (!s.label.empty()) {
    dl->AddText(ImGui::GetFont(), ImGui::GetFontSize() * 1.25f, ImVec2(x0 + 10, ty), IM_COL32(255, 255, 255, 240), s.label.c_str());
    ty += ImGui::GetFontSize() * 1.5f;
  }
  const LiveStatus st = s.live->status();
  if (s.shown) {
    const RollResult& r = s.shown->result;
    const RollScenario& scn = s.shown->model->scenario;
    for (const std::string& line :
         {fmt::format("{} at {}", scn.roller.name, level_name(r.level)),
          fmt::format("body '{}', {:.0f} kg; pitched {:.1f} deg", short_name(scn.body_file), scn.body.mass_kg, r.pitch_deg)}) {
      dl->AddText(ImVec2(x0 + 10, ty), IM_COL32(220, 220, 220, 230), line.c_str());
      ty += ImGui::GetFontSize() * 1.3f;
    }
  }
  {
    const std::string solver = st.solves_per_s > 0 ? fmt::format("solver: {:.2f} positions/s (last {:.2f} s)", st.solves_per_s, st.last_solve_s)
                                                   : std::string("solver: first solve");
    dl->AddText(ImVec2(x0 + 10, ty), IM_COL32(170, 200, 255, 230), solver.c_str());
    ty += ImGui::GetFontSize() * 1.3f;
  }
  if (st.phase != LiveStatus::Idle) {
    dl->AddText(ImVec2(x0 + 10, ty), IM_COL32(255, 220, 120, 255), (st.activity + " ...").c_str());
    ty += ImGui::GetFontSize() * 1.3f;
  }
  if (!st.error.empty()) dl->AddText(ImVec2(x0 + 10, ty), IM_COL32(255, 110, 110, 255), st.error.c_str());
  // Level labels at the vertebrae.
  if (disp_.labels && s.shown) {
    const SceneFrame& sc = s.shown->scene;
    const SceneTopology& topo = s.shown->model->topo;
    std::vector<char> done(topo.bone_name.size(), 0);
    std::vector<ImVec2> placed;
    for (size_t b = 0; b < sc.box_corner.size(); ++b) {
      const int bone = topo.box_bone[b];
      if (done[bone] || topo.bone_kind[bone] != BoneKind::Vertebra) continue;
      done[bone] = 1;
      Eigen::Vector3f c = Eigen::Vector3f::Zero();
      for (const auto& p : sc.box_corner[b]) c += p / 8;
      if (disp_.cut == 2 && c.y() > sc.roller_centre_m.y() + 0.01f) continue;  // cut away
      float px, py;
      if (!vp.project(c, fb_h, &px, &py)) continue;
      px *= sx, py *= sx;
      if (px < x0 || px > x0 + w || py < y0 || py > y0 + h) continue;
      bool clash = false;  // every level's label where there is room, the rest left out
      for (const ImVec2& q : placed) clash |= std::abs(q.x - px) < 26 && std::abs(q.y - py) < 14;
      if (clash) continue;
      placed.emplace_back(px, py);
      dl->AddText(ImVec2(px + 6, py - 7), IM_COL32(255, 255, 255, 200), topo.bone_name[bone].c_str());
    }
  }
  // Colour scale bar (skin pressure), shared by all viewports.
  const double smax = pressure_scale_kPa();
  const float bw = 18, bh = std::min(260.0f, h * 0.45f), bx = x0 + w - 70, by = y0 + h - bh - 56;
  const int n = 48;
  for (int i = 0; i < n; ++i) {
    const Rgb a = viridis(1.0 - double(i) / n), b = viridis(1.0 - double(i + 1) / n);
    const ImU32 ca = IM_COL32(int(a[0] * 255), int(a[1] * 255), int(a[2] * 255), 255);
    const ImU32 cb = IM_COL32(int(b[0] * 255), int(b[1] * 255), int(b[2] * 255), 255);
    dl->AddRectFilledMultiColor(ImVec2(bx, by + bh * i / n), ImVec2(bx + bw, by + bh * (i + 1) / n), ca, ca, cb, cb);
  }
  dl->AddRect(ImVec2(bx, by), ImVec2(bx + bw, by + bh), IM_COL32(255, 255, 255, 160));
  int nt = 4;  // ticks at round values: the first count that divides the top into them
  for (int c : {5, 4, 3, 2}) {
    const double step = smax / c, e = std::pow(10.0, std::floor(std::log10(step)) - 1);
    if (std::abs(step / e - std::round(step / e)) < 1e-6) {
      nt = c;
      break;
    }
  }
  for (int k = 0; k <= nt; ++k) {
    const float yy = by + bh * (1 - float(k) / nt);
    dl->AddLine(ImVec2(bx + bw, yy), ImVec2(bx + bw + 4, yy), IM_COL32(255, 255, 255, 200));
    dl->AddText(ImVec2(bx + bw + 6, yy - 7), IM_COL32(235, 235, 235, 255), fmt::format("{:g}", smax * k / nt).c_str());
  }
  dl->AddText(ImVec2(bx - 40, by - 22), IM_COL32(235, 235, 235, 255), "skin pressure, kPa");
  const ImU32 skin = IM_COL32(int(kSkin[0] * 255), int(kSkin[1] * 255), int(kSkin[2] * 255), 255);
  dl->AddRectFilled(ImVec2(bx, by + bh + 6), ImVec2(bx + bw, by + bh + 18), skin);
  dl->AddText(ImVec2(bx + bw + 6, by + bh + 4), IM_COL32(235, 235, 235, 255), "< 1");
  if (disp_.bones && disp_.bone_load_colours)
    dl->AddText(ImVec2(x0 + 10, y0 + h - 26), IM_COL32(235, 235, 235, 255),
                fmt::format("bones: tissue load 0-{:g} N, same colours", bone_scale_N()).c_str());
  dl->PopClipRect();
}

void Viewer::setup_panel(Side& s, const char* id) {
  ImGui::PushID(id);
  auto model = s.live->model();
  const int cur_level = s.shown ? s.shown->result.level : s.level;
  int lv = s.have_s ? cur_level : s.level;
  if (ImGui::SliderInt("position", &lv, 2, kLevels, level_name(lv).c_str())) s.goto_level(lv);
  // Catalog choices and numbers: each edit (on release) rebuilds the setup with that one change.
  auto combo = [&](const char* label, const std::vector<std::string>& names, const std::string& current,
                   std::string LiveSetup::*field) {
    if (!ImGui::BeginCombo(label, current.c_str())) return;
    for (const std::string& n : names)
      if (ImGui::Selectable(n.c_str(), n == current)) {
        LiveSetup su = s.setup;
        su.*field = n;
        if (field == &LiveSetup::roller) su.foam_modulus_Pa.reset(), su.diameter_m.reset();  // the new roller's own
        s.configure(su);
      }
    ImGui::EndCombo();
  };
  auto slider = [&](const char* label, float* v, float lo, float hi, const char* format, ImGuiSliderFlags flags,
                    std::optional<double> LiveSetup::*field, double to_si) {
    ImGui::SliderFloat(label, v, lo, hi, format, flags);
    if (!ImGui::IsItemDeactivatedAfterEdit()) return;
    LiveSetup su = s.setup;
    su.*field = static_cast<double>(*v) * to_si;
    s.configure(su);
  };
  const std::string roller_now = s.setup.roller.empty() ? (model ? short_name(model->scenario.roller_file) : "?") : short_name(s.setup.roller);
  const std::string body_now = s.setup.body.empty() ? (model ? short_name(model->scenario.body_file) : "?") : short_name(s.setup.body);
  combo("roller", rollers_, roller_now, &LiveSetup::roller);
  slider("foam modulus, MPa", &s.ui_modulus_MPa, 0.02f, 100.0f, "%.3g", ImGuiSliderFlags_Logarithmic, &LiveSetup::foam_modulus_Pa, 1e6);
  slider("diameter, cm", &s.ui_diameter_cm, 4.0f, 25.0f, "%.1f", 0, &LiveSetup::diameter_m, 0.01);
  combo("body", bodies_, body_now, &LiveSetup::body);
  slider("body mass, kg", &s.ui_mass_kg, 40.0f, 150.0f, "%.0f", 0, &LiveSetup::body_mass_kg, 1.0);
  slider("hip lift, cm", &s.ui_hip_cm, 0.0f, 20.0f, "%.1f", 0, &LiveSetup::hip_lift_m, 0.01);
  ImGui::PopID();
}

void Viewer::plot(const char* title, const std::string& key, float width) {
  const Measure& m = find_measure(key);
  const size_t mi = std::find(kPlotted.begin(), kPlotted.end(), key) - kPlotted.begin();
  ImGui::TextUnformatted(fmt::format("{}, {}", title, m.unit).c_str());
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const float h = 92, w = width, left = 38;
  ImGui::InvisibleButton(key.c_str(), ImVec2(w, h + 16));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float px0 = p0.x + left, px1 = p0.x + w - 6, py0 = p0.y + 4, py1 = p0.y + h;
  auto xof = [&](double level) { return px0 + float((level - 1) / (kLevels - 1)) * (px1 - px0); };
  // Zones: thoracic T1-T12, lumbar L1-L5 (band edges half-way between levels).
  dl->AddRectFilled(ImVec2(xof(0.5), py0), ImVec2(xof(12.5), py1), IM_COL32(70, 110, 160, 50));
  dl->AddRectFilled(ImVec2(xof(12.5), py0), ImVec2(xof(17.5), py1), IM_COL32(170, 110, 60, 60));
  dl->AddText(ImVec2(xof(6) - 20, py0), IM_COL32(180, 200, 230, 160), "thoracic");
  dl->AddText(ImVec2(xof(15) - 20, py0), IM_COL32(230, 200, 170, 160), "lumbar");
  double lo = 0, hi = 0;
  for (const auto& s : sides_)
    for (const auto& [l, v] : s->visited) lo = std::min(lo, v[mi]), hi = std::max(hi, v[mi]);
  if (hi - lo <= 0) hi = lo + 1;
  hi = lo + (hi - lo) * 1.1;
  auto yof = [&](double v) { return py1 - float((v - lo) / (hi - lo)) * (py1 - py0 - 14); };
  dl->AddLine(ImVec2(px0, py1), ImVec2(px1, py1), IM_COL32(200, 200, 200, 180));
  dl->AddLine(ImVec2(px0, py0), ImVec2(px0, py1), IM_COL32(200, 200, 200, 180));
  dl->AddText(ImVec2(p0.x, yof(hi) - 2), IM_COL32(200, 200, 200, 220), fmt::format("{:.3g}", hi).c_str());
  dl->AddText(ImVec2(p0.x, yof(lo) - 12), IM_COL32(200, 200, 200, 220), fmt::format("{:.3g}", lo).c_str());
  for (int l : {1, 4, 7, 10, 13, 15, 17}) dl->AddText(ImVec2(xof(l) - 8, py1 + 2), IM_COL32(200, 200, 200, 200), level_name(l).c_str());
  static const ImU32 kSideCol[2] = {IM_COL32(255, 170, 60, 255), IM_COL32(90, 200, 255, 255)};
  for (size_t i = 0; i < sides_.size(); ++i) {
    const Side& s = *sides_[i];
    ImVec2 prev;
    bool first = true;
    for (const auto& [l, v] : s.visited) {
      const ImVec2 p(xof(l), yof(v[mi]));
      if (!first) dl->AddLine(prev, p, kSideCol[i], 2);
      dl->AddCircleFilled(p, 3, kSideCol[i]);
      prev = p;
      first = false;
    }
    if (s.shown) dl->AddCircle(ImVec2(xof(s.shown->result.level), yof(find_measure(key).get(s.shown->result))), 6, kSideCol[i], 12, 2);
  }
}

void Viewer::measures_panel() {
  const bool two = sides_.size() == 2;
  if (ImGui::BeginTable("measures", two ? 4 : 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchProp)) {
    ImGui::TableSetupColumn("measure", ImGuiTableColumnFlags_WidthStretch, two ? 2.0f : 3.0f);
    ImGui::TableSetupColumn(two ? (sides_[0]->label.empty() ? "A" : sides_[0]->label.c_str()) : "value", ImGuiTableColumnFlags_WidthStretch, 1);
    if (two) {
      ImGui::TableSetupColumn(sides_[1]->label.empty() ? "B" : sides_[1]->label.c_str(), ImGuiTableColumnFlags_WidthStretch, 1);
      ImGui::TableSetupColumn("B - A", ImGuiTableColumnFlags_WidthStretch, 1);
    }
    ImGui::TableHeadersRow();
    for (const std::string& k : kReadouts) {
      const Measure& m = find_measure(k);
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::TextWrapped("%s", fmt::format("{}, {}", m.label, m.unit).c_str());
      double v[2] = {0, 0};
      bool have[2] = {false, false};
      for (size_t i = 0; i < sides_.size(); ++i) {
        ImGui::TableSetColumnIndex(static_cast<int>(i) + 1);
        if (sides_[i]->shown) {
          v[i] = m.get(sides_[i]->shown->result);
          have[i] = true;
          ImGui::TextUnformatted(show(v[i]).c_str());
        } else {
          ImGui::TextDisabled("-");
        }
      }
      if (two) {
        ImGui::TableSetColumnIndex(3);
        if (have[0] && have[1]) ImGui::TextUnformatted(show_signed(v[1] - v[0]).c_str());
        else ImGui::TextDisabled("-");
      }
    }
    ImGui::EndTable();
  }
}

Viewer::Layout Viewer::layout() const {
  const ImVec2 d = ImGui::GetIO().DisplaySize;
  return {ImGui::GetFrameHeight(), std::min(360.0f, d.x * 0.3f), std::min(400.0f, d.x * 0.32f), 28.0f};
}

void Viewer::panels() {
  const ImGuiIO& io = ImGui::GetIO();
  const float W = io.DisplaySize.x, H = io.DisplaySize.y;
  if (ImGui::BeginMainMenuBar()) {
    if (ImGui::BeginMenu("File")) {
      if (ImGui::MenuItem("Save screenshot (PNG)")) want_screenshot_ = true;
      if (ImGui::MenuItem("Quit")) glfwSetWindowShouldClose(win_, 1);
      ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Lessons")) {
      for (const Lesson& l : lessons_)
        if (ImGui::MenuItem(l.title.c_str())) apply_lesson(l);
      ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Camera")) {
      if (ImGui::MenuItem("Three-quarter, from below")) cam_.preset("three_quarter");
      if (ImGui::MenuItem("From below (the pressure map)")) cam_.preset("below");
      if (ImGui::MenuItem("From the side (the spine's shape)")) cam_.preset("side");
      ImGui::EndMenu();
    }
    ImGui::EndMainMenuBar();
  }
  const Layout L = layout();
  const float top = L.top, lw = L.left, rw = L.right;
  ImGui::SetNextWindowPos(ImVec2(0, top));
  ImGui::SetNextWindowSize(ImVec2(lw, H - top));
  ImGui::Begin("Setup", nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
  ImGui::PushItemWidth(ImGui::GetWindowWidth() * 0.5f);
  if (!lesson_title_.empty()) {
    ImGui::TextWrapped("%s", lesson_title_.c_str());
    if (!lesson_summary_.empty()) {
      ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
      ImGui::TextWrapped("%s", lesson_summary_.c_str());
      ImGui::PopStyleColor();
    }
    ImGui::Separator();
  }
  bool cmp = compare_;
  if (ImGui::Checkbox("compare two setups", &cmp)) {
    if (cmp && sides_.size() == 1) {
      auto b = std::make_unique<Side>();
      b->level = sides_[0]->level >= 13 ? 7 : 15;  // the other region of the back
      b->label = "B";
      if (sides_[0]->label.empty()) sides_[0]->label = "A";
      b->configure(sides_[0]->setup);
      sides_.push_back(std::move(b));
    }
    if (!cmp && sides_.size() == 2) sides_.pop_back();
    compare_ = cmp;
  }
  for (size_t i = 0; i < sides_.size(); ++i) {
    const std::string head = sides_.size() == 2 ? fmt::format("{}: {}", i == 0 ? "A" : "B", sides_[i]->label) : "roller and body";
    if (ImGui::CollapsingHeader(head.c_str(), ImGuiTreeNodeFlags_DefaultOpen)) setup_panel(*sides_[i], i == 0 ? "A" : "B");
  }
  if (ImGui::CollapsingHeader("rolling", ImGuiTreeNodeFlags_DefaultOpen)) {
    ImGui::Checkbox("roll up and down the back", &disp_.auto_roll);
    ImGui::SliderFloat("speed, cm/s", &disp_.roll_speed_cm_s, 0.5f, 10.0f, "%.1f");
    ImGui::TextDisabled("or drag the roller with the left mouse button");
  }
  if (ImGui::CollapsingHeader("display", ImGuiTreeNodeFlags_DefaultOpen)) {
    bool ch = false;
    ch |= ImGui::Checkbox("bones (see-through skin)", &disp_.bones);
    if (disp_.bones) ch |= ImGui::Checkbox("colour bones by their load", &disp_.bone_load_colours);
    ch |= ImGui::Checkbox("tissue layers", &disp_.layers);
    if (disp_.layers) {
      const auto& names = region_names();
      for (size_t r = 0; r < disp_.region_on.size(); ++r) {
        bool on = disp_.region_on[r];
        if (ImGui::Checkbox(names[r].c_str(), &on)) disp_.region_on[r] = on, ch = true;
      }
    }
    ch |= ImGui::Combo("cut", &disp_.cut, "none\0sagittal (midline)\0transverse (at the roller)\0");
    ImGui::Checkbox("see-through roller", &disp_.roller_see_through);
    ImGui::Checkbox("level labels", &disp_.labels);
    ch |= ImGui::Checkbox("colour scale from the peak", &disp_.auto_scale);
    if (!disp_.auto_scale) ch |= ImGui::SliderFloat("scale top, kPa", &disp_.scale_kPa, 10.0f, 1000.0f, "%.0f", ImGuiSliderFlags_Logarithmic);
    if (ch)
      for (auto& s : sides_) s->need_colours = true;
  }
  ImGui::PopItemWidth();
  ImGui::End();

  ImGui::SetNextWindowPos(ImVec2(W - rw, top));
  ImGui::SetNextWindowSize(ImVec2(rw, H - top));
  ImGui::Begin("Measures", nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
  measures_panel();
  ImGui::Separator();
  ImGui::TextDisabled("against the roller's level, positions visited so far");
  const float pw = ImGui::GetContentRegionAvail().x;
  plot("peak pressure", "peak_pressure", pw);
  plot("spinous-process load (3 levels)", "sp_load", pw);
  plot("rib cage's share of the bone load", "rib_share", pw);
  plot("largest lumbar extension vs flat", "lumbar_extension", pw);
  plot("kidney pressure, mean", "kidney_mean", pw);
  plot("weight on the roller", "weight_on_roller", pw);
  ImGui::End();

  // Status bar.
  ImGui::SetNextWindowPos(ImVec2(lw, H - L.status));
  ImGui::SetNextWindowSize(ImVec2(W - lw - rw, L.status));
  ImGui::Begin("status", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings);
  std::string st = fmt::format("{:.0f} fps ({:.1f} ms: scene {:.1f}, draw {:.1f}, panels {:.1f}, swap {:.1f})", fps_,
                               1e3 * (t_update_ + t_draw_ + t_ui_ + t_swap_), 1e3 * t_update_, 1e3 * t_draw_, 1e3 * t_ui_, 1e3 * t_swap_);
  if (!message_.empty()) st += "  |  " + message_;
  ImGui::TextUnformatted(st.c_str());
  ImGui::End();
}

bool Viewer::write_screenshot(const std::string& path, int fb_w, int fb_h, std::string* err) {
  std::vector<unsigned char> px(static_cast<size_t>(fb_w) * fb_h * 3);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, fb_w, fb_h, GL_RGB, GL_UNSIGNED_BYTE, px.data());
  std::vector<unsigned char> flipped(px.size());
  for (int y = 0; y < fb_h; ++y)
    std::copy_n(&px[static_cast<size_t>(fb_h - 1 - y) * fb_w * 3], fb_w * 3, &flipped[static_cast<size_t>(y) * fb_w * 3]);
  std::string bytes;
  if (!stbi_write_png_to_func(
          [](void* ctx, void* data, int size) { static_cast<std::string*>(ctx)->append(static_cast<char*>(data), size); }, &bytes,
          fb_w, fb_h, 3, flipped.data(), fb_w * 3)) {
    *err = "cannot encode the PNG";
    return false;
  }
  // Beside it, what the picture shows: viewports, the roller's place on screen, the scale.
  nlohmann::json j;
  j["image"] = std::filesystem::path(path).filename().string();
  j["width"] = fb_w;
  j["height"] = fb_h;
  j["pressure_scale_max_kPa"] = pressure_scale_kPa();
  j["viewports"] = nlohmann::json::array();
  for (size_t i = 0; i < sides_.size() && i < viewports_.size(); ++i) {
    const Viewport& vp = viewports_[i];
    const Side& s = *sides_[i];
    nlohmann::json v;
    v["label"] = s.label;
    v["x"] = vp.x;
    v["y"] = fb_h - vp.y - vp.h;  // from the top, as the PNG's rows
    v["w"] = vp.w;
    v["h"] = vp.h;
    if (s.shown) {
      const SceneFrame& sc = s.shown->scene;
      float px_, py_;
      if (vp.project(sc.roller_centre_m, fb_h, &px_, &py_)) v["roller_px"] = {px_, py_};
      // The loaded skin's centre (the pressure-weighted mean of the skin nodes) on screen.
      Eigen::Vector3f c = Eigen::Vector3f::Zero();
      double wsum = 0;
      for (size_t k = 0; k < sc.node_m.size(); ++k)
        if (sc.node_pressure_Pa[k] > kContactThresholdPa) c += sc.node_pressure_Pa[k] * sc.node_m[k], wsum += sc.node_pressure_Pa[k];
      if (wsum > 0 && vp.project(c / static_cast<float>(wsum), fb_h, &px_, &py_)) v["contact_px"] = {px_, py_};
      v["roller"] = s.shown->model->scenario.roller.name;
      v["level"] = level_name(s.shown->result.level);
      v["peak_pressure_kPa"] = s.shown->result.whole.peak_Pa / 1e3;
    }
    j["viewports"].push_back(v);
  }
  try {
    write_file_atomic(path, bytes);
    write_file_atomic(path + ".json", j.dump(2) + "\n");
  } catch (const std::exception& e) {
    *err = e.what();
    return false;
  }
  return true;
}

// The self-test's script: each step waits some frames after the one before (and, where it says
// so, until every viewport shows a solved state, so the drawing paths run on real data). Returns
// true when it is time to close.
bool Viewer::self_test_step(long frame) {
  struct Step {
    int wait_frames;
    bool wait_solved;
    const char* what;
  };
  static const Step kSteps[] = {
      {20, false, "roller changed to peanut while the first solve runs"},
      {20, false, "window resized to 800x600"},
      {20, false, "minimised"},
      {20, false, "restored"},
      {20, true, "resized to 1400x900"},
      {10, false, "lesson: mid-back vs low back (compare mode)"},
      {10, true, "bones, layers and a transverse cut on; one roller moved to L1"},
      {10, false, "body mass changed to 95 kg mid-solve; a bad diameter (1 m) set on the other side"},
      {10, true, "resized to 640x480, auto-roll on, sagittal cut"},
      {120, false, "lesson: mid-back, standard roller (one view)"},
      {30, false, "closing while the solver works"},
  };
  size_t& next = self_test_next_;
  long& last = self_test_last_;
  if (next >= std::size(kSteps)) return true;
  const Step& st = kSteps[next];
  if (frame - last < st.wait_frames) return false;
  if (st.wait_solved)
    for (auto& sd : sides_)
      if (!sd->shown || !sd->live->idle()) return false;
  fmt::print("self-test, frame {}: {}\n", frame, st.what);
  switch (next) {
    case 0: {
      LiveSetup su = sides_[0]->setup;
      su.roller = "peanut";
      sides_[0]->configure(su);
      break;
    }
    case 1: glfwSetWindowSize(win_, 800, 600); break;
    case 2: glfwIconifyWindow(win_); break;
    case 3: glfwRestoreWindow(win_); break;
    case 4: glfwSetWindowSize(win_, 1400, 900); break;
    case 5:
    case 9:
      for (const Lesson& l : lessons_)
        if (l.name == (next == 5 ? "03_mid_vs_low_standard" : "01_mid_back_standard")) apply_lesson(l);
      break;
    case 6:
      disp_.bones = disp_.layers = true;
      disp_.cut = 2;
      for (auto& sd : sides_) sd->need_colours = true;
      sides_[0]->goto_level(13);
      break;
    case 7: {
      LiveSetup a = sides_[0]->setup, b = sides_.back()->setup;
      a.body_mass_kg = 95;
      b.diameter_m = 1.0;
      sides_[0]->configure(a);
      sides_.back()->configure(b);
      break;
    }
    case 8:
      glfwSetWindowSize(win_, 640, 480);
      disp_.auto_roll = true;
      disp_.cut = 1;
      for (auto& sd : sides_) sd->need_colours = true;
      break;
    default: break;
  }
  ++next;
  last = frame;
  return next >= std::size(kSteps);
}

int Viewer::run() {
  shader_.create();
  rollers_ = catalog("rollers");
  bodies_ = catalog("torso");
  lessons_ = lesson_catalog();
  disp_.bones = opt_.bones;
  disp_.cut = opt_.cut == "sagittal" ? 1 : opt_.cut == "transverse" ? 2 : 0;
  disp_.auto_roll = opt_.auto_roll;
  cam_.preset(opt_.camera);
  if (!opt_.lesson.empty()) {
    apply_lesson(load_lesson(catalog_file("lessons", opt_.lesson, "", "--lesson", "lesson")));
  } else {
    start_default();
  }
  const bool shot = !opt_.screenshot.empty();
  const auto t_start = Clock::now();
  int frames_after_ready = -1;
  auto last = Clock::now();
  long n_frames = 0;
  int rc = 0;
  // Screenshot mode measures the frames it renders after the first solves (with --auto-roll, while
  // the roller moves and the solver runs).
  Clock::time_point measured_from;
  long measured_frames = -1;
  std::vector<uint64_t> solved_at_ready;
  Clock::time_point next_frame = Clock::now();
  double sum_update = 0, sum_draw = 0, sum_ui = 0, sum_swap = 0;
  while (!glfwWindowShouldClose(win_)) {
    glfwPollEvents();
    int fb_w, fb_h;
    glfwGetFramebufferSize(win_, &fb_w, &fb_h);
    if (fb_w <= 0 || fb_h <= 0) {  // minimised
      glfwWaitEventsTimeout(0.1);
      continue;
    }
    if (opt_.self_test && self_test_step(n_frames)) break;
    const auto t0 = Clock::now();
    const double dt = std::chrono::duration<double>(t0 - last).count();
    last = t0;
    // Scene update: new frames from the solvers, colours.
    for (auto& s : sides_) update_side(*s);
    // Auto-roll: the target moves at the set speed; the solver follows the latest target.
    if (disp_.auto_roll) {
      for (auto& sp : sides_) {
        Side& s = *sp;
        auto m = s.live->model();
        if (!m) continue;
        if (!s.have_s) s.s_m = m->sp_tip_s_m[s.level], s.have_s = true;
        double ns = s.s_m + roll_dir_ * disp_.roll_speed_cm_s / 100 * std::min(dt, 0.1);
        // Never more than 2 cm ahead of the state on screen: each solve stays a short roll, and a
        // slow (fine-mesh) solver sets the pace instead of falling ever further behind.
        if (s.shown) ns = std::clamp(ns, s.shown->result.s_m - 0.02, s.shown->result.s_m + 0.02);
        if (ns > m->s_max_m) ns = m->s_max_m, roll_dir_ = -1;
        if (ns < m->s_min_m) ns = m->s_min_m, roll_dir_ = 1;
        s.goto_s(ns);
      }
    }
    for (auto& s : sides_)
      if (s->need_colours) upload_colours(*s);
    const auto t1 = Clock::now();

    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    panels();
    // 3D viewports between the panels.
    const ImGuiIO& io = ImGui::GetIO();
    const float sc = io.DisplayFramebufferScale.x > 0 ? io.DisplayFramebufferScale.x : 1;
    const Layout L = layout();
    const int vx = static_cast<int>(L.left * sc), vw = std::max(1, static_cast<int>((io.DisplaySize.x - L.left - L.right) * sc));
    const int vy = static_cast<int>(L.status * sc), vh = std::max(1, static_cast<int>((io.DisplaySize.y - L.top - L.status) * sc));
    viewports_.assign(sides_.size(), Viewport{});
    const Eigen::Vector3f eye = cam_.eye();
    for (size_t i = 0; i < sides_.size(); ++i) {
      Viewport& vp = viewports_[i];
      vp.w = vw / static_cast<int>(sides_.size());
      vp.x = vx + static_cast<int>(i) * vp.w;
      vp.y = vy;
      vp.h = vh;
      // 35 degrees across the viewport's smaller side, so a narrow (compare) viewport shows as much.
      const float aspect = float(vp.w) / vp.h;
      const float fovy = aspect >= 1 ? 0.61f : 2 * std::atan(std::tan(0.305f) / aspect);
      vp.pv = gfx::perspective(fovy, aspect, 0.02f, 20.0f) * gfx::look_at(eye, cam_.target, Eigen::Vector3f::UnitZ());
      draw_overlays(*sides_[i], vp, fb_h);
    }
    // Mouse: orbit (left), pan (right), zoom (wheel); left-drag on a roller moves it along the back.
    if (!io.WantCaptureMouse) {
      const float mx = io.MousePos.x * sc, my = io.MousePos.y * sc;
      if (ImGui::IsMouseClicked(0)) {
        drag_side_ = -1;
        for (size_t i = 0; i < sides_.size(); ++i) {
          const Side& s = *sides_[i];
          if (!s.shown) continue;
          float px, py;
          const Viewport& vp = viewports_[i];
          if (!vp.project(s.shown->scene.roller_centre_m, fb_h, &px, &py)) continue;
          float ex, ey;  // the roller's radius on screen
          vp.project(s.shown->scene.roller_centre_m + Eigen::Vector3f(0, 0, float(s.shown->model->scenario.roller.outer_radius_m())), fb_h, &ex, &ey);
          const float r = std::max(12.0f, std::hypot(ex - px, ey - py));
          if (std::abs(my - py) < r * 1.2f && mx > vp.x && mx < vp.x + vp.w) {
            drag_side_ = static_cast<int>(i);
            drag_s0_ = s.shown->result.s_m;
            drag_y0_ = my;
          }
        }
      }
      if (ImGui::IsMouseDragging(0)) {
        if (drag_side_ >= 0 && drag_side_ < static_cast<int>(sides_.size())) {
          Side& s = *sides_[drag_side_];
          // Screen pixels to metres along the back, from the roller's projected 10 cm.
          float ax, ay, bx, by;
          const Viewport& vp = viewports_[drag_side_];
          const Eigen::Vector3f c = s.shown->scene.roller_centre_m;
          if (vp.project(c, fb_h, &ax, &ay) && vp.project(c + Eigen::Vector3f(0, 0.1f, 0), fb_h, &bx, &by)) {
            const float px_per_m = std::max(50.0f, std::hypot(bx - ax, by - ay) / 0.1f);
            const float sign = by < ay ? 1.0f : -1.0f;  // screen up = towards the head?
            auto m = s.live->model();
            if (m) s.goto_s(std::clamp(drag_s0_ + sign * (my - drag_y0_) / px_per_m, m->s_min_m, m->s_max_m));
          }
        } else {
          const ImVec2 d = io.MouseDelta;
          cam_.azimuth -= d.x * 0.008f;
          cam_.elevation = std::clamp(cam_.elevation + d.y * 0.008f, -1.5f, 1.5f);
        }
      }
      if (ImGui::IsMouseReleased(0)) drag_side_ = -1;
      if (ImGui::IsMouseDragging(1)) {
        const Eigen::Vector3f f = (cam_.target - eye).normalized(), r = f.cross(Eigen::Vector3f::UnitZ()).normalized(), u = r.cross(f);
        cam_.target += (-io.MouseDelta.x * r + io.MouseDelta.y * u) * cam_.distance * 0.0015f;
      }
      if (io.MouseWheel != 0) cam_.distance = std::clamp(cam_.distance * std::pow(0.9f, io.MouseWheel), 0.2f, 6.0f);
    }
    ImGui::Render();
    const auto t2 = Clock::now();

    ensure_cache(fb_w, fb_h);
    const std::string key = scene_key(fb_w, fb_h);
    if (key != cache_.key) {
      glBindFramebuffer(GL_FRAMEBUFFER, cache_.fbo);
      glViewport(0, 0, fb_w, fb_h);
      glDisable(GL_SCISSOR_TEST);
      glClearColor(kBackground[0] * 0.8f, kBackground[1] * 0.8f, kBackground[2] * 0.8f, 1);
      glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
      for (size_t i = 0; i < sides_.size(); ++i) draw_scene(*sides_[i], viewports_[i]);
      cache_.key = key;
      ++cache_.redraws;
    }
    // Copy only the viewports (the panels cover the rest): a full-window copy costs llvmpipe
    // 5.3 ms a frame at 1280x800, this one about 2.
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    glViewport(0, 0, fb_w, fb_h);
    glDisable(GL_SCISSOR_TEST);
    glClearColor(kBackground[0] * 0.8f, kBackground[1] * 0.8f, kBackground[2] * 0.8f, 1);
    glClear(GL_COLOR_BUFFER_BIT);
    glBindFramebuffer(GL_READ_FRAMEBUFFER, cache_.fbo);
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, 0);
    if (!viewports_.empty()) {
      const int x0 = viewports_.front().x, y0 = viewports_.front().y;
      const int x1 = viewports_.back().x + viewports_.back().w, y1 = y0 + viewports_.front().h;
      glBlitFramebuffer(x0, y0, x1, y1, x0, y0, x1, y1, GL_COLOR_BUFFER_BIT, GL_NEAREST);
    }
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    const auto t3 = Clock::now();
    glViewport(0, 0, fb_w, fb_h);
    glDisable(GL_DEPTH_TEST);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    const auto t4 = Clock::now();

    // Screenshots: from the menu at once, in screenshot mode once every solve is done.
    if (want_screenshot_) {
      char name[64];
      const std::time_t now = std::time(nullptr);
      std::strftime(name, sizeof name, "backroll_%Y%m%d_%H%M%S.png", std::localtime(&now));
      std::string err;
      message_ = write_screenshot(name, fb_w, fb_h, &err) ? std::string("wrote ") + name : "screenshot failed: " + err;
      want_screenshot_ = false;
    }
    if (shot) {
      bool ready = true;
      for (auto& s : sides_) {
        const LiveStatus st = s->live->status();
        if (!st.error.empty() && s->live->idle()) {
          fmt::print(stderr, "backroll view: {}\n", st.error);
          rc = 1;
        }
        // Rolling, the solver is never idle: a first frame of the setup is enough.
        const auto f = s->live->frame();
        ready = ready && (disp_.auto_roll ? f && f->model->id == s->configured_id : s->ready() && s->shown == f);
      }
      if (rc) break;
      if (ready && frames_after_ready < 0) {
        frames_after_ready = 0;
        measured_from = Clock::now();
        measured_frames = 0;
        for (auto& s : sides_) solved_at_ready.push_back(s->shown ? s->shown->serial : 0);
      }
      if (frames_after_ready >= 0 && ++frames_after_ready > opt_.frames) {
        std::string err;
        if (!write_screenshot(opt_.screenshot, fb_w, fb_h, &err)) {
          fmt::print(stderr, "backroll view: cannot write the screenshot {}: {}\n", opt_.screenshot, err);
          rc = 1;
        } else {
          fmt::print("wrote {} and {}.json ({}x{}, {} viewport(s))\n", opt_.screenshot, opt_.screenshot, fb_w, fb_h, sides_.size());
        }
        break;
      }
      if (std::chrono::duration<double>(Clock::now() - t_start).count() > opt_.timeout_s) {
        fmt::print(stderr, "backroll view: the solves did not finish within {} s; no screenshot written\n", opt_.timeout_s);
        rc = 1;
        break;
      }
    }
    glfwSwapBuffers(win_);
    const auto t5 = Clock::now();
    // At most 60 frames a second (vsync may be off, as under Xvfb): the time left goes to the solver.
    // A fixed cadence (deadlines 1/60 s apart), so sleep overshoot does not add up.
    next_frame = std::max(next_frame + std::chrono::microseconds(16667), Clock::now() - std::chrono::microseconds(16667));
    std::this_thread::sleep_until(next_frame);
    auto avg = [](double& a, double v) { a = a > 0 ? 0.95 * a + 0.05 * v : v; };
    avg(t_update_, std::chrono::duration<double>(t1 - t0).count());
    avg(t_ui_, std::chrono::duration<double>(t2 - t1).count() + std::chrono::duration<double>(t4 - t3).count());
    avg(t_draw_, std::chrono::duration<double>(t3 - t2).count());
    avg(t_swap_, std::chrono::duration<double>(t5 - t4).count());
    fps_ = 1.0 / std::max(1e-6, t_update_ + t_draw_ + t_ui_ + t_swap_);
    ++n_frames;
    if (measured_frames >= 0) {
      ++measured_frames;
      sum_update += std::chrono::duration<double>(t1 - t0).count();
      sum_ui += std::chrono::duration<double>(t2 - t1).count() + std::chrono::duration<double>(t4 - t3).count();
      sum_draw += std::chrono::duration<double>(t3 - t2).count();
      sum_swap += std::chrono::duration<double>(t5 - t4).count();
    }
  }
  const double total = std::chrono::duration<double>(Clock::now() - t_start).count();
  fmt::print("viewer: {} frames in {:.1f} s; last frames {:.1f} ms each ({:.0f} fps): scene update {:.2f}, 3D draw {:.2f}, "
             "panels {:.2f}, swap {:.2f} ms\n",
             n_frames, total, 1e3 * (t_update_ + t_draw_ + t_ui_ + t_swap_), fps_, 1e3 * t_update_, 1e3 * t_draw_, 1e3 * t_ui_,
             1e3 * t_swap_);
  for (size_t i = 0; i < sides_.size(); ++i) {
    const LiveStatus ls = sides_[i]->live->status();
    fmt::print("viewer: solver {}: {:.2f} solves/s (last solve {:.2f} s)\n", i, ls.solves_per_s, ls.last_solve_s);
  }
  if (measured_frames > 0) {
    const double span = std::chrono::duration<double>(Clock::now() - measured_from).count(), n = double(measured_frames);
    uint64_t solves = 0;
    for (size_t i = 0; i < sides_.size() && i < solved_at_ready.size(); ++i)
      if (sides_[i]->shown) solves += sides_[i]->shown->serial - solved_at_ready[i];
    fmt::print("viewer: measured {} frames after the first solve{}: {:.1f} fps ({:.2f} ms a frame: scene update {:.2f}, 3D draw "
               "{:.2f}, panels {:.2f}, swap {:.2f}); {} new solved positions shown in {:.1f} s ({:.2f}/s)\n",
               measured_frames, disp_.auto_roll ? ", rolling" : "", n / span, 1e3 * span / n, 1e3 * sum_update / n,
               1e3 * sum_draw / n, 1e3 * sum_ui / n, 1e3 * sum_swap / n, solves, span, solves / span);
  }
  fmt::print("viewer: the 3D scene was drawn {} times in {} frames (only when what it shows changed)\n", cache_.redraws, n_frames);
  sides_.clear();  // GL buffers go while the context lives; sessions cancel and join
  if (cache_.fbo) {
    glDeleteFramebuffers(1, &cache_.fbo);
    glDeleteTextures(1, &cache_.color);
    glDeleteRenderbuffers(1, &cache_.depth);
  }
  return rc;
}

}  // namespace

int run_viewer(const ViewerOptions& o) {
  // Mesa's software renderer (llvmpipe) starts a rasterizer thread per core, and they crowd out
  // the solvers. Measured on 2 cores while rolling (1280x800): one rasterizer thread, 54 fps with
  // the solver at 1.7 positions/s; two, 54-65 fps with the solver at 0.5-1.0. The cores left after
  // the main thread and two solvers, at least one. Ignored by GPUs; a value already set is kept.
  if (!std::getenv("LP_NUM_THREADS")) {
    const int spare = static_cast<int>(std::thread::hardware_concurrency()) - 3;
    setenv("LP_NUM_THREADS", std::to_string(std::max(1, spare)).c_str(), 0);
  }
  glfwSetErrorCallback([](int code, const char* msg) { fmt::print(stderr, "backroll view: GLFW error {}: {}\n", code, msg); });
  if (!glfwInit()) {
    fmt::print(stderr, "backroll view: cannot open a window (no display? run under xvfb-run)\n");
    return 1;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GL_TRUE);
  GLFWwindow* win = glfwCreateWindow(o.width, o.height, "backroll", nullptr, nullptr);
  if (!win) {
    fmt::print(stderr, "backroll view: cannot create an OpenGL 3.3 core window\n");
    glfwTerminate();
    return 1;
  }
  glfwMakeContextCurrent(win);
  glfwSwapInterval(o.screenshot.empty() ? 1 : 0);  // a screenshot run renders as fast as it can
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // no imgui.ini left in the working directory
  const char* font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
  if (std::filesystem::exists(font)) io.Fonts->AddFontFromFileTTF(font, 16.0f);
  ImGui::StyleColorsDark();
  ImGui::GetStyle().WindowRounding = 0;
  ImGui_ImplGlfw_InitForOpenGL(win, true);
  ImGui_ImplOpenGL3_Init("#version 330 core");
  int rc = 1;
  try {
    Viewer v(win, o);
    rc = v.run();
  } catch (const std::exception& e) {
    fmt::print(stderr, "backroll view: {}\n", e.what());
    rc = 2;
  }
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(win);
  glfwTerminate();
  return rc;
}

}  // namespace backroll
