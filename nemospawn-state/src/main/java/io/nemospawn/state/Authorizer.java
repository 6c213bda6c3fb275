package io.nemospawn.state;

import io.nemospawn.AccessDeniedException;
import io.nemospawn.ConfigKey;
import io.nemospawn.Principal;
import io.nemospawn.StateException;
import io.nemospawn.spi.StateFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one place that decides whether a caller may make a change, for every surface: the CLI and
 * the Java API (through the core runtime), the web board and the control plane. A surface
 * authenticates the caller's key once ({@link #authenticate}) and asks before each change ({@link
 * #checkTeamChange}, {@link #checkDataChange}, {@link #checkAdminister}); a refusal is an {@link
 * AccessDeniedException} naming the caller, its role and the change.
 *
 * <p>Nothing is checked while the {@code auth} setting is off (the default, as in NemoSpawn 1.0).
 * It is on when {@code config.json} says {@code "auth": "on"} or the environment says {@code
 * NEMOSPAWN_AUTH=on}; the environment cannot turn a configured {@code on} off, so a process
 * cannot escape the checks by its environment. The setting is read again on every check.
 *
 * <pre>{@code
 * Authorizer auth = Authorizer.of(dataDir);
 * Principal who = auth.authenticate(key);            // at login / hello
 * auth.checkTeamChange(who, teamId, "task.update");  // before each change
 * }</pre>
 *
 * <p>Thread-safe.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class Authorizer {
  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  private final Path dataDir;
  private final AccessKeys keys;
  private final UnaryOperator<@Nullable String> env;

  private Authorizer(Path dataDir, UnaryOperator<@Nullable String> env) {
    this.dataDir = dataDir;
    this.keys = AccessKeys.of(dataDir);
    this.env = env;
  }

  /** Returns the authorizer of a data directory, reading the process environment. */
  public static Authorizer of(Path dataDir) {
    return of(dataDir, System::getenv);
  }

  /** Returns the authorizer of a data directory reading {@code env} for {@code NEMOSPAWN_AUTH}. */
  public static Authorizer of(Path dataDir, UnaryOperator<@Nullable String> env) {
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(env, "env");
    return new Authorizer(dataDir, env);
  }

  /** Returns the key store the keys are checked against. */
  public AccessKeys keys() {
    return keys;
  }

  /**
   * Returns whether the {@code auth} setting is on.
   *
   * @throws StateException when config.json exists but cannot be read
   */
  public boolean enabled() {
    if (isOn(env.apply(ConfigKey.AUTH.envVar()))) {
      return true;
    }
    return isOn(configured(dataDir));
  }

  private static boolean isOn(@Nullable String v) {
    if (v == null) {
      return false;
    }
    String s = v.strip().toLowerCase(Locale.ROOT);
    return s.equals("on") || s.equals("true") || s.equals("yes") || s.equals("1");
  }

  private static @Nullable String configured(Path dataDir) {
    Path file = dataDir.resolve("config.json");
    try {
      JsonNode root = MAPPER.readTree(Files.readString(file));
      JsonNode v = root.get(ConfigKey.AUTH.key());
      return v == null || v.isNull() ? null : v.asString();
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException | JacksonException e) {
      throw new StateException(
          file, "Cannot read " + file + " to see whether auth is on: " + e.getMessage(), e);
    }
  }

  /**
   * Returns who {@code key} acts for.
   *
   * @throws AccessDeniedException when no stored key matches (unknown or revoked)
   * @throws StateException when the key store cannot be read
   */
  public Principal authenticate(String key) {
    Objects.requireNonNull(key, "key");
    return keys.identify(key.strip())
        .orElseThrow(() -> new AccessDeniedException(
            "The access key is not valid (unknown or revoked) in " + keys.file()
                + "; ask an admin for a key (auth create-user)",
            null));
  }

  /**
   * Refuses a change to team {@code teamId} unless auth is off or {@code who} may make it: admins
   * and users (unless scoped to another team) and agents of that team.
   *
   * @param who the caller, or null for one without a key
   * @param what the change, for the message ({@code task.update})
   * @throws AccessDeniedException when refused
   */
  public void checkTeamChange(@Nullable Principal who, String teamId, String what) {
    if (!enabled()) {
      return;
    }
    Principal p = require(who, what);
    if (!p.mayChangeTeam(teamId)) {
      throw new AccessDeniedException(
          p + " may not " + what + " in team '" + StateFormat.printable(teamId) + "': " + reason(p),
          p);
    }
  }

  /**
   * Refuses a change to the whole data directory (creating a team, profiles, clusters) unless
   * auth is off or {@code who} is an admin or an unscoped user.
   *
   * @throws AccessDeniedException when refused
   */
  public void checkDataChange(@Nullable Principal who, String what) {
    if (!enabled()) {
      return;
    }
    Principal p = require(who, what);
    if (!p.mayChangeDataDir()) {
      throw new AccessDeniedException(p + " may not " + what + ": " + reason(p), p);
    }
  }

  /**
   * Refuses managing users and settings unless auth is off or {@code who} is an admin.
   *
   * @throws AccessDeniedException when refused
   */
  public void checkAdminister(@Nullable Principal who, String what) {
    if (!enabled()) {
      return;
    }
    Principal p = require(who, what);
    if (!p.mayAdminister()) {
      throw new AccessDeniedException(p + " may not " + what + ": only admins may", p);
    }
  }

  private Principal require(@Nullable Principal who, String what) {
    if (who == null) {
      throw new AccessDeniedException(
          "Auth is on in " + dataDir + ": " + what + " needs an access key (set " + KEY_FILE_ENV
              + " to a file holding it, or " + KEY_ENV + ")",
          null);
    }
    return who;
  }

  private static String reason(Principal p) {
    return switch (p.role()) {
      case VIEWER -> "viewers may only read";
      case AGENT -> "an agent key may only change its own team (" + p.team() + ")";
      case USER, ADMIN ->
        p.team().isEmpty()
            ? "not allowed"
            : "the key is scoped to team " + StateFormat.printable(p.team());
    };
  }

  /** The environment variable naming a file (mode 0600) that holds the caller's key. */
  public static final String KEY_FILE_ENV = "NEMOSPAWN_KEY_FILE";

  /** The environment variable holding the caller's key (agents get theirs here). */
  public static final String KEY_ENV = "NEMOSPAWN_API_KEY";

  @Override
  public String toString() {
    return "Authorizer[" + dataDir + "]";
  }
}
