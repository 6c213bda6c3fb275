package io.nemospawn.hpo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Child JVMs of the multi-process storage contracts: each runs a worker's {@code main} on this
 * JVM's class path, its output in {@code worker-<n>.log}. Published in this module's test-jar.
 */
final class StorageChildren {
  private StorageChildren() {}

  /** Starts {@code count} children of {@code main}; {@code args} gives each one's arguments. */
  static List<Process> start(
      Path dir, int count, Class<?> main, java.util.function.IntFunction<List<String>> args)
      throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<Process> procs = new ArrayList<>();
    for (int w = 0; w < count; w++) {
      List<String> cmd = new ArrayList<>(List.of(
          java,
          "-cp",
          System.getProperty("java.class.path"),
          "-XX:TieredStopAtLevel=1",
          main.getName()));
      cmd.addAll(args.apply(w));
      procs.add(new ProcessBuilder(cmd)
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("worker-" + w + ".log").toFile())
          .start());
    }
    return procs;
  }

  /** Waits for every child (4 minutes each at most) and checks that it exited 0. */
  static void awaitSuccess(List<Process> procs, Path dir) throws InterruptedException {
    for (Process p : procs) {
      assertThat(p.waitFor(4, TimeUnit.MINUTES)).isTrue();
      assertThat(p.exitValue()).as("worker exit; see its log in %s", dir).isZero();
    }
  }
}
