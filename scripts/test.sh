#!/usr/bin/env bash
# `npm test`: the whole test suite, from a fresh clone. Installs what the tests need
# (npm packages, nats-server, chromium, PostgreSQL, the SDKs of test/sdks), lints, builds,
# then runs every *.test.ts (compiled) with Node's test runner. Pass file filters to run a
# subset (lint is skipped then, so a focused run stays quick):
#   npm test -- embedded      runs tests whose path contains "embedded"
# `npm run test:unit` (scripts/test.sh --unit): the unit tests beside the code, in seconds:
# every services/**/*.test.ts except *.integration.test.ts, which start real servers.
set -euo pipefail
cd "$(dirname "$0")/.."

unit=false
if [ "${1:-}" = "--unit" ]; then unit=true; shift; fi

if $unit; then
  bash scripts/ensure-deps.sh node
else
  bash scripts/ensure-deps.sh
  [ $# -gt 0 ] || npm run --silent lint
fi
npm run --silent build
export PATH="$PWD/.tools/bin:$PATH"   # the pinned nats-server ensure-deps built

# Compiled tests whose source still exists (dist/ may hold files of deleted tests).
mapfile -t files < <(find dist -name '*.test.js' -not -path '*/node_modules/*' | sort | while read -r f; do
  src="${f#dist/}"; [ -f "${src%.js}.ts" ] && echo "$f"; done)
if $unit; then
  filtered=()
  for f in "${files[@]}"; do [[ "$f" == dist/services/* && "$f" != *.integration.test.js ]] && filtered+=("$f"); done
  files=("${filtered[@]}")
fi
if [ $# -gt 0 ]; then
  filtered=()
  for f in "${files[@]}"; do
    for pattern in "$@"; do [[ "$f" == *"$pattern"* ]] && filtered+=("$f") && break; done
  done
  files=("${filtered[@]}")
fi
[ ${#files[@]} -gt 0 ] || { echo "no test files match: $*" >&2; exit 1; }

# --test-force-exit: pusher-js leaves strategy timers running after disconnect() when its
# server died mid-connect (cluster failure tests), which would hold a finished file open.
exec node --enable-source-maps --test --test-force-exit --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout=120000 "${files[@]}"
