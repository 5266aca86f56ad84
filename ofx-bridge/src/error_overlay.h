// Paints a short error message onto the output image, so a colorist sees *why* a node is red instead of a
// silently black or stale frame (Resolve has no render timeout or error UI for OFX, HOSTS.md §4.4).
#pragma once
#include <string>

#include "pixels.h"

namespace mlxv {

/// Fills `window` with a dark red and draws `message` (upper-cased, word-wrapped) in a built-in 5x7 font.
void paintError(HostImage &img, const OfxRectI &window, const std::string &message);

/// Exposed for tests: the 7 row bit-masks (bit 4 = leftmost column) for a character; unknown → '?'.
const unsigned char *glyphFor(char c);

}  // namespace mlxv
