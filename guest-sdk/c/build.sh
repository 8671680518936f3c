#!/usr/bin/env bash
# Builds a C handler (world `handler`) into a component for lambda-wasm, installing what is missing first:
# Debian's clang-19, lld-19, wasi-libc and libclang-rt-19-dev-wasm32 (apt-get), and the `lambda-wasm-c` tool
# (this folder's tool/ crate, built with cargo into target/guest-tools/c-tool).
#
#   guest-sdk/c/build.sh [--world handler|http-handler] <out.wasm> <source.c>... [clang flags]
#
# `--world http-handler` adds `wasi:http`'s outgoing-handler (outbound HTTP) to the imports; the bindings are then
# `http_handler.h`, and `lambda_wasm.h` is compiled with LAMBDA_WASM_HTTP defined.
#
# Steps: `lambda-wasm-c bindgen` writes the bindings (<world>.c, <world>.h, <world>_component_type.o) into
# target/guest-tools/c-bindings/<world>; clang-19 compiles the sources with them and lambda_wasm.h into a wasm32-wasi
# (WASI preview 1) reactor module; `lambda-wasm-c componentize` turns it into a component with the reactor
# adapter (which maps preview 1 to WASI 0.2).
set -euo pipefail

world=handler
if [ "${1:-}" = --world ]; then
  world=${2:-}
  shift 2 || true
fi
case "$world" in
  handler) defines=() ;;
  http-handler) defines=(-DLAMBDA_WASM_HTTP) ;;
  *) echo "$0: --world is handler or http-handler, not '$world'" >&2; exit 2 ;;
esac
if [ $# -lt 2 ]; then
  echo "usage: $0 [--world handler|http-handler] <out.wasm> <source.c>... [clang flags]" >&2
  exit 2
fi
sdk=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$sdk/../.." && pwd)
out=$(realpath -m "$1")
shift
tools=$root/target/guest-tools
packages=(clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} with apt-get" >&2
  sudo=$([ "$(id -u)" -eq 0 ] || echo sudo)
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Up to date in a second when nothing changed; the first build takes about two minutes (see tool/Cargo.toml).
CARGO_TARGET_DIR=$tools/c-tool cargo build --quiet --locked --manifest-path "$sdk/tool/Cargo.toml"
tool=$tools/c-tool/debug/lambda-wasm-c

bindings=$tools/c-bindings/$world
"$tool" bindgen "$root/wit" "$world" "$bindings"
stem=${world//-/_}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Debian's wasi-libc: headers in /usr/include/wasm32-wasi, libraries in /usr/lib/wasm32-wasi, so the sysroot is
# /usr. --strip-debug drops the libc's DWARF (145 KB -> 38 KB) and keeps the names section for trap traces.
clang-19 --target=wasm32-wasi --sysroot=/usr -mexec-model=reactor -Os -Wall -Wextra -Werror \
  -Wl,--strip-debug -I"$bindings" -I"$sdk" "${defines[@]}" \
  "$@" "$bindings/$stem.c" "$bindings/${stem}_component_type.o" -o "$work/core.wasm"
mkdir -p "$(dirname "$out")"
"$tool" componentize "$work/core.wasm" -o "$out"
