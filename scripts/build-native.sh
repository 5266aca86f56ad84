#!/usr/bin/env bash
# Builds every native target (addon via cmake-js, OFX bundle and test host) into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
npx cmake-js compile --directory . --out build --log-level warn "$@"
