#!/usr/bin/env bash
# Builds every native target (addon via cmake-js, OFX bundle and test host) into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
# cmake-js downloads Node's headers unless nodedir names local ones; there is no internet in CI, and
# Debian's nodejs ships them in /usr/include/node.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node_api.h ]; then export npm_config_nodedir=/usr; fi
# MLXV_ADDON_ONLY=1 (npm install's postinstall) builds the addon alone; otherwise every target. Passed every
# time, so one build folder switches between the two.
addon_only=OFF
if [ "${MLXV_ADDON_ONLY:-0}" = 1 ]; then addon_only=ON; fi
# `cmake-js compile` does not re-run CMake on a configured folder, so a switch (npm install's addon-only
# build, then the full build of npm test) reconfigures explicitly.
cached=$(grep -s '^MLXV_ADDON_ONLY:BOOL=' build/CMakeCache.txt | cut -d= -f2 || true)
if [ -n "$cached" ] && [ "$cached" != "$addon_only" ]; then
  npx cmake-js configure --directory . --out build --log-level warn --CDMLXV_ADDON_ONLY=$addon_only "$@"
fi
npx cmake-js compile --directory . --out build --log-level warn --CDMLXV_ADDON_ONLY=$addon_only "$@"
