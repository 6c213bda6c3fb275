package io.nemospawn.core.internal.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.Agent;
import io.nemospawn.AgentSpec;
import io.nemospawn.MergeConflictException;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.agent.WorkspaceInfo;
import io.nemospawn.core.internal.runtime.Exec;
import io.nemospawn.spi.Durability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real git worktrees: creation on spawn, checkpoint, merge, conflict, cleanup. */
class WorkspacesIT {
  @TempDir
  Path dir;

  Path repo;
  NemoSpawn ns;
  Team team;

  static String git(Path d, String... args) {
    List<String> argv = new java.util.ArrayList<>(List.of("git"));
    argv.addAll(List.of(args));
    Exec.Result r = Exec.run(
        argv,
        d,
        Map.of(
            "GIT_AUTHOR_NAME",
            "t",
            "GIT_AUTHOR_EMAIL",
            "t@x",
            "GIT_COMMITTER_NAME",
            "t",
            "GIT_COMMITTER_EMAIL",
            "t@x"),
        Duration.ofSeconds(30));
    assertThat(r.ok()).as("git %s: %s", List.of(args), r.why()).isTrue();
    return r.out().strip();
  }

  @BeforeEach
  void setUp() throws Exception {
    repo = Files.createDirectories(dir.resolve("repo"));
    git(repo, "init", "-q", "-b", "main");
    Files.writeString(repo.resolve("train.py"), "lr = 1e-3\n");
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "init");
    ns = NemoSpawn.builder()
        .dataDir(dir.resolve("data"))
        .durability(Durability.NONE)
        .open();
    team = ns.newTeam("ws").create();
  }

  @AfterEach
  void tearDown() {
    ns.close();
  }

  private Agent spawnWriting(String name, String content) throws Exception {
    Agent a = team.spawn(AgentSpec.builder(name)
        .runtime("process")
        .repo(repo)
        .command(
            "/bin/sh",
            "-c",
            "printf '%s\\n' \"$1\" > train.py; echo new > " + name + ".txt",
            "sh",
            content)
        .build());
    assertThat(a.awaitExit(Duration.ofSeconds(30))).isTrue();
    return a;
  }

  @Test
  void checkpointMergeConflictAndCleanup() throws Exception {
    Agent a = spawnWriting("alice", "lr = 3e-4");
    WorkspaceInfo w = team.workspaces().list().get(0);
    assertThat(w.branch()).isEqualTo("nemospawn/" + team.id() + "/alice");
    assertThat(w.path()).isEqualTo(team.dir().resolve("workspaces").resolve(a.id()));
    assertThat(w.dirty()).isTrue();
    assertThat(team.workspaces().checkpoint("alice", "tuned lr")).isPresent();
    assertThat(team.workspaces().checkpoint("alice", "again")).isEmpty();
    String merged = team.workspaces().merge("alice", "main");
    assertThat(git(repo, "rev-parse", "main")).isEqualTo(merged);
    assertThat(Files.readString(repo.resolve("train.py"))).isEqualTo("lr = 3e-4\n");
    assertThat(repo.resolve("alice.txt")).exists();

    Agent b = spawnWriting("bob", "lr = 5e-2");
    team.workspaces().checkpoint("bob", "bob's lr");
    Files.writeString(repo.resolve("train.py"), "lr = 1e-1\n");
    git(repo, "commit", "-q", "-am", "someone else's lr");
    String before = git(repo, "rev-parse", "main");
    assertThatThrownBy(() -> team.workspaces().merge("bob", ""))
        .isInstanceOf(MergeConflictException.class)
        .hasMessage("Cannot merge nemospawn/" + team.id() + "/bob into main: conflicts in"
            + " [train.py]; main is unchanged. Resolve them in the agent's worktree (merge main"
            + " there), checkpoint, and merge again.")
        .satisfies(
            e -> assertThat(((MergeConflictException) e).files()).containsExactly("train.py"));
    assertThat(git(repo, "rev-parse", "main")).isEqualTo(before);
    assertThat(git(repo, "status", "--porcelain")).isEmpty();

    team.workspaces().cleanup("bob");
    assertThat(team.dir().resolve("workspaces").resolve(b.id())).doesNotExist();
    assertThat(git(repo, "worktree", "list")).doesNotContain(b.id());
    assertThat(git(repo, "branch", "--list", "nemospawn/*")).contains("bob");
    assertThat(team.workspaces().list())
        .extracting(WorkspaceInfo::agentName)
        .containsExactly("alice");
  }
}
