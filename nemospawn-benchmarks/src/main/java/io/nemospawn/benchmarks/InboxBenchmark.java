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
