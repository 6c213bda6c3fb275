package io.nemospawn.hpo.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.SearchSpace;
import io.nemospawn.hpo.StudyStorage;
import io.nemospawn.hpo.TrialState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Eight real JVMs ask and tell on one SQLite study. */
class SqliteStorageIT {
  @Test
  void eightProcessesKeepEveryTrialWithUniqueNumbers(@TempDir Path dir) throws Exception {
    Path db = dir.resolve("hpo/shared.db");
    try (StudyStorage st = SqliteStorage.open(db)) {
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
              SqliteWorker.class.getName(),
              db.toString(),
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
    try (StudyStorage st = SqliteStorage.open(db)) {
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
