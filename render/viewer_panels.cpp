// The viewer's Dear ImGui panels: the setup of each side, the measures (from the registry), the
// plots against the roller's level, the menus and the status bar.
#include "viewer_app.h"

#include "io/catalog.h"
#include "measure/registry.h"
#include "report/colormap.h"

namespace backroll {
namespace viewer {

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
  const std::string roller_now = s.setup.roller.empty() ? (model ? data_name(model->scenario.roller_file) : "?") : data_name(s.setup.roller);
  const std::string body_now = s.setup.body.empty() ? (model ? data_name(model->scenario.body_file) : "?") : data_name(s.setup.body);
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
  for (const auto& s : sides_) {
    for (const auto& [l, p] : s->visited) lo = std::min(lo, p.second[mi]), hi = std::max(hi, p.second[mi]);
    for (const auto& [l, v] : s->path_curve) lo = std::min(lo, v[mi]), hi = std::max(hi, v[mi]);
  }
  if (hi - lo <= 0) hi = lo + 1;
  hi = lo + (hi - lo) * 1.1;
  auto yof = [&](double v) { return py1 - float((v - lo) / (hi - lo)) * (py1 - py0 - 14); };
  dl->AddLine(ImVec2(px0, py1), ImVec2(px1, py1), IM_COL32(200, 200, 200, 180));
  dl->AddLine(ImVec2(px0, py0), ImVec2(px0, py1), IM_COL32(200, 200, 200, 180));
  dl->AddText(ImVec2(p0.x, yof(hi) - 2), IM_COL32(200, 200, 200, 220), fmt::format("{:.3g}", hi).c_str());
  dl->AddText(ImVec2(p0.x, yof(lo) - 12), IM_COL32(200, 200, 200, 220), fmt::format("{:.3g}", lo).c_str());
  for (int l : {1, 4, 7, 10, 13, 15, 17}) dl->AddText(ImVec2(xof(l) - 8, py1 + 2), IM_COL32(200, 200, 200, 200), level_name(l).c_str());
  static const ImU32 kSideCol[2] = {IM_COL32(255, 170, 60, 255), IM_COL32(90, 200, 255, 255)};
  static const ImU32 kPathCol[2] = {IM_COL32(255, 170, 60, 120), IM_COL32(90, 200, 255, 120)};
  for (size_t i = 0; i < sides_.size(); ++i) {
    const Side& s = *sides_[i];
    // The solved path: a thin line through every place solved so far.
    for (size_t k = 1; k < s.path_curve.size(); ++k) {
      const auto& [la, va] = s.path_curve[k - 1];
      const auto& [lb, vb] = s.path_curve[k];
      dl->AddLine(ImVec2(xof(la), yof(va[mi])), ImVec2(xof(lb), yof(vb[mi])), kPathCol[i], 1.5f);
    }
    ImVec2 prev;
    bool first = true;
    for (const auto& [l, pt] : s.visited) {
      const ImVec2 p(xof(pt.first), yof(pt.second[mi]));
      if (!first) dl->AddLine(prev, p, kSideCol[i], 2);
      dl->AddCircleFilled(p, 3, kSideCol[i]);
      prev = p;
      first = false;
    }
    if (s.shown) dl->AddCircle(ImVec2(xof(s.shown_point.first), yof(s.shown_point.second[mi])), 6, kSideCol[i], 12, 2);
  }
}

void Viewer::measures_panel() {
  const bool two = sides_.size() == 2;
  if (two)  // the setups' names in full above the table: its columns are too narrow for them
    ImGui::TextWrapped("%s", fmt::format("A: {}    B: {}", sides_[0]->label.empty() ? "left" : sides_[0]->label,
                                         sides_[1]->label.empty() ? "right" : sides_[1]->label).c_str());
  if (ImGui::BeginTable("measures", two ? 4 : 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchProp)) {
    ImGui::TableSetupColumn("measure", ImGuiTableColumnFlags_WidthStretch, two ? 2.0f : 3.0f);
    ImGui::TableSetupColumn(two ? "A" : "value", ImGuiTableColumnFlags_WidthStretch, 1);
    if (two) {
      ImGui::TableSetupColumn("B", ImGuiTableColumnFlags_WidthStretch, 1);
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
      for (const Lesson& l : lessons_)  // the back's (the other exercises' open in their own mode)
        if (l.exercise.empty() && ImGui::MenuItem(l.title.c_str())) apply_lesson(l);
      ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Camera")) {
      if (ImGui::MenuItem("The whole person, from the side and above")) cam_.preset("person"), cam_on_cut_ = false;
      if (ImGui::MenuItem("Three-quarter, from below")) cam_.preset("three_quarter"), cam_on_cut_ = false;
      if (ImGui::MenuItem("From below (the pressure map)")) cam_.preset("below"), cam_on_cut_ = false;
      if (ImGui::MenuItem("From the side (the spine's shape)")) cam_.preset("side"), cam_on_cut_ = false;
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
    if (ImGui::Combo("cut", &disp_.cut, "none\0sagittal (midline)\0transverse (at the roller)\0")) {
      ch = true;
      view_cut();
    }
    ImGui::Checkbox("the whole person (drawn)", &disp_.person);
    ImGui::Checkbox("see-through roller (from below)", &disp_.roller_see_through);
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
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyle().Colors[ImGuiCol_TextDisabled]);
  ImGui::TextWrapped("against the roller's place: positions visited (points), the solved path (line)");
  ImGui::PopStyleColor();
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

}  // namespace viewer
}  // namespace backroll
