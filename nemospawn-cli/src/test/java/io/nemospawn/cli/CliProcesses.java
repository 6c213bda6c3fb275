package io.nemospawn.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs {@code bin/nemospawn} (the launcher over the shaded jar) as a real process. */
final class CliProcesses {
  /** The launcher, relative to the module directory where failsafe runs. */
  static final Path LAUNCHER =
      Path.of("..", "bin", "nemospawn").toAbsolutePath().normalize();

  /** The shaded jar that {@code package} builds before failsafe runs. */
  static final Path JAR = Path.of("target", "nemospawn.jar").toAbsolutePath();

  private CliProcesses() {}

  /** One run's exit code and output. */
  record Result(int code, String out, String err) {}

  static Result run(Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(LAUNCHER.toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove("NEMOSPAWN_TEAM");
    pb.environment().remove("NEMOSPAWN_AGENT");
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    var err = new java.io.ByteArrayOutputStream();
    Thread errPump = new Thread(() -> {
      try {
        p.getErrorStream().transferTo(err);
      } catch (IOException ignored) {
        // The process ended.
      }
    });
    errPump.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(3, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("nemospawn " + args[0] + " did not finish in 3 minutes");
    }
    errPump.join();
    return new Result(p.exitValue(), out, err.toString(StandardCharsets.UTF_8));
  }
}
