package io.nemospawn.hpo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A child process of {@link ConstantLiarProcessesIT}: asks trials of the shared journal study and
 * keeps them RUNNING until every worker has asked, then tells them.
 *
 * <p>Usage: {@code LiarWorker JOURNAL WORKER WORKERS ASKS SEED CONSTANT_LIAR}
 */
public final class LiarWorker {
  private LiarWorker() {}

  public static void main(String[] args) throws Exception {
    Path journal = Path.of(args[0]);
    int worker = Integer.parseInt(args[1]);
    int workers = Integer.parseInt(args[2]);
    int asks = Integer.parseInt(args[3]);
    long seed = Long.parseLong(args[4]);
    boolean liar = Boolean.parseBoolean(args[5]);
    try (StudyStorage st = StudyStorage.journal(journal)) {
      Study s = Hpo.study("shared")
          .storage(st)
          .sampler(Samplers.tpe().seed(seed).constantLiar(liar).build())
          .pruner(Pruners.none())
          .load();
      List<Trial> mine = new ArrayList<>();
      for (int i = 0; i < asks; i++) {
        mine.add(s.ask());
      }
      Files.writeString(journal.resolveSibling("asked-" + worker), "");
      for (int w = 0; w < workers; w++) {
        while (!Files.exists(journal.resolveSibling("asked-" + w))) {
          Thread.sleep(20);
        }
      }
      for (Trial t : mine) {
        s.tell(t, ConstantLiarProcessesIT.objective(t.doubleParam("x"), t.doubleParam("y")));
      }
    }
  }
}
