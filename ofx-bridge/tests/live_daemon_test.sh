#!/usr/bin/env bash
# ctest ofx.host_live_daemon: the test host against the built bundle and a real daemon (`mlxv serve` in a
# temp config dir): identity on a test card, Resolve mode, negative row bytes, 2 instances at once.
# The full live and fault suite is test/ofx/*.test.ts (vitest).
# Usage: live_daemon_test.sh <mlxv-ofx-host> <mlxvideo.ofx.bundle> <repo root>
set -euo pipefail
host=$1 bundle=$2 root=$3
dir=$(mktemp -d)
MLXV_CONFIG_DIR=$dir MLXV_PORT= node "$root/core/bin/mlxv.js" serve --port 0 >"$dir/out" 2>"$dir/err" &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
port=""
for _ in $(seq 1 600); do
  port=$(sed -n 's|.*127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$dir/out" | head -n1)
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/err" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "daemon did not start" >&2; cat "$dir/err" >&2; exit 1; }
MLXV_CONFIG_DIR=$dir MLXV_PORT=$port "$host" --bundle "$bundle" --plugin org.mlxvideo.identity --synthetic 64x36 \
  --param gain=0.5 --resolve --negative-rowbytes --instances 2 --frames 2 --expect ok --max-ms 20000
