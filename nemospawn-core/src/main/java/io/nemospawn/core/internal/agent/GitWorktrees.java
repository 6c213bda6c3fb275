package io.nemospawn.core.internal.agent;

import io.nemospawn.InvalidSettingException;
import io.nemospawn.MergeConflictException;
import io.nemospawn.core.internal.runtime.Exec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Git worktrees for agents: one per agent on branch {@code nemospawn/<team_id>/<agent_name>},
 * checkpoints (commit everything), merges into a target branch that never leave the target
 * half-merged, and cleanup. Merges are computed with {@code git merge-tree --write-tree} (no
 * working tree is touched); only a clean result moves the target, by fast-forward of the worktree
 * that has it checked out, else by a compare-and-swap ref update.
 */
public final class GitWorktrees {
  private static final Duration GIT_TIMEOUT = Duration.ofSeconds(60);
  private static final Map<String, String> IDENTITY = Map.of(
      "GIT_AUTHOR_NAME",
      "nemospawn",
      "GIT_AUTHOR_EMAIL",
      "nemospawn@localhost",
      "GIT_COMMITTER_NAME",
      "nemospawn",
      "GIT_COMMITTER_EMAIL",
      "nemospawn@localhost");

  private GitWorktrees() {}

  /** Returns the branch of an agent. */
  public static String branch(String teamId, String agentName) {
    return "nemospawn/" + teamId + "/" + agentName;
  }

  /** Returns the top-level directory of the git work tree containing {@code dir}, if any. */
  public static Optional<Path> topLevel(Path dir) {
    if (Exec.which("git").isEmpty() || !Files.isDirectory(dir)) {
      return Optional.empty();
    }
    Exec.Result r = git(dir, "rev-parse", "--show-toplevel");
    return r.ok() ? Optional.of(Path.of(r.out().strip())) : Optional.empty();
  }

  /**
   * Creates a worktree at {@code path} on the agent's branch (new from HEAD, or the existing
   * branch when the agent is spawned again).
   */
  public static void create(Path repo, Path path, String branch) {
    Exec.Result check = Exec.run(List.of("git", "check-ref-format", "--branch", branch), repo);
    if (!check.ok()) {
      throw new IllegalArgumentException("Cannot create branch '" + branch + "' for the agent's"
          + " worktree: git refuses the name (" + check.why() + "); choose an agent name git"
          + " accepts in branch names");
    }
    boolean exists =
        git(repo, "rev-parse", "--verify", "--quiet", "refs/heads/" + branch).ok();
    Exec.Result r = exists
        ? git(repo, "worktree", "add", path.toString(), branch)
        : git(repo, "worktree", "add", "-b", branch, path.toString(), "HEAD");
    if (!r.ok()) {
      throw new IllegalStateException("Cannot create worktree " + path + " of " + repo
          + " on branch " + branch + ": " + r.why());
    }
  }

  /**
   * Commits everything in the worktree.
   *
   * @return the new commit, or empty when there was nothing to commit
   */
  public static Optional<String> checkpoint(Path worktree, String message) {
    requireOk(git(worktree, "add", "-A"), "git add in " + worktree);
    if (git(worktree, "diff", "--cached", "--quiet").ok()) {
      return Optional.empty();
    }
    requireOk(
        gitId(worktree, "commit", "--no-verify", "-q", "-m", message), "git commit in " + worktree);
    return Optional.of(git(worktree, "rev-parse", "HEAD").out().strip());
  }

  /**
   * Merges {@code branch} into {@code target}.
   *
   * @return the merge commit, or the target's commit when it already contained the branch
   * @throws MergeConflictException naming the conflicting files; the target is untouched
   */
  public static String merge(Path repo, String branch, String target, String message) {
    String t = requireOk(
            git(repo, "rev-parse", "--verify", "refs/heads/" + target),
            "Target branch '" + target + "' does not exist in " + repo)
        .out()
        .strip();
    String b = requireOk(
            git(repo, "rev-parse", "--verify", "refs/heads/" + branch),
            "Agent branch '" + branch + "' does not exist in " + repo)
        .out()
        .strip();
    if (git(repo, "merge-base", "--is-ancestor", b, t).ok()) {
      return t;
    }
    Exec.Result tree =
        git(repo, "merge-tree", "--write-tree", "--name-only", "--no-messages", t, b);
    if (tree.exitCode() == 1) {
      List<String> lines = tree.out().lines().toList();
      List<String> files = new ArrayList<>(lines.subList(Math.min(1, lines.size()), lines.size()));
      files.removeIf(String::isBlank);
      throw new MergeConflictException(
          "Cannot merge " + branch + " into " + target
              + ": conflicts in " + files + "; " + target + " is unchanged. Resolve them in the"
              + " agent's worktree (merge " + target + " there), checkpoint, and merge again.",
          files);
    }
    requireOk(tree, "git merge-tree of " + target + " and " + branch);
    String treeId = tree.out().lines().findFirst().orElse("").strip();
    String commit = requireOk(
            Exec.run(
                List.of("git", "commit-tree", treeId, "-p", t, "-p", b, "-m", message),
                repo,
                identityIfMissing(repo),
                GIT_TIMEOUT),
            "git commit-tree")
        .out()
        .strip();
    Optional<Path> checkedOut = worktreeOf(repo, target);
    if (checkedOut.isPresent()) {
      requireOk(
          git(checkedOut.get(), "merge", "--ff-only", "-q", commit),
          "Fast-forward of " + target + " in " + checkedOut.get()
              + " (commit or stash its local changes)");
    } else {
      requireOk(
          git(repo, "update-ref", "refs/heads/" + target, commit, t),
          "Update of " + target + " (it moved meanwhile; merge again)");
    }
    return commit;
  }

  /** Removes the worktree (even with local changes) and prunes stale entries; keeps the branch. */
  public static void remove(Path repo, Path worktree) {
    if (Files.exists(worktree)) {
      Exec.Result r = git(repo, "worktree", "remove", "--force", worktree.toString());
      if (!r.ok()) {
        throw new IllegalStateException("Cannot remove worktree " + worktree + ": " + r.why());
      }
    }
    git(repo, "worktree", "prune");
  }

  /** Returns the branch checked out in the repository's main worktree. */
  public static String currentBranch(Path repo) {
    Exec.Result r = git(repo, "symbolic-ref", "--short", "HEAD");
    if (!r.ok()) {
      throw new InvalidSettingException(
          List.of("target"),
          "The repository " + repo + " has no branch checked out (" + r.why() + "); name the"
              + " branch to merge into");
    }
    return r.out().strip();
  }

  /** Returns whether the worktree has uncommitted changes. */
  public static boolean isDirty(Path worktree) {
    return !git(worktree, "status", "--porcelain").out().isBlank();
  }

  /** Returns the worktree that has {@code branch} checked out, if any. */
  static Optional<Path> worktreeOf(Path repo, String branch) {
    Exec.Result r = git(repo, "worktree", "list", "--porcelain");
    Path current = null;
    for (String line : r.out().lines().toList()) {
      if (line.startsWith("worktree ")) {
        current = Path.of(line.substring(9));
      } else if (line.equals("branch refs/heads/" + branch) && current != null) {
        return Optional.of(current);
      }
    }
    return Optional.empty();
  }

  private static Map<String, String> identityIfMissing(Path dir) {
    boolean has =
        git(dir, "config", "user.email").ok() && git(dir, "config", "user.name").ok();
    return has ? Map.of() : IDENTITY;
  }

  private static Exec.Result gitId(Path dir, String... args) {
    List<String> argv = new ArrayList<>(List.of("git"));
    argv.addAll(List.of(args));
    return Exec.run(argv, dir, identityIfMissing(dir), GIT_TIMEOUT);
  }

  static Exec.Result git(Path dir, String... args) {
    List<String> argv = new ArrayList<>(List.of("git"));
    argv.addAll(List.of(args));
    return Exec.run(argv, dir, Map.of(), GIT_TIMEOUT);
  }

  private static Exec.Result requireOk(Exec.Result r, String what) {
    if (!r.ok()) {
      throw new IllegalStateException(what + " failed: " + r.why());
    }
    return r;
  }
}
