package io.nemospawn.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.apiguardian.api.API;

/**
 * Gives the test (or every test of the class) a recorded GPU machine: while it runs, GPU
 * discovery ({@link io.nemospawn.topology.GpuTopology#detect()}, GPU snapshots) answers with the
 * recorded {@code nvidia-smi} output of that machine, parsed by the real parser behind the real
 * {@link io.nemospawn.spi.GpuProbe} boundary, on any host. The team of the test is created on
 * all of its GPUs (unless {@link NemoSpawnExtension.Builder#gpus(int...)} names some), so {@code
 * team.topology()}, placement and the {@code CUDA_VISIBLE_DEVICES} of spawned agents follow the
 * recorded shape.
 *
 * <pre>{@code
 * @NemoSpawnTest
 * @FakeGpus(topology = "two-islands")
 * class PlacementTest {
 *   @Test void islands(Team team) {
 *     assertThat(team.topology().islands()).hasSize(2);
 *   }
 * }
 * }</pre>
 *
 * <p>Works with {@link NemoSpawnTest} or a {@link NemoSpawnExtension} field; on a method it wins
 * over the class. Discovery settings are per JVM: tests that run in parallel must use one shape.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
public @interface FakeGpus {
  /**
   * The machine: a built-in shape, {@code dgx1} (8 V100 SXM2, hybrid cube-mesh NVLink), {@code
   * two-islands} (8 A100 in two NVLink islands of 4), {@code h100-8} (8 H100 SXM, NVSwitch) or
   * {@code pcie-4} (4 GPUs on PCIe, no NVLink); or a recording of your own: a directory (a file
   * path, else a class-path resource) holding {@code query.csv}, the output of {@code nvidia-smi
   * --query-gpu=index,name,uuid,pci.bus_id,memory.total,memory.used,utilization.gpu,utilization.memory,temperature.gpu,power.draw,power.limit,ecc.errors.corrected.volatile.total,ecc.errors.uncorrected.volatile.total,mig.mode.current
   * --format=csv,noheader,nounits}, and optionally {@code topo.txt}, the output of {@code
   * nvidia-smi topo -m}.
   */
  String topology();
}
