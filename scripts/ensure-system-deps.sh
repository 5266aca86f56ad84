#!/usr/bin/env bash
# Installs what the tests need from Debian (ffmpeg for media I/O, chromium for panel tests, cmake for the native build, zip for the .ccx packages,
# nlohmann-json3-dev, mingw-w64 and wine for the OFX plugin and its Windows build) when missing.
# CI runs in a fresh clone with nothing installed by hand, so the project installs its own system deps.
set -euo pipefail
need=()
command -v ffmpeg >/dev/null || need+=(ffmpeg)
command -v chromium >/dev/null || need+=(chromium)
command -v cmake >/dev/null || need+=(cmake)
command -v zip >/dev/null || need+=(zip)
# OFX plugin: nlohmann/json (the plugin's JSON), and the Win64 cross-build run under Wine (test/ofx/windows.test.ts).
[ -f /usr/include/nlohmann/json.hpp ] || need+=(nlohmann-json3-dev)
command -v x86_64-w64-mingw32-g++-posix >/dev/null || need+=(mingw-w64)
[ -x /usr/lib/wine/wine64 ] || need+=(wine wine64)
# Real photos and clips for the analysis tests (Apache-2.0 OpenCV sample data).
[ -d /usr/share/doc/opencv-doc/examples/data ] || need+=(opencv-doc)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "missing system packages: ${need[*]} (install them with apt-get)" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
