// The viewer: a GLFW window with Dear ImGui over one live solver session per viewport (viz/live.h).
// This file: the window, the frame loop and its parts (input, viewports, composition, the
// screenshot mode). Everything shown is read off LiveFrame: node positions and pressures, bone
// loads, the measures of measure_registry(), the same as the headless commands.
#include "viewer_app.h"

#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>

#include <cstdlib>
#include <filesystem>
#include <ctime>
#include <thread>

#include "io/catalog.h"

namespace backroll {
namespace viewer {

std::string Viewer::scene_key(int fb_w, int fb_h) const {
  std::string k = fmt::format("{}x{} {} {} {} {} {} {} {} {} {} {} {} {}", fb_w, fb_h, cam_.azimuth, cam_.elevation,
                              cam_.distance, cam_.target.x(), cam_.target.y(), cam_.target.z(), disp_.bones, disp_.layers,
                              disp_.cut, disp_.roller_see_through, disp_.person, colours_version_);
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

void Viewer::start() {
  shader_.create();
  rollers_ = catalog("rollers");
  bodies_ = catalog("bodies");
  lessons_ = lesson_catalog();
  disp_.bones = opt_.bones;
  disp_.cut = opt_.cut == "sagittal" ? 1 : opt_.cut == "transverse" ? 2 : 0;
  disp_.auto_roll = opt_.auto_roll;
  cam_.preset(opt_.camera);
  if (disp_.cut && opt_.camera == "three_quarter") view_cut();  // the default camera: turn it to the cut
  if (!opt_.lesson.empty()) {
    apply_lesson(load_lesson(catalog_file("lessons", opt_.lesson, "", "--lesson", "lesson")));
  } else {
    start_default();
  }
}

// Auto-roll: the target moves at the set speed; the solver follows the latest target.
void Viewer::roll_automatically(double dt) {
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

// The 3D viewports between the panels, side by side, and their overlays.
// A sagittal cut is seen from the side it faces (the left, +x), a transverse one from the head,
// along the spine, at the roller (place_viewports keeps the target there as it rolls).
void Viewer::view_cut() {
  cam_on_cut_ = disp_.cut == 2;
  if (disp_.cut == 1) cam_.preset("side");
  if (disp_.cut == 2) cam_.preset("section");
}

void Viewer::place_viewports(int fb_h) {
  if (cam_on_cut_ && disp_.cut == 2 && !sides_.empty() && sides_.front()->shown)
    cam_.target.y() = sides_.front()->shown->scene.roller_centre_m.y();
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
}

// Mouse: orbit (left), pan (right), zoom (wheel); left-drag on a roller moves it along the back.
void Viewer::handle_mouse(int fb_h) {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.WantCaptureMouse) return;
  const float sc = io.DisplayFramebufferScale.x > 0 ? io.DisplayFramebufferScale.x : 1;
  const float mx = io.MousePos.x * sc, my = io.MousePos.y * sc;
  const Eigen::Vector3f eye = cam_.eye();
  if (ImGui::IsMouseClicked(0)) {
    drag_side_ = -1;
    for (size_t i = 0; i < sides_.size(); ++i) {
      const Side& s = *sides_[i];
      if (!s.shown) continue;
      float px, py;
      const Viewport& vp = viewports_[i];
      if (!vp.project(s.shown->scene.roller_centre_m, fb_h, &px, &py)) continue;
      float ex = px, ey = py;  // the roller's radius on screen (none if its top is behind the eye)
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

// The 3D scene, redrawn offscreen only when it changed, copied into the window's viewports.
void Viewer::compose(int fb_w, int fb_h) {
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
}

// Screenshots: from the menu at once; in screenshot mode once every solve is done (then stop).
bool Viewer::screenshot_step(int fb_w, int fb_h) {
  if (want_screenshot_) {
    char name[64];
    const std::time_t now = std::time(nullptr);
    std::strftime(name, sizeof name, "backroll_%Y%m%d_%H%M%S.png", std::localtime(&now));
    std::string err;
    message_ = write_screenshot(name, fb_w, fb_h, &err) ? std::string("wrote ") + name : "screenshot failed: " + err;
    want_screenshot_ = false;
  }
  if (opt_.screenshot.empty()) return false;
  bool ready = true;
  for (auto& s : sides_) {
    const LiveStatus st = s->live->status();
    if (!st.error.empty() && s->live->idle()) {
      fmt::print(stderr, "backroll view: {}\n", st.error);
      rc_ = 1;
    }
    // Rolling, the solver is never idle: a first frame of the setup and its path solved ahead.
    const auto f = s->live->frame();
    const bool path_done = st.path_done == st.path_total && st.model_id == s->configured_id;
    ready = ready && (disp_.auto_roll ? f && f->model->id == s->configured_id && path_done : s->ready() && s->shown == f);
  }
  if (rc_) return true;
  if (ready && frames_after_ready_ < 0) {
    frames_after_ready_ = 0;
    measured_from_ = Clock::now();
    measured_frames_ = 0;
    for (auto& s : sides_) shown_at_ready_.push_back(s->shown_count);
  }
  if (frames_after_ready_ >= 0 && ++frames_after_ready_ > opt_.frames) {
    std::string err;
    if (!write_screenshot(opt_.screenshot, fb_w, fb_h, &err)) {
      fmt::print(stderr, "backroll view: cannot write the screenshot {}: {}\n", opt_.screenshot, err);
      rc_ = 1;
    } else {
      fmt::print("wrote {} and {}.json ({}x{}, {} viewport(s))\n", opt_.screenshot, opt_.screenshot, fb_w, fb_h, sides_.size());
    }
    return true;
  }
  if (std::chrono::duration<double>(Clock::now() - t_start_).count() > opt_.timeout_s) {
    fmt::print(stderr, "backroll view: the solves did not finish within {} s; no screenshot written\n", opt_.timeout_s);
    rc_ = 1;
    return true;
  }
  return false;
}

// Frame timing (averaged for the status bar; summed over the measured frames).
void Viewer::count_frame(Clock::time_point t0, Clock::time_point t1, Clock::time_point t2, Clock::time_point t3,
                         Clock::time_point t4, Clock::time_point t5) {
  auto sec = [](Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); };
  auto avg = [](double& a, double v) { a = a > 0 ? 0.95 * a + 0.05 * v : v; };
  avg(t_update_, sec(t0, t1));
  avg(t_ui_, sec(t1, t2) + sec(t3, t4));
  avg(t_draw_, sec(t2, t3));
  avg(t_swap_, sec(t4, t5));
  fps_ = 1.0 / std::max(1e-6, t_update_ + t_draw_ + t_ui_ + t_swap_);
  ++n_frames_;
  if (measured_frames_ >= 0) {
    ++measured_frames_;
    sum_update_ += sec(t0, t1);
    sum_ui_ += sec(t1, t2) + sec(t3, t4);
    sum_draw_ += sec(t2, t3);
    sum_swap_ += sec(t4, t5);
  }
}

void Viewer::print_timings() const {
  const double total = std::chrono::duration<double>(Clock::now() - t_start_).count();
  fmt::print("viewer: {} frames in {:.1f} s; last frames {:.1f} ms each ({:.0f} fps): scene update {:.2f}, 3D draw {:.2f}, "
             "panels {:.2f}, swap {:.2f} ms\n",
             n_frames_, total, 1e3 * (t_update_ + t_draw_ + t_ui_ + t_swap_), fps_, 1e3 * t_update_, 1e3 * t_draw_, 1e3 * t_ui_,
             1e3 * t_swap_);
  for (size_t i = 0; i < sides_.size(); ++i) {
    const LiveStatus ls = sides_[i]->live->status();
    fmt::print("viewer: solver {}: {:.2f} solves/s (last solve {:.2f} s); the path ahead: {} of {} places solved in {:.1f} s\n", i,
               ls.solves_per_s, ls.last_solve_s, ls.path_done - ls.path_failed, ls.path_total, ls.path_seconds);
  }
  if (measured_frames_ > 0) {
    const double span = std::chrono::duration<double>(Clock::now() - measured_from_).count(), n = double(measured_frames_);
    uint64_t solves = 0;
    for (size_t i = 0; i < sides_.size() && i < shown_at_ready_.size(); ++i) solves += sides_[i]->shown_count - shown_at_ready_[i];
    fmt::print("viewer: measured {} frames after the first solve{}: {:.1f} fps ({:.2f} ms a frame: scene update {:.2f}, 3D draw "
               "{:.2f}, panels {:.2f}, swap {:.2f}); {} new solved positions shown in {:.1f} s ({:.2f}/s)\n",
               measured_frames_, disp_.auto_roll ? ", rolling" : "", n / span, 1e3 * span / n, 1e3 * sum_update_ / n,
               1e3 * sum_draw_ / n, 1e3 * sum_ui_ / n, 1e3 * sum_swap_ / n, solves, span, solves / span);
  }
  fmt::print("viewer: the 3D scene was drawn {} times in {} frames (only when what it shows changed)\n", cache_.redraws, n_frames_);
}

int Viewer::run() {
  start();
  t_start_ = Clock::now();
  auto last = Clock::now();
  Clock::time_point next_frame = Clock::now();
  while (!glfwWindowShouldClose(win_)) {
    glfwPollEvents();
    int fb_w, fb_h;
    glfwGetFramebufferSize(win_, &fb_w, &fb_h);
    if (fb_w <= 0 || fb_h <= 0) {  // minimised
      glfwWaitEventsTimeout(0.1);
      continue;
    }
    if (opt_.self_test && self_test_step(n_frames_)) break;
    const auto t0 = Clock::now();
    const double dt = std::chrono::duration<double>(t0 - last).count();
    last = t0;
    // Scene update: new frames from the solvers, the auto-rolled targets, colours.
    for (auto& s : sides_) update_side(*s), update_path_curve(*s);
    if (disp_.auto_roll) roll_automatically(dt);
    for (auto& s : sides_)
      if (s->need_colours) upload_colours(*s);
    const auto t1 = Clock::now();
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    panels();
    place_viewports(fb_h);
    handle_mouse(fb_h);
    ImGui::Render();
    const auto t2 = Clock::now();
    compose(fb_w, fb_h);
    const auto t3 = Clock::now();
    glViewport(0, 0, fb_w, fb_h);
    glDisable(GL_DEPTH_TEST);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    const auto t4 = Clock::now();
    if (screenshot_step(fb_w, fb_h) || record_step(fb_w, fb_h)) break;
    glfwSwapBuffers(win_);
    const auto t5 = Clock::now();
    // At most 60 frames a second (vsync may be off, as under Xvfb): the time left goes to the solver.
    // A fixed cadence (deadlines 1/60 s apart), so sleep overshoot does not add up.
    next_frame = std::max(next_frame + std::chrono::microseconds(16667), Clock::now() - std::chrono::microseconds(16667));
    std::this_thread::sleep_until(next_frame);
    count_frame(t0, t1, t2, t3, t4, t5);
  }
  print_timings();
  sides_.clear();  // GL buffers go while the context lives; sessions cancel and join
  if (cache_.fbo) {
    glDeleteFramebuffers(1, &cache_.fbo);
    glDeleteTextures(1, &cache_.color);
    glDeleteRenderbuffers(1, &cache_.depth);
  }
  return rc_;
}

}  // namespace viewer

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
  glfwSwapInterval(o.screenshot.empty() && o.record.empty() ? 1 : 0);  // a screenshot or recording renders as fast as it can
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
    if (!o.exercise.empty()) {
      rc = run_exercise_viewer(win, o);
    } else {
      viewer::Viewer v(win, o);
      rc = v.run();
    }
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
