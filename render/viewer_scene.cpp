// The viewer's 3D scene: each side's solved frame uploaded (positions, pressure and bone-load
// colours), drawn (tissue, bones, roller, floor, sections) and annotated (labels, colour bars).
#include "viewer_app.h"

#include "io/catalog.h"
#include "measure/registry.h"
#include "report/colormap.h"

namespace backroll {
namespace viewer {

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

namespace {
// A solved place on the plots: its level (1 = T1, fractional between the two tips it lies
// between) and its kPlotted values.
Side::PlotPoint plot_point(const LiveModel& m, const RollResult& r) {
  const auto& tip = m.sp_tip_s_m;
  int l = 2;
  while (l < kLevels - 1 && r.s_m >= tip[l + 1]) ++l;
  std::vector<double> vals;
  for (const std::string& k : kPlotted) vals.push_back(find_measure(k).get(r));
  return {l + (r.s_m - tip[l]) / (tip[l + 1] - tip[l]), std::move(vals)};
}
}  // namespace

void Viewer::update_side(Side& s) {
  auto f = s.live->frame();
  if (!f || f == s.shown) return;
  s.shown = f;
  ++s.shown_count;
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
  s.shown_point = s.visited[f->result.level] = plot_point(m, f->result);
  if (!s.have_s) s.s_m = f->result.s_m;
  s.need_colours = true;
}

void Viewer::update_path_curve(Side& s) {
  const LiveStatus st = s.live->status();
  if (st.model_id == s.path_model && st.path_done == s.path_seen) return;
  const auto model = s.live->model();
  if (!model || model->id != st.model_id) return;
  s.path_model = st.model_id;
  s.path_seen = st.path_done;
  s.path_curve.clear();
  const LiveSession::Path path = s.live->path();
  for (const auto& f : path.frame)
    if (f) s.path_curve.push_back(plot_point(*model, f->result));
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
  // The discs between the vertebral bodies, after the bones, in their own colour.
  for (const auto& d : sc.disc_corner)
    for (const auto& q : kQuads)
      for (int tri : {0, 1})
        for (int k : {0, tri ? 2 : 1, tri ? 3 : 2}) {
          Vertex x{};
          for (int j = 0; j < 3; ++j) x.pos[j] = d[q[k]][j];
          std::copy(kDisc.begin(), kDisc.end(), x.color);
          bv.push_back(x);
        }
  s.bones.upload(bv);
  // The person around the back, in the skin's colour outside the pressure map.
  {
    std::vector<Vertex> pv(f.person.mesh.pos.size());
    for (size_t i = 0; i < pv.size(); ++i) {
      for (int k = 0; k < 3; ++k) pv[i].pos[k] = f.person.mesh.pos[i][k], pv[i].normal[k] = f.person.mesh.normal[i][k];
      std::copy(kSkin.begin(), kSkin.end(), pv[i].color);
    }
    std::vector<unsigned> pidx;
    for (const Tri& t : f.person.mesh.tris) pidx.insert(pidx.end(), t.begin(), t.end());
    s.person.upload(pv);
    s.person.upload_indices(pidx);
  }
  // The section through the roller (sagittal: the midline; transverse: across the roller's axis).
  std::vector<Vertex> sv;
  if (disp_.cut) {
    const Eigen::Vector3f n = disp_.cut == 1 ? Eigen::Vector3f::UnitX() : Eigen::Vector3f::UnitY();
    const float d = disp_.cut == 1 ? 0.0f : sc.roller_centre_m.y();
    const Section sec = tissue_section(topo, sc.node_m, n, d);
    const auto& names = region_names();
    s.section_regions.assign(names.size(), 0);
    for (int r : sec.region) s.section_regions[r] = 1;
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
  if (disp_.bones || disp_.cut) {  // a cut shows the spine, its discs and the ribs it passes
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
  // The person drawn around the back: see-through with the bones, layers or a cut (a cut would
  // open its hollow shell).
  if (disp_.person) {
    shader_.set_flat(false);
    const bool see_through = disp_.bones || disp_.layers || disp_.cut;
    if (see_through) {
      shader_.set_alpha(0.2f);
      glDepthMask(GL_FALSE);
    }
    s.person.draw(GL_TRIANGLES);
    glDepthMask(GL_TRUE);
    shader_.set_alpha(1);
  }
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
  // The roller last, see-through by default from below the floor: the contact patch is on its far
  // side from there.
  shader_.set_matrices(vp.pv, sc.roller_pose);
  shader_.set_flat(false);
  if (disp_.roller_see_through && eye.z() < 0) {
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
  // The title and the status lines, each wrapped at the viewport's width (a narrow compare viewport
  // keeps them whole).
  const float wrap = std::max(40.0f, w - 20);
  if (!s.label.empty()) {
    const float size = ImGui::GetFontSize() * 1.25f;
    dl->AddText(ImGui::GetFont(), size, ImVec2(x0 + 10, ty), IM_COL32(255, 255, 255, 240), s.label.c_str(), nullptr, wrap);
    ty += ImGui::GetFont()->CalcTextSizeA(size, FLT_MAX, wrap, s.label.c_str()).y + ImGui::GetFontSize() * 0.25f;
  }
  const LiveStatus st = s.live->status();
  auto line = [&](const std::string& text, ImU32 colour) {
    dl->AddText(ImGui::GetFont(), ImGui::GetFontSize(), ImVec2(x0 + 10, ty), colour, text.c_str(), nullptr, wrap);
    ty += ImGui::CalcTextSize(text.c_str(), nullptr, false, wrap).y + ImGui::GetFontSize() * 0.3f;
  };
  if (s.shown) {
    const RollResult& r = s.shown->result;
    const Scenario& scn = s.shown->model->scenario;
    line(fmt::format("{} at {}", scn.roller.name, level_name(r.level)), IM_COL32(220, 220, 220, 230));
    line(fmt::format("body '{}', {:.0f} kg", data_name(scn.body_file), scn.body.mass_kg), IM_COL32(220, 220, 220, 230));
    line(fmt::format("trunk {:.1f} deg to the floor", r.trunk_angle_deg), IM_COL32(220, 220, 220, 230));
  }
  line(st.solves_per_s > 0 ? fmt::format("solver: {:.2f} positions/s (last {:.2f} s)", st.solves_per_s, st.last_solve_s)
                           : std::string("solver: first solve"),
       IM_COL32(170, 200, 255, 230));
  if (st.path_total > 0 && st.path_done == st.path_total)
    line(fmt::format("path solved: {} places shown as the roller moves", st.path_total - st.path_failed), IM_COL32(170, 200, 255, 230));
  if (st.phase != LiveStatus::Idle) line(st.activity + " ...", IM_COL32(255, 220, 120, 255));
  if (!st.error.empty()) line(st.error, IM_COL32(255, 110, 110, 255));
  // The colour scale bar's place (drawn below), kept clear of labels.
  const float bw = 18, bh = std::min(260.0f, h * 0.45f), bx = x0 + w - 70, by = y0 + h - bh - 56;
  // Level labels on the skin over each spinous process: where that level's pressure shows; not
  // where the back faces away from the eye behind an opaque body, nor over the colour bar.
  s.labels.clear();
  if (disp_.labels && s.shown) {
    const SceneFrame& sc = s.shown->scene;
    const SceneTopology& topo = s.shown->model->topo;
    const bool body_opaque = !disp_.bones && !disp_.layers;
    const Eigen::Vector3f eye = cam_.eye();
    std::vector<ImVec2> placed;
    // The roller's level first, so decluttering never drops it; then T1 to L5.
    std::vector<int> order = {std::clamp(s.shown->result.level, 1, kLevels) - 1};
    for (int v = 0; v < kLevels; ++v)
      if (v != order.front()) order.push_back(v);
    for (int v : order) {
      const Eigen::Vector3f c = level_label_m(topo, sc, v);
      if (disp_.cut == 2 && c.y() > sc.roller_centre_m.y() + 0.01f) continue;  // cut away
      if (body_opaque) {  // the back's outward normal: away from the front, across the spine's line
        const Eigen::Vector3f up = level_label_m(topo, sc, std::max(v - 1, 0)),
                              down = level_label_m(topo, sc, std::min(v + 1, kLevels - 1));
        const Eigen::Vector3f out = -Eigen::Vector3f::UnitX().cross(up - down);
        if (out.dot(eye - c) < 0) continue;
      }
      float px, py;
      if (!vp.project(c, fb_h, &px, &py)) continue;
      px *= sx, py *= sx;
      if (px < x0 || px > x0 + w || py < y0 || py > y0 + h) continue;
      bool clash = px + 30 > bx - 40 && py > by - 30;  // the bar and its title
      for (const ImVec2& q : placed) clash |= std::abs(q.x - px) < 26 && std::abs(q.y - py) < 14;  // room for each
      if (clash) continue;
      placed.emplace_back(px, py);
      s.labels.push_back({v + 1, px, py});
      const bool here = v == order.front();
      dl->AddText(ImVec2(px + 6, py - 7), here ? IM_COL32(255, 230, 120, 255) : IM_COL32(255, 255, 255, 200),
                  level_name(v + 1).c_str());
    }
  }
  // Colour scale bar (skin pressure), shared by all viewports.
  const double smax = pressure_scale_kPa();
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
  {  // the bar's title, kept inside the viewport whatever its width
    const char* title = "skin pressure, kPa";
    const float tw = ImGui::CalcTextSize(title).x;
    dl->AddText(ImVec2(std::min(bx - 40, x0 + w - tw - 8), by - 22), IM_COL32(235, 235, 235, 255), title);
  }
  const ImU32 skin = IM_COL32(int(kSkin[0] * 255), int(kSkin[1] * 255), int(kSkin[2] * 255), 255);
  dl->AddRectFilled(ImVec2(bx, by + bh + 6), ImVec2(bx + bw, by + bh + 18), skin);
  dl->AddText(ImVec2(bx + bw + 6, by + bh + 4), IM_COL32(235, 235, 235, 255), "< 1");
  float legend_bottom = y0 + h - 8;
  if ((disp_.bones || disp_.cut) && disp_.bone_load_colours) {
    dl->AddText(ImVec2(x0 + 10, legend_bottom - 18), IM_COL32(235, 235, 235, 255),
                fmt::format("bones: tissue load 0-{:g} N, same colours", bone_scale_N()).c_str());
    legend_bottom -= 22;
  }
  // A cut or the layers: what each colour is (the regions shown, the bones and the discs).
  if (disp_.cut || disp_.layers) {
    const auto& names = region_names();
    std::vector<std::pair<std::string, std::array<float, 4>>> items;
    for (size_t r = 0; r < names.size(); ++r) {
      const bool cut_shows = disp_.cut && r < s.section_regions.size() && s.section_regions[r];
      const bool layer_shows = disp_.layers && r < disp_.region_on.size() && disp_.region_on[r] && names[r] != "skin";
      if (cut_shows || layer_shows) items.emplace_back(region_label(names[r]), region_colour(names[r]));
    }
    if (!disp_.bone_load_colours) items.emplace_back("bone", kBone);  // else the line below says
    items.emplace_back("intervertebral disc", kDisc);
    const float row = ImGui::GetFontSize() + 3;
    float y = legend_bottom - row * items.size();
    for (const auto& [label, c] : items) {
      const ImU32 col = IM_COL32(int(c[0] * 255), int(c[1] * 255), int(c[2] * 255), 255);
      dl->AddRectFilled(ImVec2(x0 + 10, y + 3), ImVec2(x0 + 24, y + row - 3), col);
      dl->AddText(ImVec2(x0 + 30, y), IM_COL32(235, 235, 235, 255), label.c_str());
      y += row;
    }
  }
  dl->PopClipRect();
}

}  // namespace viewer
}  // namespace backroll
