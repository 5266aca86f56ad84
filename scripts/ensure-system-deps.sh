#!/usr/bin/env bash
# Installs what the tests need from Debian (ffmpeg for media I/O, chromium for panel tests, cmake for the native build, zip for the .ccx packages,
# nlohmann-json3-dev, mingw-w64 and wine for the OFX plugin and its Windows build, mesa-vulkan-drivers for the real ncnn runtime) when missing.
# CI runs in a fresh clone with nothing installed by hand, so the project installs its own system deps.
set -euo pipefail
need=()
command -v ffmpeg >/dev/null || need+=(ffmpeg)
command -v chromium >/dev/null || need+=(chromium)
command -v cmake >/dev/null || need+=(cmake)
command -v zip >/dev/null || need+=(zip)
# Vulkan on the CPU (lavapipe): the real ncnn runtime (rife-ncnn-vulkan from npm) checks the ncnn converter.
dpkg -s mesa-vulkan-drivers >/dev/null 2>&1 || need+=(mesa-vulkan-drivers)
# OFX plugin: nlohmann/json (the plugin's JSON), and the Win64 cross-build run under Wine (test/ofx/windows.test.ts).
[ -f /usr/include/nlohmann/json.hpp ] || need+=(nlohmann-json3-dev)
command -v x86_64-w64-mingw32-g++-posix >/dev/null || need+=(mingw-w64)
[ -x /usr/lib/wine/wine64 ] || need+=(wine wine64)
# Real photos and clips for the analysis tests (Apache-2.0 OpenCV sample data).
[ -d /usr/share/doc/opencv-doc/examples/data ] || need+=(opencv-doc)
command -v redis-server >/dev/null || need+=(redis-server)
# FCPXML marker exports are validated with xmllint --dtdvalid (test/analysis/markers.test.ts).
command -v xmllint >/dev/null || need+=(libxml2-utils)
# Face tests: OpenCV's Haar cascades as the independent detector (Debian's cv2 under /usr/bin/python3), and
# the labelled portraits (astronaut from scikit-image, Grace Hopper from matplotlib's sample data).
[ -f /usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml ] || need+=(opencv-data)
/usr/bin/python3 -c 'import cv2' 2>/dev/null || need+=(python3-opencv)
[ -f /usr/lib/python3/dist-packages/skimage/data/astronaut.png ] || need+=(python3-skimage)
[ -f /usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg ] || need+=(python-matplotlib-data)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "missing system packages: ${need[*]} (install them with apt-get)" >&2; exit 1; fi
  # Wait for another apt/dpkg (an unattended upgrade, a second checkout's run) instead of failing on its lock.
  apt-get -o DPkg::Lock::Timeout=900 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq "${need[@]}" >/dev/null
fi
