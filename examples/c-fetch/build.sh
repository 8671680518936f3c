#!/usr/bin/env bash
# Builds this example into target/wasm-guests/c-fetch.wasm (or the path given), installing clang-19 and
# wasi-libc (apt-get) and building the lambda-wasm-c tool first when missing. See README.md.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$(realpath -m "${1:-$root/target/wasm-guests/c-fetch.wasm}")
"$root/guest-sdk/c/build.sh" --world http-handler "$out" "$here/app.c"
echo "$out"
