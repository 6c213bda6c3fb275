package io.nemospawn.hpo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real JVMs with the same seed ask a shared study at the same time while their trials run,
 * through the storage that {@link #opener} opens (the journal here, SQLite in its module). With
 * the constant liar each ask sees the other process's running trials (the ask lock orders asks
 * across processes), so no point is asked twice; without it both processes see the same history
 * and ask the very same points, which shows the check can fail. Published in the test-jar.
 */
public abstract class ConstantLiarProcessesContract {
  private static final int WORKERS = 2;
  private static final int ASKS = 8;

  /** The storage's opener: a public class with a public no-argument constructor. */
  protected abstract Class<? extends Function<Path, StudyStorage>> opener();

  /** The name of the shared study's file. */
  protected abstract String fileName();

  static double objective(double x, double y) {
    return (x - 0.3) * (x - 0.3) + (y - 0.7) * (y - 0.7);
  }

  /** Returns the (x, y) points the workers asked, after seeding 20 complete trials. */
  private List<List<Double>> run(Path dir, boolean liar) throws Exception {
    Path file = dir.resolve(fileName());
    Function<Path, StudyStorage> open = opener().getDeclaredConstructor().newInstance();
    try (StudyStorage st = open.apply(file)) {
      Study s = Hpo.study("shared")
          .space(
              SearchSpace.builder().floatParam("x", 0, 1).floatParam("y", 0, 1).build())
          .storage(st)
          .sampler(Samplers.random(3))
          .create();
      for (int i = 0; i < 20; i++) {
        Trial t = s.ask();
        s.tell(t, objective(t.doubleParam("x"), t.doubleParam("y")));
      }
    }
    StorageChildren.awaitSuccess(
        StorageChildren.start(
            dir,
            WORKERS,
            LiarWorker.class,
            w -> List.of(
                opener().getName(),
                file.toString(),
                Integer.toString(w),
                Integer.toString(WORKERS),
                Integer.toString(ASKS),
                "7",
                Boolean.toString(liar))),
        dir);
    try (StudyStorage st = open.apply(file)) {
      List<FrozenTrial> trials = st.trials("shared");
      assertThat(trials).hasSize(20 + WORKERS * ASKS);
      assertThat(trials).allMatch(t -> t.state() == TrialState.COMPLETE);
      return trials.subList(20, trials.size()).stream()
          .map(t -> List.of((Double) t.params().get("x"), (Double) t.params().get("y")))
          .toList();
    }
  }

  @Test
  void twoProcessesWithTheConstantLiarAskNoPointTwice(@TempDir Path dir) throws Exception {
    List<List<Double>> points = run(dir, true);
    Set<List<Double>> distinct = new HashSet<>(points);
    assertThat(distinct)
        .as("points asked by 2 processes with the same seed")
        .hasSize(points.size());
  }

  @Test
  void withoutTheLiarTwoProcessesWithTheSameSeedPileOntoTheSamePoints(@TempDir Path dir)
      throws Exception {
    List<List<Double>> points = run(dir, false);
    assertThat(new HashSet<>(points)).as("distinct points").hasSize(ASKS);
  }
}
