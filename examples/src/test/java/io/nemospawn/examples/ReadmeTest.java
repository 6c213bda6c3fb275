package io.nemospawn.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskSpec;
import io.nemospawn.task.TaskState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the README's Java quick start true: the snippet is the tagged region below, it compiles
 * against the public API alone, it runs, and the README carries it verbatim.
 */
class ReadmeTest {
  @TempDir
  Path dataDir;

  @Test
  void quickStartRunsAndTheReadmeShowsItVerbatim() throws Exception {
    Team kept;
    // readme:quickstart:start
    try (NemoSpawn ns = NemoSpawn.open(dataDir)) {
      Team team = ns.newTeam("sweep").gpus(0, 1).create();
      Task train = team.tasks().create("train the model");
      Task eval = team.tasks().create(TaskSpec.of("evaluate").after(train.id()));
      team.tasks().complete(train.id()); // eval: blocked -> pending
      // readme:quickstart:end
      assertThat(eval.state()).isEqualTo(TaskState.BLOCKED);
      assertThat(team.tasks().get(eval.id()).state()).isEqualTo(TaskState.PENDING);
      kept = team;
    }
    assertThat(kept.id()).startsWith("sweep-");

    List<String> source =
        Files.readAllLines(Path.of("src/test/java/io/nemospawn/examples/ReadmeTest.java"));
    int from = source.indexOf("    // readme:quickstart:start") + 1;
    int to = source.indexOf("      // readme:quickstart:end");
    String snippet =
        source.subList(from, to).stream().map(l -> l.substring(4)).collect(Collectors.joining("\n"))
            + "\n}";
    String readme = Files.readString(Path.of("../README.md"));
    assertThat(readme).contains("```java\n" + snippet + "\n```");
  }
}
