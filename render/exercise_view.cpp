// The viewer's exercise mode (`backroll view --exercise NAME`): the person in an exercise's pose
// (assets/exercises/) on the roller, the region's skin coloured by its contact pressure, the
// readings of each place. A worker thread solves the exercise's places in order
// (run/exercise.h); the window shows the chosen place once it is solved. What is drawn is read off
// viz/exercise_scene.h, the same numbers as `backroll exercise`.
#include "viewer_app.h"

#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "io/atomic_file.h"
#include "io/catalog.h"
#include "report/canvas.h"
#include "report/colormap.h"
#include "report/plot.h"
#include "viz/exercise_scene.h"
#include "viz/lesson.h"

namespace backroll {
namespace viewer {

namespace {

// One solved place: what the panels read and what the scene draws.
struct ExercisePlace {
  ExerciseResult result;
  ExerciseScene scene;
};

// Solves an exercise's places in order on its own thread. Cancelled, it stops after the place it
// is solving; it can be dropped only once done().
class ExerciseWorker {
 public:
  ExerciseWorker(const ExerciseSpec& spec, const RollerSpec& roller)
      : spec_(spec), roller_(roller), thread_([this] { run(); }) {}
  ~ExerciseWorker() {
    cancel_ = true;
    thread_.join();
  }
  void cancel() { cancel_ = true; }
  bool done() const { return done_; }
  size_t solved() const {
    std::lock_guard<std::mutex> l(mu_);
    return places_.size();
  }
  std::shared_ptr<const ExercisePlace> place(size_t i) const {
    std::lock_guard<std::mutex> l(mu_);
    return i < places_.size() ? places_[i] : nullptr;
  }
  std::string error() const {
    std::lock_guard<std::mutex> l(mu_);
    return error_;
  }
  const ExerciseSpec& spec() const { return spec_; }
  const RollerSpec& roller() const { return roller_; }

 private:
  void run() {
    try {
      ExerciseSession s(build_exercise_model(spec_, roller_, spec_.path_m.front().x()));
      for (const Vec2& at : spec_.path_m) {
        if (cancel_) break;
        const ExerciseResult r = s.solve_at(at);
        auto p = std::make_shared<ExercisePlace>(ExercisePlace{r, exercise_scene(s, r)});
        std::lock_guard<std::mutex> l(mu_);
        places_.push_back(std::move(p));
      }
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> l(mu_);
      error_ = e.what();
    }
    done_ = true;
  }
  const ExerciseSpec spec_;
  const RollerSpec roller_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<const ExercisePlace>> places_;
  std::string error_;
  std::atomic<bool> cancel_{false}, done_{false};
  std::thread thread_;  // last: starts once the rest is built
};

std::array<float, 4> pressure_colour(double p, double scale) {
  if (!(p > kContactThresholdPa)) return kSkin;
  const Rgb c = viridis(p / scale);
  return {c[0], c[1], c[2], 1};
}

void append_mesh(std::vector<Vertex>& v, std::vector<unsigned>& idx, const TriMesh& m, const std::array<float, 4>& colour) {
  const unsigned base = static_cast<unsigned>(v.size());
  for (size_t i = 0; i < m.pos.size(); ++i) {
    Vertex x{};
    for (int c = 0; c < 3; ++c) x.pos[c] = m.pos[i][c], x.normal[c] = m.normal[i][c];
    for (int c = 0; c < 4; ++c) x.color[c] = colour[c];
    v.push_back(x);
  }
  for (const Tri& t : m.tris)
    for (int a = 0; a < 3; ++a) idx.push_back(base + static_cast<unsigned>(t[a]));
}

class ExerciseViewer {
 public:
  ExerciseViewer(GLFWwindow* win, const ViewerOptions& o) : win_(win), opt_(o) {}
  int run();

 private:
  void configure();
  void panel();
  void upload(const ExercisePlace& p);
  Viewport draw(const Camera& cam, int x, int y, int w, int h);  // the viewport it drew
  void handle_mouse();
  bool screenshot_step(int fb_w, int fb_h);
  double scale_Pa() const;

  GLFWwindow* win_;
  ViewerOptions opt_;
  gfx::Shader shader_;
  gfx::Mesh floor_, tissue_, figure_, roller_mesh_;
  Camera cam_;
  Eigen::Vector3f contact_target_ = Eigen::Vector3f::Zero();
  Viewport pose_vp_, contact_vp_;
  std::vector<std::string> exercises_, rollers_;
  int exercise_ = 0, roller_ = -1;  // indices into the catalogs (-1: the exercise's own roller)
  std::vector<Lesson> lessons_;     // the exercises' lessons
  std::vector<ExerciseMeasure> measures_;  // the shown exercise's (run/exercise.h)
  int lesson_ = -1;                 // the one shown (-1: none)
  void apply_lesson(const Lesson& l);
  int index_of(std::vector<std::string>& files, const std::string& file);
  std::unique_ptr<ExerciseWorker> worker_;
  std::vector<std::unique_ptr<ExerciseWorker>> retiring_;  // cancelled, finishing their place
  int place_ = 0;                                          // the chosen place
  std::shared_ptr<const ExercisePlace> shown_;
  double shown_scale_ = 0;
  std::string error_;
  int frames_after_ready_ = -1, rc_ = 0;
};

void ExerciseViewer::configure() {
  if (worker_) {
    worker_->cancel();
    retiring_.push_back(std::move(worker_));
  }
  shown_.reset();
  error_.clear();
  try {
    const ExerciseSpec spec = load_exercise_spec(exercises_[exercise_]);
    const RollerSpec roller = load_roller_spec(roller_ < 0 ? spec.roller_file : rollers_[roller_]);
    place_ = std::clamp(opt_.place < 0 ? static_cast<int>(spec.path_m.size()) / 2 : opt_.place, 0,
                        static_cast<int>(spec.path_m.size()) - 1);
    worker_ = std::make_unique<ExerciseWorker>(spec, roller);
    measures_ = exercise_measures(spec);
    // The person's view looks at the figure's middle, the contact's at the skin's lowest point.
    Vec3 mid = Vec3::Zero();
    for (const auto& p : spec.points) mid += p.second / static_cast<double>(spec.points.size());
    cam_.target = Eigen::Vector3f(static_cast<float>(mid.x()), static_cast<float>(mid.y()), 0.15f);
    contact_target_ = Eigen::Vector3f(static_cast<float>(spec.centre_m.x()), static_cast<float>(spec.centre_m.y()),
                                      static_cast<float>(2 * roller.outer_radius_m()));
  } catch (const std::exception& e) {
    error_ = e.what();
  }
}

int ExerciseViewer::index_of(std::vector<std::string>& files, const std::string& file) {
  auto at = std::find(files.begin(), files.end(), file);
  if (at == files.end()) files.push_back(file), at = files.end() - 1;
  return static_cast<int>(at - files.begin());
}

void ExerciseViewer::apply_lesson(const Lesson& l) {
  const LessonSetup& s = l.setups.front();
  exercise_ = index_of(exercises_, l.exercise);
  roller_ = s.setup.roller.empty() ? -1 : index_of(rollers_, s.setup.roller);
  opt_.place = s.place;
  configure();
}

double ExerciseViewer::scale_Pa() const {
  double top = 0;
  for (size_t i = 0; worker_ && i < worker_->solved(); ++i) {
    const auto p = worker_->place(i);
    if (p->result.valid) top = std::max(top, p->result.peak_Pa);
  }
  return nice_ceil(top);
}

void ExerciseViewer::upload(const ExercisePlace& p) {
  const double scale = scale_Pa();
  std::vector<Vertex> v;
  std::vector<unsigned> idx;
  const ExerciseScene& sc = p.scene;
  for (size_t i = 0; i < sc.tissue.pos.size(); ++i) {
    Vertex x{};
    for (int c = 0; c < 3; ++c) x.pos[c] = sc.tissue.pos[i][c], x.normal[c] = sc.tissue.normal[i][c];
    const std::array<float, 4> col = pressure_colour(sc.tissue_pressure_Pa[i], scale);
    for (int c = 0; c < 4; ++c) x.color[c] = col[c];
    v.push_back(x);
  }
  for (const Tri& t : sc.tissue.tris)
    for (int a = 0; a < 3; ++a) idx.push_back(static_cast<unsigned>(t[a]));
  tissue_.upload(v);
  tissue_.upload_indices(idx);
  v.clear(), idx.clear();
  append_mesh(v, idx, sc.figure, {0.86f, 0.72f, 0.62f, 1});
  figure_.upload(v);
  figure_.upload_indices(idx);
  v.clear(), idx.clear();
  append_mesh(v, idx, roller_mesh(worker_->roller(), 48, 48), roller_colour(worker_->roller()));
  roller_mesh_.upload(v);
  roller_mesh_.upload_indices(idx);
  shown_scale_ = scale;
}

Viewport ExerciseViewer::draw(const Camera& cam, int x, int y, int w, int h) {
  glViewport(x, y, w, h);
  glScissor(x, y, w, h);
  glEnable(GL_SCISSOR_TEST);
  glClearColor(kBackground[0], kBackground[1], kBackground[2], 1);
  glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
  glEnable(GL_DEPTH_TEST);
  glEnable(GL_BLEND);
  glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
  const Eigen::Vector3f eye = cam.eye();
  const Mat4f pv = gfx::perspective(0.7f, static_cast<float>(w) / std::max(1, h), 0.02f, 20.0f) *
                   gfx::look_at(eye, cam.target, Eigen::Vector3f::UnitZ());
  const Mat4f I = Mat4f::Identity();
  const Viewport vp{x, y, w, h, pv};
  shader_.use();
  shader_.set_eye(eye);
  shader_.set_clip(false);
  shader_.set_uniform_color(false);
  shader_.set_alpha(1);
  shader_.set_matrices(pv, I);
  shader_.set_unlit(true);
  shader_.set_flat(false);
  floor_.draw(GL_LINES);
  shader_.set_unlit(false);
  if (shown_) {
    tissue_.draw(GL_TRIANGLES);
    // The person drawn round the simulated tissue, see-through: the tissue's surface lies inside
    // the drawn trunk or thigh.
    shader_.set_alpha(0.35f);
    glDepthMask(GL_FALSE);
    figure_.draw(GL_TRIANGLES);
    glDepthMask(GL_TRUE);
    // The roller, see-through from below the floor: the contact is on its far side from there.
    shader_.set_matrices(pv, shown_->scene.roller_pose);
    const bool below = eye.z() < 0;
    shader_.set_alpha(below ? 0.3f : 1.0f);
    if (below) {
      glDepthMask(GL_FALSE);
      glEnable(GL_CULL_FACE);
      glCullFace(GL_BACK);
    }
    roller_mesh_.draw(GL_TRIANGLES);
    glDisable(GL_CULL_FACE);
    glDepthMask(GL_TRUE);
    shader_.set_alpha(1);
  }
  glDisable(GL_SCISSOR_TEST);
  return vp;
}

void ExerciseViewer::handle_mouse() {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.WantCaptureMouse) return;
  if (ImGui::IsMouseDragging(0)) {
    cam_.azimuth -= io.MouseDelta.x * 0.008f;
    cam_.elevation = std::clamp(cam_.elevation + io.MouseDelta.y * 0.008f, -1.5f, 1.5f);
  }
  if (io.MouseWheel != 0) cam_.distance = std::clamp(cam_.distance * std::pow(0.9f, io.MouseWheel), 0.3f, 6.0f);
}

void ExerciseViewer::panel() {
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImVec2(400, ImGui::GetIO().DisplaySize.y));
  ImGui::Begin("exercise", nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
  auto stem = [](const std::string& f) { return std::filesystem::path(f).stem().string(); };
  if (!lessons_.empty() && ImGui::BeginCombo("lesson", lesson_ < 0 ? "(none)" : lessons_[lesson_].title.c_str())) {
    for (size_t i = 0; i < lessons_.size(); ++i)
      if (ImGui::Selectable(lessons_[i].title.c_str(), static_cast<int>(i) == lesson_)) {
        lesson_ = static_cast<int>(i);
        apply_lesson(lessons_[i]);
      }
    ImGui::EndCombo();
  }
  if (lesson_ >= 0) {
    ImGui::TextWrapped("%s", lessons_[lesson_].title.c_str());
    ImGui::TextWrapped("%s", lessons_[lesson_].summary.c_str());
    ImGui::Separator();
  }
  bool changed = false;
  if (ImGui::BeginCombo("exercise", stem(exercises_[exercise_]).c_str())) {
    for (size_t i = 0; i < exercises_.size(); ++i)
      if (ImGui::Selectable(stem(exercises_[i]).c_str(), static_cast<int>(i) == exercise_)) exercise_ = static_cast<int>(i), changed = true;
    ImGui::EndCombo();
  }
  const std::string roller_label = roller_ < 0 ? "the exercise's" : stem(rollers_[roller_]);
  if (ImGui::BeginCombo("roller", roller_label.c_str())) {
    if (ImGui::Selectable("the exercise's", roller_ < 0)) roller_ = -1, changed = true;
    for (size_t i = 0; i < rollers_.size(); ++i)
      if (ImGui::Selectable(stem(rollers_[i]).c_str(), static_cast<int>(i) == roller_)) roller_ = static_cast<int>(i), changed = true;
    ImGui::EndCombo();
  }
  if (changed) {
    opt_.place = -1;
    lesson_ = -1;  // no longer the lesson's setup
    configure();
  }
  if (!error_.empty()) {
    ImGui::TextWrapped("%s", error_.c_str());
    ImGui::End();
    return;
  }
  const ExerciseSpec& spec = worker_->spec();
  ImGui::TextWrapped("%s: %s", spec.name.c_str(), spec.summary.c_str());
  const int n = static_cast<int>(spec.path_m.size());
  ImGui::SliderInt("place", &place_, 0, n - 1);
  const Vec2 at = spec.path_m[place_];
  ImGui::Text("%+.0f mm across (%s), %+.0f mm along (%s)", 1e3 * at.x(), spec.x_towards.c_str(), 1e3 * at.y(), spec.y_towards.c_str());
  const size_t solved = worker_->solved();
  if (solved < spec.path_m.size()) ImGui::Text("solving: %zu of %d places done", solved, n);
  if (!worker_->error().empty()) ImGui::TextWrapped("%s", worker_->error().c_str());
  ImGui::Separator();
  if (!shown_) {
    ImGui::Text("waiting for this place's solve");
    ImGui::End();
    return;
  }
  const ExerciseResult& r = shown_->result;
  if (!r.valid) ImGui::TextColored(ImVec4(1, 0.5f, 0.4f, 1), "not valid: %s", r.invalid_reason.c_str());
  if (ImGui::BeginTable("readings", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
    auto row = [](const std::string& name, const std::string& value) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextWrapped("%s", name.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(value.c_str());
    };
    for (const ExerciseMeasure& m : measures_)
      if (m.in_table) row(m.label, fmt::format("{:.{}f}{}", m.get(r), m.digits(), m.unit.empty() ? "" : " " + m.unit));
    ImGui::EndTable();
  }
  ImGui::Separator();
  ImGui::Text("skin colour: contact pressure, 0 to %g kPa", shown_scale_ / 1e3);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  for (int i = 0; i < 300; ++i) {
    const Rgb c = viridis(i / 299.0);
    dl->AddRectFilled(ImVec2(p0.x + i, p0.y), ImVec2(p0.x + i + 1, p0.y + 14), IM_COL32(c[0] * 255, c[1] * 255, c[2] * 255, 255));
  }
  ImGui::Dummy(ImVec2(300, 18));
  ImGui::TextWrapped("Above: the person in the pose; below: the contact seen from under the floor, the roller "
                     "see-through. Drag to turn, scroll to zoom. Loads and pressures from a quasi-static mechanical "
                     "model (no injury criterion); the person is drawn round the simulated tissue.");
  ImGui::End();
}

bool ExerciseViewer::screenshot_step(int fb_w, int fb_h) {
  if (opt_.screenshot.empty()) return false;
  if (!error_.empty() || (worker_ && !worker_->error().empty())) {
    fmt::print(stderr, "backroll view: {}\n", error_.empty() ? worker_->error() : error_);
    rc_ = 1;
    return true;
  }
  if (!shown_ || worker_->solved() < worker_->spec().path_m.size()) return false;  // every place: the colour scale is the run's
  if (frames_after_ready_ < 0) frames_after_ready_ = 0;
  if (++frames_after_ready_ <= opt_.frames) return false;
  const std::string bytes = png_bytes(read_pixels(fb_w, fb_h), fb_w, fb_h);
  const ExerciseResult& r = shown_->result;
  nlohmann::json j;
  j["image"] = std::filesystem::path(opt_.screenshot).filename().string();
  j["width"] = fb_w;
  j["height"] = fb_h;
  j["exercise"] = worker_->spec().name;
  j["roller"] = worker_->roller().name;
  j["place"] = place_;
  j["lesson"] = lesson_ < 0 ? "" : lessons_[lesson_].title;
  j["position_m"] = {r.at_m.x(), r.at_m.y()};
  j["valid"] = r.valid;
  j["pressure_scale_max_kPa"] = shown_scale_ / 1e3;
  j["peak_pressure_kPa"] = r.peak_Pa / 1e3;
  j["weight_on_roller"] = r.roller_share;
  j["clipped_text"] = clipped_text();
  // The viewports (pixels from the top left) and where the contact is on screen: the roller's top.
  auto rect = [fb_h](const Viewport& v) { return nlohmann::json{{"x", v.x}, {"y", fb_h - v.y - v.h}, {"w", v.w}, {"h", v.h}}; };
  j["pose_viewport"] = rect(pose_vp_);
  j["contact_viewport"] = rect(contact_vp_);
  const Eigen::Vector3f top = shown_->scene.roller_pose.topRightCorner<3, 1>() +
                              Eigen::Vector3f(0, 0, static_cast<float>(worker_->roller().outer_radius_m()));
  float cx = 0, cy = 0;
  if (contact_vp_.project(top, fb_h, &cx, &cy)) j["contact_px"] = {cx, cy};
  try {
    if (bytes.empty()) throw std::runtime_error("cannot encode the PNG");
    write_file_atomic(opt_.screenshot, bytes);
    write_file_atomic(opt_.screenshot + ".json", j.dump(2) + "\n");
    fmt::print("wrote {} and {}.json ({}x{})\n", opt_.screenshot, opt_.screenshot, fb_w, fb_h);
  } catch (const std::exception& e) {
    fmt::print(stderr, "backroll view: cannot write the screenshot {}: {}\n", opt_.screenshot, e.what());
    rc_ = 1;
  }
  return true;
}

int ExerciseViewer::run() {
  shader_.create();
  for (const std::string& n : catalog("exercises")) exercises_.push_back(exercise_path(n));
  for (const std::string& n : catalog("rollers")) rollers_.push_back(roller_path(n));
  for (const Lesson& l : lesson_catalog())
    if (!l.exercise.empty()) lessons_.push_back(l);
  // The exercise and roller asked for (a catalog name or a file), or the lesson's.
  exercise_ = index_of(exercises_, catalog_file("exercises", opt_.exercise, "", "--exercise", "exercise"));
  if (!opt_.roller.empty()) roller_ = index_of(rollers_, catalog_file("rollers", opt_.roller, "", "--roller", "roller"));
  if (!opt_.lesson.empty()) {
    const std::string lf = catalog_file("lessons", opt_.lesson, "", "--lesson", "lesson");
    for (size_t i = 0; i < lessons_.size(); ++i)
      if (lessons_[i].path == lf) lesson_ = static_cast<int>(i);
    if (lesson_ < 0) lessons_.push_back(load_lesson(lf)), lesson_ = static_cast<int>(lessons_.size()) - 1;
  }
  // The person from the front and above; the floor a grid of 10 cm lines.
  cam_.azimuth = 0.8f, cam_.elevation = 0.5f, cam_.distance = 2.0f;
  {
    std::vector<Vertex> fv;
    for (int i = -15; i <= 15; ++i)
      for (int k = 0; k < 2; ++k) {
        const float a = 0.1f * i, b = 1.5f;
        const float p[2][3] = {{k ? a : -b, k ? -b : a, 0}, {k ? a : b, k ? b : a, 0}};
        for (const auto& q : p) {
          Vertex x{};
          for (int c = 0; c < 3; ++c) x.pos[c] = q[c];
          x.normal[2] = 1;
          x.color[0] = x.color[1] = x.color[2] = 0.5f, x.color[3] = 0.6f;
          fv.push_back(x);
        }
      }
    floor_.upload(fv);
  }
  configure();
  const auto started = Clock::now();
  while (!glfwWindowShouldClose(win_)) {
    if (!opt_.screenshot.empty() && std::chrono::duration<double>(Clock::now() - started).count() > opt_.timeout_s) {
      fmt::print(stderr, "backroll view: the screenshot timed out after {:.0f} s\n", opt_.timeout_s);
      rc_ = 1;
      break;
    }
    glfwPollEvents();
    int fb_w, fb_h;
    glfwGetFramebufferSize(win_, &fb_w, &fb_h);
    if (fb_w <= 0 || fb_h <= 0) {
      glfwWaitEventsTimeout(0.1);
      continue;
    }
    for (auto it = retiring_.begin(); it != retiring_.end();) it = (*it)->done() ? retiring_.erase(it) : it + 1;
    if (worker_) {
      const auto p = worker_->place(place_);
      if (p && (p != shown_ || scale_Pa() != shown_scale_)) {
        shown_ = p;
        upload(*p);
      }
    }
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    panel();
    handle_mouse();
    ImGui::Render();
    // Two views: the person in the pose (above), the contact seen from below the floor (below),
    // both turned by the mouse.
    const int panel_w = static_cast<int>(400 * (ImGui::GetIO().DisplayFramebufferScale.x > 0 ? ImGui::GetIO().DisplayFramebufferScale.x : 1));
    const int vw = std::max(1, fb_w - panel_w), vh = std::max(1, fb_h / 2);
    Camera contact = cam_;
    contact.target = contact_target_, contact.elevation = -1.0f, contact.distance = 0.75f;
    // The whole window first: the panel's see-through background must not show the last frame.
    glDisable(GL_SCISSOR_TEST);
    glViewport(0, 0, fb_w, fb_h);
    glClearColor(kBackground[0] * 0.8f, kBackground[1] * 0.8f, kBackground[2] * 0.8f, 1);
    glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
    pose_vp_ = draw(cam_, panel_w, fb_h - vh, vw, vh);
    contact_vp_ = draw(contact, panel_w, 0, vw, fb_h - vh);
    glViewport(0, 0, fb_w, fb_h);
    glDisable(GL_DEPTH_TEST);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    if (screenshot_step(fb_w, fb_h)) break;
    glfwSwapBuffers(win_);
    std::this_thread::sleep_for(std::chrono::milliseconds(16));
  }
  worker_.reset();
  retiring_.clear();
  return rc_;
}

}  // namespace

}  // namespace viewer

int run_exercise_viewer(GLFWwindow* win, const ViewerOptions& o) {
  viewer::ExerciseViewer v(win, o);
  return v.run();
}

}  // namespace backroll
