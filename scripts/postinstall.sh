#!/usr/bin/env bash
# npm install's postinstall: builds the native addon (the workers' hot pixel loops, shared memory), so that
# `npm start` and `npm run bench` use it on a fresh machine. Never fails the install: without a compiler or
# cmake the TypeScript twins of the pixel loops run instead (the same pixels, slower) and the daemon offers
# binary frames only; the message says how to build it later.
cd "$(dirname "$0")/.."
if ! command -v cmake >/dev/null || ! command -v c++ >/dev/null; then
  echo "mlxvideo: native addon not built (needs cmake and a C++17 compiler); TypeScript fallbacks in use. Later: bash scripts/build-native.sh" >&2
  exit 0
fi
if ! MLXV_ADDON_ONLY=1 bash scripts/build-native.sh >/tmp/mlxv-addon-build.log 2>&1; then
  echo "mlxvideo: native addon build failed (log: /tmp/mlxv-addon-build.log); TypeScript fallbacks in use. Retry: bash scripts/build-native.sh" >&2
fi
exit 0
