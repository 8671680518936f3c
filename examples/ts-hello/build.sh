#!/usr/bin/env bash
# Builds this example into target/wasm-guests/ts-hello.wasm (or the path given): `tsc` to dist/, then the
# JavaScript build; installs the toolchain from the lock files first when missing. See README.md.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$(realpath -m "${1:-$root/target/wasm-guests/ts-hello.wasm}")
"$root/guest-sdk/js/setup.sh" "$here"
mkdir -p "$(dirname "$out")"
cd "$here"
node_modules/.bin/tsc
node_modules/.bin/lambda-wasm-js build dist/app.js -o "$out" >&2
echo "$out"
