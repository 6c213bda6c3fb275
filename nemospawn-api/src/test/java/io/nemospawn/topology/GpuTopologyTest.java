package io.nemospawn.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GpuTopologyTest {
  @Test
  void linkParsesEveryLabelOfTopoM() {
    assertThat(Link.parse("NV18")).isEqualTo(Link.nvLink(18));
    assertThat(Link.parse(" X ")).isEqualTo(Link.self());
    assertThat(Link.parse("SOC").kind()).isEqualTo(LinkKind.SYS);
    for (String label : List.of("PIX", "PXB", "PHB", "NODE", "SYS", "NV1", "NV12")) {
      assertThat(Link.parse(label)).hasToString(label);
    }
    assertThat(Link.nvLink(18).nvLinkBandwidthGbps()).isEqualTo(450);
    assertThatThrownBy(() -> Link.parse("NVX"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Unknown GPU link 'NVX'; expected X, NV<n>, PIX, PXB, PHB, NODE or SYS as"
            + " printed by nvidia-smi topo -m");
  }

  @Test
  void hybridCubeMeshIsOneIslandThatIsNotFullyConnected() {
    GpuTopology t = Topologies.dgx1();
    assertThat(t.islands()).containsExactly(List.of(0, 1, 2, 3, 4, 5, 6, 7));
    assertThat(t.isFullyConnected(t.islands().get(0))).isFalse();
    assertThat(t.isFullyConnected(List.of(0, 1, 2, 3))).isTrue();
    assertThat(t.nvLinkCount(0, 3)).isEqualTo(2);
    assertThat(t.nvLinkCount(0, 5)).isZero();
    assertThat(t.link(0, 5).kind()).isEqualTo(LinkKind.SYS);
    assertThat(t.nvLinkBandwidthGbps(0, 4)).isEqualTo(50);
  }

  @Test
  void islandsAreComponentsOverNvLinkOnly() {
    assertThat(Topologies.twoIslands().islands())
        .containsExactly(List.of(0, 1, 2, 3), List.of(4, 5, 6, 7));
    assertThat(Topologies.pcie4().islands()).isEmpty();
    assertThat(Topologies.pcie4().hasNvLink()).isFalse();
    assertThat(Topologies.pcie4().islandOf(2)).containsExactly(2);
  }

  @Test
  void uniformIsOneFullyConnectedIsland() {
    GpuTopology t = GpuTopology.uniform(4);
    assertThat(t.source()).isEqualTo("uniform");
    assertThat(t.islands()).containsExactly(List.of(0, 1, 2, 3));
    assertThat(t.isFullyConnected(List.of(0, 1, 2, 3))).isTrue();
    assertThat(GpuTopology.uniform(0).isEmpty()).isTrue();
  }

  @Test
  void emptyHasNoGpusAndNoWarnings() {
    assertThat(GpuTopology.empty().gpus()).isEmpty();
    assertThat(GpuTopology.empty().source()).isEqualTo("none");
    assertThat(GpuTopology.empty().islands()).isEmpty();
    assertThat(GpuTopology.empty())
        .hasToString("GpuTopology[source=none gpus=0 islands=[] warnings=0]");
  }

  @Test
  void formatMapHasTeamJsonShapeAndRoundTrips() {
    GpuTopology t = GpuTopology.builder()
        .gpu(Gpu.of(0, "H100").withIdentity("GPU-a", "00000000:18:00.0").withMemory(81559, 1))
        .gpu(Gpu.of(1, "H100").withIdentity("GPU-b", "00000000:2A:00.0").withMemory(81559, 7))
        .gpu(Gpu.of(2, "H100"))
        .link(0, 1, "NV18")
        .link(1, 2, "PHB")
        .build();
    Map<String, Object> m = t.toFormatMap();
    assertThat(m).containsOnlyKeys("gpus", "topology", "nvlink_islands");
    assertThat(m.get("topology"))
        .isEqualTo(Map.of(
            "0", Map.of("0", "X", "1", "NV18", "2", "SYS"),
            "1", Map.of("0", "NV18", "1", "X", "2", "PHB"),
            "2", Map.of("0", "SYS", "1", "PHB", "2", "X")));
    assertThat(m.get("nvlink_islands")).isEqualTo(List.of(List.of(0, 1)));
    assertThat(((List<?>) m.get("gpus")).get(1))
        .isEqualTo(Map.of(
            "index",
            1,
            "name",
            "H100",
            "uuid",
            "GPU-b",
            "memory_total_mb",
            81559L,
            "memory_used_mb",
            7L));

    @SuppressWarnings("unchecked")
    GpuTopology back =
        GpuTopology.fromFormat(t.toFormatMatrix(), (List<Map<String, ?>>) m.get("gpus"));
    assertThat(back.toFormatMap()).isEqualTo(m);
    assertThat(back.source()).isEqualTo("team.json");
  }

  @Test
  void builderRejectsLinksToUnknownGpus() {
    assertThatThrownBy(
            () -> GpuTopology.builder().gpu(Gpu.of(0, "a")).link(0, 3, "NV1").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Link 0-3 (NV1) names a GPU that was not added; GPUs are [0]");
    assertThatThrownBy(() -> Topologies.pcie4().link(0, 9))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("No GPU 9 in this topology; GPUs are [0, 1, 2, 3]");
  }
}
