package io.nemospawn.core.internal.state;

import io.nemospawn.spi.StateFormat;
import java.nio.file.Path;
import java.util.List;

/**
 * Where every file of the state directory lives (FORMAT.md). Every id is validated with {@link
 * StateFormat#requireId} before it becomes part of a path, so nothing resolves outside the data
 * directory. Immutable, thread-safe.
 */
public final class Layout {
  /** Directory (inside a team, or the data dir) for our lock files; the Python tool ignores it. */
  public static final String LOCKS = ".locks";

  /**
   * The subdirectories NemoSpawn 1.0 creates with every team ({@code nemospawn team create}), in
   * its order. 1.0 checks for some before it writes ({@code task create} answers "Team … not
   * found" without {@code tasks/}), so every team has all of them.
   */
  public static final List<String> TEAM_SUBDIRS = List.of(
      "agents",
      "tasks",
      "inbox",
      "artifacts",
      "workspaces",
      "metrics",
      "plans",
      "snapshots",
      "costs");

  private final Path dataDir;

  public Layout(Path dataDir) {
    this.dataDir = dataDir.toAbsolutePath().normalize();
  }

  public Path dataDir() {
    return dataDir;
  }

  public Path configFile() {
    return dataDir.resolve("config.json");
  }

  public Path auditFile() {
    return dataDir.resolve("audit.jsonl");
  }

  public Path dataLock(String name) {
    return dataDir.resolve(LOCKS).resolve(name + ".lock");
  }

  public Path teamsDir() {
    return dataDir.resolve("teams");
  }

  public Path teamDir(String teamId) {
    return teamsDir().resolve(StateFormat.requireId("team id", teamId));
  }

  public Path teamFile(String teamId) {
    return teamDir(teamId).resolve("team.json");
  }

  /** A lock file of a team, for example {@code graph} for the task graph. */
  public Path teamLock(String teamId, String name) {
    return teamDir(teamId).resolve(LOCKS).resolve(name + ".lock");
  }

  /** A record directory of a team: {@code agents}, {@code tasks}, {@code plans} … */
  public Path teamSub(String teamId, String sub) {
    return teamDir(teamId).resolve(sub);
  }

  /** A record file {@code <team>/<sub>/<id>.json}. */
  public Path record(String teamId, String sub, String id) {
    return teamSub(teamId, sub).resolve(StateFormat.requireId(sub + " id", id) + ".json");
  }

  public Path inboxDir(String teamId, String agentId) {
    return teamSub(teamId, "inbox").resolve(StateFormat.requireId("agent id", agentId));
  }
}
