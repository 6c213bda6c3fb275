#!/usr/bin/env bash
# The main job on a fresh machine: installs what NemoSpawn needs, builds the CLI, and launches the
# autoresearch team. Without GPUs or an agent CLI (Claude Code, Codex, …) it uses the built-in demo
# agent, which trains a small Java model on the CPU with hyperparameters from the team's shared
# TPE + ASHA study; with them it runs the real thing. Extra arguments go to `launch run`, e.g.
#   scripts/main-job.sh --gpus 0-7 --profile claude
# State goes to $NEMOSPAWN_DATA_DIR (default ~/.nemospawn); the summary says where.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-deps.sh
echo "Building the nemospawn CLI (about a minute the first time)…" >&2
./mvnw -B -q -ntp -pl nemospawn-cli -am -DskipTests -DskipITs -Dspotless.check.skip=true package
exec bin/nemospawn launch run autoresearch "$@"
