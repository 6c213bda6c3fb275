package io.nemospawn.benchmarks;

import io.nemospawn.AgentSpec;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.core.FileTrees;
import io.nemospawn.inbox.Message;
import io.nemospawn.spi.Durability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Measures the team inbox through the public API (name resolution, audit line and durable file
 * per message): sending N messages to one agent, receiving N unread messages (oldest first,
 * marking each read), and both. NemoSpawn 1.0 takes 2.8 s to receive 1,000 unread messages and
 * 22 s for 4,000, because it rescans the inbox per message; ours lists it once (O(N)).
 *
 * <p>Each invocation gets a fresh data directory, so one measurement is one full batch.
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar InboxBenchmark}
 * (quick: add {@code -f 1 -wi 1 -i 3}).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
public class InboxBenchmark {

  /** A team with one agent and an empty inbox, in a fresh directory per invocation. */
  @State(Scope.Thread)
  public static class Empty {
    @Param({"1000", "4000"})
    public int messages;

    @Param({"none", "fsync"})
    public String durability;

    Path dir;
    NemoSpawn ns;
    Team team;

    @Setup(Level.Invocation)
    public void open() throws IOException {
      dir = Files.createTempDirectory("nemospawn-bench-inbox-");
      ns = NemoSpawn.builder()
          .dataDir(dir)
          .durability(Durability.parse(durability))
          .open();
      team = ns.newTeam("bench").create();
      team.agents().register(AgentSpec.builder("worker").build());
    }

    void fill() {
      for (int i = 0; i < messages; i++) {
        team.inbox().send("leader", "worker", "message " + i);
      }
    }

    @TearDown(Level.Invocation)
    public void close() throws IOException {
      ns.close();
      FileTrees.deleteOrThrow(dir);
    }
  }

  /** The same team with {@code messages} unread messages waiting. */
  @State(Scope.Thread)
  public static class Filled extends Empty {
    @Setup(Level.Invocation)
    public void sendAll() {
      fill();
    }
  }

  /**
   * An inbox with {@code history} messages already read (written as files, as a long-lived team
   * leaves them) and {@code messages} unread ones sent per invocation; each invocation opens the
   * data directory afresh, as a CLI call does, so nothing is remembered in memory between receives.
   */
  @State(Scope.Thread)
  public static class WithHistory {
    @Param({"0", "100000"})
    public int history;

    @Param({"4000"})
    public int messages;

    Path dir;
    String teamId;
    String agentId;
    NemoSpawn ns;
    Team team;

    @Setup(Level.Trial)
    public void writeHistory() throws IOException {
      dir = Files.createTempDirectory("nemospawn-bench-inbox-history-");
      try (NemoSpawn first =
          NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open()) {
        Team t = first.newTeam("bench").create();
        teamId = t.id();
        agentId = t.agents().register(AgentSpec.builder("worker").build()).id();
      }
      Path inbox = dir.resolve("teams").resolve(teamId).resolve("inbox").resolve(agentId);
      Files.createDirectories(inbox);
      java.time.Instant start = java.time.Instant.parse("2026-01-01T00:00:00Z");
      for (int i = 0; i < history; i++) {
        Message m = new Message(
            String.format("%08x", i),
            teamId,
            "leader",
            agentId,
            "old message " + i,
            start.plusMillis(i),
            true);
        Files.write(inbox.resolve(m.fileName()), io.nemospawn.state.MessageJson.toFile(m));
      }
    }

    @Setup(Level.Invocation)
    public void sendUnread() {
      ns = NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
      team = ns.team(teamId);
      for (int i = 0; i < messages; i++) {
        team.inbox().send("leader", "worker", "message " + i);
      }
      ns.close();
      ns = NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
      team = ns.team(teamId);
    }

    @TearDown(Level.Invocation)
    public void closeTeam() {
      ns.close();
    }

    @TearDown(Level.Trial)
    public void delete() throws IOException {
      FileTrees.deleteOrThrow(dir);
    }
  }

  /**
   * Receives N unread messages from an inbox holding {@code history} read ones, in a freshly
   * opened data directory: the cost must follow the unread messages, not the history.
   */
  @Benchmark
  public int receiveAfterHistory(WithHistory s) {
    List<Message> got = s.team.inbox().receive("worker");
    if (got.size() != s.messages) {
      throw new IllegalStateException("received " + got.size() + " of " + s.messages);
    }
    return got.size();
  }

  /** Sends N messages to one agent, by name. */
  @Benchmark
  public int send(Empty s) {
    s.fill();
    return s.messages;
  }

  /** Receives N unread messages, oldest first, marking each read. */
  @Benchmark
  public int receive(Filled s) {
    List<Message> got = s.team.inbox().receive("worker");
    if (got.size() != s.messages) {
      throw new IllegalStateException("received " + got.size() + " of " + s.messages);
    }
    return got.size();
  }

  /** Sends N messages, then receives them. */
  @Benchmark
  public int sendThenReceive(Empty s) {
    s.fill();
    return s.team.inbox().receive("worker").size();
  }
}
