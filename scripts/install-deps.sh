#!/usr/bin/env bash
# Installs, from Debian's archive, what NemoSpawn's build, tests and main job use on a fresh
# machine: a JDK 17 (if none), tmux (default agent runtime), git (worktrees), bubblewrap (sandbox
# runtime), and for /usr/bin/python3 python3-zmq (the ZeroMQ interoperability test's peer) and
# python3-optuna (the HPO module's Optuna 3.1 oracle), chromium + chromium-driver (the board's
# browser tests, through Selenium) and prometheus (promtool and a server for the exporter's
# tests). Idempotent; needs root or sudo.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

SUDO=
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  SUDO=sudo
fi

if ! command -v javac >/dev/null || ! javac -version 2>&1 | grep -Eq 'javac (1[7-9]|[2-9][0-9])'; then
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless >/dev/null
fi

$SUDO bash "$here/ci/install-tools.sh" tmux git python3-zmq bubblewrap python3-optuna \
  chromium chromium-driver prometheus git-annex
