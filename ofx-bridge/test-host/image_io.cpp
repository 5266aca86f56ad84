#include "image_io.h"

#include <cstdio>
#include <stdexcept>

namespace host {

std::vector<float> readRawRgba(const std::string &path, int width, int height) {
  std::vector<float> out(size_t(width) * size_t(height) * 4);
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open input " + path);
  size_t n = std::fread(out.data(), sizeof(float), out.size(), f);
  std::fclose(f);
  if (n != out.size())
    throw std::runtime_error(path + " holds " + std::to_string(n * 4) + " bytes, expected " +
                             std::to_string(out.size() * 4) + " for " + std::to_string(width) + "x" +
                             std::to_string(height) + " float RGBA");
  return out;
}

std::vector<std::vector<float>> readRawFrames(const std::string &path, int width, int height) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open input " + path);
  std::vector<float> all;
  float buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, sizeof(float), 4096, f)) > 0) all.insert(all.end(), buf, buf + n);
  std::fclose(f);
  const size_t frame = size_t(width) * size_t(height) * 4;
  if (frame == 0 || all.empty() || all.size() % frame != 0)
    throw std::runtime_error(path + " holds " + std::to_string(all.size() * 4) + " bytes, not a whole number of " +
                             std::to_string(width) + "x" + std::to_string(height) + " float RGBA frames");
  std::vector<std::vector<float>> frames;
  for (size_t off = 0; off < all.size(); off += frame) frames.emplace_back(all.begin() + long(off), all.begin() + long(off + frame));
  return frames;
}

void writeRawRgba(const std::string &path, const std::vector<float> &rgba) {
  const std::string tmp = path + ".tmp";
  FILE *f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot write " + tmp);
  size_t n = std::fwrite(rgba.data(), sizeof(float), rgba.size(), f);
  std::fclose(f);
  if (n != rgba.size() || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot write " + path);
  }
}

std::vector<float> syntheticFrame(int width, int height) {
  std::vector<float> out(size_t(width) * size_t(height) * 4);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      float *p = &out[(size_t(y) * size_t(width) + size_t(x)) * 4];
      p[0] = width > 1 ? float(x) / float(width - 1) : 0.f;
      p[1] = height > 1 ? float(y) / float(height - 1) : 0.f;
      p[2] = ((x / 8 + y / 8) & 1) ? 0.75f : 0.25f;
      p[3] = 1.f;
    }
  return out;
}

}  // namespace host
