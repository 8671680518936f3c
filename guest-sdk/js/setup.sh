#!/usr/bin/env bash
# Installs what building a JavaScript or TypeScript handler needs, from the committed lock files: the SDK's
# toolchain (componentize-js, esbuild) into guest-sdk/js/node_modules, then, for each <app-dir> given, the
# app's own dependencies (the SDK, linked; typescript for a TypeScript app). Skips an install whose lock file
# has not changed since the last one. Needs Node 20.6+ and npm.
#
#   guest-sdk/js/setup.sh [<app-dir>...]
set -euo pipefail
sdk=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# `npm ci` in $1 unless node_modules was installed from the same package.json and package-lock.json.
install() {
  local dir=$1 stamp=$1/node_modules/.lambda-wasm-installed want
  want=$(cat "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
    echo "npm ci in $dir" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
    echo "$want" >"$stamp"
  fi
}

command -v node >/dev/null && command -v npm >/dev/null || {
  echo "guest-sdk/js/setup.sh: node and npm are needed (Node 20.6 or later)" >&2
  exit 1
}
install "$sdk"
for app in "$@"; do
  install "$(cd "$app" && pwd)"
done
