package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.Task;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every team has the nine subdirectories NemoSpawn 1.0 creates with a team, so 1.0's commands
 * (whose {@code task create} checks for {@code tasks/}) work on our teams from the start.
 */
class TeamSkeletonTest {
  /** NemoSpawn 1.0's {@code team create}, from its source (reference §1.1). */
  static final List<String> SKELETON_OF_1_0 = List.of(
      "agents",
      "tasks",
      "inbox",
      "artifacts",
      "workspaces",
      "metrics",
      "plans",
      "snapshots",
      "costs");

  @TempDir
  Path dir;

  private NemoSpawn open() {
    return NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
  }

  /** The team directory's visible entries (ours start with a dot: locks, indexes). */
  private static List<String> visibleEntries(Path teamDir) throws IOException {
    try (Stream<Path> s = Files.list(teamDir)) {
      return s.map(p -> p.getFileName().toString() + (Files.isDirectory(p) ? "/" : ""))
          .filter(n -> !n.startsWith("."))
          .sorted()
          .toList();
    }
  }

  private static List<String> expected() {
    return Stream.concat(SKELETON_OF_1_0.stream().map(d -> d + "/"), Stream.of("team.json"))
        .sorted()
        .toList();
  }

  @Test
  void aNewTeamHasTheSkeletonOfNemoSpawn10() throws Exception {
    try (NemoSpawn ns = open()) {
      Team team = ns.newTeam("mixed").gpus(0).create();

      assertThat(visibleEntries(team.dir())).isEqualTo(expected());
    }
  }

  @Test
  void anOlderTeamWithOnlyTeamJsonGetsTheSkeletonWhenOpened() throws Exception {
    String id;
    try (NemoSpawn ns = open()) {
      Team team = ns.newTeam("older").create();
      id = team.id();
    }
    Path teamDir = dir.resolve("teams").resolve(id);
    for (String sub : SKELETON_OF_1_0) {
      Files.delete(teamDir.resolve(sub));
    }
    assertThat(visibleEntries(teamDir)).containsExactly("team.json");

    try (NemoSpawn ns = open()) {
      Team team = ns.team(id);

      assertThat(visibleEntries(teamDir)).isEqualTo(expected());
      Task t = team.tasks().create("first task");
      assertThat(teamDir.resolve("tasks").resolve(t.id() + ".json")).isRegularFile();
    }
  }

  @Test
  void openingKeepsWhatTheTeamHas() throws Exception {
    String id;
    try (NemoSpawn ns = open()) {
      Team team = ns.newTeam("kept").create();
      team.tasks().create("keep me");
      id = team.id();
    }
    Path teamDir = dir.resolve("teams").resolve(id);
    Files.delete(teamDir.resolve("snapshots"));

    try (NemoSpawn ns = open()) {
      assertThat(ns.team(id).tasks().list().items()).hasSize(1);
      assertThat(teamDir.resolve("snapshots")).isDirectory();
    }
  }
}
