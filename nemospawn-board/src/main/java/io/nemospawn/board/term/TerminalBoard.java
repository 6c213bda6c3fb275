package io.nemospawn.board.term;

import static java.util.Objects.requireNonNull;

import io.nemospawn.Listing;
import io.nemospawn.Subscription;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import io.nemospawn.topology.GpuMetrics;
import io.nemospawn.topology.GpuSnapshot;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.IntSupplier;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A terminal view of a team: task counts by status and the open tasks, the agents, the latest
 * messages and the team's GPUs, as plain text lines no wider than the terminal. Every text that
 * comes from users, agents or state files goes through {@link StateFormat#displayable}, so escape
 * sequences, carriage returns and bidirectional overrides in a title or a message show as visible
 * escapes and cannot act on the terminal.
 *
 * <pre>{@code
 * TerminalBoard board = TerminalBoard.builder(team).build();
 * System.out.print(board.render(80));                    // one frame
 * try (Subscription live = board.live(out, Duration.ofSeconds(30), true, () -> 80)) {
 *   Thread.sleep(Long.MAX_VALUE);                        // redrawn on events and every 30 s
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 *
 * @since 0.3
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.3")
public final class TerminalBoard {
  private static final Logger log = LoggerFactory.getLogger(TerminalBoard.class);
  private static final JsonMapper MAPPER = JsonMapper.builder().build();
  private static final DateTimeFormatter CLOCK =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);
  /** Clears the screen and homes the cursor (ANSI), before each frame on a terminal. */
  static final String CLEAR = "\033[H\033[2J";
  /** The narrowest frame drawn; narrower terminals get lines cut at this width. */
  static final int MIN_WIDTH = 20;

  private static final List<TaskState> OPEN_FIRST = List.of(
      TaskState.RUNNING,
      TaskState.BLOCKED,
      TaskState.PENDING,
      TaskState.FAILED,
      TaskState.DONE,
      TaskState.CANCELLED);

  private final Team team;
  private final Function<Set<Integer>, GpuSnapshot> gpus;
  private final InstantSource clock;
  private final int maxTasks;
  private final int maxMessages;

  private TerminalBoard(Builder b) {
    this.team = b.team;
    this.gpus = b.gpus;
    this.clock = b.clock;
    this.maxTasks = b.maxTasks;
    this.maxMessages = b.maxMessages;
  }

  /** Returns a builder for a board of {@code team}, which must stay open while it is used. */
  public static Builder builder(Team team) {
    return new Builder(requireNonNull(team, "team"));
  }

  /**
   * Renders one frame, every line at most {@code width} characters (at least {@value #MIN_WIDTH}),
   * ending with a line feed. Reads the team now.
   */
  public String render(int width) {
    int w = Math.max(MIN_WIDTH, width);
    List<String> lines = new ArrayList<>();
    lines.add("NemoSpawn board: " + team.id() + "  " + CLOCK.format(clock.instant()) + " UTC");
    lines.add("");
    Set<Integer> gpuIds = new TreeSet<>();
    tasks(lines);
    lines.add("");
    agents(lines, gpuIds);
    lines.add("");
    messages(lines);
    lines.add("");
    gpus(lines, gpuIds);
    StringBuilder out = new StringBuilder();
    for (String l : lines) {
      out.append(fit(l, w)).append('\n');
    }
    return out.toString();
  }

  private void tasks(List<String> lines) {
    Listing<Task> all;
    try {
      all = team.tasks().list();
    } catch (RuntimeException e) {
      lines.add("TASKS: cannot read them: " + e.getMessage());
      return;
    }
    Map<TaskState, Integer> counts = new EnumMap<>(TaskState.class);
    for (TaskState s : TaskState.values()) {
      counts.put(s, 0);
    }
    all.items().forEach(t -> counts.merge(t.state(), 1, Integer::sum));
    StringBuilder head = new StringBuilder("TASKS (" + all.items().size() + ")");
    counts.forEach((s, n) -> head.append("  ").append(s.wireName()).append(' ').append(n));
    lines.add(head.toString());
    if (!all.problems().isEmpty()) {
      lines.add("  " + all.problems().size() + " unreadable task records (team check)");
    }
    List<Task> sorted = new ArrayList<>(all.items());
    sorted.sort(Comparator.comparingInt((Task t) -> OPEN_FIRST.indexOf(t.state()))
        .thenComparing(Task::updatedAt, Comparator.reverseOrder()));
    int shown = Math.min(maxTasks, sorted.size());
    for (Task t : sorted.subList(0, shown)) {
      lines.add(String.format(
          Locale.ROOT,
          "  %-9s %-14s %s%s",
          t.state().wireName(),
          shown(t.id()),
          shown(t.title()),
          t.hasOwner() ? "  @" + shown(t.owner()) : ""));
    }
    if (sorted.size() > shown) {
      lines.add("  … " + (sorted.size() - shown) + " more");
    }
  }

  private void agents(List<String> lines, Set<Integer> gpuIds) {
    Listing<AgentInfo> all;
    try {
      all = team.agents().list();
    } catch (RuntimeException e) {
      lines.add("AGENTS: cannot read them: " + e.getMessage());
      return;
    }
    lines.add("AGENTS (" + all.items().size() + ")");
    for (AgentInfo a : all.items()) {
      gpuIds.addAll(a.gpuIds());
      lines.add(String.format(
          Locale.ROOT,
          "  %-16s %-10s %-18s %s%s",
          shown(a.name()),
          shown(a.role()),
          a.lifecycle().wireName(),
          a.gpuIds().isEmpty() ? "no GPU" : "GPU " + a.gpuIds(),
          unreachable(a.id())));
    }
    if (all.items().isEmpty()) {
      lines.add("  none");
    }
  }

  /** "  UNREACHABLE since T: why" for an agent whose host cannot be reached now, else "". */
  private String unreachable(String agentId) {
    try {
      return team.agent(agentId)
          .unreachable()
          .map(why -> "  " + shown(why.replaceFirst("^unreachable", "UNREACHABLE")))
          .orElse("");
    } catch (RuntimeException e) {
      return "";
    }
  }

  private void messages(List<String> lines) {
    lines.add("MESSAGES (latest " + maxMessages + ")");
    List<Path> latest;
    try {
      latest = latestMessageFiles(team.dir().resolve("inbox"), maxMessages);
    } catch (IOException e) {
      lines.add("  cannot read the inboxes: " + e);
      return;
    }
    Map<String, String> names = new HashMap<>();
    try {
      team.agents().list().items().forEach(a -> names.put(a.id(), a.name()));
    } catch (RuntimeException e) {
      log.debug("Agents unreadable for message names: {}", e.toString());
    }
    for (Path f : latest) {
      try {
        JsonNode n = MAPPER.readTree(Files.readAllBytes(f));
        String from = n.path("from_agent").asString("?");
        String to = n.path("to_agent").asString("?");
        String when = n.path("timestamp").asString("");
        String time = when.length() >= 19 ? when.substring(11, 19) : when;
        lines.add("  " + shown(time) + " " + shown(names.getOrDefault(from, from)) + " -> "
            + shown(names.getOrDefault(to, to)) + ": " + shown(n.path("body").asString("")));
      } catch (IOException | RuntimeException e) {
        lines.add("  unreadable message " + shown(f.getFileName().toString()));
      }
    }
    if (latest.isEmpty()) {
      lines.add("  none");
    }
  }

  /** The newest message files across inboxes: names start with the timestamp, so sort by name. */
  static List<Path> latestMessageFiles(Path inboxRoot, int limit) throws IOException {
    List<Path> all = new ArrayList<>();
    if (!Files.isDirectory(inboxRoot)) {
      return all;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(inboxRoot, Files::isDirectory)) {
      for (Path d : dirs) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(d, "*.json")) {
          for (Path f : files) {
            if (!f.getFileName().toString().startsWith(".")) {
              all.add(f);
            }
          }
        }
      }
    }
    all.sort(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed());
    return all.subList(0, Math.min(limit, all.size()));
  }

  private void gpus(List<String> lines, Set<Integer> gpuIds) {
    try {
      gpuIds.addAll(team.info().gpuIds());
      GpuSnapshot s = gpus.apply(Set.copyOf(gpuIds));
      lines.add("GPUS (" + s.source() + ")");
      for (GpuMetrics m : s.metrics()) {
        lines.add(String.format(
            Locale.ROOT,
            "  %-3d util %s  mem %s  %s  %s",
            m.index(),
            percent(m.utilPercent()),
            percent(m.memUtilPercent()),
            GpuMetrics.isKnown(m.temperatureC()) ? Math.round(m.temperatureC()) + " C" : "- C",
            GpuMetrics.isKnown(m.powerW())
                ? Math.round(m.powerW()) + "/"
                    + (GpuMetrics.isKnown(m.powerLimitW()) ? Math.round(m.powerLimitW()) : "-")
                    + " W"
                : "- W"));
      }
      if (s.metrics().isEmpty()) {
        lines.add(gpuIds.isEmpty() ? "  the team uses no GPU" : "  no readings for GPUs " + gpuIds);
      }
    } catch (RuntimeException e) {
      lines.add("GPUS: cannot read them: " + e.getMessage());
    }
  }

  private static String percent(double v) {
    return GpuMetrics.isKnown(v) ? String.format(Locale.ROOT, "%3d%%", Math.round(v)) : "  -%";
  }

  /** Makes user text inert: control, format and bidi characters become visible escapes. */
  static String shown(@Nullable String s) {
    return s == null ? "-" : StateFormat.displayable(s, false);
  }

  /** Cuts a line to {@code width} code points, marking the cut with an ellipsis. */
  static String fit(String line, int width) {
    String safe = StateFormat.displayable(line, false);
    int n = safe.codePointCount(0, safe.length());
    if (n <= width) {
      return safe;
    }
    int end = safe.offsetByCodePoints(0, width - 1);
    return safe.substring(0, end) + "…";
  }

  /**
   * Draws a frame to {@code out} now, then again after every team event (several events close
   * together give one frame) and every {@code interval}, on a daemon thread, until the returned
   * subscription is closed. With {@code ansi} each frame first clears the screen; without, frames
   * follow each other separated by a blank line, with no control sequence at all (for a pipe or a
   * log file).
   */
  public Subscription live(PrintWriter out, Duration interval, boolean ansi, IntSupplier width) {
    requireNonNull(out, "out");
    requireNonNull(interval, "interval");
    requireNonNull(width, "width");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("Board interval must be positive, got " + interval);
    }
    Object lock = new Object();
    boolean[] dirty = {true};
    boolean[] closed = {false};
    Subscription events = team.subscribe(e -> {
      synchronized (lock) {
        dirty[0] = true;
        lock.notifyAll();
      }
    });
    Thread t = new Thread(
        () -> {
          boolean first = true;
          while (true) {
            synchronized (lock) {
              long deadline = System.nanoTime() + interval.toNanos();
              while (!dirty[0] && !closed[0]) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                  break;
                }
                try {
                  lock.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                  return;
                }
              }
              if (closed[0]) {
                return;
              }
              dirty[0] = false;
            }
            String frame = render(width.getAsInt());
            if (ansi) {
              out.print(CLEAR);
            } else if (!first) {
              out.print('\n');
            }
            out.print(frame);
            out.flush();
            first = false;
            try {
              // Events in a burst (a graph completing) give one frame, not one each.
              Thread.sleep(100);
            } catch (InterruptedException e) {
              return;
            }
          }
        },
        "nemospawn-" + team.id() + "-board-live");
    t.setDaemon(true);
    t.start();
    return () -> {
      events.close();
      synchronized (lock) {
        closed[0] = true;
        lock.notifyAll();
      }
      t.interrupt();
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
  }

  @Override
  public String toString() {
    return "TerminalBoard[" + team.id() + "]";
  }

  /**
   * Builds a {@link TerminalBoard}. Not thread-safe.
   *
   * @since 0.3
   */
  @API(status = API.Status.EXPERIMENTAL, since = "0.3")
  public static final class Builder {
    private final Team team;
    private Function<Set<Integer>, GpuSnapshot> gpus =
        ids -> GpuSnapshot.take(InstantSource.system()).only(ids);
    private InstantSource clock = InstantSource.system();
    private int maxTasks = 15;
    private int maxMessages = 5;

    private Builder(Team team) {
      this.team = team;
    }

    /** Sets how the GPU readings are taken (default: the first probe that answers, unsaved). */
    public Builder gpus(Function<Set<Integer>, GpuSnapshot> gpus) {
      this.gpus = requireNonNull(gpus, "gpus");
      return this;
    }

    /** Sets the clock of the frame's header. */
    public Builder clock(InstantSource clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /** Sets how many tasks are listed (open ones first); default 15. */
    public Builder maxTasks(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("maxTasks must be >= 0, got " + n);
      }
      this.maxTasks = n;
      return this;
    }

    /** Sets how many of the latest messages are listed; default 5. */
    public Builder maxMessages(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("maxMessages must be >= 0, got " + n);
      }
      this.maxMessages = n;
      return this;
    }

    /** Returns the board. */
    public TerminalBoard build() {
      return new TerminalBoard(this);
    }

    @Override
    public String toString() {
      return "TerminalBoard.Builder[" + team.id() + " tasks=" + maxTasks + " messages="
          + maxMessages + "]";
    }
  }
}
