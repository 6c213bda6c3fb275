#!/usr/bin/env bash
# Runs NemoSpawn's whole test suite on a fresh machine: installs what the tests drive (tmux, git,
# bubblewrap, python3-zmq), then builds every module and runs unit and integration tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-deps.sh
./mvnw -B -ntp verify "$@"
