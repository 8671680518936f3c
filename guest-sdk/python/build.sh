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
#
# Packages: <app-dir>/requirements.txt (or the `dependencies` of <app-dir>/pyproject.toml) is installed with pip
# into target/python-packages/<hash of the list> (reused while the list is unchanged) and bundled. pip resolves
# for CPython 3.14, the interpreter inside componentize-py 0.25, from wheels; when a package has no wheel for it,
# with the build machine's Python instead. Native extension files built for the build machine are left out: a
# package with a pure-Python fallback (MarkupSafe, PyYAML) works without them, and one that needs its native part
# (pydantic-core, jiter, numpy) fails the build, naming the package.
#
# componentize-py runs with VIRTUAL_ENV pointing at an empty virtualenv, so the build never bundles the machine's
# own site-packages: what the component holds is the app, the SDK and the listed packages, on any machine.
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

# An empty virtualenv for componentize-py to see instead of the machine's site-packages.
empty=$root/target/guest-tools/python-empty
[ -x "$empty/bin/python" ] || python3 -m venv --clear --without-pip "$empty"

# The app's packages: requirements.txt, else pyproject.toml's [project] dependencies.
paths=(-p "$app" -p "$sdk/src")
requirements=
if [ -f "$app/requirements.txt" ]; then
  requirements=$(grep -v '^[[:space:]]*\(#\|$\)' "$app/requirements.txt" || true)
elif [ -f "$app/pyproject.toml" ]; then
  requirements=$("$venv/bin/python" - "$app/pyproject.toml" <<'PY'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    print("\n".join(tomllib.load(f).get("project", {}).get("dependencies", [])))
PY
)
fi
if [ -n "$requirements" ]; then
  hash=$(printf '%s\n' "$requirements" | sha256sum | cut -c1-16)
  packages=$root/target/python-packages/$hash
  if [ ! -f "$packages/.installed" ]; then
    rm -rf "$packages"
    mkdir -p "$packages"
    printf '%s\n' "$requirements" >"$packages/requirements.txt"
    pip=("$venv/bin/pip" install --quiet --disable-pip-version-check --no-compile --target "$packages/site")
    if "${pip[@]}" --python-version 3.14 --implementation cp --only-binary=:all: -r "$packages/requirements.txt" \
      2>"$packages/pip-314.log"; then
      echo "packages: resolved for CPython 3.14 from wheels" >"$packages/.installed"
    else
      echo "packages: not every package has a wheel for CPython 3.14; installing with the build machine's Python" >&2
      rm -rf "$packages/site"
      "${pip[@]}" -r "$packages/requirements.txt"
      echo "packages: resolved with the build machine's Python $("$venv/bin/python" -V 2>&1)" >"$packages/.installed"
    fi
    # Native extensions not built for WASI cannot load in the component: leave them out.
    find "$packages/site" \( -name '*.so' -o -name '*.so.*' \) ! -name '*wasm32-wasi*' -print -delete \
      >"$packages/left-out.txt"
  fi
  echo "$(cat "$packages/.installed") into $packages/site ($(wc -l <"$packages/left-out.txt") native files left out)" >&2
  paths+=(-p "$packages/site")
fi

mkdir -p "$(dirname "$out")"
cd "$app"
# -p: the app's folder, the SDK's src/ (`lambda_wasm`) and the packages; the WIT is the repository's.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! VIRTUAL_ENV=$empty "$venv/bin/componentize-py" -q -d "$root/wit" -w "$world" componentize "$module" \
  "${paths[@]}" -o "$out" 2>"$log"; then
  cat "$log" >&2
  # componentize-py imports the app at build time (pre-initialization): a package whose native part was left
  # out fails there. Name it.
  missing=$(grep -o "No module named '[^']*'" "$log" | head -1 | sed "s/No module named '\(.*\)'/\1/" || true)
  if [ -n "$missing" ] && [ -n "${packages:-}" ] && grep -q "/${missing%%.*}/\|/${missing//./\/}" "$packages/left-out.txt" 2>/dev/null; then
    echo "error: the package providing \`${missing%%.*}\` needs its native extension ($missing), built for this machine, \
which cannot run in a WebAssembly component (no WASI build of it exists); use a pure-Python package instead" >&2
  elif [ -n "$missing" ]; then
    echo "error: \`$missing\` is not importable in the component: add its package to $app/requirements.txt \
(or import it at the top of the module: modules imported only inside a handler are missing at run time)" >&2
  fi
  exit 1
fi
cat "$log" >&2
