package io.nemospawn.hpo.sqlite;

import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.Pruners;
import io.nemospawn.hpo.Samplers;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.StudyStorage;
import io.nemospawn.hpo.Trial;
import java.nio.file.Path;

/** A child process of {@link SqliteStorageIT}: ask/tell on a shared SQLite study. */
final class SqliteWorker {
  private SqliteWorker() {}

  public static void main(String[] args) {
    int trials = Integer.parseInt(args[1]);
    try (StudyStorage st = SqliteStorage.open(Path.of(args[0]))) {
      Study s = Hpo.study("shared")
          .storage(st)
          .sampler(
              Samplers.tpe().seed(Long.parseLong(args[2])).constantLiar(true).build())
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
