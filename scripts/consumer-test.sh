#!/usr/bin/env bash
# Proves NemoSpawn can be used like a published library:
#  1. installs every published module with its sources and javadoc jars (-Prelease: any javadoc
#     warning fails the build) into a local repository under target/consumer-repo, reading
#     third-party artifacts from the normal local repository (Maven 3.9's maven.repo.local.tail), so
#     the shared ~/.m2 never receives our snapshots;
#  2. builds examples/consumer, a user's project that depends on those artifacts through
#     nemospawn-bom only, and runs the README's Java quick start in it.
# Run by scripts/test.sh after the test suite (and so by .ci/run). Extra arguments go to both builds
# (e.g. -o for offline).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$PWD/target/consumer-repo"
tail="${NEMOSPAWN_M2_TAIL:-$HOME/.m2/repository}"
version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -1)
rm -rf "$repo/io/nemospawn"
mvn_repo=(-Dmaven.repo.local="$repo" -Dmaven.repo.local.tail="$tail")

echo "consumer-test: installing nemospawn $version (with sources and javadoc) into $repo" >&2
./mvnw -B -ntp -q "${mvn_repo[@]}" install -Prelease -DskipTests -DskipITs \
  -pl '!examples,!nemospawn-benchmarks' "$@"

# every module the parent builds is published (but examples and benchmarks), listed in the BOM, and
# installed with its sources and javadoc
bom=nemospawn-bom/pom.xml
for m in $(sed -n 's:^ *<module>\(.*\)</module>$:\1:p' pom.xml); do
  case $m in examples | nemospawn-benchmarks | nemospawn-bom) continue ;; esac
  grep -q "<artifactId>$m</artifactId>" "$bom" \
    || { echo "consumer-test: module $m is published but missing from $bom; add it there" >&2; exit 1; }
  for suffix in .jar -sources.jar -javadoc.jar .pom; do
    f="$repo/io/nemospawn/$m/$version/$m-$version$suffix"
    [ -s "$f" ] || { echo "consumer-test: $f was not installed" >&2; exit 1; }
  done
done
[ -s "$repo/io/nemospawn/nemospawn-bom/$version/nemospawn-bom-$version.pom" ] \
  || { echo "consumer-test: nemospawn-bom $version was not installed" >&2; exit 1; }

echo "consumer-test: building examples/consumer against the installed artifacts" >&2
rm -rf examples/consumer/target
./mvnw -B -ntp -q "${mvn_repo[@]}" -f examples/consumer/pom.xml -Dnemospawn.version="$version" \
  verify "$@"
