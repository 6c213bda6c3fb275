package io.nemospawn.server.project;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code git} in a directory; the child's output is read, never inherited. */
final class Git {
  /** The identity of commits the orchestrator makes (merges), so no user config is needed. */
  private static final List<String> IDENTITY =
      List.of("-c", "user.name=nemospawn", "-c", "user.email=nemospawn@localhost");

  record Result(int code, String out, String err) {
    boolean ok() {
      return code == 0;
    }
  }

  private Git() {}

  static Result run(Path dir, String... args) {
    List<String> argv = new ArrayList<>();
    argv.add("git");
    argv.addAll(IDENTITY);
    argv.add("-C");
    argv.add(dir.toString());
    argv.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(argv)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .start();
      // Small outputs: read stderr after stdout (git writes little to either here).
      byte[] out = p.getInputStream().readAllBytes();
      byte[] err = p.getErrorStream().readAllBytes();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(124, "", "git " + String.join(" ", args) + " timed out");
      }
      return new Result(
          p.exitValue(),
          new String(out, StandardCharsets.UTF_8).strip(),
          new String(err, StandardCharsets.UTF_8).strip());
    } catch (IOException e) {
      return new Result(127, "", "cannot run git: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(130, "", "interrupted");
    }
  }

  static Result must(Path dir, String... args) {
    Result r = run(dir, args);
    if (!r.ok()) {
      throw new IllegalStateException(
          "git " + String.join(" ", args) + " in " + dir + " failed: " + r.err());
    }
    return r;
  }

  /** The commit a ref points at, or "" when it does not exist. */
  static String commit(Path dir, String ref) {
    Result r = run(dir, "rev-parse", "--verify", "--quiet", ref + "^{commit}");
    return r.ok() ? r.out() : "";
  }

  static boolean isAncestor(Path dir, String ancestor, String descendant) {
    return run(dir, "merge-base", "--is-ancestor", ancestor, descendant).ok();
  }
}
