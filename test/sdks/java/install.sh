#!/usr/bin/env bash
# Builds the Java SDK drivers (pom.xml pins both SDKs) into <repo>/.tools/sdks/java/drivers.jar.
# Does nothing when that jar is newer than every input. Maven uses its default local
# repository (~/.m2), so a rebuild on a warm machine needs no network.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"  # test/sdks/java -> repo root
out="$root/.tools/sdks/java"
jar="$out/drivers.jar"

if [ -f "$jar" ] && [ -z "$(find "$here/pom.xml" "$here/install.sh" "$here/src" -newer "$jar" -print -quit)" ]; then
  exit 0
fi

echo "sdks/java: mvn package" >&2
(cd "$here" && mvn -q -B package -DskipTests) >&2
mkdir -p "$out"
cp "$here/target/drivers.jar" "$jar.tmp"
mv "$jar.tmp" "$jar"
