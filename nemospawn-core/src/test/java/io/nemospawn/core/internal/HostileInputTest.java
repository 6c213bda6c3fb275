package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskSpec;
import io.nemospawn.task.TaskUpdate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile names and texts through the API: as team names, agent names, owners, task ids and
 * dependency ids they are refused with a message naming the value; as task titles, descriptions,
 * metadata values and metadata keys they are stored verbatim and read back unchanged. Nothing is
 * ever written outside the data directory.
 */
class HostileInputTest {
  @TempDir
  Path root;

  /** At least 30 values that break naive code: traversal, shells, quotes, controls, unicode. */
  static List<String> hostile() {
    return List.of(
        "../x",
        "..",
        "../../../../etc/passwd",
        "/",
        "/etc/passwd",
        "a/b",
        "a\\b",
        "nul\0byte",
        "line\nbreak",
        "carriage\rreturn",
        "tab\there",
        "$(id)",
        "`id`",
        "${HOME}",
        "'; rm -rf / #",
        "\"quoted\"",
        "it's",
        "a;b",
        "a|b",
        "a&&b",
        "<script>alert(1)</script>",
        "%s%n%x",
        "ünïcödé",
        "名前",
        "emoji 🚀",
        "\u202Eright-to-left",
        "zero\u200Bwidth",
        "",
        " ",
        "-rf",
        "--help",
        ".hidden",
        "x".repeat(10_000),
        "a b");
  }

  @Test
  void tableHasAtLeastThirtyEntries() {
    assertThat(hostile()).hasSizeGreaterThanOrEqualTo(30);
  }

  @ParameterizedTest
  @MethodSource("hostile")
  void hostileValuesAreRefusedAsNamesAndStoredVerbatimAsText(String value) throws Exception {
    Path data = root.resolve("data");
    Set<String> outsideBefore = outside(data);
    try (NemoSpawn ns =
        NemoSpawn.builder().dataDir(data).durability(Durability.NONE).open()) {
      // As a team name: refused, with the value named (printable) in the message.
      assertThatThrownBy(() -> ns.newTeam(value))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("Invalid team name '");
      Team team = ns.newTeam("safe").create();
      assertThatThrownBy(() -> team.agents().register(value, "worker", List.of(), ""))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("Invalid agent name '");
      assertThatThrownBy(() -> team.tasks().get(value))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("Invalid task id '");
      assertThatThrownBy(() -> team.tasks().create(TaskSpec.of("t").after(value)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("Invalid task id '");
      if (value.isEmpty()) {
        // An empty owner means "unassigned".
        assertThat(team.tasks().create(TaskSpec.of("t").withOwner(value)).hasOwner())
            .isFalse();
      } else {
        assertThatThrownBy(() -> team.tasks().create(TaskSpec.of("t").withOwner(value)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("Invalid owner '");
      }

      // As text: stored verbatim and inert.
      if (!value.isBlank()) {
        Task t = team.tasks()
            .create(TaskSpec.of(value).withDescription(value).withMetadata("note", value));
        Task back = team.tasks().get(t.id());
        assertThat(back.title()).isEqualTo(value);
        assertThat(back.description()).isEqualTo(value);
        assertThat(back.metadata()).containsEntry("note", value);
        team.agents().register("a1", "worker", List.of(), value);
        assertThat(team.agents().get("a1").task()).isEqualTo(value);
      } else {
        assertThatThrownBy(() -> team.tasks().create(value))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("A task title must not be empty");
      }
      // As a metadata key: stored verbatim, unless empty, too long or with control characters.
      Task k = team.tasks().create("keys");
      boolean badKey = value.isEmpty()
          || value.length() > 256
          || value.chars().anyMatch(Character::isISOControl);
      if (badKey) {
        assertThatThrownBy(
                () -> team.tasks().update(k.id(), TaskUpdate.none().withMetadata(value, 1)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("Invalid metadata key '");
      } else {
        team.tasks().update(k.id(), TaskUpdate.none().withMetadata(value, 1));
        assertThat(team.tasks().get(k.id()).metadata()).containsKey(value);
      }
    }
    assertThat(outside(data)).isEqualTo(outsideBefore);
    try (Stream<Path> files = Files.walk(data)) {
      assertThat(files.map(p -> p.toAbsolutePath().normalize()))
          .allMatch(p -> p.startsWith(data.toAbsolutePath().normalize()));
    }
  }

  /** Every path under the temp root that is not inside the data directory. */
  private Set<String> outside(Path data) throws Exception {
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(p -> !p.startsWith(data))
          .map(p -> root.relativize(p).toString())
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }
}
