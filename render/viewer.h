// backroll's viewer: a GLFW window (OpenGL 3.3 core) with Dear ImGui, a thin client of the core
// (sim/live.h). It draws what the core solved and computes no measure of its own.
#pragma once

#include <string>

namespace backroll {

struct ViewerOptions {
  std::string scenario;     // scenario file; empty: the main job's (assets/scenarios/compare.toml)
  // An exercise (catalog name in assets/exercises or a file): the exercise mode instead of the
  // back's, showing place `place` of its path (-1: the middle one).
  std::string exercise;
  int place = -1;
  std::string lesson;       // lesson catalog name or file; overrides scenario/roller/position
  std::string roller;       // catalog name or file; empty: the scenario's
  std::string position = "T7";
  std::string camera = "three_quarter";  // person | three_quarter | below | side
  bool bones = false;       // show the bones through a see-through skin
  std::string cut = "none"; // none | sagittal | transverse
  bool auto_roll = false;   // roll up and down the back from the start
  std::string screenshot;   // write this PNG once the solves are done (+ `frames` frames) and exit
  int frames = 3;
  int width = 1280, height = 800;
  double timeout_s = 600;   // screenshot and record modes: give up (exit 1) after this long
  // Record mode: roll every viewport's roller from T2 to L5 in steps of record_step_m, write each
  // solved position's window (3D view, live measures and plots) as a frame of this animated GIF,
  // playing at kRecordPlaySpeed, and exit.
  std::string record;
  double record_step_m = 0.02;
  // Drives the real window through resizes, minimising, setup changes mid-solve, lessons and
  // display modes, then closes it mid-solve; exits 0 if nothing failed (a robustness test).
  bool self_test = false;
};

inline constexpr double kRecordPlaySpeed_m_s = 0.04;  // a recording plays at 4 cm/s

// Opens the window and runs until it is closed (or the screenshot is written). Returns the exit
// code: 0, or 1 when the window cannot be made, a setup fails, or the screenshot times out.
int run_viewer(const ViewerOptions& o);

}  // namespace backroll

struct GLFWwindow;
namespace backroll {
// The exercise mode in the window run_viewer made (render/exercise_view.cpp).
int run_exercise_viewer(GLFWwindow* win, const ViewerOptions& o);

}  // namespace backroll
