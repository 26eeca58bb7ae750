// Screenshots (PNG with a JSON of what it shows) and the self-test that drives the real window.
#include "viewer_app.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "io/atomic_file.h"
#include "measure/registry.h"
#include "report/canvas.h"

namespace backroll {
namespace viewer {

std::vector<unsigned char> read_pixels(int fb_w, int fb_h) {
  std::vector<unsigned char> px(static_cast<size_t>(fb_w) * fb_h * 3);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, fb_w, fb_h, GL_RGB, GL_UNSIGNED_BYTE, px.data());
  std::vector<unsigned char> flipped(px.size());
  for (int y = 0; y < fb_h; ++y)
    std::copy_n(&px[static_cast<size_t>(fb_h - 1 - y) * fb_w * 3], fb_w * 3, &flipped[static_cast<size_t>(y) * fb_w * 3]);
  return flipped;
}

// Text cut off at the side: a glyph (a quad textured from one of the font's glyphs in the atlas)
// trimmed at its command's clip rectangle's left or right edge, or reaching across it (ImGui draws
// a glyph that starts inside whole and lets the clip rectangle cut it: "foam modulu" reached 1.6
// pixels over). Lines scrolled out of a panel at its top or bottom are not cut text.
nlohmann::json clipped_text() {
  nlohmann::json out = nlohmann::json::array();
  const ImDrawData* dd = ImGui::GetDrawData();
  if (!dd) return out;
  // The font's glyphs' places in the atlas (the atlas also holds the white pixel and baked lines).
  std::vector<ImVec4> glyphs;
  for (const ImFont* font : ImGui::GetIO().Fonts->Fonts)
    for (const ImFontGlyph& g : font->Glyphs)
      if (g.Visible) glyphs.emplace_back(g.U0, g.V0, g.U1, g.V1);
  auto is_glyph = [&](const ImVec2& uv) {
    for (const ImVec4& g : glyphs)
      if (uv.x >= g.x && uv.x <= g.z && uv.y >= g.y && uv.y <= g.w) return true;
    return false;
  };
  for (int l = 0; l < dd->CmdListsCount; ++l) {
    const ImDrawList* dl = dd->CmdLists[l];
    for (const ImDrawCmd& cmd : dl->CmdBuffer) {
      if (cmd.UserCallback) continue;
      int cut = 0;
      float at_x = 0, at_y = 0;
      for (unsigned i = 0; i < cmd.ElemCount; ++i) {
        const ImDrawVert& v = dl->VtxBuffer[cmd.VtxOffset + dl->IdxBuffer[cmd.IdxOffset + i]];
        // ImGui trims a glyph that crosses its clip rectangle on the CPU (a vertex exactly on the
        // edge) and leaves out those wholly beyond; text drawn without that trimming reaches over.
        const bool trimmed = std::abs(v.pos.x - cmd.ClipRect.x) < 0.01f || std::abs(v.pos.x - cmd.ClipRect.z) < 0.01f;
        const bool over = v.pos.x < cmd.ClipRect.x - 0.5f || v.pos.x > cmd.ClipRect.z + 0.5f;
        if (!trimmed && !over) continue;
        if (v.pos.y < cmd.ClipRect.y || v.pos.y > cmd.ClipRect.w) continue;  // out of view vertically: scrolled away
        if (is_glyph(v.uv)) {
          if (!cut) at_x = v.pos.x, at_y = v.pos.y;
          ++cut;
        }
      }
      if (cut)
        out.push_back({{"window", dl->_OwnerName ? dl->_OwnerName : ""}, {"x", at_x}, {"y", at_y}, {"vertices", cut},
                       {"clip", {cmd.ClipRect.x, cmd.ClipRect.y, cmd.ClipRect.z, cmd.ClipRect.w}}});
    }
  }
  return out;
}

bool Viewer::write_screenshot(const std::string& path, int fb_w, int fb_h, std::string* err) {
  const std::string bytes = png_bytes(read_pixels(fb_w, fb_h), fb_w, fb_h);
  if (bytes.empty()) {
    *err = "cannot encode the PNG";
    return false;
  }
  // Beside it, what the picture shows: viewports, the roller's place on screen, the scale.
  nlohmann::json j;
  j["image"] = std::filesystem::path(path).filename().string();
  j["width"] = fb_w;
  j["height"] = fb_h;
  j["pressure_scale_max_kPa"] = pressure_scale_kPa();
  j["clipped_text"] = clipped_text();
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
      // The level labels drawn, and where each spinous process's tip falls on screen.
      const float sx = ImGui::GetIO().DisplayFramebufferScale.x > 0 ? ImGui::GetIO().DisplayFramebufferScale.x : 1.0f;
      v["labels"] = nlohmann::json::array();
      for (const Side::Label& l : s.labels) v["labels"].push_back({{"level", level_name(l.level)}, {"x", l.x * sx}, {"y", l.y * sx}});
      v["tips"] = nlohmann::json::object();
      for (int k = 0; k < kLevels; ++k)
        if (vp.project(sc.sp_tip_m[k], fb_h, &px_, &py_)) v["tips"][level_name(k + 1)] = {px_, py_};
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

// Record mode: once every viewport has its first solve, the rollers go from T2 to L5 together;
// at each place, when every viewport shows its solved state, a few frames later (the panels
// caught up) the window becomes a frame of the animation. The GIF is written once, at the end.
bool Viewer::record_step(int fb_w, int fb_h) {
  if (opt_.record.empty()) return false;
  for (auto& s : sides_) {
    const LiveStatus st = s->live->status();
    if (!st.error.empty() && s->live->idle()) {
      fmt::print(stderr, "backroll view: {}\n", st.error);
      rc_ = 1;
      return true;
    }
  }
  if (std::chrono::duration<double>(Clock::now() - t_start_).count() > opt_.timeout_s) {
    fmt::print(stderr, "backroll view: the recording did not finish within {} s; nothing written\n", opt_.timeout_s);
    rc_ = 1;
    return true;
  }
  for (auto& s : sides_)
    if (!s->ready() || s->shown != s->live->frame()) return false;
  if (record_s_.empty()) {  // the first solves are in: the places from T2 to L5
    const LiveModel& m = *sides_.front()->shown->model;
    const int n = std::max(1, static_cast<int>(std::ceil((m.s_max_m - m.s_min_m) / opt_.record_step_m - 1e-9)));
    for (int k = 0; k <= n; ++k) record_s_.push_back(m.s_min_m + (m.s_max_m - m.s_min_m) * k / n);
    gif_ = std::make_unique<GifAnimation>(fb_w, fb_h);
    for (auto& s : sides_) s->goto_s(record_s_[0]);
    return false;
  }
  if (++record_waited_ <= opt_.frames) return false;
  record_waited_ = 0;
  const double step = record_s_.size() > 1 ? record_s_[1] - record_s_[0] : opt_.record_step_m;
  gif_->add_frame(read_pixels(fb_w, fb_h), std::max(2, static_cast<int>(std::lround(100 * step / kRecordPlaySpeed_m_s))));
  nlohmann::json frame = nlohmann::json::array();
  for (auto& s : sides_) {
    const RollResult& r = s->shown->result;
    frame.push_back({{"s_m", r.s_m}, {"level", level_name(r.level)}, {"peak_pressure_kPa", r.whole.peak_Pa / 1e3}});
  }
  record_frames_.push_back(frame);
  if (++record_next_ < record_s_.size()) {
    for (auto& s : sides_) s->goto_s(record_s_[record_next_]);
    return false;
  }
  try {
    nlohmann::json j;
    j["image"] = std::filesystem::path(opt_.record).filename().string();
    j["width"] = fb_w;
    j["height"] = fb_h;
    j["step_m"] = step;
    j["play_speed_m_s"] = kRecordPlaySpeed_m_s;
    j["frames"] = record_frames_;  // per frame, per viewport: the roller's place and what it read
    write_file_atomic(opt_.record, gif_->encode());
    write_file_atomic(opt_.record + ".json", j.dump(2) + "\n");
    fmt::print("wrote {} and {}.json ({}x{}, {} frames, T2 to L5 in steps of {:.1f} cm, playing at {:g} cm/s)\n", opt_.record, opt_.record, fb_w, fb_h,
               gif_->frames(), 100 * step, 100 * kRecordPlaySpeed_m_s);
  } catch (const std::exception& e) {
    fmt::print(stderr, "backroll view: cannot write {}: {}\n", opt_.record, e.what());
    rc_ = 1;
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

}  // namespace viewer
}  // namespace backroll
