#!/usr/bin/env bash
# Builds this example into target/wasm-guests/python-streaming.wasm (or the path given), installing componentize-py into
# target/guest-tools/python first when missing. See README.md.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/target/wasm-guests/python-streaming.wasm}
"$root/guest-sdk/python/build.sh" "$here" app streaming-handler "$out"
echo "$out"
