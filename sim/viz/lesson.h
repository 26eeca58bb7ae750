// Lessons: named setups an educator picks from a menu (assets/lessons/*.toml). A lesson is one
// setup or two side by side (compare mode), each a scenario with a roller position and the same
// few parameters the viewer's panels change:
//
//   title = "Mid-back vs low back, standard roller"
//   summary = "what to look at"
//   scenario = "../scenarios/compare.toml"   # relative to the lesson file
//   [[setup]]
//   label = "mid-back"
//   position = "T7"                          # T2..L5
//   roller = "standard"                      # optional: catalog name or .toml file
//   body = "default"                         # optional
//   foam_modulus_Pa = 1.0e6                  # optional, as are diameter_m, body_mass_kg, hip_lift_m
//
// A lesson on another exercise names `exercise` (assets/exercises/, a name or a file relative to the
// lesson) instead of `scenario`, and one setup: `roller` (optional) and `place`, an index into the
// exercise's path (optional: the middle one). The viewer opens it in its exercise mode.
#pragma once

#include <string>
#include <vector>

#include "viz/live.h"

namespace backroll {

struct LessonSetup {
  std::string label;
  LiveSetup setup;  // the back's; an exercise lesson's roller is setup.roller
  int level = 7;    // the back's roller position, 2..17
  int place = -1;   // an exercise's: the index into its path (-1: the middle one)
};

struct Lesson {
  std::string path, name;  // name: the file's stem
  std::string title, summary;
  std::string exercise;             // an exercise lesson's file (empty: the back's)
  std::vector<LessonSetup> setups;  // one, or two (compare; the back's only)
};

// Reads and checks a lesson file, including its setups' scenarios (so a bad value is reported
// with the lesson file's line before anything runs). Throws ConfigError.
Lesson load_lesson(const std::string& path);
// The shipped lessons, in file-name order.
std::vector<Lesson> lesson_catalog();

}  // namespace backroll
