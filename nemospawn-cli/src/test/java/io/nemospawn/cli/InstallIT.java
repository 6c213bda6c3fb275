package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The distribution archive that {@code package} builds, installed by {@code scripts/install.sh}
 * into a temporary prefix, runs as {@code PREFIX/bin/nemospawn} from anywhere.
 */
class InstallIT {
  static final JsonMapper JSON = JsonMapper.builder().build();
  static final Path INSTALL =
      Path.of("..", "scripts", "install.sh").toAbsolutePath().normalize();

  @TempDir
  Path dir;

  @Test
  void theInstalledCommandCreatesAndListsTasks() throws Exception {
    Path archive = archive();
    Path prefix = dir.resolve("prefix");
    Result install =
        run(dir, Map.of(), INSTALL.toString(), "--prefix", prefix.toString(), archive.toString());
    assertThat(install.code()).as(install.err()).isZero();
    assertThat(install.out())
        .startsWith("Installed nemospawn in " + prefix.resolve("share/nemospawn")
            + "; the command is " + prefix.resolve("bin/nemospawn") + "\n");
    Path command = prefix.resolve("bin/nemospawn");
    assertThat(Files.isSymbolicLink(command)).isTrue();
    assertThat(prefix.resolve("share/nemospawn/lib/nemospawn.jar")).isRegularFile();

    Path data = dir.resolve("data");
    // No class-data-sharing archive: its training run would outlive the test's directory.
    Map<String, String> env = Map.of("NEMOSPAWN_DATA_DIR", data.toString(), "NEMOSPAWN_CDS", "off");
    Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
    Result version = run(elsewhere, env, command.toString(), "version");
    assertThat(version.code()).as(version.err()).isZero();
    assertThat(version.out()).startsWith("nemospawn 0.1.0-SNAPSHOT (Java ");

    Result team = run(elsewhere, env, command.toString(), "team", "create", "installed", "--json");
    assertThat(team.code()).as(team.err()).isZero();
    String teamId = JSON.readTree(team.out()).get("team_id").asString();
    Result task = run(
        elsewhere,
        env,
        command.toString(),
        "task",
        "create",
        "--team",
        teamId,
        "--title",
        "from the installed command",
        "--json");
    assertThat(task.code()).as(task.err()).isZero();
    String taskId = JSON.readTree(task.out()).get("task_id").asString();
    JsonNode stored = JSON.readTree(
        data.resolve("teams/" + teamId + "/tasks/" + taskId + ".json").toFile());
    assertThat(stored.get("title").asString()).isEqualTo("from the installed command");

    Result list =
        run(elsewhere, env, command.toString(), "task", "list", "--team", teamId, "--json");
    assertThat(list.code()).as(list.err()).isZero();
    assertThat(JSON.readTree(list.out()).get("tasks").get(0).get("task_id").asString())
        .isEqualTo(taskId);

    // Installing again replaces the files and keeps the command working.
    Result again =
        run(dir, Map.of(), INSTALL.toString(), "--prefix", prefix.toString(), archive.toString());
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(run(elsewhere, env, command.toString(), "version").code()).isZero();
  }

  @Test
  void aMissingArchiveIsNamed() throws Exception {
    Path missing = dir.resolve("none.tar.gz");
    Result r = run(
        dir,
        Map.of(),
        INSTALL.toString(),
        "--prefix",
        dir.resolve("p").toString(),
        missing.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("install.sh: archive '" + missing + "' does not exist\n");
    assertThat(dir.resolve("p")).doesNotExist();
  }

  private static Path archive() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("target"))) {
      List<Path> found = s.filter(
              p -> p.getFileName().toString().matches("nemospawn-.*-dist\\.tar\\.gz"))
          .toList();
      assertThat(found).as("the archive that package builds in target/").hasSize(1);
      return found.get(0).toAbsolutePath();
    }
  }

  private static Result run(Path cwd, Map<String, String> env, String... cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(cmd))).directory(cwd.toFile());
    pb.environment().remove("NEMOSPAWN_TEAM");
    pb.environment().remove("NEMOSPAWN_AGENT");
    pb.environment().putAll(env);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = pb.start();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Thread pump = new Thread(() -> {
      try {
        p.getErrorStream().transferTo(err);
      } catch (IOException ignored) {
        // The process ended.
      }
    });
    pump.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(3, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + " did not finish");
    }
    pump.join();
    return new Result(p.exitValue(), out, err.toString(StandardCharsets.UTF_8));
  }

  record Result(int code, String out, String err) {}
}
