package io.nemospawn.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.launch.LaunchSummary;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the Java example and the JShell script for real, with demo agents as processes. */
class ExamplesIT {
  @Test
  void javaExampleRunsTheTeamToTheEnd(@TempDir Path data) throws InterruptedException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    LaunchSummary s =
        AutoresearchExample.run(data, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(s.succeeded()).as(out).isTrue();
    assertThat(s.study().trials()).isEqualTo(30);
    assertThat(s.promotedArtifactId()).startsWith("art-");
    assertThat(out).contains("[trainer-1] trial ").contains("Summary of team ");
  }

  @Test
  void jshellScriptRunsTheTeamToTheEnd(@TempDir Path data)
      throws IOException, InterruptedException {
    String out = jshell("autoresearch.jsh", data);
    assertThat(out).contains("Summary of team ").contains("  tasks:      5/5 done");
  }

  @Test
  void jshellQuickStartRuns(@TempDir Path data) throws IOException, InterruptedException {
    String out = jshell("quickstart.jsh", data);
    assertThat(out)
        .contains("evaluate is BLOCKED")
        .contains("evaluate is now PENDING")
        .contains("trainer says: train done, val_loss 0.23");
  }

  /** Runs a script of {@code examples/jshell} in a child jshell on {@code data}; its output. */
  private static String jshell(String script, Path data) throws IOException, InterruptedException {
    Path jshell = Path.of(System.getProperty("java.home"), "bin", "jshell");
    Path file = Path.of("jshell", script).toAbsolutePath();
    String cp = Files.readString(Path.of("target/classpath.txt")).strip();
    Path log = data.resolve("jshell.log");
    ProcessBuilder pb = new ProcessBuilder(jshell.toString(), "--class-path", cp, file.toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .directory(data.toFile());
    pb.environment().put("NEMOSPAWN_DATA_DIR", data.resolve("state").toString());
    Process p = pb.start();
    boolean done = p.waitFor(10, TimeUnit.MINUTES);
    if (!done) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    String out = Files.readString(log);
    assertThat(done).as(out).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }
}
