package io.nemospawn.benchmarks;

import io.nemospawn.AgentSpec;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.AgentStatus;
import io.nemospawn.core.FileTrees;
import io.nemospawn.core.ops.RestoreReport;
import io.nemospawn.core.ops.Scheduler;
import io.nemospawn.core.ops.SnapshotInfo;
import io.nemospawn.core.ops.Snapshots;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.TaskSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Measures team operations on a team of 100 agents (stopped, so a restore needs no force) and
 * 10,000 tasks owned round-robin: saving a snapshot, restoring it (stage, commit, swap; durability
 * off), and one {@code schedule analyze}. Reference (NemoSpawn 1.0): {@code snapshot save} of a
 * 1,000-task team 0.58 s.
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar OpsBenchmark -f 1 -wi 1 -i
 * 3}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class OpsBenchmark {
  Path dir;
  NemoSpawn ns;
  Team team;
  Snapshots snapshots;
  SnapshotInfo saved;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("nemospawn-bench-");
    ns = NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
    team = ns.newTeam("ops").create();
    List<AgentInfo> agents = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      agents.add(team.agents().register(AgentSpec.builder("a" + i).build()));
    }
    for (int i = 0; i < 10_000; i++) {
      team.tasks().create(TaskSpec.of("task " + i).withOwner(agents.get(i % 100).id()));
    }
    for (AgentInfo a : agents) {
      team.agents().updateStatus(a.id(), AgentStatus.STOPPED, 0);
    }
    snapshots = Snapshots.of(team);
    saved = snapshots.save("bench");
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    ns.close();
    FileTrees.delete(dir);
  }

  /** Saves a snapshot of 100 agents and 10,000 tasks. */
  @Benchmark
  public SnapshotInfo snapshotSave10kTasks() {
    SnapshotInfo s = snapshots.save("bench");
    snapshots.delete(s.id());
    return s;
  }

  /** Restores a snapshot of 100 agents and 10,000 tasks (all or nothing). */
  @Benchmark
  public RestoreReport snapshotRestore10kTasks() {
    return snapshots.restore(saved.id(), false);
  }

  /** Analyzes 100 agents and 10,000 tasks. */
  @Benchmark
  public Scheduler.Analysis scheduleAnalyze100Agents10kTasks() {
    return Scheduler.of(team).analyze();
  }
}
