package io.nemospawn.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link CurveData} on real JMH 1.37 output: {@code jmh-avgt.json} is {@code PrunerBenchmark -p
 * trials=100,300 -p pruner=asha,none} (µs/op, average time), {@code jmh-ss.json} is {@code
 * InboxBenchmark.receive -p messages=200,1000 -p durability=none} (ms/op, single shot).
 */
class CurveDataTest {
  private static String resource(String name) throws IOException {
    try (InputStream in = CurveDataTest.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void averageTimeCurvesOnePerOtherParameterInMillis() throws IOException {
    Map<String, List<CurveData.Point>> c = CurveData.curves(
        resource("jmh-avgt.json"), "trials", Map.of("report", "ASHA step"), "avgt");

    assertThat(c.keySet()).containsExactly("ASHA step, pruner=asha", "ASHA step, pruner=none");
    List<CurveData.Point> asha = c.get("ASHA step, pruner=asha");
    assertThat(asha).extracting(CurveData.Point::x).containsExactly(100.0, 300.0);
    // 515.46 us/op, iterations 498.9 .. 543.4 us
    assertThat(asha.get(0).mean()).isCloseTo(0.51546, within(1e-5));
    assertThat(asha.get(0).min()).isCloseTo(0.49894, within(1e-5));
    assertThat(asha.get(0).max()).isCloseTo(0.54341, within(1e-5));
    for (List<CurveData.Point> points : c.values()) {
      for (CurveData.Point p : points) {
        assertThat(p.min()).isLessThanOrEqualTo(p.mean()).isPositive();
        assertThat(p.max()).isGreaterThanOrEqualTo(p.mean());
      }
    }
  }

  @Test
  void singleShotWritesGnuplotBlocks() throws IOException {
    Map<String, List<CurveData.Point>> c =
        CurveData.curves(resource("jmh-ss.json"), "messages", Map.of(), "ss");
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    CurveData.write(c, new PrintStream(buf, true, StandardCharsets.UTF_8));

    String[] lines = buf.toString(StandardCharsets.UTF_8).split("\n");
    assertThat(lines).hasSize(3);
    assertThat(lines[0]).isEqualTo("\"InboxBenchmark.receive, durability=none\"");
    assertThat(lines[1]).startsWith("200 29.39");
    assertThat(lines[2]).startsWith("1000 54.44");
    assertThat(lines[2].split(" ")).hasSize(4);
  }

  @Test
  void aMissingParameterFailsNamingIt() {
    assertThatThrownBy(
            () -> CurveData.curves(resource("jmh-ss.json"), "tasks", Map.of(), "ss.json"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ss.json: InboxBenchmark.receive has no parameter 'tasks'")
        .hasMessageContaining("[durability, messages]");
  }

  @Test
  void throughputIsRefused() {
    assertThatThrownBy(() -> CurveData.toMillis("ops/s", "X.y"))
        .hasMessageContaining("not a time per operation");
  }
}
