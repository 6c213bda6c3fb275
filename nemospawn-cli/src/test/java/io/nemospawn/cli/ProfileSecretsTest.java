package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Profiles may hold keys: private files, values hidden unless asked for. */
class ProfileSecretsTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String KEY = "sk-test-0123456789abcdef";

  @TempDir
  Path data;

  record Result(int code, String out, String err) {}

  private Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    String[] all = java.util.Arrays.copyOf(args, args.length + 2);
    all[args.length] = "--data-dir";
    all[args.length + 1] = data.toString();
    int code = cl.execute(all);
    return new Result(code, out.toString(), err.toString());
  }

  private String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void profileFilesAreOwnerOnlyAndShowHidesValuesUnlessAsked() throws Exception {
    Result c = run(
        "profile",
        "create",
        "keyed",
        "--agent",
        "custom",
        "--command",
        "true",
        "--env",
        "OPENAI_API_KEY=" + KEY,
        "--env",
        "EMPTY=");
    assertThat(c.code()).as(c.err()).isZero();
    assertThat(c.out()).doesNotContain(KEY);
    Path file = data.resolve("profiles/keyed.json");
    assertThat(mode(file)).isEqualTo("rw-------");
    assertThat(Files.readString(file)).contains(KEY);

    Result show = run("profile", "show", "keyed");
    assertThat(show.code()).as(show.err()).isZero();
    assertThat(show.out()).contains("env: {EMPTY=, OPENAI_API_KEY=******}").doesNotContain(KEY);
    JsonNode json = JSON.readTree(run("profile", "show", "keyed", "--json").out());
    assertThat(json.get("env").get("OPENAI_API_KEY").asString()).isEqualTo("******");
    assertThat(run("profile", "list", "--json").out()).doesNotContain(KEY);

    Result shown = run("profile", "show", "keyed", "--show-secrets");
    assertThat(shown.out()).contains("env: {EMPTY=, OPENAI_API_KEY=" + KEY + "}");
    JsonNode shownJson = JSON.readTree(
        run("profile", "show", "keyed", "--json", "--show-secrets").out());
    assertThat(shownJson.get("env").get("OPENAI_API_KEY").asString()).isEqualTo(KEY);
  }

  @Test
  void aProfileFileOthersCouldReadIsMadePrivateWhenRead() throws Exception {
    Path file = data.resolve("profiles/old.json");
    Files.createDirectories(file.getParent());
    Files.writeString(
        file,
        "{\"name\": \"old\", \"agent\": \"custom\", \"command\": \"true\","
            + " \"env\": {\"HF_TOKEN\": \"" + KEY + "\"}}\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    Result list = run("profile", "list");
    assertThat(list.code()).as(list.err()).isZero();
    assertThat(mode(file)).isEqualTo("rw-------");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-r--"));
    Result show = run("profile", "show", "old");
    assertThat(show.code()).as(show.err()).isZero();
    assertThat(show.out()).doesNotContain(KEY);
    assertThat(mode(file)).isEqualTo("rw-------");
  }
}
