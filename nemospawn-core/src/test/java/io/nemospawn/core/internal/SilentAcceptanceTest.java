package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.ConfigKey;
import io.nemospawn.NemoSpawn;
import io.nemospawn.StateException;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.artifact.ArtifactSpec;
import io.nemospawn.artifact.ArtifactType;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskSpec;
import io.nemospawn.task.TaskUpdate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Values the library used to accept silently, and corrupt records it used to report without the
 * file or as "not found": each is refused or reported with the value or path and the fix, and
 * nothing is stored.
 */
class SilentAcceptanceTest {
  @TempDir
  Path data;

  NemoSpawn ns;
  Team team;

  @BeforeEach
  void open() {
    ns = NemoSpawn.builder().dataDir(data).durability(Durability.NONE).open();
    team = ns.newTeam("t").create();
  }

  @org.junit.jupiter.api.AfterEach
  void close() {
    ns.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"abc", "NaN", "", "true"})
  void valLossMetadataMustBeAFiniteNumber(String text) {
    Object value = text.equals("true") ? Boolean.TRUE : text;
    assertThatThrownBy(() -> team.tasks().create(TaskSpec.of("a").withMetadata("val_loss", value)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid val_loss ")
        .hasMessageEndingWith(": it must be a finite number");
    Task t = team.tasks().create(TaskSpec.of("b"));
    assertThatThrownBy(
            () -> team.tasks().update(t.id(), TaskUpdate.none().withMetadata("val_loss", value)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(team.tasks().get(t.id()).metadata()).doesNotContainKey("val_loss");
    assertThat(team.tasks().list().items()).hasSize(1);
    // A number is fine, and null still removes it.
    team.tasks().update(t.id(), TaskUpdate.none().withMetadata("val_loss", 0.5));
    assertThat(team.tasks().get(t.id()).valLoss()).hasValue(0.5);
  }

  @Test
  void artifactValLossMustBeFiniteAndItsPathNotEmpty() {
    ArtifactSpec ok = ArtifactSpec.of(ArtifactType.DATASET, Path.of("/data/x"));
    for (double v : new double[] {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
      assertThatThrownBy(() -> ok.withValLoss(v))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("Invalid val_loss " + v + "; use a finite number or leave it unset");
    }
    assertThatThrownBy(() -> ArtifactSpec.of(ArtifactType.DATASET, Path.of("")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid artifact path '': it is empty; give the file or directory the"
            + " artifact is in");
    assertThat(
            team.artifacts().list(io.nemospawn.artifact.Artifacts.Query.all()).items())
        .isEmpty();
    assertThat(team.artifacts().register(ok.withValLoss(0.25)).valLoss()).isEqualTo(0.25);
  }

  @ParameterizedTest
  @ValueSource(strings = {"NaN", "Infinity", "-1", "1e400", "0x1p3", "2.5d", "abc", ""})
  void costRateMustBeANonNegativeDecimal(String value) throws Exception {
    assertThatThrownBy(() -> ns.config().set(ConfigKey.COST_RATE, value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid cost_rate '")
        .hasMessageEndingWith(
            "': use a non-negative decimal number of USD per GPU-hour, such as 2.5");
    assertThat(ns.config().get(ConfigKey.COST_RATE).value()).isEqualTo("2.5");
    ns.config().set(ConfigKey.COST_RATE, "0.75");
    assertThat(ns.config().get(ConfigKey.COST_RATE).value()).isEqualTo("0.75");
  }

  @Test
  void aNameOfTheIdLimitIsRefusedWithTheNameLimit() {
    String max = "n".repeat(StateFormat.MAX_NAME_LENGTH);
    Team t = ns.newTeam(max).create();
    assertThat(t.id()).hasSize(StateFormat.MAX_ID_LENGTH);
    String longer = "n".repeat(StateFormat.MAX_ID_LENGTH);
    assertThatThrownBy(() -> ns.newTeam(longer).create())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid team name '")
        .hasMessageContaining(": it is 128 characters long; use 1-119 ASCII letters");
    assertThatThrownBy(() -> team.agents().register(longer, "worker", List.of(), ""))
        .hasMessageContaining("Invalid agent name '")
        .hasMessageContaining("use 1-119 ASCII letters");
    assertThat(team.agents().register(max, "worker", List.of(), "").id())
        .hasSize(StateFormat.MAX_ID_LENGTH);
  }

  @Test
  void aTruncatedAgentRecordBlocksItsNameAndIsReportedByPath() throws Exception {
    AgentInfo a1 = team.agents().register("a1", "worker", List.of(), "");
    Path file = team.dir().resolve("agents").resolve(a1.id() + ".json");
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));

    assertThat(team.agents().list().problems())
        .singleElement()
        .satisfies(p -> assertThat(p.path()).isEqualTo(file));
    assertThatThrownBy(() -> team.agents().get("a1"))
        .isInstanceOf(StateException.class)
        .hasMessageStartingWith("The record of agent 'a1' is unreadable: " + file + ": ")
        .hasMessageEndingWith(
            "; correct the file or remove it (the agent is then forgotten)," + " then retry");
    assertThatThrownBy(() -> team.agents().register("a1", "worker", List.of(), ""))
        .isInstanceOf(StateException.class)
        .hasMessageContaining(file.toString());
    assertThatThrownBy(() -> team.inbox().send("leader", "a1", "hello"))
        .isInstanceOf(StateException.class)
        .hasMessageContaining(file.toString());
    assertThat(Files.list(file.getParent())).hasSize(1);
    // Another name is not blocked; removing the file frees the name.
    team.agents().register("a10", "worker", List.of(), "");
    Files.delete(file);
    assertThat(team.agents().register("a1", "worker", List.of(), "").name()).isEqualTo("a1");
  }

  @Test
  void aFieldOfTheWrongTypeIsReportedWithTheFileAndTheFix() throws Exception {
    Path teamFile = team.dir().resolve("team.json");
    String json =
        Files.readString(teamFile).replaceFirst("\"gpu_ids\": \\[[^]]*]", "\"gpu_ids\": \"0,1\"");
    Files.writeString(teamFile, json);
    assertThatThrownBy(() -> team.info())
        .isInstanceOf(StateException.class)
        .hasMessage("Cannot read " + teamFile + ": field 'gpu_ids' must be a list of integers such"
            + " as [0, 1], found STRING; correct that field in the file or restore the file from"
            + " a backup");
    assertThatThrownBy(() -> ns.team(team.id()))
        .isInstanceOf(StateException.class)
        .hasMessageContaining(teamFile.toString());
    assertThat(ns.teams().problems())
        .singleElement()
        .satisfies(p -> assertThat(p.path()).isEqualTo(teamFile));
  }

  @Test
  void aWrongTypeInTheDependentsIndexIsRebuiltNotFatal() throws Exception {
    Task a = team.tasks().create(TaskSpec.of("a"));
    Task b = team.tasks().create(TaskSpec.of("b").after(a.id()));
    try (var files = Files.walk(team.dir())) {
      for (Path p : files
          .filter(p -> p.getFileName().toString().equals(a.id() + ".json"))
          .filter(p -> !p.getParent().getFileName().toString().equals("tasks"))
          .toList()) {
        Files.writeString(p, "{\"dependents\": \"" + b.id() + "\"}");
      }
    }
    team.tasks().update(a.id(), TaskUpdate.of(io.nemospawn.task.TaskState.RUNNING));
    team.tasks().update(a.id(), TaskUpdate.of(io.nemospawn.task.TaskState.DONE));
    assertThat(team.tasks().get(b.id()).state()).isEqualTo(io.nemospawn.task.TaskState.PENDING);
  }
}
