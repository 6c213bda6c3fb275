package io.nemospawn.core.internal;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.inbox.Message;
import io.nemospawn.plan.PlanSpec;
import io.nemospawn.spi.Durability;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A separate process for the multi-process tests: opens the data directory given as the first
 * argument and does one job on the team given as the second.
 */
final class ChildMain {
  private ChildMain() {}

  public static void main(String[] args) throws Exception {
    String job = args[0];
    Path dataDir = Path.of(args[1]);
    try (NemoSpawn ns =
            NemoSpawn.builder().dataDir(dataDir).durability(Durability.NONE).open();
        Team team = ns.team(args[2])) {
      switch (job) {
        case "submit-plans":
          awaitGo();
          for (int i = 0; i < Integer.parseInt(args[3]); i++) {
            team.plans()
                .submit(PlanSpec.of("p" + i + " of " + ProcessHandle.current().pid())
                    .withAgent("leader"));
          }
          break;
        case "review": {
          Path out = Path.of(args[6]);
          awaitGo();
          String result;
          try {
            var p = args[4].equals("approve")
                ? team.plans().approve(args[3], args[5], "")
                : team.plans().reject(args[3], args[5], "");
            result = "won " + p.status().wireName();
          } catch (IllegalStateException e) {
            result = "refused";
          }
          Files.writeString(out, result);
          break;
        }
        case "receive": {
          Path out = Path.of(args[5]);
          awaitGo();
          List<String> ids = new ArrayList<>();
          for (int i = 0; i < Integer.parseInt(args[4]); i++) {
            for (Message m : team.inbox().receive(args[3])) {
              ids.add(m.id());
            }
          }
          Files.write(out, ids, StandardCharsets.UTF_8);
          break;
        }
        case "receive-wait": {
          List<Message> got = team.inbox().receive(args[3], Duration.ofSeconds(120));
          List<String> bodies = new ArrayList<>();
          got.forEach(m -> bodies.add(m.body()));
          Files.write(Path.of(args[4]), bodies, StandardCharsets.UTF_8);
          break;
        }
        case "promote":
          awaitGo();
          for (int i = 0; i < Integer.parseInt(args[4]); i++) {
            team.artifacts().promote(args[3]);
          }
          break;
        default:
          throw new IllegalArgumentException("unknown job " + job);
      }
    }
  }

  /**
   * Blocks until the parent writes a line to standard input: a start barrier, so that children
   * run their jobs at the same time.
   */
  private static void awaitGo() throws java.io.IOException {
    System.in.read();
  }

  /** Releases children blocked in {@link #awaitGo()}. */
  static void go(List<Process> children) throws java.io.IOException {
    for (Process p : children) {
      p.getOutputStream().write('\n');
      p.getOutputStream().flush();
    }
  }

  /** Starts a child process running a job. */
  static Process start(Path logDir, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-Xshare:auto");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(ChildMain.class.getName());
    cmd.addAll(List.of(args));
    Files.createDirectories(logDir);
    Path log = Files.createTempFile(logDir, "child-", ".log");
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }
}
