package io.nemospawn.hpo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eight real JVMs ask and tell on one shared study of a {@link StudyStorage}; every storage that
 * several processes share passes it. Published in this module's test-jar.
 */
public abstract class StorageProcessesContract {
  /** Opens the storage at a path; needs a public no-argument constructor (children create it). */
  protected abstract Class<? extends Function<Path, StudyStorage>> opener();

  /** The storage's file name, such as {@code shared.journal}. */
  protected abstract String fileName();

  @Test
  void eightProcessesKeepEveryTrialWithUniqueNumbers(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("hpo").resolve(fileName());
    Function<Path, StudyStorage> open = opener().getDeclaredConstructor().newInstance();
    try (StudyStorage st = open.apply(file)) {
      Hpo.study("shared")
          .space(SearchSpace.builder().floatParam("x", -5, 5).build())
          .storage(st)
          .create();
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    List<Process> procs = new ArrayList<>();
    for (int w = 0; w < 8; w++) {
      procs.add(new ProcessBuilder(
              java,
              "-cp",
              System.getProperty("java.class.path"),
              "-XX:TieredStopAtLevel=1",
              StorageWorker.class.getName(),
              opener().getName(),
              file.toString(),
              "50",
              Integer.toString(w))
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("worker-" + w + ".log").toFile())
          .start());
    }
    for (Process p : procs) {
      assertThat(p.waitFor(4, TimeUnit.MINUTES)).isTrue();
      assertThat(p.exitValue()).as("worker exit; see its log in %s", dir).isZero();
    }
    try (StudyStorage st = open.apply(file)) {
      List<FrozenTrial> trials = st.trials("shared");
      assertThat(trials).hasSize(400);
      assertThat(trials)
          .extracting(FrozenTrial::number)
          .containsExactlyElementsOf(IntStream.range(0, 400).boxed().toList());
      assertThat(trials)
          .allMatch(t -> t.state() == TrialState.COMPLETE && t.params().containsKey("x"));
    }
  }
}
