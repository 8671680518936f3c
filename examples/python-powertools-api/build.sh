#!/usr/bin/env bash
# Builds this example into target/wasm-guests/python-powertools-api.wasm (or the path given), installing componentize-py
# and the packages of requirements.txt first when missing. See README.md.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/target/wasm-guests/python-powertools-api.wasm}
"$root/guest-sdk/python/build.sh" "$here" app handler "$out"
echo "$out"
