package io.nemospawn.gpu.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.topology.GpuMetrics;
import java.util.List;
import org.junit.jupiter.api.Test;

class DcgmiParserTest {
  @Test
  void readsEveryFieldAndScalesSmActivityToPercent() {
    List<GpuMetrics> m = DcgmiParser.parse(Fixtures.read("h100-sxm-8", "dcgmi.txt"));
    assertThat(m).hasSize(8);
    GpuMetrics g1 = m.get(1);
    assertThat(g1.gpuUtilPercent()).isEqualTo(97);
    assertThat(g1.memUtilPercent()).isEqualTo(41);
    assertThat(g1.smActivePercent()).isEqualTo(81.2, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(g1.temperatureC()).isEqualTo(58);
    assertThat(g1.powerW()).isEqualTo(651.23);
    assertThat(g1.eccSbe()).isZero();
    assertThat(m.get(7).utilPercent()).isEqualTo(2.1, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void readsEccAndNotAvailableValues() {
    assertThat(DcgmiParser.parse(Fixtures.read("ecc-dbe", "dcgmi.txt")).get(1).eccDbe())
        .isEqualTo(2);
    GpuMetrics g0 = DcgmiParser.parse(Fixtures.read("na-fields", "dcgmi.txt")).get(0);
    assertThat(g0.smActivePercent()).isNaN();
    assertThat(g0.utilPercent()).isEqualTo(17);
    assertThat(g0.eccDbe()).isEqualTo(-1);
    assertThat(g0.powerW()).isNaN();
  }

  @Test
  void outputWithoutGpuLinesIsAnError() {
    assertThatThrownBy(() -> DcgmiParser.parse(
            "Error: unable to establish a connection to the" + " specified host: localhost\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("dcgmi dmon printed no GPU line; it said 'Error: unable to establish a"
            + " connection to the specified host: localhost'");
  }
}
