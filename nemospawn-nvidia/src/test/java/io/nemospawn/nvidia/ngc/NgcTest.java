package io.nemospawn.nvidia.ngc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Ngc} against stand-in {@code ngc} and {@code docker} executables on the PATH that record
 * their argv and environment and print what NGC's documented commands print.
 */
class NgcTest {
  static final String KEY = "nvapi-SECRETkey0123456789abcdef";

  @TempDir
  Path dir;

  Path bin;
  Path record;
  Map<String, String> env;

  /** Installs a stand-in script from the test resources as {@code bin/name}. */
  static void install(Path bin, String resource, String name) {
    try (InputStream in = NgcTest.class.getResourceAsStream(resource)) {
      Path p = bin.resolve(name);
      Files.write(p, in.readAllBytes());
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @BeforeEach
  void setUp() throws IOException {
    bin = Files.createDirectories(dir.resolve("bin"));
    record = Files.createDirectories(dir.resolve("record"));
    install(bin, "fake-ngc.sh", "ngc");
    install(bin, "fake-docker.sh", "docker");
    env = new LinkedHashMap<>();
    env.put("PATH", bin + ":/usr/bin:/bin");
    env.put("FAKE_DIR", record.toString());
    env.put("NGC_API_KEY", KEY);
  }

  Ngc ngc() {
    return Ngc.builder().environment(env).build();
  }

  /** The argv of each recorded run, in order. */
  List<List<String>> runs() {
    List<List<String>> out = new ArrayList<>();
    for (int i = 0; Files.exists(record.resolve("argv." + i)); i++) {
      out.add(nulSeparated(record.resolve("argv." + i)));
    }
    return out;
  }

  Map<String, String> envOf(int run) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String kv : nulSeparated(record.resolve("env." + run))) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        m.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    return m;
  }

  static List<String> nulSeparated(Path p) {
    try {
      String s = Files.readString(p, StandardCharsets.UTF_8);
      return Arrays.asList(s.substring(0, s.length() - 1).split("\0", -1));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void assertNoSecretInArgv() {
    assertThat(runs()).allSatisfy(argv -> assertThat(String.join(" ", argv)).doesNotContain(KEY));
  }

  @Test
  void authRunsConfigCurrentWithTheKeyOnlyInTheEnvironment() {
    Ngc.Auth a = ngc().auth();
    assertThat(runs()).containsExactly(List.of("ngc", "config", "current"));
    assertThat(envOf(0)).containsEntry("NGC_CLI_API_KEY", KEY);
    assertThat(a.loggedIn()).isTrue();
    assertThat(a.keySource()).isEqualTo("NGC_API_KEY");
    assertThat(a.org()).isEqualTo("example_org");
    assertThat(a.team()).isEqualTo("no-team");
    assertNoSecretInArgv();
  }

  @Test
  void authWithoutAnyKeyIsNotLoggedIn() {
    env.remove("NGC_API_KEY");
    env.put("FAKE_NO_CONFIG", "1");
    Ngc.Auth a = ngc().auth();
    assertThat(a.loggedIn()).isFalse();
    assertThat(a.keySource()).isEmpty();
    assertThat(a.output()).contains("Missing API key");
  }

  @Test
  void aKeySavedByNgcConfigCounts() {
    env.remove("NGC_API_KEY");
    Ngc.Auth a = ngc().auth();
    assertThat(a.loggedIn()).isTrue();
    assertThat(a.keySource()).isEqualTo("ngc config");
  }

  @Test
  void theKeyIsMaskedInOutputAndMessages() {
    env.put("FAKE_LEAK", "1");
    Ngc.Auth a = ngc().auth();
    assertThat(a.output()).contains("using key ****").doesNotContain(KEY);
    env.put("FAKE_EXIT", "3");
    assertThatThrownBy(() -> ngc().list("nvidia", "*"))
        .isInstanceOfSatisfying(NgcException.class, e -> {
          assertThat(e.getMessage()).doesNotContain(KEY);
          assertThat(e.output()).doesNotContain(KEY).contains("****");
        });
  }

  @Test
  void listPassesOrgAndFilter() {
    Ngc.Result r = ngc().list("nvidia", "*");
    assertThat(runs()).containsExactly(List.of("ngc", "registry", "model", "list", "nvidia/*"));
    assertThat(r.output()).contains("| Megatron GPT").contains("nvidia/*");
    assertThat(r.command().get(0).get(0)).isEqualTo(bin.resolve("ngc").toString());
  }

  @Test
  void pullDownloadsIntoTheOutputDirectoryAndReportsTheLocalPath() {
    Path out = dir.resolve("models");
    Ngc.Pull p = ngc().pull("nvidia", "nemo/megatron_gpt_345m", "1.0", out);
    assertThat(runs())
        .containsExactly(List.of(
            "ngc",
            "registry",
            "model",
            "download-version",
            "nvidia/nemo/megatron_gpt_345m:1.0",
            "--dest",
            out.toAbsolutePath().toString()));
    assertThat(p.target()).isEqualTo("nvidia/nemo/megatron_gpt_345m:1.0");
    assertThat(p.localPath()).contains(out.toAbsolutePath().resolve("megatron_gpt_345m_v1.0"));
    assertThat(p.localPath().orElseThrow().resolve("model.nemo")).exists();
    assertNoSecretInArgv();
  }

  @Test
  void pushUploadsAVersionWithItsDescription() throws IOException {
    Path model = Files.writeString(dir.resolve("model.nemo"), "weights");
    ngc().push(model, "example_org", "my_model", "v2", "fine-tuned on $(id) data");
    ngc().push(model, "example_org", "my_model", "latest", "");
    assertThat(runs())
        .containsExactly(
            List.of(
                "ngc",
                "registry",
                "model",
                "upload-version",
                "example_org/my_model:v2",
                "--source",
                model.toAbsolutePath().toString(),
                "--desc",
                "fine-tuned on $(id) data"),
            List.of(
                "ngc",
                "registry",
                "model",
                "upload-version",
                "example_org/my_model:latest",
                "--source",
                model.toAbsolutePath().toString()));
    assertThatThrownBy(() -> ngc().push(dir.resolve("missing"), "o", "m", "1", ""))
        .hasMessageContaining("no such file");
    assertThat(runs()).hasSize(2);
  }

  @Test
  void pushContainerTagsAndPushesToNvcr() {
    Ngc.Result r = ngc().pushContainer("my-image:1.0", "example_org", "trainer", "v1");
    assertThat(runs())
        .containsExactly(
            List.of("docker", "tag", "my-image:1.0", "nvcr.io/example_org/trainer:v1"),
            List.of("docker", "push", "nvcr.io/example_org/trainer:v1"));
    assertThat(r.output()).contains("v1: digest: sha256:");
    assertNoSecretInArgv();
  }

  @Test
  void podmanIsUsedWhenDockerIsAbsent() throws IOException {
    Files.delete(bin.resolve("docker"));
    install(bin, "fake-docker.sh", "podman");
    ngc().pushContainer("localhost/img", "example_org", "trainer", "latest");
    assertThat(runs())
        .extracting(a -> a.get(0) + " " + a.get(1))
        .containsExactly("podman tag", "podman push");
  }

  @Test
  void aRefusedPushSaysHowToLogIn() {
    env.put("FAKE_UNAUTHORIZED", "1");
    assertThatThrownBy(() -> ngc().pushContainer("img", "example_org", "trainer", "latest"))
        .isInstanceOfSatisfying(NgcException.class, e -> {
          assertThat(e.reason()).isEqualTo(NgcException.Reason.NOT_LOGGED_IN);
          assertThat(e.exitCode()).isEqualTo(1);
          assertThat(e.getMessage())
              .contains("docker login nvcr.io")
              .contains("--password-stdin")
              .contains("unauthorized");
        });
  }

  @Test
  void aMissingToolSaysWhatToInstall() throws IOException {
    Files.delete(bin.resolve("ngc"));
    Files.delete(bin.resolve("docker"));
    env.put("PATH", bin.toString());
    assertThatThrownBy(() -> ngc().auth()).isInstanceOfSatisfying(NgcException.class, e -> {
      assertThat(e.reason()).isEqualTo(NgcException.Reason.NOT_INSTALLED);
      assertThat(e.getMessage())
          .contains("not on the PATH (" + bin + ")")
          .contains("org.ngc.nvidia.com/setup/installers/cli");
    });
    assertThatThrownBy(() -> ngc().pushContainer("img", "o", "n", "t"))
        .isInstanceOfSatisfying(
            NgcException.class,
            e ->
                assertThat(e.getMessage()).contains("[docker, podman]").contains("Install docker"));
  }

  @Test
  void failureExitCodesAreSurfacedWithTheOutput() {
    env.put("FAKE_EXIT", "3");
    assertThatThrownBy(() -> ngc().pull("nvidia", "m", "1", null))
        .isInstanceOfSatisfying(NgcException.class, e -> {
          assertThat(e.reason()).isEqualTo(NgcException.Reason.FAILED);
          assertThat(e.exitCode()).isEqualTo(3);
          assertThat(e.command()).endsWith("download-version", "nvidia/m:1");
          assertThat(e.getMessage()).contains("exited with 3").contains("Invalid org");
        });
  }

  @Test
  void aMissingKeyIsReportedAsNotLoggedIn() {
    env.remove("NGC_API_KEY");
    env.put("FAKE_NO_CONFIG", "1");
    assertThatThrownBy(() -> ngc().list("nvidia", "*"))
        .isInstanceOfSatisfying(NgcException.class, e -> {
          assertThat(e.reason()).isEqualTo(NgcException.Reason.NOT_LOGGED_IN);
          assertThat(e.exitCode()).isEqualTo(1);
          assertThat(e.getMessage())
              .contains("Missing API key")
              .contains("set NGC_CLI_API_KEY (or NGC_API_KEY)")
              .contains("ngc config set");
        });
  }

  @Test
  void hostileNamesAreRefusedBeforeAnythingRuns() {
    List<String> hostile = List.of(
        "../x",
        "$(id)",
        "-rf",
        "--dest=/etc",
        "a b",
        "a\nb",
        "it's",
        "\"q\"",
        "",
        "a/../b",
        "..",
        "x;rm",
        "`id`",
        "\u202eevil");
    for (String h : hostile) {
      assertThatThrownBy(() -> ngc().list(h, "*"))
          .as(h)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Invalid org");
      assertThatThrownBy(() -> ngc().pull("nvidia", h, "1", null))
          .as(h)
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> ngc().pull("nvidia", "m", h, null))
          .as(h)
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> ngc().pushContainer(h, "o", "n", "t"))
          .as(h)
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> ngc().pushContainer("img", "o", h, "t"))
          .as(h)
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> ngc().pushContainer("img", "o", "n", h))
          .as(h)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> ngc().list("nvidia", "a;b")).hasMessageContaining("Invalid filter");
    assertThatThrownBy(() -> ngc().push(dir, "o", "m", "1", "line\nbreak"))
        .hasMessageContaining("control characters");
    assertThat(runs()).isEmpty();
    try (Stream<Path> s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("bin", "record");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
