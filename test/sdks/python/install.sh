#!/usr/bin/env bash
# Installs the Python server SDK (`pusher`, pinned with hashes in requirements.lock) into
# <repo>/.tools/sdks/python/venv. A no-op when the venv was built from this very lock file.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
venv="$root/.tools/sdks/python/venv"
lock="$here/requirements.lock"
stamp="$venv/.installed-lock" # a copy of the lock file the venv was built from

if [ -x "$venv/bin/python" ] && cmp -s "$lock" "$stamp"; then exit 0; fi

echo "sdks/python: installing pusher into $venv" >&2
# --clear: start from an empty venv, so a package dropped from the lock does not linger.
if python3 -m venv --clear "$venv" >&2 2>/dev/null; then
  pip=("$venv/bin/python" -m pip)
else
  # No ensurepip (Debian without python3-venv): an empty venv, filled by the host's pip.
  python3 -m venv --clear --without-pip "$venv" >&2
  pip=(python3 -m pip --python "$venv/bin/python")
fi
# --no-deps: the lock already lists every transitive package; pip must not fetch others.
"${pip[@]}" install --quiet --disable-pip-version-check --no-input \
  --require-hashes --no-deps -r "$lock" >&2
"$venv/bin/python" -c 'import pusher, nacl' # fail here, not in a test, if something is off
cp "$lock" "$stamp"
