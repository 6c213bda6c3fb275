package io.nemospawn.gpu.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nemospawn.topology.GpuTopology;
import io.nemospawn.topology.LinkKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NvidiaSmiGpuProbeIT {
  private static final String QUERY = "--query-gpu="
      + String.join(",", NvidiaSmiParser.QUERY_FIELDS) + " --format=csv,noheader,nounits";

  @TempDir
  Path dir;

  @Test
  void discoversH100TopologyThroughTheTool() {
    Path smi = Fixtures.fakeNvidiaSmi(dir, "h100-sxm-8");
    GpuTopology t = new NvidiaSmiGpuProbe(smi.toString(), Duration.ofSeconds(30)).discover();
    assertThat(t.source()).isEqualTo("nvidia-smi");
    assertThat(t.size()).isEqualTo(8);
    assertThat(t.nvLinkCount(0, 7)).isEqualTo(18);
    assertThat(t.gpu(4).numaNode()).isEqualTo(1);
    assertThat(t.metrics()).hasSize(8);
  }

  @Test
  void samplesMetricsWithOneCall() {
    Path smi = Fixtures.fakeNvidiaSmi(dir, "ecc-dbe");
    var metrics = new NvidiaSmiGpuProbe(smi.toString(), Duration.ofSeconds(30)).sample();
    assertThat(metrics).hasSize(2);
    assertThat(metrics.get(1).eccDbe()).isEqualTo(2);
  }

  @Test
  void aHungToolIsKilledWithItsChildrenAfterTheTimeout() throws Exception {
    Path pidFile = dir.resolve("sleep.pid");
    Path smi =
        Fixtures.script(dir, "nvidia-smi", "sleep 120 &\necho $! > '" + pidFile + "'\nwait\n");
    long start = System.nanoTime();
    assertThatThrownBy(
            () -> new NvidiaSmiGpuProbe(smi.toString(), Duration.ofSeconds(1)).discover())
        .hasMessage("'" + smi + " " + QUERY + "' did not answer within PT1S and was killed; the"
            + " driver may be hung (check dmesg) or raise nemospawn.gpu.timeout");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
    long sleepPid = Long.parseLong(Files.readString(pidFile).strip());
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> ProcessHandle.of(sleepPid).map(ProcessHandle::isAlive).orElse(false) == false);
  }

  @Test
  void aMissingToolSaysHowToFixIt() {
    Path missing = dir.resolve("no-such-nvidia-smi");
    assertThatThrownBy(
            () -> new NvidiaSmiGpuProbe(missing.toString(), Duration.ofSeconds(5)).sample())
        .hasMessage("cannot run '" + missing + "' (No such file or directory); install it or set"
            + " nemospawn.gpu.nvidia-smi (NEMOSPAWN_NVIDIA_SMI)");
  }

  @Test
  void aFailingToolReportsItsError() {
    Path smi = Fixtures.script(
        dir,
        "nvidia-smi",
        "echo 'NVIDIA-SMI has failed because it couldn'\"'\"'t"
            + " communicate with the NVIDIA driver.'\nexit 9\n");
    assertThatThrownBy(() -> new NvidiaSmiGpuProbe(smi.toString(), Duration.ofSeconds(30)).sample())
        .hasMessage("'" + smi + " " + QUERY + "' exited with 9: NVIDIA-SMI has failed because it"
            + " couldn't communicate with the NVIDIA driver.");
  }

  @Test
  void aFailingTopoCallLeavesGpusWithSysLinksAndAWarning() {
    Path smi = Fixtures.script(
        dir,
        "nvidia-smi",
        "if [ \"$1\" = topo ]; then echo 'topo: no' >&2;" + " exit 3; fi\nexec cat '"
            + Fixtures.path("a100-2x4", "query.csv") + "'\n");
    GpuTopology t = new NvidiaSmiGpuProbe(smi.toString(), Duration.ofSeconds(30)).discover();
    assertThat(t.size()).isEqualTo(8);
    assertThat(t.link(0, 1).kind()).isEqualTo(LinkKind.SYS);
    assertThat(t.warnings())
        .containsExactly(
            "nvidia-smi topo -m failed ('" + smi
                + " topo -m' exited with 3: topo: no); links between GPUs are unknown and taken as SYS");
  }

  @Test
  void dcgmProbeReadsSmActivityThroughTheTool() {
    Path dcgmi = Fixtures.fakeDcgmi(dir, "h100-sxm-8");
    var metrics = new DcgmGpuProbe(dcgmi.toString(), Duration.ofSeconds(30)).sample();
    assertThat(metrics)
        .extracting(m -> (int) Math.round(m.utilPercent()))
        .containsExactly(0, 81, 79, 83, 78, 0, 0, 2);
    assertThatThrownBy(() -> new DcgmGpuProbe(dcgmi.toString(), Duration.ofSeconds(30)).discover())
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void detectFallsBackInOrderAndSaysWhichProbeAnswered() {
    Path smi = Fixtures.fakeNvidiaSmi(dir, "dgx1-v100");
    GpuTopology t = GpuTopology.detect(List.of(
        new io.nemospawn.gpu.internal.nvml.NvmlGpuProbe(
            dir.resolve("libnvidia-ml.so.1").toString()),
        new NvidiaSmiGpuProbe(smi.toString(), Duration.ofSeconds(30)),
        new DcgmGpuProbe(dir.resolve("dcgmi").toString(), Duration.ofSeconds(30))));
    assertThat(t.source()).isEqualTo("nvidia-smi");
    assertThat(t.warnings())
        .singleElement()
        .asString()
        .startsWith("nvml: cannot load NVML library '" + dir.resolve("libnvidia-ml.so.1") + "' (")
        .endsWith("); install the NVIDIA driver or set nemospawn.gpu.nvml-library"
            + " (NEMOSPAWN_NVML_LIBRARY); used nvidia-smi"
            + " instead");
  }
}
