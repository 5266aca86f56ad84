// Frames in and out of the test host: raw float32 RGBA, rows tightly packed, top row first (the same layout
// as the daemon's wire format; tests convert real images to it with sharp).
#pragma once
#include <string>
#include <vector>

namespace host {

std::vector<float> readRawRgba(const std::string &path, int width, int height);
/// A clip: the file holds one or more frames back to back (its size must be a whole number of frames).
std::vector<std::vector<float>> readRawFrames(const std::string &path, int width, int height);
void writeRawRgba(const std::string &path, const std::vector<float> &rgba);
/// A deterministic test card: horizontal red ramp, vertical green ramp, blue checker, alpha 1.
std::vector<float> syntheticFrame(int width, int height);

}  // namespace host
