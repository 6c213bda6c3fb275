package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.spi.Environment;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * NemoSpawn 1.0's {@code ngc} forms ({@code nemospawn-1.0-cli.txt}) through the CLI, against the
 * stand-in {@code ngc} and {@code docker} executables of nemospawn-nvidia's tests on the PATH: the
 * exact command lines they receive, exit codes, and the API key absent from argv and output.
 */
class NgcCommandTest {
  static final JsonMapper JSON = JsonMapper.builder().build();
  static final String KEY = "nvapi-CLIsecret0123456789abcdef";
  static final Path FAKES = Path.of(
          "..", "nemospawn-nvidia", "src", "test", "resources", "io", "nemospawn", "nvidia", "ngc")
      .toAbsolutePath()
      .normalize();

  @TempDir
  Path dir;

  Path bin;
  Path record;
  Path data;
  Map<String, String> env;

  record Run(int code, String out, String err) {}

  @BeforeEach
  void setUp() throws IOException {
    bin = Files.createDirectories(dir.resolve("bin"));
    record = Files.createDirectories(dir.resolve("record"));
    data = dir.resolve("data");
    for (String[] f :
        List.of(new String[] {"fake-ngc.sh", "ngc"}, new String[] {"fake-docker.sh", "docker"})) {
      Path p = bin.resolve(f[1]);
      Files.copy(FAKES.resolve(f[0]), p);
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    env = new LinkedHashMap<>();
    env.put("PATH", bin + ":/usr/bin:/bin");
    env.put("FAKE_DIR", record.toString());
    env.put("NGC_CLI_API_KEY", KEY);
  }

  Run run(String... args) {
    try {
      return Environment.call(env, dir, () -> {
        var cl = Main.commandLine(args);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        Run r = new Run(code, out.toString(), err.toString());
        assertThat(r.out() + r.err()).as("the key never shows").doesNotContain(KEY);
        return r;
      });
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  List<List<String>> runs() {
    List<List<String>> out = new ArrayList<>();
    for (int i = 0; Files.exists(record.resolve("argv." + i)); i++) {
      try {
        String s = Files.readString(record.resolve("argv." + i), StandardCharsets.UTF_8);
        out.add(Arrays.asList(s.substring(0, s.length() - 1).split("\0", -1)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    assertThat(out).allSatisfy(a -> assertThat(String.join(" ", a)).doesNotContain(KEY));
    return out;
  }

  @Test
  void authSaysLoggedInOrWhatToDo() {
    Run r = run("ngc", "auth");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("logged in (API key from NGC_CLI_API_KEY), org example_org");
    assertThat(runs()).containsExactly(List.of("ngc", "config", "current"));
    env.remove("NGC_CLI_API_KEY");
    env.put("FAKE_NO_CONFIG", "1");
    Run no = run("ngc", "auth");
    assertThat(no.code()).isEqualTo(1);
    assertThat(no.err()).contains("not logged in").contains("ngc config set");
    env.put("PATH", "/usr/bin:/bin");
    Run missing = run("ngc", "auth");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err())
        .contains("Error: The NGC CLI 'ngc' is not on the PATH")
        .contains("org.ngc.nvidia.com/setup/installers/cli");
  }

  @Test
  void listWithAndWithoutFilter() {
    assertThat(run("ngc", "list", "nvidia").code()).isZero();
    Run r = run("ngc", "list", "nvidia", "--filter", "llama*");
    assertThat(r.out()).contains("nvidia/llama*");
    assertThat(runs())
        .containsExactly(
            List.of("ngc", "registry", "model", "list", "nvidia/*"),
            List.of("ngc", "registry", "model", "list", "nvidia/llama*"));
  }

  @Test
  void pullInOneZeroFormAndRegisterTheCheckpoint() throws Exception {
    Cli cli = new Cli(data);
    String team = cli.id("team", "create", "t1");
    Run r = run(
        "ngc",
        "pull",
        "nvidia",
        "nemo/gpt",
        "--version",
        "1.0",
        "-o",
        "models",
        "--register",
        team,
        "--data-dir",
        data.toString(),
        "--json");
    assertThat(r.code()).as(r.err()).isZero();
    Path models = dir.resolve("models").toAbsolutePath();
    assertThat(runs())
        .containsExactly(List.of(
            "ngc",
            "registry",
            "model",
            "download-version",
            "nvidia/nemo/gpt:1.0",
            "--dest",
            models.toString()));
    JsonNode j = JSON.readTree(r.out());
    assertThat(j.get("local_path").asString())
        .isEqualTo(models.resolve("gpt_v1.0").toString());
    String art = j.get("artifact_id").asString();
    Cli.Result shown = cli.run("artifact", "show", team, art, "--json");
    JsonNode a = JSON.readTree(shown.out());
    assertThat(a.get("path").asString())
        .isEqualTo(models.resolve("gpt_v1.0/model.nemo").toString());
    assertThat(a.get("nemo_config_hash").asString()).hasSize(16);
    // the default version, no output directory: ngc's working directory is the caller's
    assertThat(run("ngc", "pull", "nvidia", "gpt").code()).isZero();
    assertThat(runs().get(1))
        .containsExactly("ngc", "registry", "model", "download-version", "nvidia/gpt:latest");
    assertThat(dir.resolve("gpt_vlatest/model.nemo")).exists();
  }

  @Test
  void registerToAnUnknownTeamFailsBeforeDownloading() {
    Run r =
        run("ngc", "pull", "nvidia", "gpt", "--register", "nope", "--data-dir", data.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("nope");
    assertThat(runs()).isEmpty();
  }

  @Test
  void pushInOneZeroForm() throws Exception {
    Path model = Files.writeString(dir.resolve("m.nemo"), "w");
    Run r = run(
        "ngc",
        "push",
        "m.nemo",
        "example_org",
        "my_model",
        "--version",
        "2",
        "--desc",
        "tuned; $(id)");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(runs())
        .containsExactly(List.of(
            "ngc",
            "registry",
            "model",
            "upload-version",
            "example_org/my_model:2",
            "--source",
            model.toString(),
            "--desc",
            "tuned; $(id)"));
    assertThat(r.out()).contains("Upload status: Completed");
  }

  @Test
  void pushContainerInOneZeroForm() {
    Run r = run("ngc", "push-container", "my-image:1.0", "example_org", "trainer", "--tag", "v3");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(runs())
        .containsExactly(
            List.of("docker", "tag", "my-image:1.0", "nvcr.io/example_org/trainer:v3"),
            List.of("docker", "push", "nvcr.io/example_org/trainer:v3"));
    env.put("FAKE_UNAUTHORIZED", "1");
    Run refused = run("ngc", "push-container", "img", "example_org", "trainer");
    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.err()).contains("docker login nvcr.io");
  }

  @Test
  void failuresAndHostileNamesAreReported() {
    env.put("FAKE_EXIT", "4");
    env.put("FAKE_LEAK", "1");
    Run failed = run("ngc", "list", "nvidia");
    assertThat(failed.code()).isEqualTo(1);
    assertThat(failed.err()).contains("exited with 4").contains("Invalid org");
    env.remove("FAKE_EXIT");
    int before = runs().size();
    for (String bad : List.of("../x", "$(id)", "-rf", "a\nb", "it's")) {
      Run r = run("ngc", "pull", bad, "gpt");
      // "-rf" reads as an unknown option: a usage error (2) before anything runs
      assertThat(r.code()).as(bad).isEqualTo(bad.startsWith("-") ? 2 : 1);
      if (!bad.startsWith("-")) {
        assertThat(r.err())
            .contains("Invalid org")
            .contains("Nothing was run")
            .doesNotContain("\n'");
      }
      assertThat(run("ngc", "push-container", "img", "o", bad).code()).isPositive();
    }
    assertThat(runs()).hasSize(before);
  }

  @Test
  void everyNgcCommandAnswersHelp() {
    for (String c : List.of("auth", "list", "pull", "push", "push-container")) {
      Run r = run("ngc", c, "--help");
      assertThat(r.code()).isZero();
      assertThat(r.out()).startsWith("Usage: nemospawn ngc " + c);
    }
  }
}
