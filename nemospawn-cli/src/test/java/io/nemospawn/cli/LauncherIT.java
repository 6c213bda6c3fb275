package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/** {@code bin/nemospawn}: runs the jar, records its class-data-sharing archive, never fails on it. */
class LauncherIT {
  @TempDir
  Path dir;

  @Test
  void firstRunRecordsAnArchiveThatLaterRunsUseAndABadArchiveIsHarmless() throws Exception {
    Path jar = dir.resolve("lib/nemospawn.jar");
    Files.createDirectories(jar.getParent());
    Files.copy(CliProcesses.JAR, jar);
    Map<String, String> env = Map.of(
        "NEMOSPAWN_JAR",
        jar.toString(),
        "NEMOSPAWN_DATA_DIR",
        dir.resolve("data").toString());
    CliProcesses.Result first = CliProcesses.run(env, "version");
    assertThat(first.code()).isZero();
    assertThat(first.out()).startsWith("nemospawn 0.1.0-SNAPSHOT (Java ");
    assertThat(first.err()).isEmpty();
    await()
        .atMost(Duration.ofMinutes(4))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> archive(jar.getParent()) != null);
    Path archive = archive(jar.getParent());
    assertThat(archive.getFileName().toString()).matches("nemospawn-cds-\\d+\\.jsa");

    CliProcesses.Result json = CliProcesses.run(env, "team", "create", "cds", "--json");
    assertThat(json.code()).as(json.err()).isZero();
    assertThat(JsonMapper.builder().build().readTree(json.out()).get("name").asString())
        .isEqualTo("cds");

    // A damaged archive must not break the command: the JVM runs without it.
    Files.delete(archive);
    Files.write(archive, new byte[] {1, 2, 3});
    CliProcesses.Result damaged = CliProcesses.run(env, "team", "list", "--json");
    assertThat(damaged.code()).as(damaged.err()).isZero();
    assertThat(JsonMapper.builder().build().readTree(damaged.out()).get("teams"))
        .hasSize(1);
  }

  @Test
  void missingJarSaysHowToBuildIt() throws Exception {
    CliProcesses.Result r =
        CliProcesses.run(Map.of("NEMOSPAWN_JAR", dir.resolve("none.jar").toString()), "version");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .startsWith(
            "nemospawn: " + dir.resolve("none.jar") + " does not exist; build it first with: (cd '")
        .endsWith("' && ./mvnw -B -q -pl nemospawn-cli -am package -DskipTests)\n");
  }

  private static Path archive(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().matches("nemospawn-cds-\\d+\\.jsa"))
          .findFirst()
          .orElse(null);
    }
  }
}
