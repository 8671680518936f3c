#!/usr/bin/env bash
# `make demo`: serves the hello example through the real bootstrap and the emulator, invokes it, prints the
# answers. Usage: tests/demo.sh <lambda-wasm> <component.wasm>
set -euo pipefail
cli=$1
component=$2
log=$(mktemp)
"$cli" serve "$component" --port 0 >"$log" 2>&1 &
serve=$!
trap 'kill $serve 2>/dev/null || true; rm -f "$log"' EXIT

# Wait (at most 30 s) for the emulator to print its invoke URL.
port=
for _ in $(seq 1 300); do
  port=$(sed -n 's|^lambda-wasm: invoke URL: http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$log")
  [ -n "$port" ] && break
  kill -0 $serve 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "lambda-wasm serve did not start"; cat "$log"; exit 1; }

echo "== lambda-wasm serve $component (port $port)"
for event in '{"name":"Ada"}' '{"name":"Grace"}' '{}'; do
  echo "== invoke $event"
  "$cli" invoke --port "$port" --data "$event"
done
echo "== the function's log"
cat "$log"
