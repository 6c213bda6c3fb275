#!/usr/bin/env bash
# Runs NemoSpawn's whole test suite on a fresh machine: installs what the tests drive (tmux, git,
# bubblewrap, python3-zmq), then builds every module and runs unit and integration tests, then
# installs the published modules (sources, javadoc without warnings) into target/consumer-repo and
# runs the README quick start from examples/consumer, a project that knows them only through the BOM.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-deps.sh
./mvnw -B -ntp verify "$@"
bash scripts/consumer-test.sh "$@"
