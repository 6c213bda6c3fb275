#!/usr/bin/env python3
"""A faithful stand-in for NemoSpawn 1.0's task creation, timed in-process.

NemoSpawn 1.0 (the Python tool; /work/shared/reference/nemospawn-1.0.md, sections 1.3, 2.2 and
2.3) creates a task as follows, and this script does exactly that, nothing more:

- the id is "task-" + uuid4().hex[:8] (32 random bits, no collision check);
- the record is the Task dataclass turned into a dict (asdict), in field order: task_id,
  team_id, title, agent_id (None), status ("pending", or "blocked" with dependencies),
  blocked_by, metadata, created_at, updated_at; timestamps are datetime.now(timezone.utc)
  .isoformat();
- it is written to a mkstemp(dir=tasks/, suffix=".tmp") file with json.dump(indent=2,
  default=str) plus a trailing newline, then os.replace()d onto tasks/<task_id>.json;
- there is no fsync of the file or the directory, no lock, no index and no audit line.

Usage: tasks10.py [N] [ROUNDS]  (default 1000 tasks, 5 rounds, a fresh directory per round).
Prints one line per round (wall time, and the CPU time of the process, user + system), then
"best: S s" and "median: S s" (wall, seconds) and "cpu median: S s", which scripts/bench.sh
compares with the JMH figures.
"""
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Optional


@dataclass
class Task:
    task_id: str
    team_id: str
    title: str
    agent_id: Optional[str] = None
    status: str = "pending"
    blocked_by: list = field(default_factory=list)
    metadata: dict = field(default_factory=dict)
    created_at: str = ""
    updated_at: str = ""


def _save_json(path, data):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=2, default=str)
        f.write("\n")
    os.replace(tmp, path)


def create_task(team_dir, team_id, title, blocked_by=None):
    tasks = os.path.join(team_dir, "tasks")
    if not os.path.isdir(tasks):
        raise SystemExit(1)
    now = datetime.now(timezone.utc).isoformat()
    t = Task(
        task_id="task-" + uuid.uuid4().hex[:8],
        team_id=team_id,
        title=title,
        status="blocked" if blocked_by else "pending",
        blocked_by=list(blocked_by or []),
        created_at=now,
        updated_at=now,
    )
    _save_json(os.path.join(tasks, t.task_id + ".json"), asdict(t))
    return t


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    walls = []
    cpus = []
    # The rounds' directories are removed at the end, not between rounds: creating files right
    # after removing thousands costs ext4 several times more (the JMH benchmark does the same).
    root = tempfile.mkdtemp(prefix="nemospawn10-")
    try:
        for r in range(rounds):
            team_dir = os.path.join(root, "data%d" % r, "teams", "bench-00000000")
            os.makedirs(os.path.join(team_dir, "tasks"))
            start = time.perf_counter()
            cpu = time.process_time()
            for i in range(n):
                create_task(team_dir, "bench-00000000", "task %d" % i)
            cpu = time.process_time() - cpu
            took = time.perf_counter() - start
            walls.append(took)
            cpus.append(cpu)
            print("round %d: %d tasks in %.3f s (CPU %.3f s)" % (r + 1, n, took, cpu))
    finally:
        shutil.rmtree(root)
    print("best: %.4f s" % min(walls))
    print("median: %.4f s" % statistics.median(walls))
    print("cpu median: %.4f s" % statistics.median(cpus))


if __name__ == "__main__":
    main()
