#!/usr/bin/env bash
# Builds every non-Rust example into target/wasm-guests/<name>.wasm, from source, installing each language's
# toolchain first when missing (componentize-py in a virtualenv under target/, the npm packages of the committed
# lock files, Debian's clang-19 and wasi-libc with apt-get, the lambda-wasm-c tool with cargo). Then checks each
# component: the component header, the export of its world (`handle`, or `handle-stream` for a streaming
# example), imports only from `lambda:handler/*` and `wasi:*`; writes its world summary next to it
# (<name>.imports.txt) and prints its path, size and build time. Idempotent: a second run only rebuilds the
# components.
#
#   examples/build-all.sh [name...]     # default: every example below
#
# Needs Rust (cargo), Python 3.10+ with pip, Node 20.6+ with npm, and apt-get (as root, or with sudo).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

# Each example and the export its world requires.
declare -A exports=(
  [python-hello]=handle
  [python-streaming]=handle-stream
  [python-packages]=handle
  [python-bedrock-chat]=handle-stream
  [python-openai-chat]=handle-stream
  [python-powertools-api]=handle
  [js-hello]=handle
  [js-fetch-stream]=handle
  [js-bedrock]=handle
  [js-middy-api]=handle
  [ts-hello]=handle
  [c-hello]=handle
  [c-fetch]=handle
)
all=(python-hello python-streaming python-packages python-bedrock-chat python-openai-chat python-powertools-api js-hello js-fetch-stream js-bedrock js-middy-api ts-hello c-hello c-fetch)
names=("$@")
[ ${#names[@]} -gt 0 ] || names=("${all[@]}")
for name in "${names[@]}"; do
  [ -n "${exports[$name]:-}" ] || { echo "build-all: unknown example $name (known: ${all[*]})" >&2; exit 2; }
done

built=()
durations=()
started=$SECONDS
for name in "${names[@]}"; do
  echo "== building $name" >&2
  begin=$SECONDS
  built+=("$("$here/$name/build.sh" | tail -n 1)")
  durations+=($((SECONDS - begin)))
done
build_time=$((SECONDS - started))

# The checks decode components with lambda-wasm-c (built by the C example's build, or here).
tools=$root/target/guest-tools
CARGO_TARGET_DIR=$tools/c-tool cargo build --quiet --locked --manifest-path "$root/guest-sdk/c/tool/Cargo.toml"
tool=$tools/c-tool/debug/lambda-wasm-c

failed=0
report=()
for i in "${!names[@]}"; do
  name=${names[$i]} out=${built[$i]} export=${exports[${names[$i]}]}
  problems=()
  [ "$(head -c 8 "$out" | od -An -tx1 | tr -d ' \n')" = 0061736d0d000100 ] || problems+=("not a component")
  summary=${out%.wasm}.imports.txt
  if "$tool" wit --summary "$out" >"$summary"; then
    grep -qx "export $export: func" "$summary" || problems+=("no export $export")
    strays=$(grep '^import ' "$summary" | grep -v -E '^import (lambda:handler/|wasi:)|: type$' || true)
    [ -z "$strays" ] || problems+=("imports outside lambda:handler and wasi: $(echo $strays)")
  else
    problems+=("does not decode")
  fi
  status=ok
  if [ ${#problems[@]} -gt 0 ]; then
    status="FAILED: ${problems[*]}"
    failed=1
  fi
  lambda=$(grep -c '^import lambda:handler/' "$summary" || true)
  wasi=$(grep -c '^import wasi:' "$summary" || true)
  version=$(sed -n 's/^import wasi:[^@]*@//p' "$summary" | sort -u | tr '\n' ' ')
  report+=("$(printf '%-17s %9s bytes %4ss  %s  [export %s; imports %s lambda:handler + %s wasi @ %s] %s' \
    "$name" "$(stat -c %s "$out")" "${durations[$i]}" "$out" "$export" "$lambda" "$wasi" "${version% }" "$status")")
done
echo "== built ${#names[@]} components in ${build_time}s"
printf '%s\n' "${report[@]}"
exit $failed
