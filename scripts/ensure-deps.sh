#!/usr/bin/env bash
# Installs what Herald's build and tests need on a fresh machine; does nothing when all is
# there. Usage: scripts/ensure-deps.sh [node] [nats] [chromium] [postgres] [prometheus] [sdks]
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
  # The TLS tests make their certificates with it (test/helpers/test-certificates.ts).
  command -v openssl >/dev/null 2>&1 || apt_install openssl
fi

# nats-server: a pinned current release built from the Go module proxy (Debian's is 2.9.10,
# from 2022; the people who deploy Herald run 2.10-2.14), cached per version outside the
# checkout so fresh clones reuse it. Tests, `make cluster` and `make bench` find it through
# .tools/bin (scripts/test.sh, the Makefile and loadtest/bench.sh put it first on PATH). Debian's binary only without Go.
NATS_SERVER_VERSION=v2.14.9
HERALD_TOOLS_CACHE="${HERALD_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/herald/tools}"
if need nats; then
  mkdir -p .tools/bin
  built="$HERALD_TOOLS_CACHE/nats-server-$NATS_SERVER_VERSION/nats-server"
  if [ ! -x "$built" ] && command -v go >/dev/null 2>&1; then
    echo "ensure-deps: go install github.com/nats-io/nats-server/v2@$NATS_SERVER_VERSION" >&2
    GOBIN="$(dirname "$built")" go install "github.com/nats-io/nats-server/v2@$NATS_SERVER_VERSION" >&2
  fi
  if [ -x "$built" ]; then
    ln -sfn "$built" .tools/bin/nats-server
  else
    echo "ensure-deps: Go is missing; falling back to Debian's (older) nats-server" >&2
    [ -x /usr/sbin/nats-server ] || [ -x /usr/bin/nats-server ] || apt_install nats-server
    ln -sfn "$( [ -x /usr/sbin/nats-server ] && echo /usr/sbin/nats-server || echo /usr/bin/nats-server )" .tools/bin/nats-server
  fi
fi

# helm: the chart's tests run `helm lint` and `helm template` (test/deploy). Built from the Go
# module proxy like nats-server, cached per version, linked into .tools/bin. The -X flags are
# those of helm's own release build (its Makefile): the version, and the Kubernetes version
# `helm template` assumes (1.37, from its client-go v0.37), which a plain `go install` leaves at 1.20.
HELM_VERSION=v3.22.0
HELM_KUBE_MINOR=37
if need helm; then
  mkdir -p .tools/bin
  built="$HERALD_TOOLS_CACHE/helm-$HELM_VERSION/helm"
  if [ ! -x "$built" ]; then
    command -v go >/dev/null 2>&1 || apt_install golang-go
    echo "ensure-deps: go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
    ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
    for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
      ldflags="$ldflags -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$HELM_KUBE_MINOR"
    done
    GOBIN="$(dirname "$built")" go install -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
  fi
  ln -sfn "$built" .tools/bin/helm
fi

if need chromium; then
  if [ ! -x /usr/bin/chromium ]; then apt_install chromium; fi
fi

if need postgres; then
  if ! have_postgres_server; then apt_install postgresql; fi
  have_postgres_server || { echo "ensure-deps: PostgreSQL server binaries still missing after apt-get install postgresql" >&2; exit 1; }
fi

# Prometheus and promtool (Debian's 2.42): test/deploy checks the shipped alerting rules with
# `promtool check|test rules` and scrapes a running cluster to evaluate every dashboard query.
if need prometheus; then
  if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then apt_install prometheus; fi
fi

# The official Pusher SDKs of other languages and their test drivers (test/sdks/README.md),
# each from its own registry at the version its lock file pins. A missing toolchain comes
# from Debian's packages.
if need sdks; then
  command -v python3 >/dev/null 2>&1 && python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3 python3-venv
  command -v go >/dev/null 2>&1 || apt_install golang-go
  command -v java >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1 || apt_install default-jdk-headless maven
  for sdk in python go java; do
    bash "test/sdks/$sdk/install.sh" >&2
  done
fi
