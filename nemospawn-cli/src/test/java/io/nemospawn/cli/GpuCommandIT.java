package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/** Runs {@code nemospawn gpu …} against fake nvidia-smi and dcgmi executables. */
class GpuCommandIT {
  private static final String QUERY = "--query-gpu=index,name,uuid,pci.bus_id,memory.total,"
      + "memory.used,utilization.gpu,utilization.memory,temperature.gpu,power.draw,power.limit,"
      + "ecc.errors.corrected.volatile.total,ecc.errors.uncorrected.volatile.total,"
      + "mig.mode.current";

  @TempDir
  Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void noTools() {
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

  private int run(String... args) {
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    return cl.execute(args);
  }

  private static Path fixture(String shape, String file) {
    try {
      return Path.of(
          GpuCommandIT.class.getResource("/fixtures/" + shape + "/" + file).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private Path script(String name, String body) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, "#!/bin/sh\n" + body);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }

  private void fakeNvidiaSmi(String shape) throws IOException {
    Path p = script(
        "nvidia-smi",
        "if [ \"$1\" = topo ]; then exec cat '" + fixture(shape, "topo.txt")
            + "'; fi\nif [ \"$1\" = '" + QUERY + "' ]; then exec cat '"
            + fixture(shape, "query.csv")
            + "'; fi\nexit 2\n");
    System.setProperty("nemospawn.gpu.nvidia-smi", p.toString());
  }

  private void fakeDcgmi(String shape) throws IOException {
    Path p = script("dcgmi", "exec cat '" + fixture(shape, "dcgmi.txt") + "'\n");
    System.setProperty("nemospawn.gpu.dcgmi", p.toString());
  }

  @Test
  void discoverWithoutGpusSaysSoAndWhy() {
    assertThat(run("gpu", "discover")).isZero();
    assertThat(out.toString()).isEqualTo("Probe: none (0 GPUs)\n");
    assertThat(err.toString())
        .startsWith("Warning: Cannot discover GPUs: nvml: cannot load NVML")
        .contains("; nvidia-smi: cannot run '" + dir.resolve("none/nvidia-smi"));
  }

  @Test
  void discoverAndTopologyShowTheProbeTheMatrixAndTheIslands() throws IOException {
    fakeNvidiaSmi("a100-2x4");
    assertThat(run("gpu", "discover")).isZero();
    assertThat(out.toString())
        .startsWith("Probe: nvidia-smi (8 GPUs)\n" + "GPU  NAME                   UUID");
    assertThat(err.toString()).startsWith("Warning: nvml: cannot load NVML library");

    out.getBuffer().setLength(0);
    assertThat(run("gpu", "topology")).isZero();
    assertThat(out.toString())
        .contains(
            "GPU0  X     NV4   NV4   NV4   SYS   SYS   SYS   SYS   0-31          0\n",
            "NVLink island [0, 1, 2, 3]: fully connected, 24 NVLinks, ~600 GB/s between its pairs in"
                + " total\n",
            "NVLink island [4, 5, 6, 7]: fully connected, 24 NVLinks");

    out.getBuffer().setLength(0);
    assertThat(run("gpu", "topology", "--json")).isZero();
    Map<?, ?> json = JsonMapper.builder().build().readValue(out.toString(), Map.class);
    assertThat(json.get("source")).isEqualTo("nvidia-smi");
    assertThat(json.get("nvlink_islands"))
        .isEqualTo(List.of(List.of(0, 1, 2, 3), List.of(4, 5, 6, 7)));
    assertThat(((Map<?, ?>) ((Map<?, ?>) json.get("topology")).get("0")).get("4"))
        .isEqualTo("SYS");
  }

  @Test
  void healthReportsDoubleBitErrorsAsCriticalAndExitsOne() throws IOException {
    fakeDcgmi("ecc-dbe");
    assertThat(run("gpu", "health")).isEqualTo(ExitCodes.FAILURE);
    assertThat(out.toString())
        .startsWith("Probe: dcgm\n")
        .contains(
            "WARNING: GPU 1: utilisation 0 % is below 10 % (rule low-utilisation); check that its"
                + " agent is doing work, or free the GPU\n",
            "WARNING: GPU 1: temperature 88 °C is above 85 °C (rule hot); check cooling and airflow;"
                + " the GPU throttles when hotter\n",
            "CRITICAL: GPU 1: double-bit ECC error count 2 is above 0 (rule ecc-double-bit); results"
                + " on this GPU may be corrupt: drain it, then reset it (nvidia-smi -r) or replace it\n");
    assertThat(err.toString()).isEmpty();
  }

  /** A team as the Python tool writes it: team.json and two running agents on GPUs 0 and 1. */
  private Path team() throws IOException {
    Path agents = Files.createDirectories(dir.resolve("data/teams/sweep-1a2b3c4d/agents"));
    Files.writeString(
        agents.resolveSibling("team.json"),
        "{\"team_id\": \"sweep-1a2b3c4d\", \"name\": \"sweep\", \"gpu_ids\": [0, 1]}\n",
        StandardCharsets.UTF_8);
    Files.writeString(
        agents.resolve("trainer-00000001.json"),
        "{\"agent_id\": \"trainer-00000001\","
            + " \"team_id\": \"sweep-1a2b3c4d\", \"name\": \"trainer\", \"gpu_ids\": [0],"
            + " \"status\": \"running\"}\n",
        StandardCharsets.UTF_8);
    Files.writeString(
        agents.resolve("eval-00000002.json"),
        "{\"agent_id\": \"eval-00000002\","
            + " \"team_id\": \"sweep-1a2b3c4d\", \"name\": \"eval\", \"gpu_ids\": [1],"
            + " \"status\": \"running\"}\n",
        StandardCharsets.UTF_8);
    return dir.resolve("data");
  }

  @Test
  void statusWritesTheMetricsSnapshotOfTheTeamsGpus() throws IOException {
    fakeNvidiaSmi("ecc-dbe");
    Path data = team();
    assertThat(run("gpu", "status", "sweep-1a2b3c4d", "--data-dir", data.toString()))
        .isZero();
    Path metrics = data.resolve("teams/sweep-1a2b3c4d/metrics");
    List<Path> files;
    try (var s = Files.list(metrics)) {
      files = s.toList();
    }
    assertThat(files)
        .singleElement()
        .satisfies(f -> assertThat(f.getFileName().toString())
            .matches("dcgm_\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d\\.\\d{6}\\+00-00\\.json"));
    Map<?, ?> json =
        JsonMapper.builder().build().readValue(Files.readString(files.get(0)), Map.class);
    assertThat((String) json.get("timestamp")).endsWith("+00:00");
    List<?> gpus = (List<?>) json.get("gpu_metrics");
    assertThat(gpus).hasSize(2);
    @SuppressWarnings("unchecked")
    Map<String, Object> gpu1 = (Map<String, Object>) gpus.get(1);
    assertThat(gpu1)
        .containsEntry("gpu_id", 1)
        .containsEntry("sm_util", 0.0)
        .containsEntry("mem_util", 0.0)
        .containsEntry("temp", 88.0)
        .containsEntry("power", 67.05)
        .containsEntry("ecc_sbe", 12)
        .containsEntry("ecc_dbe", 2);
    assertThat(Files.readString(files.get(0))).endsWith("}\n");
    assertThat(out.toString())
        .startsWith("Team sweep-1a2b3c4d: GPUs [0, 1] (probe nvidia-smi)\n")
        .contains("trainer")
        .contains("Wrote " + files.get(0));
  }

  @Test
  void reallocatePlansAndSaysThatNothingWasStopped() throws IOException {
    fakeNvidiaSmi("ecc-dbe");
    Path data = team();
    assertThat(run(
            "gpu",
            "reallocate",
            "sweep-1a2b3c4d",
            "--kill-below",
            "20",
            "--data-dir",
            data.toString()))
        .isZero();
    assertThat(out.toString())
        .contains(
            "eval-00000002     eval     [1]   0.0     stop  utilisation 0.0 % is below 20 %\n",
            "trainer-00000001  trainer  [0]   81.0    keep  utilisation 81.0 % is at or above 20 %\n",
            "Would stop: eval-00000002; would free GPUs [1]\n",
            GpuCommand.NOT_STOPPED + "\n");

    out.getBuffer().setLength(0);
    assertThat(run(
            "gpu",
            "reallocate",
            "sweep-1a2b3c4d",
            "--kill-below",
            "20",
            "--data-dir",
            data.toString(),
            "--json"))
        .isZero();
    Map<?, ?> json = JsonMapper.builder().build().readValue(out.toString(), Map.class);
    assertThat(json.get("stop")).isEqualTo(List.of("eval-00000002"));
    assertThat(json.get("freed_gpus")).isEqualTo(List.of(1));
    assertThat(json.get("stopped")).isEqualTo(List.of());
    assertThat(json.get("note")).isEqualTo(GpuCommand.NOT_STOPPED);
  }

  @Test
  void reallocateWithExecuteStopsTheIdleAgentAndFreesItsGpu() throws Exception {
    fakeNvidiaSmi("ecc-dbe"); // GPU 0 at 81 %, GPU 1 at 0 %
    Path data = dir.resolve("data");
    String teamId;
    io.nemospawn.Agent idle;
    try (io.nemospawn.NemoSpawn ns = io.nemospawn.NemoSpawn.open(data)) {
      io.nemospawn.Team t = ns.newTeam("sweep").gpus(0, 1).create();
      teamId = t.id();
      t.agents().register("busy", "worker", List.of(0), "");
      idle = t.spawn(io.nemospawn.AgentSpec.builder("idle")
          .gpus(1)
          .command("sleep", "300")
          .runtime("process")
          .detached(true)
          .build());
      assertThat(idle.isAlive()).isTrue();
    }
    assertThat(run(
            "gpu",
            "reallocate",
            teamId,
            "--kill-below",
            "20",
            "--execute",
            "--grace",
            "2",
            "--data-dir",
            data.toString()))
        .as(err.toString())
        .isZero();
    assertThat(out.toString()).contains("Stopped: " + idle.id() + "; freed GPUs [1]\n");
    try (io.nemospawn.NemoSpawn ns = io.nemospawn.NemoSpawn.open(data)) {
      io.nemospawn.Team t = ns.team(teamId);
      assertThat(t.agent(idle.id()).isAlive()).isFalse();
      assertThat(t.agents().get("busy").status()).isEqualTo(io.nemospawn.agent.AgentStatus.RUNNING);
    }
  }

  @Test
  void statusTakesTheTeamPositionallyOrWithTeamAndWritesTheSameSnapshot() throws Exception {
    fakeNvidiaSmi("ecc-dbe");
    Path data = team();
    Path metrics = data.resolve("teams/sweep-1a2b3c4d/metrics");
    List<String> snapshots = new java.util.ArrayList<>();
    for (List<String> form : List.of(
        List.of("gpu", "status", "sweep-1a2b3c4d"),
        List.of("gpu", "status", "--team", "sweep-1a2b3c4d"),
        List.of("gpu", "status", "sweep"))) {
      try (var s = Files.list(metrics)) {
        s.forEach(f -> f.toFile().delete());
      } catch (java.nio.file.NoSuchFileException e) {
        // first run
      }
      List<String> args = new java.util.ArrayList<>(form);
      args.addAll(List.of("--data-dir", data.toString()));
      assertThat(run(args.toArray(String[]::new))).as(err.toString()).isZero();
      try (var s = Files.list(metrics)) {
        Path f = s.findFirst().orElseThrow();
        snapshots.add(Files.readString(f).replaceAll("\"timestamp\" *: *\"[^\"]*\"", "T"));
      }
    }
    assertThat(snapshots.get(1)).isEqualTo(snapshots.get(0));
    assertThat(snapshots.get(2)).isEqualTo(snapshots.get(0));
    assertThat(run(
            "gpu", "status", "sweep-1a2b3c4d", "--team", "other", "--data-dir", data.toString()))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("Two teams given");
  }

  @Test
  void reallocateWithoutKillBelowUsesNemoSpawn10sFiftyPercent() throws IOException {
    fakeNvidiaSmi("ecc-dbe"); // GPU 0 at 81 %, GPU 1 at 0 %
    Path data = team();
    assertThat(run("gpu", "reallocate", "sweep-1a2b3c4d", "--data-dir", data.toString(), "--json"))
        .as(err.toString())
        .isZero();
    Map<?, ?> json = JsonMapper.builder().build().readValue(out.toString(), Map.class);
    assertThat(json.get("stop")).isEqualTo(List.of("eval-00000002"));
    assertThat(((Number) json.get("threshold_percent")).doubleValue()).isEqualTo(50.0);
    assertThat(json.get("stopped")).isEqualTo(List.of());
  }

  @Test
  void everyGpuCommandAnswersHelp() {
    for (String c : List.of("discover", "health", "reallocate", "status", "topology")) {
      out.getBuffer().setLength(0);
      assertThat(run("gpu", c, "--help")).as(c + ": " + err).isZero();
      assertThat(out.toString()).startsWith("Usage: nemospawn gpu " + c);
    }
  }

  @Test
  void anUnknownTeamIsAnErrorNamingTheDataDirectory() {
    assertThat(run("gpu", "status", "nope", "--data-dir", dir.toString()))
        .isEqualTo(ExitCodes.FAILURE);
    assertThat(err.toString())
        .isEqualTo("Error: No team 'nope' in " + dir
            + "; teams: none (create one with NemoSpawn.newTeam) (on the command line: nemospawn"
            + " team create NAME)\n");
  }
}
