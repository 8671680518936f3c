#!/usr/bin/env bash
# Builds a Python handler into a component for lambda-wasm, installing componentize-py first when missing.
#
#   guest-sdk/python/build.sh <app-dir> <module> <world> <out.wasm>
#
# <module> is the app's module name (`app` for app.py) and defines `WitWorld` (lambda_wasm.handler(...) or
# lambda_wasm.streaming_handler(...)); <world> is `handler` or `streaming-handler`.
#
# componentize-py (version pinned in requirements-build.txt) lives in a virtualenv under target/ (ignored by
# git): $LAMBDA_WASM_PYTHON_VENV, default <repo>/target/guest-tools/python. It needs Python 3.10+ with `venv`
# (Debian: python3-venv, installed with apt-get when `python3 -m venv` fails).
set -euo pipefail

if [ $# -ne 4 ]; then
  echo "usage: $0 <app-dir> <module> <world> <out.wasm>" >&2
  exit 2
fi
sdk=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$sdk/../.." && pwd)
app=$(cd "$1" && pwd)
module=$2
world=$3
out=$(realpath -m "$4")
venv=${LAMBDA_WASM_PYTHON_VENV:-$root/target/guest-tools/python}
version=$(sed -n 's/^componentize-py==//p' "$sdk/requirements-build.txt")

if [ "$("$venv/bin/componentize-py" --version 2>/dev/null || true)" != "componentize-py $version" ]; then
  echo "installing componentize-py $version into $venv" >&2
  if ! python3 -m venv --clear "$venv" 2>/dev/null; then
    # Debian's python3 has no venv module until python3-venv is installed.
    sudo=$([ "$(id -u)" -eq 0 ] || echo sudo)
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv --clear "$venv"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$sdk/requirements-build.txt"
fi

mkdir -p "$(dirname "$out")"
cd "$app"
# -p: the app's folder and the SDK's src/ (`lambda_wasm`); the WIT is the repository's.
"$venv/bin/componentize-py" -q -d "$root/wit" -w "$world" componentize "$module" -p "$app" -p "$sdk/src" -o "$out"
