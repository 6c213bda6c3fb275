package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.spi.Environment;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One data directory resolution for every command ({@link StateOptions}, over {@link
 * NemoSpawn#defaultDataDir()}): {@code --data-dir}, else {@code $NEMOSPAWN_DATA_DIR} (relative to
 * the caller's working directory, also when the daemon runs the command), else {@code
 * ~/.nemospawn}. The hpo and gpu groups had copies that resolved a relative variable against the
 * JVM's directory instead.
 */
class DataDirTest {
  @TempDir
  Path dir;

  private Path cwd;

  @BeforeEach
  void setUp() throws Exception {
    cwd = Files.createDirectories(dir.resolve("caller"));
    System.setProperty(
        "nemospawn.gpu.nvml-library", dir.resolve("none/libnvidia-ml.so.1").toString());
    System.setProperty(
        "nemospawn.gpu.nvidia-smi", dir.resolve("none/nvidia-smi").toString());
    System.setProperty("nemospawn.gpu.dcgmi", dir.resolve("none/dcgmi").toString());
  }

  @AfterEach
  void clear() {
    System.clearProperty("nemospawn.gpu.nvml-library");
    System.clearProperty("nemospawn.gpu.nvidia-smi");
    System.clearProperty("nemospawn.gpu.dcgmi");
  }

  /** Runs the CLI as the daemon does: with the caller's environment and working directory. */
  private int runAsCaller(Map<String, String> env, String... args) throws Exception {
    return Environment.call(env, cwd, () -> {
      var cl = Main.commandLine(args);
      cl.setOut(new PrintWriter(new StringWriter()));
      cl.setErr(new PrintWriter(new StringWriter()));
      return cl.execute(args);
    });
  }

  @Test
  void hpoResolvesARelativeDataDirVariableAgainstTheCallersDirectory() throws Exception {
    assertThat(runAsCaller(Map.of("NEMOSPAWN_DATA_DIR", "rel"), "hpo", "init", "--study", "s"))
        .isZero();
    assertThat(Hpo.storageFile(cwd.resolve("rel"), "s")).exists();
  }

  @Test
  void gpuStatusResolvesARelativeDataDirVariableAgainstTheCallersDirectory() throws Exception {
    String teamId;
    try (NemoSpawn ns = NemoSpawn.open(cwd.resolve("rel"))) {
      teamId = ns.newTeam("t").create().id();
    }
    assertThat(runAsCaller(Map.of("NEMOSPAWN_DATA_DIR", "rel"), "gpu", "status", "t"))
        .isZero();
    try (Stream<Path> files = Files.list(cwd.resolve("rel/teams/" + teamId + "/metrics"))) {
      assertThat(files.toList())
          .singleElement()
          .satisfies(f -> assertThat(f.getFileName().toString()).startsWith("dcgm_"));
    }
  }

  @Test
  void theDataDirOptionBeatsTheVariable() throws Exception {
    Path given = dir.resolve("given");
    assertThat(runAsCaller(
            Map.of("NEMOSPAWN_DATA_DIR", "rel"),
            "hpo",
            "init",
            "--study",
            "s",
            "--data-dir",
            given.toString()))
        .isZero();
    assertThat(Hpo.storageFile(given, "s")).exists();
    assertThat(cwd.resolve("rel")).doesNotExist();
  }

  @Test
  void aBlankVariableMeansTheHomeDirectory() throws Exception {
    Path resolved = Environment.call(
        Map.of("NEMOSPAWN_DATA_DIR", " "), cwd, () -> new StateOptions().dataDir());
    assertThat(resolved)
        .isEqualTo(Path.of(System.getProperty("user.home"), ".nemospawn")
            .toAbsolutePath()
            .normalize());
    assertThat(NemoSpawn.defaultDataDir()).isNotNull();
  }
}
