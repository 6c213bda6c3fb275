package io.nemospawn.cli;

import io.nemospawn.spi.Environment;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nemospawn daemon start|stop|status}: the resident process per user and data directory
 * that {@code bin/nemospawn} forwards commands to, so that a call costs a loopback round trip
 * instead of a JVM start. See {@link Daemon} for the files and the protocol.
 */
@Command(
    name = "daemon",
    mixinStandardHelpOptions = true,
    description = {
      "Runs commands in a resident JVM so that each call starts in milliseconds.",
      "bin/nemospawn forwards team, agent, task, inbox, plan, lifecycle, artifact, config and"
          + " version commands to the daemon of the data directory when one runs, with the"
          + " caller's environment and working directory, and runs them itself otherwise."
    },
    subcommands = {
      DaemonCommand.Start.class,
      DaemonCommand.Stop.class,
      DaemonCommand.Status.class,
      DaemonCommand.Run.class
    })
final class DaemonCommand {
  static final Duration DEFAULT_IDLE = Duration.ofHours(1);

  @Command(
      name = "start",
      mixinStandardHelpOptions = true,
      description = "Starts the daemon of the data directory in the background (no-op if it runs).")
  static final class Start extends StateSubcommand {
    @Option(
        names = "--idle-timeout",
        paramLabel = "SECONDS",
        defaultValue = "3600",
        description = "Stops after this many seconds without calls; 0: never (default: 3600).")
    long idleSeconds;

    @Override
    public Integer call() throws IOException, InterruptedException {
      if (idleSeconds < 0) {
        throw new IllegalArgumentException("--idle-timeout " + idleSeconds
            + " is negative; give seconds, or 0 to run until stopped");
      }
      Path dataDir = state.dataDir();
      Optional<DaemonClient> running = live(dataDir);
      if (running.isPresent()) {
        report(out, "Already running", running.get().file(), dataDir);
        return ExitCodes.OK;
      }
      Path runDir = Daemon.runDir(dataDir);
      Daemon.privateDirectory(runDir);
      Path log = runDir.resolve("daemon.log");
      List<String> cmd = new ArrayList<>();
      Path setsid = Path.of("/usr/bin/setsid");
      if (Files.isExecutable(setsid)) {
        // A session of its own: the terminal's hang-up and Ctrl-C do not reach it.
        cmd.add(setsid.toString());
      }
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(List.of("-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xshare:auto"));
      String extra = Environment.get("NEMOSPAWN_JAVA_OPTS");
      if (extra != null && !extra.isBlank()) {
        cmd.addAll(List.of(extra.trim().split("\\s+")));
      }
      cmd.addAll(List.of(
          "-cp",
          System.getProperty("java.class.path"),
          Main.class.getName(),
          "daemon",
          "run",
          "--data-dir",
          dataDir.toString(),
          "--idle-timeout",
          Long.toString(idleSeconds)));
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.environment().clear();
      pb.environment().putAll(Environment.all());
      // The daemon serves every agent: it must not carry the team or agent of the one who
      // started it (each call brings its own).
      pb.environment().remove("NEMOSPAWN_TEAM");
      pb.environment().remove("NEMOSPAWN_AGENT");
      pb.directory(dataDir.toFile());
      pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      pb.redirectErrorStream(true);
      Process p = pb.start();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < deadline) {
        Optional<DaemonClient> c = live(dataDir);
        if (c.isPresent()) {
          report(out, "Started", c.get().file(), dataDir);
          return ExitCodes.OK;
        }
        if (!p.isAlive()) {
          break;
        }
        Thread.sleep(25);
      }
      throw new IllegalStateException("The daemon for data directory '" + dataDir
          + "' did not start; see its log " + log
          + (p.isAlive() ? "" : " (exit code " + p.exitValue() + ")"));
    }
  }

  @Command(
      name = "stop",
      mixinStandardHelpOptions = true,
      description = "Stops the daemon of the data directory (no-op if none runs).")
  static final class Stop extends StateSubcommand {
    @Override
    public Integer call() throws IOException, InterruptedException {
      Path dataDir = state.dataDir();
      Optional<DaemonClient> c = DaemonClient.find(dataDir);
      if (c.isEmpty() || !c.get().file().isAlive()) {
        Files.deleteIfExists(Daemon.runDir(dataDir).resolve("daemon"));
        say(out, "No daemon runs for data directory " + dataDir + ".", Map.of("running", false));
        return ExitCodes.OK;
      }
      DaemonClient.DaemonFile f = c.get().file();
      boolean stopped;
      try {
        stopped = c.get().stop(Duration.ofSeconds(15));
      } catch (IOException e) {
        stopped = false;
      }
      if (!stopped) {
        // It does not answer: end its process as a kill would.
        // Only a process that is a nemospawn daemon: its pid may have been reused.
        Optional<ProcessHandle> h = ProcessHandle.of(f.pid()).filter(DaemonCommand::isDaemon);
        if (h.isPresent()) {
          h.get().destroy();
          try {
            h.get().onExit().get(5, TimeUnit.SECONDS);
          } catch (ExecutionException | TimeoutException e) {
            h.get().destroyForcibly();
          }
        }
        Files.deleteIfExists(Daemon.runDir(dataDir).resolve("daemon"));
      }
      say(
          out,
          "Stopped the daemon (pid " + f.pid() + ") of data directory " + dataDir + ".",
          Map.of("running", false, "pid", f.pid()));
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Says whether the daemon of the data directory runs; exit code 1 if not.")
  static final class Status extends StateSubcommand {
    @Override
    public Integer call() throws IOException {
      Path dataDir = state.dataDir();
      Optional<DaemonClient> c = live(dataDir);
      if (c.isEmpty()) {
        say(out, "No daemon runs for data directory " + dataDir + ".", Map.of("running", false));
        return ExitCodes.FAILURE;
      }
      List<String> s = c.get().status();
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("running", true);
      json.put("pid", Long.parseLong(s.get(1)));
      json.put("port", c.get().file().port());
      json.put("calls", Long.parseLong(s.get(2)));
      json.put("started_at", s.get(3));
      json.put("data_dir", dataDir.toString());
      say(
          out,
          "The daemon (pid " + s.get(1) + ", 127.0.0.1:" + c.get().file().port()
              + ") of data directory " + dataDir + " has served " + s.get(2)
              + " calls since " + s.get(3) + ".",
          json);
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "run",
      hidden = true,
      description = "Runs the daemon in the foreground (daemon start runs this in the background).")
  static final class Run implements Callable<Integer> {
    @Mixin
    StateOptions state;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", defaultValue = "3600")
    long idleSeconds;

    @Override
    public Integer call() throws IOException, InterruptedException {
      Path dataDir = state.dataDir();
      Daemon d = Daemon.start(dataDir, Duration.ofSeconds(Math.max(0, idleSeconds)));
      Runtime.getRuntime().addShutdownHook(new Thread(d::close, "nemospawn-daemon-shutdown"));
      System.err.println("nemospawn daemon: pid " + ProcessHandle.current().pid()
          + " serves data directory " + dataDir + " on 127.0.0.1:" + d.port());
      d.awaitStop();
      return ExitCodes.OK;
    }
  }

  /** Returns a client of the daemon of {@code dataDir} when it answers; removes a stale run file. */
  static Optional<DaemonClient> live(Path dataDir) throws IOException {
    Optional<DaemonClient> c = DaemonClient.find(dataDir);
    if (c.isEmpty()) {
      return c;
    }
    try {
      c.get().status();
      return c;
    } catch (IOException e) {
      if (!c.get().file().isAlive()) {
        Files.deleteIfExists(Daemon.runDir(dataDir).resolve("daemon"));
      }
      return Optional.empty();
    }
  }

  /** Returns whether {@code p} runs {@code nemospawn daemon run} (false when unknown). */
  static boolean isDaemon(ProcessHandle p) {
    String[] args = p.info().arguments().orElse(new String[0]);
    String joined = String.join(" ", args);
    return joined.contains(Main.class.getName()) && joined.contains("daemon run");
  }

  private static void report(Output out, String verb, DaemonClient.DaemonFile f, Path dataDir) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("running", true);
    json.put("pid", f.pid());
    json.put("port", f.port());
    json.put("data_dir", dataDir.toString());
    say(
        out,
        verb + ": the daemon (pid " + f.pid() + ", 127.0.0.1:" + f.port() + ") of data directory "
            + dataDir + ". Stop it with: nemospawn daemon stop",
        json);
  }

  private static void say(Output out, String text, Map<String, ?> json) {
    if (out.json()) {
      out.json(json);
    } else {
      out.println(text);
    }
  }
}
