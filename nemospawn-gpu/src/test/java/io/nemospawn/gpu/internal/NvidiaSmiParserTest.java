package io.nemospawn.gpu.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.topology.GpuMetrics;
import io.nemospawn.topology.GpuTopology;
import io.nemospawn.topology.Link;
import io.nemospawn.topology.LinkKind;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NvidiaSmiParserTest {
  static GpuTopology parse(String shape) {
    return NvidiaSmiParser.topology(
        NvidiaSmiParser.parseQuery(Fixtures.read(shape, "query.csv")),
        NvidiaSmiParser.parseTopo(Fixtures.read(shape, "topo.txt")),
        "nvidia-smi");
  }

  @Test
  void h100SxmIsOneNvSwitchIslandWithNumaAffinity() {
    GpuTopology t = parse("h100-sxm-8");
    assertThat(t.size()).isEqualTo(8);
    assertThat(t.islands()).containsExactly(List.of(0, 1, 2, 3, 4, 5, 6, 7));
    assertThat(t.isFullyConnected(t.islands().get(0))).isTrue();
    assertThat(t.link(3, 6)).isEqualTo(Link.nvLink(18));
    assertThat(t.warnings()).isEmpty();
    var g0 = t.gpu(0);
    assertThat(g0.name()).isEqualTo("NVIDIA H100 80GB HBM3");
    assertThat(g0.uuid()).isEqualTo("GPU-a4c123b1-612d-d272-d137-1c17149d4395");
    assertThat(g0.pciBusId()).isEqualTo("00000000:18:00.0");
    assertThat(g0.memoryTotalMb()).isEqualTo(81559);
    assertThat(g0.cpuAffinity()).isEqualTo("0-55,112-167");
    assertThat(t.gpu(5).numaNode()).isEqualTo(1);
    assertThat(t.gpu(5).cpuAffinity()).isEqualTo("56-111,168-223");
    GpuMetrics m1 = t.metrics().get(1);
    assertThat(m1.gpuUtilPercent()).isEqualTo(97);
    assertThat(m1.powerW()).isEqualTo(651.23);
    assertThat(m1.powerLimitW()).isEqualTo(700);
    assertThat(m1.eccDbe()).isZero();
    assertThat(t.place(4, Set.of(1, 2, 3, 4), false).gpus()).containsExactly(0, 5, 6, 7);
  }

  @Test
  void dgx1HybridCubeMeshIslandIsNotAClique() {
    GpuTopology t = parse("dgx1-v100");
    assertThat(t.islands()).containsExactly(List.of(0, 1, 2, 3, 4, 5, 6, 7));
    assertThat(t.isFullyConnected(t.islands().get(0))).isFalse();
    assertThat(t.link(0, 3)).isEqualTo(Link.nvLink(2));
    assertThat(t.link(0, 5).kind()).isEqualTo(LinkKind.SYS);
    assertThat(t.gpu(0).migEnabled()).isFalse();
    // GPUs 1 and 2 are busy: the free fully connected quad is 4-7.
    assertThat(t.place(4, Set.of(1, 2), false).gpus()).containsExactly(4, 5, 6, 7);
  }

  @Test
  void pcieMachineHasNoIslands() {
    GpuTopology t = parse("pcie-4");
    assertThat(t.islands()).isEmpty();
    assertThat(t.link(0, 1).kind()).isEqualTo(LinkKind.NODE);
    assertThat(t.link(1, 2).kind()).isEqualTo(LinkKind.SYS);
    assertThat(t.place(2, Set.of(0), false).gpus()).containsExactly(2, 3);
  }

  @Test
  void twoFourGpuIslands() {
    GpuTopology t = parse("a100-2x4");
    assertThat(t.islands()).containsExactly(List.of(0, 1, 2, 3), List.of(4, 5, 6, 7));
    assertThat(t.islands()).allMatch(t::isFullyConnected);
    assertThat(t.nvLinkCount(5, 6)).isEqualTo(4);
    assertThat(t.place(3, Set.of(4, 5), false).gpus()).containsExactly(0, 1, 2);
  }

  @Test
  void migGpuIsMarkedAndItsUtilisationIsUnknown() {
    GpuTopology t = parse("a100-mig");
    assertThat(t.gpu(0).migEnabled()).isTrue();
    assertThat(t.gpu(0).numaNode()).isEqualTo(-1);
    assertThat(t.gpu(0).cpuAffinity()).isEqualTo("0-23");
    assertThat(t.metrics().get(0).gpuUtilPercent()).isNaN();
    assertThat(t.metrics().get(0).temperatureC()).isEqualTo(35);
  }

  @Test
  void doubleBitEccErrorsAreRead() {
    GpuTopology t = parse("ecc-dbe");
    assertThat(t.metrics().get(1).eccSbe()).isEqualTo(12);
    assertThat(t.metrics().get(1).eccDbe()).isEqualTo(2);
    assertThat(t.metrics().get(0).eccDbe()).isZero();
  }

  @Test
  void notAvailableFieldsBecomeUnknown() {
    GpuTopology t = parse("na-fields");
    GpuMetrics m0 = t.metrics().get(0);
    assertThat(m0.powerW()).isNaN();
    assertThat(m0.powerLimitW()).isNaN();
    assertThat(m0.eccSbe()).isEqualTo(-1);
    assertThat(m0.eccDbe()).isEqualTo(-1);
    assertThat(m0.gpuUtilPercent()).isEqualTo(17);
    assertThat(t.gpu(0).migEnabled()).isFalse();
    assertThat(t.gpu(0).numaNode()).isEqualTo(-1);
    assertThat(t.metrics().get(1).powerW()).isEqualTo(21.77);
    assertThat(t.link(0, 1).kind()).isEqualTo(LinkKind.PHB);
  }

  @Test
  void malformedOutputIsReportedWithTheLine() {
    assertThatThrownBy(() -> NvidiaSmiParser.parseQuery("0, NVIDIA H100, GPU-x\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Unexpected nvidia-smi --query-gpu line '0, NVIDIA H100, GPU-x': 3 fields"
            + " instead of 14 (" + String.join(",", NvidiaSmiParser.QUERY_FIELDS)
            + "); is the driver too old?");
    assertThatThrownBy(() -> NvidiaSmiParser.parseTopo("NVIDIA-SMI has failed\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("nvidia-smi topo -m printed no matrix (no header with GPU0); first line:"
            + " 'NVIDIA-SMI has failed'");
  }
}
