// An animated GIF, encoded in memory (giflib): frames of RGB pixels, each with its own 256-colour
// palette (its own colours when it has at most 256, else giflib's median cut) and its display
// time; it loops. For the viewer's recordings.
#pragma once

#include <string>
#include <vector>

namespace backroll {

class GifAnimation {
 public:
  GifAnimation(int width, int height);  // every frame this size
  // rgb: width * height * 3 bytes, rows from the top. delay: hundredths of a second.
  void add_frame(const std::vector<unsigned char>& rgb, int delay_cs);
  int frames() const { return frames_; }
  // The file's bytes (throws std::runtime_error if giflib fails, or with no frame).
  std::string encode() const;

 private:
  struct Frame {
    std::vector<unsigned char> index;   // palette index per pixel
    std::vector<unsigned char> palette; // 256 x RGB
    int delay_cs = 10;
  };
  int width_, height_, frames_ = 0;
  std::vector<Frame> data_;
};

// A GIF's size and frame count, read back (tests; throws std::runtime_error if it is not a GIF).
struct GifInfo {
  int width = 0, height = 0, frames = 0;
  std::vector<unsigned char> first_rgb;  // the first frame decoded, rows from the top
};
GifInfo read_gif(const std::string& bytes);

}  // namespace backroll
