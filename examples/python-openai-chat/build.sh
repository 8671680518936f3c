#!/usr/bin/env bash
# Builds this example into target/wasm-guests/python-openai-chat.wasm (or the path given). See README.md.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/target/wasm-guests/python-openai-chat.wasm}
"$root/guest-sdk/python/build.sh" "$here" app streaming-http-handler "$out"
echo "$out"
