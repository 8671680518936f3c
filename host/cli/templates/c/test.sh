#!/usr/bin/env bash
# Runs test_app.c natively with a host C compiler, against the bindings `lambda-wasm build` wrote.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sdk="{{sdk}}"
bindings=$sdk/target/guest-tools/c-bindings/handler
[ -f "$bindings/handler.h" ] || { echo "run \`lambda-wasm build\` first: it writes the bindings" >&2; exit 1; }
cc=$(command -v clang-19 || command -v cc)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$cc" -std=c11 -Wall -Wextra -Werror -I"$bindings" -I"$sdk/guest-sdk/c" -I"$here" "$here/test_app.c" -o "$work/test"
"$work/test"
