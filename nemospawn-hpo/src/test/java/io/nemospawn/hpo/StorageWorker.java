package io.nemospawn.hpo;

import java.nio.file.Path;
import java.util.function.Function;

/**
 * A child process of {@link StorageProcessesContract}: ask/tell on the shared study.
 *
 * <p>Usage: {@code StorageWorker OPENER_CLASS PATH TRIALS SEED}
 */
public final class StorageWorker {
  private StorageWorker() {}

  @SuppressWarnings("unchecked")
  public static void main(String[] args) throws ReflectiveOperationException {
    Function<Path, StudyStorage> open = (Function<Path, StudyStorage>)
        Class.forName(args[0]).getDeclaredConstructor().newInstance();
    int trials = Integer.parseInt(args[2]);
    long seed = Long.parseLong(args[3]);
    try (StudyStorage st = open.apply(Path.of(args[1]))) {
      Study s = Hpo.study("shared")
          .storage(st)
          .sampler(Samplers.tpe().seed(seed).constantLiar(true).build())
          .pruner(Pruners.successiveHalving().minResource(1).build())
          .load();
      for (int i = 0; i < trials; i++) {
        Trial t = s.ask();
        double x = t.doubleParam("x");
        t.report(1, x * x + 1);
        s.tell(t, x * x);
      }
    }
  }
}
