#!/usr/bin/env bash
# Installs what Herald's build and tests need on a fresh machine; does nothing when all is
# there. Usage: scripts/ensure-deps.sh [node] [nats] [chromium] [postgres]
set -euo pipefail
cd "$(dirname "$0")/.."

wanted=("$@")
need() { [ ${#wanted[@]} -eq 0 ] || [[ " ${wanted[*]} " == *" $1 "* ]]; }

apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "ensure-deps: apt-get install -y $*" >&2
  $sudo apt-get update -qq >/dev/null 2>&1 || true
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# The PostgreSQL server binaries the tests run (test/helpers/postgres.ts): initdb and postgres
# on PATH or in Debian's /usr/lib/postgresql/<version>/bin. (pg_ctlcluster alone is not
# enough: it comes with postgresql-common, which can be there without any server.)
have_postgres_server() {
  if command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1; then return 0; fi
  local bin
  for bin in /usr/lib/postgresql/*/bin; do
    if [ -x "$bin/initdb" ] && [ -x "$bin/postgres" ]; then return 0; fi
  done
  return 1
}

if need node; then
  if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "ensure-deps: npm ci" >&2
    npm ci --no-audit --no-fund --loglevel=error >&2
  fi
fi

if need nats; then
  if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ] && [ ! -x /usr/bin/nats-server ]; then
    apt_install nats-server
  fi
fi

if need chromium; then
  if [ ! -x /usr/bin/chromium ]; then apt_install chromium; fi
fi

if need postgres; then
  if ! have_postgres_server; then apt_install postgresql; fi
  have_postgres_server || { echo "ensure-deps: PostgreSQL server binaries still missing after apt-get install postgresql" >&2; exit 1; }
fi
