// Receive N unread messages with H read ones in the inbox, in a freshly opened data directory per
// receive; prints wall and CPU time per receive. Run over the benchmark jar (single-file source):
//   java -cp nemospawn-benchmarks/target/benchmarks.jar scripts/InboxDriver.java HISTORY UNREAD ROUNDS
// e.g. 100000 4000 3 (docs/benchmarks.md, issue 19).
import io.nemospawn.AgentSpec;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.inbox.Message;
import io.nemospawn.spi.Durability;
import io.nemospawn.state.MessageJson;
import java.nio.file.*;
import java.time.Instant;

/** Receive N unread messages with H read ones in the inbox, fresh NemoSpawn per receive. */
public class InboxDriver {
  public static void main(String[] a) throws Exception {
    int history = Integer.parseInt(a[0]);
    int unread = Integer.parseInt(a[1]);
    int rounds = Integer.parseInt(a[2]);
    Path dir = Files.createTempDirectory("nemospawn-drv-");
    String teamId, agentId;
    try (NemoSpawn ns = NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open()) {
      Team t = ns.newTeam("bench").create();
      teamId = t.id();
      agentId = t.agents().register(AgentSpec.builder("worker").build()).id();
    }
    Path inbox = dir.resolve("teams").resolve(teamId).resolve("inbox").resolve(agentId);
    Files.createDirectories(inbox);
    Instant start = Instant.parse("2026-01-01T00:00:00Z");
    for (int i = 0; i < history; i++) {
      Message m = new Message(String.format("%08x", i), teamId, "leader", agentId, "old " + i,
          start.plusMillis(i), true);
      Files.write(inbox.resolve(m.fileName()), MessageJson.toFile(m));
    }
    int next = history;
    StringBuilder out = new StringBuilder();
    for (int r = 0; r < rounds; r++) {
      for (int i = 0; i < unread; i++, next++) {
        Message m = new Message(String.format("%08x", next), teamId, "leader", agentId,
            "new " + next, start.plusMillis(next), false);
        Files.write(inbox.resolve(m.fileName()), MessageJson.toFile(m));
      }
      try (NemoSpawn ns = NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open()) {
        Team t = ns.team(teamId);
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long c0 = mx.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        int got = t.inbox().receive("worker").size();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        long cpu = (mx.getCurrentThreadCpuTime() - c0) / 1_000_000;
        if (got != unread) throw new IllegalStateException("got " + got);
        out.append(ms).append("ms/cpu ").append(cpu).append("ms  ");
      }
    }
    System.out.println("history=" + history + " unread=" + unread + " ms per receive: " + out);
    try (var s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
