#!/usr/bin/env bash
# Builds this example into target/wasm-guests/js-middy-api.wasm (or the path given), installing the JavaScript
# toolchain from the lock files first when missing. See README.md.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$(realpath -m "${1:-$root/target/wasm-guests/js-middy-api.wasm}")
"$root/guest-sdk/js/setup.sh" "$here"
mkdir -p "$(dirname "$out")"
cd "$here"
node_modules/.bin/lambda-wasm-js build app.js --http -o "$out" >&2
echo "$out"
