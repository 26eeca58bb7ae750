// The viewer's core (no GL): scene arrays, roller meshes, sections, lessons, and the live
// session that runs the solver off the UI thread.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <stb/stb_image.h>

#include "io/catalog.h"
#include "measure/registry.h"
#include "report/colormap.h"
#include "report/gif.h"
#include "report/plot.h"
#include "report/region_map.h"
#include "viz/figure.h"
#include "pose/exercise_spec.h"
#include "viz/lesson.h"
#include "viz/live.h"
#include "viz/scene.h"

using namespace backroll;

namespace {
std::string coarse_scenario() { return std::string(BACKROLL_ASSET_DIR) + "/scenarios/coarse.toml"; }

// Signed volume enclosed by a closed triangle mesh (divergence theorem).
double enclosed_volume(const TriMesh& m) {
  double v = 0;
  for (const Tri& t : m.tris) v += m.pos[t[0]].cast<double>().dot(m.pos[t[1]].cast<double>().cross(m.pos[t[2]].cast<double>())) / 6;
  return v;
}

// The drawn person around a solved state: closed outward surfaces, nothing under the floor, the
// segments as long as the body file says, the feet on the floor towards the feet, the head beyond
// the upper back, and the trunk's shell through the simulated skin's edge nodes (no gap).
void check_person(const Scenario& sc, const SceneTopology& topo, const SceneFrame& f) {
  const Figure fig = person_figure(sc.body, sc.posture, topo, f);
  const TriMesh& m = fig.mesh;
  REQUIRE(m.normal.size() == m.pos.size());
  std::map<std::pair<int, int>, int> edges;
  for (const Tri& t : m.tris)
    for (int e = 0; e < 3; ++e) ++edges[{t[e], t[(e + 1) % 3]}];
  int unpaired = 0;  // a closed, consistently turned surface has each directed edge once, its reverse once
  for (const auto& [e, c] : edges) unpaired += c != 1 || !edges.count({e.second, e.first});
  CHECK(unpaired == 0);
  CHECK(enclosed_volume(m) > 0.03);  // outward, and about a person's volume (75 kg: ~0.07 m^3)
  CHECK(enclosed_volume(m) < 0.12);
  float zmin = 1e9f;
  for (const Vec3f& p : m.pos) {
    REQUIRE(std::isfinite(p.x() + p.y() + p.z()));
    zmin = std::min(zmin, p.z());
  }
  CHECK(zmin == Approx(0).margin(1e-4));  // something rests on the floor, nothing below it
  const BodySpec::Figure& g = sc.body.figure;
  const double H = sc.body.height_m;
  const FigureJoints& j = fig.joints;
  for (int side = 0; side < 2; ++side) {
    CHECK((j.knee[side] - j.hip[side]).norm() == Approx(g.thigh * H).epsilon(1e-4));
    CHECK((j.ankle[side] - j.knee[side]).norm() == Approx(g.shank * H).epsilon(1e-4));
    CHECK((j.elbow[side] - j.shoulder[side]).norm() == Approx(g.upper_arm * H).epsilon(1e-4));
    CHECK((j.wrist[side] - j.elbow[side]).norm() == Approx(g.forearm * H).epsilon(1e-4));
    CHECK(j.knee[side].z() > j.hip[side].z());  // knees bent up, feet towards the feet
    CHECK(j.ankle[side].y() < j.hip[side].y() - 0.2);
    CHECK(std::abs(j.ankle[side].x()) == Approx(0.5 * sc.posture.foot_distance_m).epsilon(1e-4));
  }
  CHECK(j.shoulder[1].x() > 0);  // [1] is the subject's left, +x
  const Vec3f t1 = level_label_m(topo, f, 0), l5 = level_label_m(topo, f, kLevels - 1);
  CHECK((j.head_centre - t1).dot(t1 - l5) > 0);
  for (const auto& row : topo.skin_rows)
    for (int node : {row.front(), row.back()}) {
      float nearest = 1e9f;
      for (const Vec3f& p : m.pos) nearest = std::min(nearest, (p - f.node_m[node]).norm());
      CHECK(nearest < 1e-6f);
    }
}
// Viridis at t as a picture stores it: 8-bit RGB.
std::array<int, 3> viridis_bytes(double t) {
  const Rgb c = viridis(t);
  return {static_cast<int>(std::lround(255 * c[0])), static_cast<int>(std::lround(255 * c[1])), static_cast<int>(std::lround(255 * c[2]))};
}

}  // namespace

TEST_CASE("colour map: viridis's ends and monotone lightness; hue of its upper half", "[view]") {
  const Rgb a = viridis(0), b = viridis(1);
  CHECK(std::abs(a[0] - 68 / 255.0f) < 1e-6f);
  CHECK(std::abs(b[1] - 231 / 255.0f) < 1e-6f);
  CHECK(viridis(std::nan("")) == viridis(0));
  CHECK(viridis(2) == viridis(1));
  float prev = -1;
  for (int i = 0; i <= 16; ++i) {  // perceptual: luminance rises along the map
    const Rgb c = viridis(i / 16.0);
    const float y = 0.2126f * c[0] + 0.7152f * c[1] + 0.0722f * c[2];
    CHECK(y > prev);
    prev = y;
  }
  // What the screenshot test looks for: from t = 0.5 up the hue is green-teal to yellow.
  for (int i = 8; i <= 16; ++i) {
    const float h = hue_deg(viridis(i / 16.0));
    CHECK(h > 45);
    CHECK(h < 200);
  }
  CHECK(hue_deg({0.92f, 0.76f, 0.64f}) < 40);  // the viewer's skin tone is not in that range
}

TEST_CASE("roller meshes lie on the rollers' surfaces and enclose their volume", "[view]") {
  for (const std::string& name : catalog("rollers")) {
    const RollerSpec p = load_roller_spec(roller_path(name));
    const RollerShape shape(p);
    const TriMesh m = roller_mesh(p, p.kind == RollerKind::Cylinder && p.pattern == RollerPattern::None ? 16 : 200, 96);
    INFO(name);
    double worst = 0;
    for (size_t i = 0; i < m.pos.size(); ++i) {
      // A cylinder's cap centres are left out: a pattern's first-order distance is exact on the
      // patterned surface, not on the flat caps (which never touch the skin).
      if (p.kind == RollerKind::Cylinder && std::hypot(m.pos[i].y(), m.pos[i].z()) < 1e-9) continue;
      worst = std::max(worst, std::abs(shape.signed_distance(m.pos[i].cast<double>(), nullptr)));
    }
    CHECK(worst < 2e-4);  // vertices on the surface (float storage, bisection to 1e-12 m)
    const double V = enclosed_volume(m);
    CHECK(V > 0);  // closed and outward
    if (p.kind == RollerKind::Cylinder && p.pattern == RollerPattern::None) {
      const double r = 0.5 * p.diameter_m, exact = 3.14159265358979 * r * r * p.length_m;
      // An inscribed 96-gon: its area is sin(2 pi/96)/(2 pi/96) of the circle's.
      const double polygon = exact * std::sin(2 * 3.14159265358979 / 96) / (2 * 3.14159265358979 / 96);
      CHECK(V == Approx(polygon).epsilon(1e-3));
    }
    if (p.kind == RollerKind::Ball) {
      const double r = 0.5 * p.diameter_m;
      CHECK(V == Approx(4.0 / 3 * 3.14159265358979 * r * r * r).epsilon(0.01));
    }
  }
}

TEST_CASE("a section through a block of tets has the block's cross-section area", "[view]") {
  TetMesh mesh;
  const int n = 4;
  append_structured(mesh, n + 1, n + 1, n + 1, false, -1, [&](int i, int j, int k) { return Vec3(0.1 * i / n, 0.2 * j / n, 0.05 * k / n); });
  SceneTopology topo;
  topo.tets = mesh.tets;
  topo.tet_region.assign(mesh.tets.size(), 0);
  std::vector<Vec3f> x;
  for (const Vec3& p : mesh.X) x.push_back(p.cast<float>());
  for (float d : {0.0137f, 0.05f, 0.0731f}) {  // across x: the y-z face, 0.2 x 0.05
    const Section s = tissue_section(topo, x, Vec3f::UnitX(), d);
    double area = 0;
    for (size_t t = 0; t < s.region.size(); ++t) {
      const Vec3f nrm = (s.pos[3 * t + 1] - s.pos[3 * t]).cross(s.pos[3 * t + 2] - s.pos[3 * t]);
      CHECK(nrm.x() > 0);  // facing +n, the side cut away, where the camera looks from
      area += 0.5 * nrm.norm();
    }
    CHECK(area == Approx(0.2 * 0.05).epsilon(1e-5));
  }
  CHECK(tissue_section(topo, x, Vec3f::UnitX(), 0.5f).pos.empty());
}

TEST_CASE("scene of a solved state: closed tissue surface, the floor below, pressure at the roller, the person drawn around it", "[view]") {
  const Scenario sc = load_scenario(coarse_scenario());
  const FlatReference flat = solve_flat_reference(sc);
  RollSession ses(sc, &flat);
  const SceneTopology topo = scene_topology(ses.model());
  // The outer surface is closed: every edge is shared by exactly two of its triangles.
  std::map<std::pair<int, int>, int> edges;
  for (const Tri& t : topo.outer)
    for (int e = 0; e < 3; ++e) ++edges[std::minmax(t[e], t[(e + 1) % 3])];
  int open = 0;
  for (const auto& [e, c] : edges) open += c != 2;
  CHECK(open == 0);
  size_t regions = 0;
  for (const auto& f : topo.region_faces) regions += !f.empty();
  CHECK(regions == region_names().size());
  for (int level : {7, 15}) {
    const RollResult r = ses.solve_at(level, true);
    REQUIRE(r.solve.converged);
    const SceneFrame f = scene_frame(ses, r);
    INFO(level_name(level));
    REQUIRE(f.node_m.size() == static_cast<size_t>(topo.n_nodes));
    // The world frame: the roller stands on the floor (z = 0) at its outer radius; no tissue is
    // more than the solver's gap tolerance below the floor.
    CHECK(f.roller_centre_m.z() == Approx(sc.roller.outer_radius_m()).margin(1e-5));
    float zmin = 1e9f;
    for (const Vec3f& p : f.node_m) zmin = std::min(zmin, p.z());
    CHECK(zmin > -1e-5f);
    // The pressure the viewer colours is where the roller is: its pressure-weighted centre lies
    // over the roller's axis, within the roller's radius along the back.
    double w = 0;
    Vec3f c = Vec3f::Zero();
    for (size_t k = 0; k < f.node_m.size(); ++k) {
      REQUIRE(std::isfinite(f.node_pressure_Pa[k]));
      REQUIRE(f.node_pressure_Pa[k] >= 0);
      w += f.node_pressure_Pa[k];
      c += f.node_pressure_Pa[k] * f.node_m[k];
    }
    REQUIRE(w > 0);
    c /= static_cast<float>(w);
    CHECK(std::abs(c.y() - f.roller_centre_m.y()) < sc.roller.outer_radius_m());
    CHECK(std::abs(c.x()) < 0.01);
    // The largest node pressure is at least the mat's peak (the mat averages nodes over cells).
    CHECK(*std::max_element(f.node_pressure_Pa.begin(), f.node_pressure_Pa.end()) >= 0.99 * r.whole.peak_Pa);
    CHECK(f.bone_load_N.size() == ses.model().bones.size());
    check_person(sc, topo, f);
    // Each level's label lies over its spinous process's tip: along the spine it is nearer that
    // tip than halfway to the next one (the labels name the true vertebrae).
    for (int v = 0; v < kLevels; ++v) {
      const Vec3f tip = f.sp_tip_m[v];
      const Vec3f axis = (f.sp_tip_m[std::min(v + 1, kLevels - 1)] - f.sp_tip_m[std::max(v - 1, 0)]).normalized();
      const float along = std::abs((level_label_m(topo, f, v) - tip).dot(axis));
      float gap = 1e9f;
      if (v > 0) gap = std::min(gap, (tip - f.sp_tip_m[v - 1]).norm());
      if (v + 1 < kLevels) gap = std::min(gap, (f.sp_tip_m[v + 1] - tip).norm());
      INFO(level_name(v + 1) << ": label " << along * 1000 << " mm along the spine from the tip; tips " << gap * 1000 << " mm apart");
      CHECK(along < 0.5f * gap);
    }
  }
}

TEST_CASE("a cancelled solve stops at once and says so", "[view]") {
  const Scenario sc = load_scenario(coarse_scenario());
  RollSession ses(sc, nullptr);
  std::atomic<bool> stop{true};
  ses.set_cancel(&stop);
  const RollResult r = ses.solve_at(7, true);
  CHECK_FALSE(r.solve.converged);
  CHECK(r.solve.cancelled);
  CHECK(r.solve.newton_iterations == 0);
  stop = false;
  CHECK(ses.solve_at(7, true).solve.converged);  // and the session still works
  CHECK(solve_flat_reference(sc, &stop).solve.converged);
}

TEST_CASE("live session: the worker's solve is the core's, setups switch mid-solve, bad setups keep the old one", "[view]") {
  LiveSetup su;
  su.scenario = coarse_scenario();
  LiveSession live;
  const uint64_t id = live.configure(su);
  live.request_level(7);
  REQUIRE(live.wait_idle(600));
  auto f = live.frame();
  REQUIRE(f);
  CHECK(f->model->id == id);
  CHECK(live.status().error.empty());
  // Bit for bit the headless result (the first solve of a session is cold).
  const Scenario sc = load_scenario(su.scenario);
  const FlatReference flat = solve_flat_reference(sc);
  RollSession ses(sc, &flat);
  const RollResult r = ses.solve_at(7, true);
  CHECK(f->result.roller_force_N == r.roller_force_N);
  CHECK(f->result.whole.peak_Pa == r.whole.peak_Pa);
  CHECK(f->result.segment[14].extension_deg == r.segment[14].extension_deg);

  // A new setup while a solve runs: the solve is dropped, the new setup answers the request.
  live.request_level(15);
  LiveSetup pe = su;
  pe.roller = "peanut";
  const uint64_t id2 = live.configure(pe);
  REQUIRE(live.wait_idle(600));
  f = live.frame();
  REQUIRE(f);
  CHECK(f->model->id == id2);
  CHECK(f->model->scenario.roller.kind == RollerKind::Peanut);
  CHECK(f->result.level == 15);

  // A bad setup: the error names the value; the previous model keeps serving.
  LiveSetup bad = su;
  bad.roller = "no_such_roller";
  live.configure(bad);
  REQUIRE(live.wait_idle(600));
  CHECK(live.status().error.find("not in the catalog") != std::string::npos);
  CHECK(live.model()->id == id2);
  live.request_level(9);
  REQUIRE(live.wait_idle(600));
  CHECK(live.frame()->result.level == 9);
  CHECK(live.frame()->model->id == id2);

  // Destroyed mid-solve: cancels and joins (the test's time limit catches a hang).
  live.request_level(3);
}

TEST_CASE("the solved path: every level on it, rolled as the core rolls, shown at once where the roller is dragged", "[view]") {
  LiveSetup su;
  su.scenario = coarse_scenario();
  LiveSession live;
  live.configure(su);
  live.request_level(2);
  REQUIRE(live.wait_idle(600));
  REQUIRE(live.wait_path(1200));
  const LiveStatus st = live.status();
  const auto model = live.model();
  const LiveSession::Path path = live.path();
  const std::vector<double>& g = path.s_m;
  REQUIRE(st.path_total == static_cast<int>(g.size()));
  CHECK(st.path_done == st.path_total);
  CHECK(st.path_failed == 0);

  // The grid: from T2 to L5, every level's tip on it exactly, steps of at most kPathStepM and at
  // least half of it.
  REQUIRE(g.size() > 100);
  CHECK(g.front() == model->sp_tip_s_m[2]);
  CHECK(g.back() == model->sp_tip_s_m[kLevels]);
  for (int l = 2; l <= kLevels; ++l) CHECK(std::count(g.begin(), g.end(), model->sp_tip_s_m[l]) == 1);
  for (size_t k = 1; k < g.size(); ++k) {
    CHECK(g[k] - g[k - 1] <= kPathStepM * (1 + 1e-9));
    CHECK(g[k] - g[k - 1] >= kPathStepM / 2);
  }
  for (size_t k = 0; k < g.size(); ++k) {
    REQUIRE(path.frame[k]);
    CHECK(path.frame[k]->result.usable());
    CHECK(path.frame[k]->result.s_m == g[k]);
  }

  // Bit for bit a headless session rolled along the same places (the first from rest).
  const Scenario sc = load_scenario(su.scenario);
  const FlatReference flat = solve_flat_reference(sc);
  RollSession ses(sc, &flat);
  for (size_t k = 0; k < 8; ++k) {
    const RollResult r = ses.solve_at_s(g[k]);
    const RollResult& p = path.frame[k]->result;
    CHECK(p.roller_force_N == r.roller_force_N);
    CHECK(p.whole.peak_Pa == r.whole.peak_Pa);
    CHECK(p.segment[14].extension_deg == r.segment[14].extension_deg);
  }
  // The state at a level does not depend on the steps the roller came in: rolled level to level
  // (the main job's 2.5-3.5 cm) and back towards the head, every measure within the mesh study's
  // rule (5 % or the unit's floor) of the path's.
  RollSession by_level(sc, &flat);
  std::vector<RollResult> down(kLevels + 1), up(kLevels + 1);
  for (int l = 2; l <= kLevels; ++l) down[l] = by_level.solve_at(l);
  for (int l = kLevels; l >= 2; --l) up[l] = by_level.solve_at(l);
  for (int l = 2; l <= kLevels; ++l) {
    const size_t k = std::find(g.begin(), g.end(), model->sp_tip_s_m[l]) - g.begin();
    for (const RollResult* r : {&down[l], &up[l]}) {
      REQUIRE(r->usable());
      for (const Measure& m : measure_registry()) {
        const double a = m.get(path.frame[k]->result), b = m.get(*r);
        INFO(level_name(l) << " " << m.key << ": path " << a << ", rolled level to level " << b);
        CHECK(std::abs(a - b) <= std::max(0.05 * std::abs(b), noise_floor(m)));
      }
    }
  }

  // Dragged: each request is answered at once with the nearest solved place, either way.
  for (size_t k : {size_t(40), size_t(41), size_t(42), size_t(30), size_t(29)}) {
    live.request(g[k] + 0.3 * (g[k + 1] - g[k]));
    CHECK(live.frame() == path.frame[k]);
    CHECK(live.idle());
  }
  live.request_level(9);
  const size_t k9 = std::find(g.begin(), g.end(), model->sp_tip_s_m[9]) - g.begin();
  CHECK(live.frame() == path.frame[k9]);
  CHECK(live.frame()->result.level == 9);

  // Without the path, a request is solved at exactly the place asked.
  LiveSession plain(false);
  plain.configure(su);
  plain.request(g[40] + 0.3 * (g[41] - g[40]));
  REQUIRE(plain.wait_idle(600));
  CHECK(plain.status().path_total == 0);
  REQUIRE(plain.frame());
  CHECK(plain.frame()->result.s_m == g[40] + 0.3 * (g[41] - g[40]));
}

TEST_CASE("lessons: the shipped ones load, a bad one is refused with file, line and range", "[view]") {
  const std::vector<Lesson> ls = lesson_catalog();
  REQUIRE(ls.size() >= 5);
  int compare = 0, exercises = 0;
  for (const Lesson& l : ls) {
    INFO(l.path);
    CHECK(!l.title.empty());
    CHECK((l.setups.size() == 1 || l.setups.size() == 2));
    compare += l.setups.size() == 2;
    if (!l.exercise.empty()) {  // another exercise: one setup at a place of its path
      ++exercises;
      REQUIRE(l.setups.size() == 1);
      const int n = static_cast<int>(load_exercise_spec(l.exercise).path_m.size());
      CHECK((l.setups[0].place >= -1 && l.setups[0].place < n));
      continue;
    }
    for (const LessonSetup& s : l.setups) CHECK((s.level >= 2 && s.level <= kLevels));
  }
  CHECK(compare >= 2);
  CHECK(exercises >= 3);
  CHECK_THROWS_WITH(load_lesson(std::string(BACKROLL_TEST_DATA) + "/bad_exercise_lesson.toml"),
                    Catch::Contains("bad_exercise_lesson.toml:7") && Catch::Contains("setup[0].place") && Catch::Contains("0, 4"));
  CHECK_THROWS_WITH(load_lesson(std::string(BACKROLL_TEST_DATA) + "/bad_lesson.toml"),
                    Catch::Contains("bad_lesson.toml:7") && Catch::Contains("position = \"T1\"") && Catch::Contains("T2..L5"));
  CHECK_THROWS_WITH(load_lesson(std::string(BACKROLL_TEST_DATA) + "/bad_lesson_mass.toml"),
                    Catch::Contains("bad_lesson_mass.toml:8") && Catch::Contains("body.mass_kg"));
}

TEST_CASE("an animated GIF: its frames, size and colours come back as written", "[view]") {
  const int w = 37, h = 11;  // odd sizes: no row padding hides an off-by-one
  GifAnimation gif(w, h);
  auto frame = [&](int k) {  // four flat colours in bands, moved along by k
    static const unsigned char c[4][3] = {{255, 0, 0}, {0, 128, 255}, {250, 250, 250}, {10, 20, 30}};
    std::vector<unsigned char> rgb;
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) rgb.insert(rgb.end(), c[((x + k) / 5) % 4], c[((x + k) / 5) % 4] + 3);
    return rgb;
  };
  for (int k = 0; k < 3; ++k) gif.add_frame(frame(k), 50);
  const std::string bytes = gif.encode();
  REQUIRE(bytes.substr(0, 6) == "GIF89a");
  const GifInfo back = read_gif(bytes);
  CHECK(back.width == w);
  CHECK(back.height == h);
  CHECK(back.frames == 3);
  const std::vector<unsigned char> first = frame(0);
  REQUIRE(back.first_rgb.size() == first.size());
  int off = 0;  // four colours fit any palette: each pixel exactly
  for (size_t i = 0; i < first.size(); ++i) off += back.first_rgb[i] != first[i];
  CHECK(off == 0);
  // A frame of many colours (a gradient, 407 of them) comes back close on average (median cut to
  // 256 colours of 5 bits a channel).
  GifAnimation smooth(w, h);
  std::vector<unsigned char> ramp;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      ramp.insert(ramp.end(), {static_cast<unsigned char>(7 * x), static_cast<unsigned char>(23 * y), static_cast<unsigned char>(3 * x + 5 * y)});
  smooth.add_frame(ramp, 10);
  const GifInfo ramp_back = read_gif(smooth.encode());
  REQUIRE(ramp_back.first_rgb.size() == ramp.size());
  double mean = 0;
  for (size_t i = 0; i < ramp.size(); ++i) mean += std::abs(ramp_back.first_rgb[i] - ramp[i]) / static_cast<double>(ramp.size());
  INFO("mean error " << mean << " of 255");
  CHECK(mean < 6);
  CHECK_THROWS(read_gif("GIF89a and then nothing"));
  CHECK_THROWS(GifAnimation(8, 8).encode());  // no frame
}

TEST_CASE("pressure maps: each mat cell in its pressure's colour, seen from behind, on one scale", "[view]") {
  PressureMat mat;  // 3 cells across (x from -1.5 to 1.5 cm), 2 along
  mat.nx = 3, mat.ns = 2, mat.x0_m = -0.015, mat.s0_m = 0.1;
  mat.force_N.assign(6, 0.0);
  const double A = mat.cell_m * mat.cell_m;
  mat.force_N[0 * 3 + 0] = 50e3 * A;   // s row 0, the subject's right (-x): 50 kPa
  mat.force_N[1 * 3 + 2] = 100e3 * A;  // s row 1, the subject's left (+x): 100 kPa
  mat.force_N[1 * 3 + 1] = 0.5e3 * A;  // under the 1 kPa threshold
  PressureMapSpec spec;
  spec.title = "test";
  spec.maps.push_back({"a", mat, 0.105, ""});
  spec.maps.push_back({"b", {}, 0.105, "not possible"});  // a position left out: an empty panel that says why
  spec.scale_max_Pa = 100e3;
  const std::string png = render_pressure_maps_png(spec);
  int w = 0, h = 0, n = 0;
  unsigned char* px = stbi_load_from_memory(reinterpret_cast<const unsigned char*>(png.data()), static_cast<int>(png.size()), &w, &h, &n, 3);
  REQUIRE(px != nullptr);
  auto at = [&](int ix, int is) {  // the middle of a cell as drawn: 30 px in, 90 down, 8 px a cell, +x on the left
    const int x = 30 + (mat.nx - 1 - ix) * 8 + 3, y = 90 + is * 8 + 3;
    const unsigned char* p = px + (static_cast<size_t>(y) * w + x) * 3;
    return std::array<int, 3>{p[0], p[1], p[2]};
  };
  CHECK(at(0, 0) == viridis_bytes(0.5));  // drawn on the right: the subject's right seen from behind
  CHECK(at(2, 1) == viridis_bytes(1.0));
  const std::array<int, 3> skin = at(1, 1), empty = at(2, 0);
  CHECK(skin == empty);  // under the threshold: the unloaded colour
  CHECK(skin != viridis_bytes(0.005));
  // The second panel, 40 px after the first's 3 cells: light grey, with its word in darker grey.
  const int bx = 30 + 3 * 8 + 40;
  const unsigned char* corner = px + (static_cast<size_t>(90 + 1) * w + bx + 1) * 3;
  CHECK(std::array<int, 3>{corner[0], corner[1], corner[2]} == std::array<int, 3>{235, 235, 235});
  int dark = 0;
  for (int y = 90; y < 90 + 2 * 8; ++y)
    for (int x = bx; x < bx + 3 * 8; ++x) dark += px[(static_cast<size_t>(y) * w + x) * 3] < 200;
  CHECK(dark > 0);
  stbi_image_free(px);
}

TEST_CASE("region maps: each cell in its pressure's colour, seen from the roller's side, the structures outlined", "[view]") {
  RegionMapSpec spec;  // 10 cells across, 8 along, 1 cm each
  spec.grid.cell_m = 0.01, spec.grid.nx = 10, spec.grid.ny = 8, spec.grid.x0_m = -0.05, spec.grid.y0_m = -0.04;
  RegionMapPanel p;
  p.pressure_Pa.assign(80, 0.0);
  p.pressure_Pa[3 * 10 + 2] = 50e3;   // ix 2, iy 3
  p.pressure_Pa[6 * 10 + 8] = 100e3;  // ix 8, iy 6
  p.pressure_Pa[1 * 10 + 1] = 500;    // under the 1 kPa threshold
  RegionMapRow row;
  row.panels.push_back(p);
  row.scale_max_Pa = 100e3;
  spec.rows.push_back(row);
  RegionOutline o{"a patch", std::vector<unsigned char>(80, 0)};
  for (int iy = 2; iy <= 4; ++iy)
    for (int ix = 5; ix <= 7; ++ix) o.inside[iy * 10 + ix] = 1;
  spec.outlines.push_back(o);
  const std::string png = render_region_maps_png(spec);
  int w = 0, h = 0, n = 0;
  unsigned char* px = stbi_load_from_memory(reinterpret_cast<const unsigned char*>(png.data()), static_cast<int>(png.size()), &w, &h, &n, 3);
  REQUIRE(px != nullptr);
  // The layout: 30 px a cell, the panel 30 px in and 174 px down (title, caption, one legend row,
  // the panel's own title), the region's +x on the left and +y up.
  auto at = [&](int ix, int iy) {
    const int x = 30 + (10 - ix) * 30 - 15, y = 174 + (8 - iy) * 30 - 15;
    const unsigned char* q = px + (static_cast<size_t>(y) * w + x) * 3;
    return std::array<int, 3>{q[0], q[1], q[2]};
  };
  CHECK(at(2, 3) == viridis_bytes(0.5));
  CHECK(at(8, 6) == viridis_bytes(1.0));
  CHECK(at(1, 1) == at(0, 0));  // under the threshold: the unloaded colour
  CHECK(at(1, 1) != viridis_bytes(0.005));
  const std::array<int, 3> line{31, 119, 180};  // the first outline's colour on the patch's edge, not inside
  CHECK(at(5, 3) == line);
  CHECK(at(7, 4) == line);
  CHECK(at(6, 3) == at(0, 0));
  stbi_image_free(px);
}
