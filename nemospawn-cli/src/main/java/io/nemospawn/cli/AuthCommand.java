package io.nemospawn.cli;

import io.nemospawn.AccessRole;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Principal;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.state.AuditChain;
import io.nemospawn.state.Authorizer;
import io.nemospawn.state.Users;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/**
 * {@code nemospawn auth create-user|verify|list|revoke|audit}: users with roles and keys (salted
 * hashes in {@code access-keys.json}, records in {@code auth/<user>.json}) and the hash-chained
 * audit log. The caller's own key comes from {@code $NEMOSPAWN_KEY_FILE} or {@code
 * $NEMOSPAWN_API_KEY}; a key to check is read from stdin or a file.
 */
@Command(
    name = "auth",
    mixinStandardHelpOptions = true,
    description = "Authentication and audit: users, roles and keys; the tamper-evident audit log.",
    subcommands = {
      AuthCommand.CreateUser.class,
      AuthCommand.Verify.class,
      AuthCommand.ListCmd.class,
      AuthCommand.Revoke.class,
      AuthCommand.Audit.class
    })
final class AuthCommand {
  private AuthCommand() {}

  /** The caller, from its own key; null without one. */
  static @Nullable Principal caller(Authorizer a) {
    Optional<String> key = StateOptions.callerKey();
    return key.isPresent() ? a.authenticate(key.get()) : null;
  }

  @Command(
      name = "create-user",
      mixinStandardHelpOptions = true,
      description = {
        "Creates a user with a new 256-bit key, printed once (only a salted hash is stored).",
        "With auth on this needs an admin's key, except for the first admin."
      })
  static final class CreateUser extends StateSubcommand {
    @Parameters(index = "0", paramLabel = "USERNAME", description = "Username.")
    String username;

    @Option(
        names = "--role",
        defaultValue = "user",
        paramLabel = "ROLE",
        description = "AccessRole: admin, user, viewer or agent (default: ${DEFAULT-VALUE}).")
    String role;

    @Option(
        names = "--team",
        paramLabel = "TEAM_ID",
        description = "Limit the key to one team (required for agent keys).")
    @Nullable
    String team;

    @Override
    public Integer call() {
      AccessRole r = AccessRole.find(role)
          .orElseThrow(() -> new ParameterException(
              spec.commandLine(),
              "Unknown role '" + StateFormat.printable(role)
                  + "'; use admin, user, viewer or agent"));
      String t = team == null ? "" : team;
      if (r == AccessRole.AGENT && t.isEmpty()) {
        throw new ParameterException(
            spec.commandLine(), "An agent key is scoped to one team: add --team TEAM_ID");
      }
      Path dir = state.dataDir();
      Authorizer a = Authorizer.of(dir);
      Users users = Users.of(dir);
      boolean firstAdmin = r == AccessRole.ADMIN
          && users.list().stream().noneMatch(u -> u.role() == AccessRole.ADMIN && !u.revoked());
      if (!firstAdmin) {
        a.checkAdminister(caller(a), "create users");
      }
      Users.Created c = users.create(username, r, t);
      try (NemoSpawn ns = open()) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("username", username);
        details.put("role", r.wireName());
        details.put("team", t);
        ns.audit().append("user.create", t, "", details);
      }
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("username", username);
        m.put("role", r.wireName());
        m.put("team", t);
        m.put("api_key", c.key());
        out.json(m);
      } else {
        out.println("Created user " + username + " (" + r.wireName()
            + (t.isEmpty() ? "" : ", team " + t) + "). Its key, shown only this once:");
        out.println(c.key());
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description = {
        "Verifies an API key and shows the associated user.",
        "The key is read from stdin (or --file); a key given as API_KEY is visible to other"
            + " users in ps, so prefer '-' or no argument and pipe it in."
      })
  static final class Verify extends StateSubcommand {
    @Parameters(
        index = "0",
        arity = "0..1",
        paramLabel = "API_KEY",
        description = "The key, '-' or nothing to read it from stdin (1.0 form; visible in ps).")
    @Nullable
    String apiKey;

    @Option(names = "--file", paramLabel = "FILE", description = "Read the key from FILE.")
    @Nullable
    Path file;

    @Override
    public Integer call() throws IOException {
      String key;
      if (file != null) {
        key = Files.readString(file, StandardCharsets.UTF_8);
      } else if (apiKey != null && !apiKey.equals("-")) {
        out.err()
            .println("Warning: a key on the command line is visible to every user in ps and"
                + " lands in shell history; pipe it in instead: nemospawn auth verify - < keyfile");
        out.err().flush();
        key = apiKey;
      } else {
        key = new String(System.in.readNBytes(4096), StandardCharsets.UTF_8);
      }
      key = key.strip();
      Path dir = state.dataDir();
      Authorizer a = Authorizer.of(dir);
      Optional<Principal> p = key.isEmpty() ? Optional.empty() : a.keys().identify(key);
      if (p.isEmpty()) {
        Optional<Users.User> legacy =
            key.isEmpty() ? Optional.empty() : Users.of(dir).verifyLegacy(key);
        if (legacy.isPresent()) {
          out.err()
              .println(
                  "Error: this is NemoSpawn 1.0's key of user " + legacy.get().name()
                      + " (an unsalted hash), which does not authenticate here; revoke and create the"
                      + " user again: nemospawn auth revoke " + legacy.get().name());
        } else {
          out.err().println("Error: the key is not valid (unknown or revoked)");
        }
        out.err().flush();
        return ExitCodes.FAILURE;
      }
      Principal who = p.get();
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("valid", true);
        m.put("username", who.user());
        m.put("role", who.role().wireName());
        m.put("team", who.team());
        m.put("auth_enabled", a.enabled());
        out.json(m);
      } else {
        out.println("Valid key of " + who.user() + " (" + who.role().wireName()
            + (who.team().isEmpty() ? "" : ", team " + who.team()) + ")"
            + (a.enabled() ? "" : "; auth is off, so nothing is checked yet"));
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Lists the users: name, role, team, whether revoked (never keys).")
  static final class ListCmd extends StateSubcommand {
    @Override
    public Integer call() {
      List<Users.User> all = Users.of(state.dataDir()).list();
      if (out.json()) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Users.User u : all) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("username", u.name());
          m.put("role", u.role().wireName());
          m.put("team", u.team());
          m.put("created_at", u.createdAt().toString());
          m.put("revoked", u.revoked());
          m.put("legacy", u.legacy());
          rows.add(m);
        }
        out.json(rows);
      } else {
        List<List<String>> rows = new ArrayList<>();
        for (Users.User u : all) {
          rows.add(List.of(
              u.name(),
              u.role().wireName(),
              u.team().isEmpty() ? "-" : u.team(),
              u.revoked() ? "revoked" : u.legacy() ? "1.0 key (re-create)" : "active"));
        }
        out.table(List.of("USER", "ROLE", "TEAM", "STATUS"), rows);
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "revoke",
      mixinStandardHelpOptions = true,
      description = "Revokes a user's keys at once (with auth on, needs an admin's key).")
  static final class Revoke extends StateSubcommand {
    @Parameters(index = "0", paramLabel = "USERNAME", description = "Username.")
    String username;

    @Override
    public Integer call() {
      Path dir = state.dataDir();
      Authorizer a = Authorizer.of(dir);
      a.checkAdminister(caller(a), "revoke users");
      int n = Users.of(dir).revoke(username);
      try (NemoSpawn ns = open()) {
        ns.audit().append("user.revoke", "", "", Map.of("username", username, "keys", n));
      }
      out.println("Revoked user " + username + " (" + n + " key" + (n == 1 ? "" : "s") + ")");
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "audit",
      mixinStandardHelpOptions = true,
      description = {
        "View the audit log, or check its hash chain with --verify.",
        "Reads audit.jsonl and its rotated files (audit.<seq>.jsonl) in order."
      })
  static final class Audit extends StateSubcommand {
    @Option(
        names = {"--last", "-n"},
        defaultValue = "50",
        paramLabel = "N",
        description = "Number of recent entries (default: ${DEFAULT-VALUE}).")
    int last;

    @Option(names = "--event", paramLabel = "EVENT", description = "Only this event type.")
    @Nullable
    String event;

    @Option(names = "--team", paramLabel = "TEAM_ID", description = "Only this team.")
    @Nullable
    String team;

    @Option(names = "--user", paramLabel = "USER", description = "Only this user.")
    @Nullable
    String user;

    @Option(
        names = "--verify",
        description = "Check the hash chain; exit 1 naming the first broken line.")
    boolean verify;

    @Override
    public Integer call() {
      if (last < 1) {
        throw new ParameterException(spec.commandLine(), "--last must be >= 1, was " + last);
      }
      List<Path> files = AuditChain.files(state.dataDir());
      return verify ? verify(files) : show(files);
    }

    private int verify(List<Path> files) {
      AuditChain.Report r = AuditChain.verify(files);
      AuditChain.Break b = r.broken();
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("intact", r.intact());
        m.put("files", files.stream().map(Path::toString).toList());
        m.put("lines", r.lines());
        m.put("unchained", r.unchained());
        m.put("chained", r.chained());
        m.put("first_seq", r.firstSeq());
        m.put("head", r.head());
        if (b != null) {
          m.put("broken_file", b.file().toString());
          m.put("broken_line", b.line());
          m.put("reason", b.reason());
        }
        out.json(m);
      } else if (b == null) {
        out.println("Audit chain intact: " + r.chained() + " chained line(s) in " + files.size()
            + " file(s)"
            + (r.unchained() > 0
                ? ", after " + r.unchained() + " unchained line(s) from before the chain (1.0)"
                : "")
            + ". Head " + r.head()
            + " (keep it elsewhere to detect a rewrite or a cut end).");
      } else {
        out.err()
            .println("Audit chain broken at " + b.file() + " line " + b.line() + ": " + b.reason());
        out.err().flush();
      }
      return b == null ? ExitCodes.OK : ExitCodes.FAILURE;
    }

    private int show(List<Path> files) {
      Deque<JsonNode> tail = new ArrayDeque<>();
      AuditChain.read(files, l -> {
        JsonNode n = l.node();
        if (n == null
            || (event != null && !event.equals(n.path("event").asString("")))
            || (team != null && !team.equals(n.path("team_id").asString("")))
            || (user != null && !user.equals(n.path("user").asString("")))) {
          return;
        }
        tail.addLast(n);
        if (tail.size() > last) {
          tail.removeFirst();
        }
      });
      if (out.json()) {
        out.json(List.copyOf(tail));
      } else {
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode n : tail) {
          rows.add(List.of(
              n.path("timestamp").asString(""),
              n.path("event").asString(""),
              n.path("user").asString(""),
              n.path("team_id").asString(""),
              n.path("agent_id").asString(""),
              n.path("details").toString()));
        }
        out.table(List.of("TIME", "EVENT", "USER", "TEAM", "AGENT", "DETAILS"), rows);
      }
      return ExitCodes.OK;
    }
  }
}
