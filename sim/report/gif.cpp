#include "report/gif.h"

#include <gif_lib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <unordered_map>
#include <stdexcept>

namespace backroll {

GifAnimation::GifAnimation(int width, int height) : width_(width), height_(height) {
  if (width < 1 || height < 1 || width > 65535 || height > 65535) throw std::runtime_error("GIF: bad frame size");
}

void GifAnimation::add_frame(const std::vector<unsigned char>& rgb, int delay_cs) {
  const size_t n = static_cast<size_t>(width_) * height_;
  if (rgb.size() != 3 * n) throw std::runtime_error("GIF: a frame of the wrong size");
  Frame f;
  f.index.resize(n);
  // A frame of at most 256 colours keeps them exactly (panels, flat drawings); a richer one gets
  // giflib's median cut (which works on 5 bits a channel: within 8 levels of 255).
  std::unordered_map<uint32_t, unsigned char> exact;
  for (size_t i = 0; i < n && exact.size() <= 256; ++i) {
    const uint32_t c = rgb[3 * i] << 16 | rgb[3 * i + 1] << 8 | rgb[3 * i + 2];
    if (exact.emplace(c, static_cast<unsigned char>(exact.size())).second && exact.size() <= 256)
      f.palette.insert(f.palette.end(), {rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]});
  }
  if (exact.size() <= 256) {
    f.palette.resize(3 * 256, 0);
    for (size_t i = 0; i < n; ++i) f.index[i] = exact[rgb[3 * i] << 16 | rgb[3 * i + 1] << 8 | rgb[3 * i + 2]];
  } else {
    std::vector<GifByteType> r(n), g(n), b(n);
    for (size_t i = 0; i < n; ++i) r[i] = rgb[3 * i], g[i] = rgb[3 * i + 1], b[i] = rgb[3 * i + 2];
    GifColorType map[256] = {};
    int size = 256;
    if (GifQuantizeBuffer(width_, height_, &size, r.data(), g.data(), b.data(), f.index.data(), map) != GIF_OK)
      throw std::runtime_error("GIF: cannot reduce a frame to 256 colours");
    f.palette.clear();
    for (const GifColorType& c : map) f.palette.insert(f.palette.end(), {c.Red, c.Green, c.Blue});
  }
  f.delay_cs = delay_cs;
  data_.push_back(std::move(f));
  ++frames_;
}

std::string GifAnimation::encode() const {
  if (data_.empty()) throw std::runtime_error("GIF: no frame to write");
  std::string out;
  int err = 0;
  GifFileType* gif = EGifOpen(&out, [](GifFileType* g, const GifByteType* d, int len) {
    static_cast<std::string*>(g->UserData)->append(reinterpret_cast<const char*>(d), len);
    return len;
  }, &err);
  if (!gif) throw std::runtime_error(std::string("GIF: ") + GifErrorString(err));
  auto fail = [&](const char* what) {
    int e = 0;
    EGifCloseFile(gif, &e);
    throw std::runtime_error(std::string("GIF: ") + what);
  };
  EGifSetGifVersion(gif, true);
  if (EGifPutScreenDesc(gif, width_, height_, 8, 0, nullptr) != GIF_OK) fail("cannot write the screen");
  // Loop forever (the Netscape application extension).
  const GifByteType app[] = {'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0'}, loop[] = {1, 0, 0};
  if (EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE) != GIF_OK || EGifPutExtensionBlock(gif, sizeof app, app) != GIF_OK ||
      EGifPutExtensionBlock(gif, sizeof loop, loop) != GIF_OK || EGifPutExtensionTrailer(gif) != GIF_OK)
    fail("cannot write the loop extension");
  for (const Frame& f : data_) {
    const GifByteType gce[] = {0, static_cast<GifByteType>(f.delay_cs & 0xff), static_cast<GifByteType>(f.delay_cs >> 8), 0};
    if (EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, sizeof gce, gce) != GIF_OK) fail("cannot write a frame's delay");
    GifColorType colours[256];
    for (int i = 0; i < 256; ++i) colours[i] = {f.palette[3 * i], f.palette[3 * i + 1], f.palette[3 * i + 2]};
    ColorMapObject* map = GifMakeMapObject(256, colours);
    const int ok = EGifPutImageDesc(gif, 0, 0, width_, height_, false, map);
    GifFreeMapObject(map);
    if (ok != GIF_OK) fail("cannot write a frame's header");
    std::vector<GifPixelType> row(width_);
    for (int y = 0; y < height_; ++y) {
      std::memcpy(row.data(), &f.index[static_cast<size_t>(y) * width_], width_);
      if (EGifPutLine(gif, row.data(), width_) != GIF_OK) fail("cannot write a frame's pixels");
    }
  }
  if (EGifCloseFile(gif, &err) != GIF_OK) throw std::runtime_error(std::string("GIF: ") + GifErrorString(err));
  return out;
}

GifInfo read_gif(const std::string& bytes) {
  struct Reader {
    const std::string* s;
    size_t at = 0;
  } rd{&bytes};
  int err = 0;
  GifFileType* gif = DGifOpen(&rd, [](GifFileType* g, GifByteType* d, int len) {
    Reader& r = *static_cast<Reader*>(g->UserData);
    const int n = static_cast<int>(std::min<size_t>(len, r.s->size() - r.at));
    std::memcpy(d, r.s->data() + r.at, n);
    r.at += n;
    return n;
  }, &err);
  if (!gif) throw std::runtime_error(std::string("not a GIF: ") + GifErrorString(err));
  if (DGifSlurp(gif) != GIF_OK) {
    DGifCloseFile(gif, &err);
    throw std::runtime_error("not a whole GIF");
  }
  GifInfo info;
  info.width = gif->SWidth;
  info.height = gif->SHeight;
  info.frames = gif->ImageCount;
  if (gif->ImageCount > 0) {
    const SavedImage& im = gif->SavedImages[0];
    const ColorMapObject* map = im.ImageDesc.ColorMap ? im.ImageDesc.ColorMap : gif->SColorMap;
    const size_t n = static_cast<size_t>(im.ImageDesc.Width) * im.ImageDesc.Height;
    for (size_t i = 0; i < n && map; ++i) {
      const GifColorType& c = map->Colors[im.RasterBits[i]];
      info.first_rgb.insert(info.first_rgb.end(), {c.Red, c.Green, c.Blue});
    }
  }
  DGifCloseFile(gif, &err);
  return info;
}

}  // namespace backroll
