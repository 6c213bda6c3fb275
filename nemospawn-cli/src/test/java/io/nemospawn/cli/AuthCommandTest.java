package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.state.AuditChain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code nemospawn auth}: 1.0's forms as written, users and roles, and, with auth on, a viewer key
 * refused every change through the CLI (and an agent key outside its team), nothing written.
 */
class AuthCommandTest {
  @TempDir
  Path dir;

  Cli cli;
  final Map<String, String> env = new HashMap<>();

  @BeforeEach
  void setUp() {
    cli = new Cli(dir);
    StateOptions.env = env::get;
  }

  @AfterEach
  void tearDown() {
    StateOptions.env = System::getenv;
  }

  Cli.Result ok(String... args) {
    Cli.Result r = cli.run(args);
    assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isZero();
    return r;
  }

  String keyOf(Cli.Result created) {
    List<String> lines = created.out().lines().toList();
    return lines.get(lines.size() - 1).strip();
  }

  @Test
  void createUserVerifyAndAuditIn10Form() throws Exception {
    Cli.Result created = ok("auth", "create-user", "alice");
    assertThat(created.out()).contains("Created user alice (user)");
    String key = keyOf(created);
    assertThat(key).hasSize(43);
    // 1.0's record, readable by 1.0: its keys, plus ours; never the key nor its unsalted hash.
    JsonNode rec = CliRun.JSON.readTree(Files.readString(dir.resolve("auth/alice.json")));
    assertThat(rec.path("username").asString()).isEqualTo("alice");
    assertThat(rec.path("role").asString()).isEqualTo("user");
    assertThat(rec.has("api_key_hash")).isTrue();
    assertThat(rec.path("teams").isArray()).isTrue();
    assertThat(rec.path("namespace").asString()).isEqualTo("default");
    assertThat(Files.readString(dir.resolve("auth/alice.json"))).doesNotContain(key);
    assertThat(Files.readString(dir.resolve("access-keys.json"))).doesNotContain(key);
    ok("auth", "create-user", "root", "--role", "admin");
    // 1.0's verify takes the key positionally: it works, with a warning that ps shows it.
    Cli.Result v = ok("auth", "verify", key);
    assertThat(v.out()).contains("Valid key of alice (user)");
    assertThat(v.err()).contains("visible to every user in ps");
    Cli.Result bad = cli.run("auth", "verify", "x".repeat(43));
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err()).contains("not valid");
    // 1.0's audit forms
    Cli.Result audit = ok("auth", "audit");
    assertThat(audit.out()).contains("user.create");
    ok("auth", "audit", "-n", "5", "--event", "user.create", "--team", "");
    JsonNode last = ok(
            "auth",
            "audit",
            "--last",
            "50",
            "--event",
            "user.create",
            "--user",
            System.getProperty("user.name"),
            "--json")
        .json();
    assertThat(last).hasSize(2);
    assertThat(last.get(1).path("details").path("username").asString()).isEqualTo("root");
    JsonNode verified = ok("auth", "audit", "--verify", "--json").json();
    assertThat(verified.path("intact").asBoolean()).isTrue();
    assertThat(verified.path("chained").asLong()).isEqualTo(2);
    // list never shows keys
    Cli.Result list = ok("auth", "list", "--json");
    assertThat(list.out()).contains("alice", "root").doesNotContain(key);
  }

  @Test
  void verifyReadsTheKeyFromStdinOrAFileAndRevokeKillsIt() throws Exception {
    String key = keyOf(ok("auth", "create-user", "bob", "--role", "viewer"));
    Path f = dir.resolve("k");
    Files.writeString(f, key + "\n");
    assertThat(ok("auth", "verify", "--file", f.toString()).out()).contains("bob (viewer)");
    var in = System.in;
    try {
      System.setIn(new java.io.ByteArrayInputStream((key + "\n").getBytes()));
      Cli.Result r = ok("auth", "verify", "-");
      assertThat(r.out()).contains("bob (viewer)");
      assertThat(r.err()).isEmpty();
    } finally {
      System.setIn(in);
    }
    ok("auth", "revoke", "bob");
    assertThat(cli.run("auth", "verify", "--file", f.toString()).code()).isEqualTo(1);
    assertThat(ok("auth", "list").out()).contains("revoked");
  }

  @Test
  void hostileNamesAndRolesAreRefusedAndWriteNothing() {
    for (String name : List.of("../x", "$(id)", "a\"b", "a\nb")) {
      Cli.Result r = cli.run("auth", "create-user", name);
      assertThat(r.code()).as(name).isNotZero();
      assertThat(r.err()).contains("Invalid user name");
    }
    Cli.Result role = cli.run("auth", "create-user", "carl", "--role", "root");
    assertThat(role.code()).isEqualTo(2);
    assertThat(role.err()).contains("Unknown role 'root'");
    Cli.Result agent = cli.run("auth", "create-user", "dana", "--role", "agent");
    assertThat(agent.err()).contains("--team");
    assertThat(Files.exists(dir.resolve("auth"))).isFalse();
    assertThat(Files.exists(dir.resolve("access-keys.json"))).isFalse();
  }

  /** Snapshot of every file but locks, to show that nothing changed. */
  String snapshot() throws Exception {
    StringBuilder b = new StringBuilder();
    try (var s = Files.walk(dir)) {
      for (Path p : s.sorted().toList()) {
        String rel = dir.relativize(p).toString();
        if (rel.startsWith(".locks")) {
          continue;
        }
        b.append(rel);
        if (Files.isRegularFile(p)) {
          b.append('=').append(Files.readString(p));
        }
        b.append('\n');
      }
    }
    return b.toString();
  }

  @Test
  void withAuthOnAViewerKeyIsRefusedEveryChangeThroughTheCli() throws Exception {
    String admin = keyOf(ok("auth", "create-user", "root", "--role", "admin"));
    String viewer = keyOf(ok("auth", "create-user", "vic", "--role", "viewer"));
    String t = cli.id("team", "create", "alpha");
    String other = cli.id("team", "create", "beta");
    ok("agent", "register", "--team", t, "w");
    String task = cli.id("task", "create", t, "train");
    ok("config", "set", "auth", "on");
    Path keyFile = dir.resolve("viewer.key");
    Files.writeString(keyFile, viewer);
    Files.setPosixFilePermissions(
        keyFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    env.put("NEMOSPAWN_KEY_FILE", keyFile.toString());
    String before = snapshot();
    List<List<String>> changes = List.of(
        List.of("team", "create", "gamma"),
        List.of("task", "create", t, "evil"),
        List.of("task", "update", t, task, "--status", "completed"),
        List.of("inbox", "send", t, "w", "hi"),
        List.of("inbox", "broadcast", t, "hi"),
        List.of("plan", "submit", "--team", t, "--agent", "w", "--title", "p"),
        List.of("config", "set", "web_port", "9999"),
        List.of("auth", "create-user", "eve"),
        List.of("auth", "revoke", "root"),
        List.of("agent", "register", "--team", t, "x"),
        List.of("hpo", "suggest", "--study", "s1"));
    List<String> refused = new ArrayList<>();
    for (List<String> c : changes) {
      Cli.Result r = cli.run(c.toArray(String[]::new));
      assertThat(r.code()).as(c + ": " + r.out()).isEqualTo(1);
      assertThat(r.err()).as(c.toString()).contains("vic (viewer)");
      refused.add(String.join(" ", c));
    }
    assertThat(refused).hasSize(changes.size());
    assertThat(snapshot()).as("nothing changed").isEqualTo(before);
    // Reads work for the viewer.
    assertThat(ok("task", "list", t, "--json").out()).contains("train");
    // Without any key, changes are refused too, naming how to give one.
    env.clear();
    Cli.Result none = cli.run("task", "create", t, "evil");
    assertThat(none.err()).contains("needs an access key").contains("NEMOSPAWN_KEY_FILE");
    // An agent key changes its own team only.
    env.put("NEMOSPAWN_API_KEY", admin);
    String agentKey = keyOf(ok("auth", "create-user", "bot", "--role", "agent", "--team", t));
    env.put("NEMOSPAWN_API_KEY", agentKey);
    ok("task", "create", t, "own");
    Cli.Result foreign = cli.run("task", "create", other, "foreign");
    assertThat(foreign.code()).isEqualTo(1);
    assertThat(foreign.err()).contains("only change its own team");
    // The audit names who did what, and its chain holds.
    JsonNode mine = ok("auth", "audit", "--user", "bot", "--json").json();
    assertThat(mine).hasSize(1);
    assertThat(mine.get(0).path("event").asString()).isEqualTo("task.create");
    assertThat(AuditChain.verify(AuditChain.files(dir)).intact()).isTrue();
  }
}
