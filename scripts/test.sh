#!/usr/bin/env bash
# The whole test suite, exactly what CI runs (.ci/run calls `npm test`).
# Order: cheap static checks first so a style slip fails in seconds, then the native build, then tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system-deps.sh
npx prettier --check .
npx eslint .
npx tsc -p tsconfig.json --noEmit
# core/src/client must stay browser-safe (UXP, Chromium): its own tsconfig has no Node types.
npx tsc -p core/src/client/tsconfig.json --noEmit
for p in plugin-premiere plugin-aftereffects plugin-aftereffects/cep; do
  if [ -f "$p/tsconfig.json" ]; then npx tsc -p "$p/tsconfig.json" --noEmit; fi
done
# The AE CEP ExtendScript (ES3 .jsx) against the AE 24.0 DOM typings of types-for-adobe.
npx tsc -p plugin-aftereffects/cep/jsx/tsconfig.json
# The host fakes are typed against the official Premiere types without Node, like the panels they drive.
npx tsc -p test/panels/tsconfig.check.json --noEmit
if [ -f CMakeLists.txt ]; then bash scripts/build-native.sh; fi
npx vitest run
# --no-tests=error: a build folder configured without the OFX targets must fail here, not pass with 0 tests.
if [ -f build/CTestTestfile.cmake ]; then (cd build && ctest --output-on-failure --no-tests=error); fi
