package io.nemospawn.spi;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * The environment variables and working directory that NemoSpawn reads: the process's own, or,
 * inside {@link #call}, those of the caller that a resident process (the CLI's daemon) runs a
 * command for. Every {@code NEMOSPAWN_*} lookup of the library and the CLI goes through {@link
 * #get}, so concurrent calls from agents with different {@code NEMOSPAWN_TEAM} or {@code
 * NEMOSPAWN_AGENT} never see each other's values.
 *
 * <pre>{@code
 * String team = Environment.get("NEMOSPAWN_TEAM");          // the process's value
 * int code = Environment.call(Map.of("NEMOSPAWN_TEAM", "t1"), Path.of("/work"),
 *     () -> run(args));                                     // sees t1 and /work
 * }</pre>
 *
 * <p>The scope belongs to the calling thread only: threads a command starts see the process's
 * environment. Child processes are started from {@link #all()} by callers that care.
 *
 * @implNote Thread-safe: the scope is a thread-local, set and restored by {@link #call}.
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class Environment {
  private static final ThreadLocal<@Nullable Scope> SCOPE = new ThreadLocal<>();

  private Environment() {}

  /** Returns the value of the environment variable {@code name}, or null when it is not set. */
  public static @Nullable String get(String name) {
    requireNonNull(name, "name");
    Scope s = SCOPE.get();
    return s == null ? System.getenv(name) : s.env.get(name);
  }

  /** Returns every environment variable, unmodifiable. */
  public static Map<String, String> all() {
    Scope s = SCOPE.get();
    return s == null ? System.getenv() : s.env;
  }

  /** Returns the absolute working directory that relative paths are resolved against. */
  public static Path workingDirectory() {
    Scope s = SCOPE.get();
    return s == null ? Path.of("").toAbsolutePath() : s.cwd;
  }

  /** Returns {@code path} when absolute, else {@code path} resolved against {@link #workingDirectory()}. */
  public static Path resolve(Path path) {
    requireNonNull(path, "path");
    return path.isAbsolute() ? path : workingDirectory().resolve(path);
  }

  /** Returns whether the calling thread runs inside {@link #call}. */
  public static boolean isScoped() {
    return SCOPE.get() != null;
  }

  /**
   * Runs {@code body} on this thread with {@code env} as the environment and {@code cwd} as the
   * working directory, and returns its result; the previous scope is restored afterwards.
   *
   * @throws IllegalArgumentException when {@code cwd} is not absolute
   */
  public static <T> T call(Map<String, String> env, Path cwd, Callable<T> body) throws Exception {
    requireNonNull(env, "env");
    requireNonNull(cwd, "cwd");
    requireNonNull(body, "body");
    if (!cwd.isAbsolute()) {
      throw new IllegalArgumentException(
          "Working directory '" + cwd + "' is not absolute; give an absolute path");
    }
    Scope previous = SCOPE.get();
    SCOPE.set(new Scope(Map.copyOf(env), cwd));
    try {
      return body.call();
    } finally {
      if (previous == null) {
        SCOPE.remove();
      } else {
        SCOPE.set(previous);
      }
    }
  }

  private static final class Scope {
    final Map<String, String> env;
    final Path cwd;

    Scope(Map<String, String> env, Path cwd) {
      this.env = env;
      this.cwd = cwd;
    }
  }
}
