package io.nemospawn.benchmarks;

import io.nemospawn.Listing;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.core.FileTrees;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskSpec;
import io.nemospawn.task.Tasks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Measures the task graph through the public API: creating {@code tasks} tasks in a fresh team one
 * {@code create} at a time and with one {@code createAll}, listing 1,000 tasks, and completing one
 * task in a team of {@code tasks} tasks (which unblocks its dependent through the dependents index
 * instead of rescanning the team). The sizes are parameters, so scaling curves come from {@code -p
 * tasks=1000,10000,100000}. Reference (NemoSpawn 1.0, same machine class): {@code
 * scripts/tasks10.py} times 1.0's own create function; {@code scripts/bench.sh tasks} runs it in
 * the same run and prints the ratio.
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar TaskGraphBenchmark -f 1 -wi
 * 2 -i 3 -w 1s -r 1s}
 */
public class TaskGraphBenchmark {
  /** A fresh team for each creation run, and the specs of the tasks to create. */
  @State(Scope.Thread)
  public static class Empty {
    @Param({"NONE", "FSYNC"})
    public Durability durability;

    /** How many tasks each invocation creates. */
    @Param({"1000"})
    public int tasks;

    Path dir;
    NemoSpawn ns;
    Team handle;
    Tasks team;
    List<TaskSpec> specs;

    /**
     * One directory per trial, holding the shots' data directories, as scripts/tasks10.py holds
     * 1.0's: a new directory made straight in a large, old {@code /tmp} made every file created in
     * it several times slower on the ext4 VM of docs/benchmarks.md (about 200 ms per 1,000 against
     * 20-30 ms one level down), which timed the disk's allocator rather than the store.
     */
    Path root;

    @Setup(Level.Trial)
    public void makeRoot() throws IOException {
      root = Files.createTempDirectory("nemospawn-bench-");
    }

    @Setup(Level.Invocation)
    public void setUp() throws IOException {
      dir = Files.createTempDirectory(root, "shot-");
      ns = NemoSpawn.builder().dataDir(dir).durability(durability).open();
      handle = ns.newTeam("bench").create();
      team = handle.tasks();
      specs = new ArrayList<>(tasks);
      for (int i = 0; i < tasks; i++) {
        specs.add(TaskSpec.of("task " + i));
      }
    }

    /** The data directories of the shots, removed at the end of the trial. */
    final List<Path> made = new ArrayList<>();

    @TearDown(Level.Invocation)
    public void tearDown() throws IOException {
      ns.close();
      // Creating files right after removing thousands costs ext4 several times more, which
      // would time the removal rather than the creation: the directories stay until the end of
      // the trial (as scripts/tasks10.py keeps 1.0's), unless that would keep more than 200,000
      // task files (a block of 4 kB each) on disk.
      made.add(dir);
      if ((long) made.size() * tasks > 200_000) {
        removeAll();
      }
    }

    public void removeAll() throws IOException {
      for (Path p : made) {
        FileTrees.deleteOrThrow(p);
      }
      made.clear();
    }

    @TearDown(Level.Trial)
    public void removeRoot() throws IOException {
      removeAll();
      FileTrees.deleteOrThrow(root);
    }
  }

  /** Creates the tasks one {@code create} call each, as an agent loop would. */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public Task createTasks(Empty s) {
    Task last = s.team.create(s.specs.get(0));
    for (int i = 1; i < s.specs.size(); i++) {
      last = s.team.create(s.specs.get(i));
    }
    return last;
  }

  /** Creates the tasks with one {@code createAll}: one batch, one durability barrier. */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public List<Task> createAllTasks(Empty s) {
    return s.team.createAll(s.specs);
  }

  /**
   * {@link #createAllTasks} until the batch's files are forced too: with FSYNC, {@code createAll}
   * returns once its journal entry is durable and forces the task files in the background, which
   * closing the team waits for.
   */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public List<Task> createAllTasksAndClose(Empty s) {
    List<Task> made = s.team.createAll(s.specs);
    s.handle.close();
    return made;
  }

  /** A team of 1,000 tasks. */
  @State(Scope.Benchmark)
  public static class Thousand {
    NemoSpawn ns;
    Tasks tasks;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      ns = NemoSpawn.builder()
          .dataDir(Files.createTempDirectory("nemospawn-bench-"))
          .durability(Durability.NONE)
          .open();
      tasks = ns.newTeam("bench").create().tasks();
      List<TaskSpec> specs = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        specs.add(TaskSpec.of("task " + i));
      }
      tasks.createAll(specs);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      ns.close();
    }
  }

  /** Reads and decodes every task of a 1,000-task team. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public Listing<Task> listThousandTasks(Thousand s) {
    return s.tasks.list();
  }

  /** A team in a temporary data directory, whose task files a state writes directly. */
  @SuppressWarnings("NullAway.Init") // set by openTeam, which each subclass's @Setup calls first
  abstract static class OnDisk {
    Path dir;
    NemoSpawn ns;
    Tasks graph;
    Path tasksDir;
    String teamId;

    /** Opens a fresh data directory and team; the caller writes the task files, then uses them. */
    Team openTeam(Durability durability) throws IOException {
      dir = Files.createTempDirectory("nemospawn-bench-");
      ns = NemoSpawn.builder().dataDir(dir).durability(durability).open();
      Team team = ns.newTeam("bench").create();
      teamId = team.id();
      tasksDir = team.dir().resolve("tasks");
      Files.createDirectories(tasksDir);
      return team;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      ns.close();
      FileTrees.deleteOrThrow(dir);
    }
  }

  /**
   * A team of {@code tasks} tasks: half pending roots, each with one blocked dependent. The files
   * are written directly (as another tool would), so the first operation rebuilds the index; both
   * happen once per trial.
   */
  @State(Scope.Benchmark)
  public static class Sized extends OnDisk {
    @Param({"NONE", "FSYNC"})
    public Durability durability;

    /** The size of the team. */
    @Param({"10000"})
    public int tasks;

    int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      Team team = openTeam(durability);
      for (int i = 0; i < roots(); i++) {
        write(i);
      }
      graph = team.tasks();
      // Builds the index outside the measurement.
      graph.complete(root(0));
      next = 1;
    }

    int roots() {
      return tasks / 2;
    }

    /** Writes root i (pending) and its dependent (blocked by it). */
    void write(int i) throws IOException {
      write(tasksDir, teamId, root(i), "pending", "");
      write(tasksDir, teamId, String.format("task-%08x", 0x80000000L + i), "blocked", root(i));
    }

    /**
     * Before an invocation, outside its time: once every root has been completed, sets them back
     * to pending (and their dependents to blocked), in place, which leaves the index valid.
     */
    @Setup(Level.Invocation)
    public void refill() throws IOException {
      if (next < roots()) {
        return;
      }
      for (int i = 0; i < next; i++) {
        write(i);
      }
      next = 0;
    }

    static String root(int i) {
      return String.format("task-%08x", i);
    }

    static void write(Path dir, String team, String id, String status, String dep)
        throws IOException {
      Files.writeString(
          dir.resolve(id + ".json"), json(team, id, status, dep), StandardCharsets.UTF_8);
    }

    /** A task record as NemoSpawn 1.0 writes it. */
    static String json(String team, String id, String status, String dep) {
      return "{\n  \"task_id\": \"" + id + "\",\n  \"team_id\": \"" + team + "\",\n"
          + "  \"title\": \"" + id + "\",\n  \"agent_id\": null,\n  \"status\": \"" + status
          + "\",\n  \"blocked_by\": [" + (dep.isEmpty() ? "" : "\n    \"" + dep + "\"\n  ")
          + "],\n  \"metadata\": {},\n  \"created_at\": \"2026-11-21T19:00:00.000000+00:00\",\n"
          + "  \"updated_at\": \"2026-11-21T19:00:00.000000+00:00\"\n}\n";
    }
  }

  /** Completes one task of a team of {@code tasks}; its dependent becomes pending. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public Task completeOne(Sized s) {
    return s.graph.complete(Sized.root(s.next++));
  }

  /**
   * A team of {@code tasks} tasks for claims: {@code open} pending tasks, the rest done, all
   * written directly (as another tool would), so that the first operation rebuilds the index and
   * the first claim the open-tasks log, once per trial.
   */
  @State(Scope.Benchmark)
  public static class Claims extends OnDisk {
    /** The size of the team. */
    @Param({"10000"})
    public int tasks;

    /** How many of its tasks are pending; the rest are done. */
    @Param({"100"})
    public int open;

    int left;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      Team team = openTeam(Durability.NONE);
      for (int i = 0; i < tasks; i++) {
        Sized.write(tasksDir, teamId, Sized.root(i), i < tasks - open ? "done" : "pending", "");
      }
      graph = team.tasks();
      left = open;
    }

    /**
     * Before an invocation, outside its time: once every open task has been claimed and
     * completed, creates {@code open} new pending ones (a done task stays done), so the team grows
     * by one task per invocation: {@code tasks} is its size at the start.
     */
    @Setup(Level.Invocation)
    public void refill() {
      if (left > 0) {
        return;
      }
      List<TaskSpec> specs = new ArrayList<>(open);
      for (int i = 0; i < open; i++) {
        specs.add(TaskSpec.of("more " + i));
      }
      graph.createAll(specs);
      left = open;
    }
  }

  /**
   * Claims the oldest pending task of a team of {@code tasks} and completes it, as an agent's loop
   * does: the claim reads the open tasks, not every task of the team.
   */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public Task claimAndCompleteOne(Claims s) {
    Task t = s.graph.claimNext("bench", java.time.Duration.ofHours(1)).orElseThrow();
    s.left--;
    return s.graph.complete(t.id());
  }
}
