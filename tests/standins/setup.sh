#!/usr/bin/env bash
# Makes the stand-ins' virtualenv (target/standins/venv) with the packages of requirements.txt, once per list.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
venv=$root/target/standins/venv
stamp=$venv/.installed
want=$(sha256sum <"$here/requirements.txt")
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  python3 -m venv --clear "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  echo "$want" >"$stamp"
fi
