package io.nemospawn.nvidia.nim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.artifact.Artifact;
import io.nemospawn.artifact.ArtifactSpec;
import io.nemospawn.artifact.ArtifactType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nim deploy} against a stand-in {@code docker} (no engine or GPU here): the stand-in
 * records its argv, and for {@code run} starts a real {@link LocalModelServer} process on the
 * published port as "the container", so the health wait, the timeout and the clean-up are real.
 */
class NimDeployerTest {
  @TempDir
  Path tmp;

  private NemoSpawn ns;
  private Team team;
  private Artifact checkpoint;
  private Path argvLog;

  @BeforeEach
  void setUp() throws Exception {
    ns = NemoSpawn.open(tmp.resolve("state"));
    team = ns.newTeam("nim").create();
    Path ckpt = tmp.resolve("ckpt");
    WordModel.train(WordModel.builtInCorpus()).write(ckpt.resolve("model.txt"));
    checkpoint = team.artifacts().register(ArtifactSpec.of(ArtifactType.NEMO_CHECKPOINT, ckpt));
    argvLog = tmp.resolve("argv.log");
  }

  @AfterEach
  void tearDown() throws Exception {
    for (NimDeployment d : new NimDeployments(team).list()) {
      if (d.active()) {
        NimDeployer.stop(new NimDeployments(team), d.endpointId(), engine("ok"));
      }
    }
    System.clearProperty("nemospawn.nim.engine");
    team.close();
    ns.close();
  }

  /** Writes the stand-in engine and names it; mode ok, fail or never-ready. */
  private NimDeployer engine(String mode) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("java.class.path");
    Path pidFile = tmp.resolve("container.pid");
    Path script = tmp.resolve("bin").resolve("docker");
    Files.createDirectories(script.getParent());
    Files.writeString(
        script,
        "#!/bin/sh\n"
            + "for a in \"$@\"; do printf '%s\\n' \"$a\"; done >> '" + argvLog + "'\n"
            + "echo --- >> '" + argvLog + "'\n"
            + "case \"$1\" in\n"
            + "run)\n"
            + "  [ '" + mode
            + "' = fail ] && { echo 'docker: Error response from daemon: could not select device driver \"\" with capabilities: [[gpu]].' >&2; exit 125; }\n"
            + "  port=''; prev=''\n"
            + "  for a in \"$@\"; do [ \"$prev\" = -p ] && port=$(echo \"$a\" | cut -d: -f2); prev=$a; done\n"
            + "  if [ '" + mode + "' = ok ]; then\n"
            + "    nohup '" + java + "' -XX:TieredStopAtLevel=1 -cp '" + cp
            + "' io.nemospawn.nvidia.nim.LocalModelServer"
            + " --port \"$port\" --lifetime PT5M > '" + tmp.resolve("container.log") + "' 2>&1 &\n"
            + "    echo $! > '" + pidFile + "'\n"
            + "  fi\n"
            + "  echo 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef ;;\n"
            + "rm)\n"
            + "  [ -f '" + pidFile + "' ] && kill $(cat '" + pidFile + "') 2>/dev/null; rm -f '"
            + pidFile + "'; echo \"$3\" ;;\n"
            + "esac\n");
    assertThat(script.toFile().setExecutable(true)).isTrue();
    System.setProperty("nemospawn.nim.engine", script.toString());
    return NimDeployer.forTeam(team);
  }

  private List<String> calls() throws Exception {
    return Files.exists(argvLog) ? Files.readAllLines(argvLog) : List.of();
  }

  private static int freePort() throws Exception {
    try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void deployRunsTheExactArgvWaitsUntilReadyRecordsAndStops() throws Exception {
    NimDeployer d = engine("ok");
    int port = freePort();
    NimDeployment dep = d.deploy(new NimDeployer.Request(
        checkpoint.id(),
        2,
        "max-throughput",
        port,
        List.of(3, 5),
        NimDeployer.DEFAULT_IMAGE,
        Duration.ofSeconds(60)));
    assertThat(dep.status()).isEqualTo("running");
    assertThat(dep.containerId()).hasSize(64);
    assertThat(dep.gpuIds()).containsExactly(3, 5);
    assertThat(NimDeployments.ready(dep.endpointUrl(), Duration.ofSeconds(2))).isTrue();
    assertThat(calls())
        .containsExactly(
            "run",
            "-d",
            "--name",
            "nemospawn-" + dep.endpointId(),
            "--label",
            "io.nemospawn.team=" + team.id(),
            "--label",
            "io.nemospawn.endpoint=" + dep.endpointId(),
            "--gpus",
            "device=3,5",
            "--shm-size=16g",
            "-p",
            "127.0.0.1:" + port + ":8000",
            "-v",
            tmp.resolve("ckpt").toAbsolutePath() + ":/opt/nim/models/checkpoint:ro",
            "-e",
            "NGC_API_KEY",
            "-e",
            "NIM_MODEL_NAME=/opt/nim/models/checkpoint",
            "-e",
            "NIM_SERVED_MODEL_NAME=" + checkpoint.id(),
            "-e",
            "NIM_TENSOR_PARALLEL_SIZE=2",
            "-e",
            "NIM_MODEL_PROFILE=max-throughput",
            NimDeployer.DEFAULT_IMAGE,
            "---");
    NimDeployment saved = new NimDeployments(team).get(dep.endpointId());
    assertThat(saved).isEqualTo(dep);
    assertThat(team.dir().resolve("nim").resolve(dep.endpointId() + ".json")).isRegularFile();
    assertThat(NimDeployer.liveState(saved)).isEqualTo("ready");

    NimDeployment stopped = d.stop(dep.endpointId());
    assertThat(stopped.status()).isEqualTo("stopped");
    assertThat(calls()).endsWith("rm", "-f", dep.containerId(), "---");
    // the stand-in's rm only signals "the container" (a JVM, which takes a moment to exit)
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (NimDeployments.ready(dep.endpointUrl(), Duration.ofSeconds(1))
        && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(NimDeployments.ready(dep.endpointUrl(), Duration.ofSeconds(1))).isFalse();
    assertThat(new NimDeployments(team).get(dep.endpointId()).status()).isEqualTo("stopped");
  }

  @Test
  void anEngineFailureIsRecordedAndCleanedUp() throws Exception {
    NimDeployer d = engine("fail");
    assertThatThrownBy(() -> d.deploy(new NimDeployer.Request(
            checkpoint.id(),
            1,
            "default",
            freePort(),
            List.of(),
            NimDeployer.DEFAULT_IMAGE,
            Duration.ofSeconds(5))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("docker run exited 125")
        .hasMessageContaining("could not select device driver");
    NimDeployment rec = new NimDeployments(team).list().get(0);
    assertThat(rec.status()).isEqualTo("failed");
    assertThat(rec.error()).contains("exited 125");
    assertThat(calls())
        .contains("--gpus", "device=0")
        .endsWith("rm", "-f", "nemospawn-" + rec.endpointId(), "---");
  }

  @Test
  void aContainerThatNeverGetsReadyIsRemovedAfterTheTimeout() throws Exception {
    NimDeployer d = engine("never-ready");
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> d.deploy(new NimDeployer.Request(
            checkpoint.id(),
            1,
            "default",
            freePort(),
            List.of(),
            NimDeployer.DEFAULT_IMAGE,
            Duration.ofSeconds(2))))
        .hasMessageContaining("not ready")
        .hasMessageContaining("PT2S");
    assertThat(Duration.ofNanos(System.nanoTime() - t0))
        .isBetween(Duration.ofSeconds(2), Duration.ofSeconds(20));
    NimDeployment rec = new NimDeployments(team).list().get(0);
    assertThat(rec.status()).isEqualTo("failed");
    assertThat(calls()).endsWith("rm", "-f", rec.containerId(), "---");
  }

  @Test
  void podmanGetsGpusThroughCdi() throws Exception {
    NimDeployer docker = engine("never-ready");
    Path podman = tmp.resolve("bin").resolve("podman");
    Files.copy(docker.engine(), podman);
    assertThat(podman.toFile().setExecutable(true)).isTrue();
    System.setProperty("nemospawn.nim.engine", podman.toString());
    NimDeployer d = NimDeployer.forTeam(team);
    assertThatThrownBy(() -> d.deploy(new NimDeployer.Request(
            checkpoint.id(),
            2,
            "default",
            freePort(),
            List.of(0, 1),
            "nvcr.io/nim/x:1",
            Duration.ofMillis(300))))
        .hasMessageContaining("not ready");
    assertThat(String.join(" ", calls()).replace('\n', ' '))
        .contains("--device nvidia.com/gpu=0 --device nvidia.com/gpu=1")
        .doesNotContain("--gpus");
  }

  @Test
  void hostileInputIsRefusedBeforeAnythingRuns() throws Exception {
    engine("ok");
    for (String bad : List.of("../x", "$(id)", "a'b", "a\nb", "-rf")) {
      assertThatThrownBy(() -> new NimDeployer.Request(
              bad, 1, "default", 8000, List.of(), NimDeployer.DEFAULT_IMAGE, Duration.ofSeconds(1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("artifact id");
    }
    assertThatThrownBy(() -> NimDeployer.parseGpus("0;id")).hasMessageContaining("'0;id'");
    assertThatThrownBy(() -> NimDeployer.parseGpus("0,$(id)"))
        .hasMessageContaining("comma-separated");
    assertThatThrownBy(() -> new NimDeployer.Request(
            checkpoint.id(),
            1,
            "default",
            70000,
            List.of(),
            NimDeployer.DEFAULT_IMAGE,
            Duration.ofSeconds(1)))
        .hasMessageContaining("Invalid port 70000");
    assertThatThrownBy(() -> new NimDeployer.Request(
            checkpoint.id(),
            3,
            "default",
            8000,
            List.of(),
            NimDeployer.DEFAULT_IMAGE,
            Duration.ofSeconds(1)))
        .hasMessageContaining("1, 2, 4 or 8");
    assertThatThrownBy(() -> new NimDeployer.Request(
            checkpoint.id(),
            1,
            "$(id)",
            8000,
            List.of(),
            NimDeployer.DEFAULT_IMAGE,
            Duration.ofSeconds(1)))
        .hasMessageContaining("Invalid NIM profile");
    assertThatThrownBy(() -> new NimDeployer.Request(
            checkpoint.id(), 1, "default", 8000, List.of(), "--privileged", Duration.ofSeconds(1)))
        .hasMessageContaining("Invalid image");
    assertThatThrownBy(() -> new NimDeployer.Request(
            checkpoint.id(),
            2,
            "default",
            8000,
            List.of(0),
            NimDeployer.DEFAULT_IMAGE,
            Duration.ofSeconds(1)))
        .hasMessageContaining("needs 2 GPUs");
    assertThatThrownBy(() -> NimDeployer.forTeam(team)
            .deploy(new NimDeployer.Request(
                "art-00000000",
                1,
                "default",
                8000,
                List.of(),
                NimDeployer.DEFAULT_IMAGE,
                Duration.ofSeconds(1))))
        .hasMessageContaining("art-00000000");
    assertThat(calls()).isEmpty();
    assertThat(new NimDeployments(team).list()).isEmpty();
    assertThatThrownBy(() -> new NimDeployments(team).get("../../x"))
        .hasMessageContaining("Invalid endpoint id");
  }

  @Test
  void profilesFitTheMemoryFromTheDataFile() throws Exception {
    NimProfiles p = NimProfiles.builtIn();
    // 8B in bf16 = 16 GB of weights, x1.2 = 19.2 GB: fits one 24 GB GPU, not one 16 GB GPU.
    var on24 = p.profiles(1, 24 * 1024, "llama-3.1-8b-instruct");
    assertThat(on24)
        .filteredOn(x -> x.precision().equals("bf16"))
        .singleElement()
        .satisfies(x -> assertThat(x.fits()).isTrue());
    var on16 = p.profiles(2, 16 * 1024, "llama-3.1-8b-instruct");
    assertThat(on16)
        .filteredOn(x -> x.precision().equals("bf16") && x.gpus() == 1)
        .allMatch(x -> !x.fits());
    assertThat(on16)
        .filteredOn(x -> x.precision().equals("bf16") && x.tp() == 2)
        .allMatch(NimProfiles.Profile::fits);
    assertThat(p.profiles(8, 0, null))
        .allMatch(x -> x.gpus() <= 8)
        .allMatch(NimProfiles.Profile::fits);
    Path own = tmp.resolve("models.json");
    Files.writeString(own, "{\"models\":[{\"name\":\"tiny\",\"params_b\":1}]}");
    assertThat(NimProfiles.load(own).models()).containsExactly("tiny");
    Files.writeString(own, "{\"models\":[{\"name\":\"tiny\"}]}");
    assertThatThrownBy(() -> NimProfiles.load(own))
        .hasMessageContaining("models[0]")
        .hasMessageContaining(own.toString());
    Files.writeString(own, "{\"models\":[");
    assertThatThrownBy(() -> NimProfiles.load(own)).hasMessageContaining("Malformed");
    assertThatThrownBy(() -> p.profiles(2, 0, "nope")).hasMessageContaining("Unknown model 'nope'");
  }
}
