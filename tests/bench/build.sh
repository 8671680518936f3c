#!/usr/bin/env bash
# Builds everything the benchmarks run, from source, into target/bench (installing what is missing first):
# - bin/bootstrap: the `bootstrap` Lambda runs, as `make dist` builds it for this machine's architecture (lean: no
#   compiler; static musl, packed relocations, stripped);
# - bin/native-echo, bin/native-concurrent (the Managed Instances peer) and the harness (target/release/lambda-wasm-bench): release builds of this crate, and its
#   micro-benchmarks (benches/micro.rs), which `cargo bench --profile release` then runs without rebuilding;
# - task/<lang>-echo.cwasm: the echo guests of guests/ (Rust, C, Python, JavaScript), and python-app (the "real
#   app": the SDK's http and aws modules, Jinja2, PyYAML), built with the SDKs' toolchains and precompiled with `lambda-wasm compile` (target/debug/lambda-wasm, which `make build` makes);
# - python/: a virtualenv with AWS's Python runtime interface client and the real app peer's packages
#   (peers/python/requirements.txt);
# - peers/node/node_modules: AWS's Node.js runtime interface client from the committed lock file; its native addon
#   builds with Debian's cmake, autoconf, automake and libtool (apt-get), and npm runs its install script because
#   package.json approves it (`allowScripts`).
#
#   tests/bench/build.sh
set -euo pipefail
bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$bench/../.." && pwd)
out=$root/target/bench
cli=$root/target/debug/lambda-wasm
mkdir -p "$out/bin" "$out/wasm" "$out/task"
cd "$root"

sudo=$([ "$(id -u)" -eq 0 ] || echo sudo)
missing=()
for tool in cmake autoconf automake libtool g++ make; do
  pkg=$tool
  [ "$tool" = libtool ] && tool=libtoolize
  command -v "$tool" >/dev/null || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]} (for aws-lambda-ric's native addon)" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

arch=$(case "$(uname -m)" in aarch64) echo arm64;; *) echo x86_64;; esac)
echo "== release binaries" >&2
# The `bootstrap` measured is the one Lambda runs: `make dist`'s, for this machine's architecture.
make -s -C "$root" "dist-$arch" >&2
cp "$root/target/dist/$arch/bootstrap" "$out/bin/bootstrap"
cargo build --locked --release -p lambda-wasm-bench --bins --benches
# The native peers as cargo-lambda builds a function by default (glibc, dynamically linked), stripped.
for bin in native-echo native-concurrent; do strip -o "$out/bin/$bin" "target/release/$bin"; done
[ -x "$cli" ] || { echo "$cli is missing: run \`make build\` first" >&2; exit 1; }

echo "== guests" >&2
CARGO_TARGET_DIR=$root/target/wasm-guests cargo build --locked --release --target wasm32-wasip2 \
  --manifest-path "$bench/guests/rust-echo/Cargo.toml"
cp "$root/target/wasm-guests/wasm32-wasip2/release/bench_rust_echo.wasm" "$out/wasm/rust-echo.wasm"
guest-sdk/c/build.sh "$out/wasm/c-echo.wasm" "$bench/guests/c-echo/app.c" >&2
guest-sdk/python/build.sh "$bench/guests/python-echo" app handler "$out/wasm/python-echo.wasm" >&2
guest-sdk/python/build.sh "$bench/guests/python-app" app handler "$out/wasm/python-app.wasm" >&2
guest-sdk/js/setup.sh "$bench/guests/js-echo"
(cd "$bench/guests/js-echo" && node_modules/.bin/lambda-wasm-js build app.js -o "$out/wasm/js-echo.wasm" >&2)

for name in rust-echo c-echo python-echo python-app js-echo; do
  "$cli" compile "$out/wasm/$name.wasm" -o "$out/task/$name.cwasm" --target "$arch" >&2
done

echo "== peers" >&2
requirements=$bench/peers/python/requirements.txt
stamp=$out/python/.installed
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$(sha256sum <"$requirements")" ]; then
  python3 -m venv --clear "$out/python"
  "$out/python/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  sha256sum <"$requirements" >"$stamp"
fi
node=$bench/peers/node
stamp=$node/node_modules/.lambda-wasm-installed
want=$(cat "$node/package.json" "$node/package-lock.json" | sha256sum)
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  (cd "$node" && npm ci --no-audit --no-fund --loglevel=error >&2)
  echo "$want" >"$stamp"
fi
[ -f "$node/node_modules/aws-lambda-ric/dist/rapid-client.node" ] || {
  echo "aws-lambda-ric's native addon was not built (its install script did not run)" >&2
  exit 1
}
ls -l "$out/bin" "$out/task" >&2
