#!/usr/bin/env bash
# `npm start`: installs dependencies if needed, builds, and runs Herald in embedded mode.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh node
npm run --silent build >&2
exec node --enable-source-maps dist/services/herald/src/main.js "$@"
