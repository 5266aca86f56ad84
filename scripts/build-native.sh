#!/usr/bin/env bash
# Builds every native target (addon via cmake-js, OFX bundle and test host) into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
# cmake-js downloads Node's headers unless nodedir names local ones; there is no internet in CI, and
# Debian's nodejs ships them in /usr/include/node.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node_api.h ]; then export npm_config_nodedir=/usr; fi
npx cmake-js compile --directory . --out build --log-level warn "$@"
