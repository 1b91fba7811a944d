#!/usr/bin/env bash
# Builds the Go SDK driver into <repo>/.tools/sdks/go/driver; go.mod + go.sum pin the SDK.
# No-op when the binary is newer than every source file here.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="$root/.tools/sdks/go/driver"

if [[ -x "$out" ]] && [[ -z "$(find "$here" -maxdepth 1 \( -name '*.go' -o -name go.mod -o -name go.sum \) -newer "$out")" ]]; then
  exit 0
fi

mkdir -p "$(dirname "$out")"
cd "$here"
# -mod=readonly: fail rather than rewrite go.mod/go.sum, so go.sum stays the lock.
go build -mod=readonly -buildvcs=false -o "$out.tmp" .
mv -f "$out.tmp" "$out"
echo "built $out"
