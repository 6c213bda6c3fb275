package io.nemospawn.hpo;

import java.nio.file.Path;

/** A child process of {@link JournalStorageIT}: runs ask/tell on a shared journal study. */
final class JournalWorker {
  private JournalWorker() {}

  public static void main(String[] args) {
    Path file = Path.of(args[0]);
    int trials = Integer.parseInt(args[1]);
    long seed = Long.parseLong(args[2]);
    try (StudyStorage st = StudyStorage.journal(file)) {
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
