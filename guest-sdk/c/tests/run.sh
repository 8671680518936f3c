#!/usr/bin/env bash
# Runs the C helper's native unit tests with a host C compiler (clang-19, else cc), after writing the bindings
# with the lambda-wasm-c tool (built when missing). Usage: guest-sdk/c/tests/run.sh
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
bindings=$root/target/guest-tools/c-bindings/handler
tool=$root/target/guest-tools/c-tool/debug/lambda-wasm-c
CARGO_TARGET_DIR=$root/target/guest-tools/c-tool cargo build --quiet --locked --manifest-path "$here/../tool/Cargo.toml"
"$tool" bindgen "$root/wit" handler "$bindings"
cc=$(command -v clang-19 || command -v cc)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$cc" -std=c11 -Wall -Wextra -Werror -I"$bindings" -I"$here/.." "$here/json_test.c" -o "$work/json_test"
"$work/json_test"
