#!/usr/bin/env bash
# Runs NemoSpawn's whole test suite on a fresh machine: installs what the tests drive (tmux, git,
# bubblewrap, python3-zmq), then builds every module and runs unit and integration tests, then
# installs the published modules (sources, javadoc without warnings) into target/consumer-repo and
# runs the README quick start from examples/consumer, a project that knows them only through the BOM.
# The cluster module's tests drive a real OpenSSH server on 127.0.0.1:2222 and a real single-node
# SLURM (scripts/ci/start-sshd.sh, start-slurm.sh); they are started here and stopped on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-deps.sh
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO bash scripts/ci/start-sshd.sh
$SUDO bash scripts/ci/start-slurm.sh
trap '$SUDO bash scripts/ci/stop-sshd.sh || true; $SUDO bash scripts/ci/stop-slurm.sh || true' EXIT
set -a
. /tmp/ns-sshd.env
. /tmp/ns-slurm.env
set +a
./mvnw -B -ntp verify "$@"
bash scripts/consumer-test.sh "$@"
