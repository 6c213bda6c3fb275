package io.nemospawn.hpo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A child process of {@link ConstantLiarProcessesContract}: asks trials of the shared study and
 * keeps them RUNNING until every worker has asked, then tells them.
 *
 * <p>Usage: {@code LiarWorker OPENER FILE WORKER WORKERS ASKS SEED CONSTANT_LIAR}, where OPENER
 * names a {@code Function<Path, StudyStorage>} class.
 */
public final class LiarWorker {
  private LiarWorker() {}

  public static void main(String[] args) throws Exception {
    @SuppressWarnings("unchecked")
    Function<Path, StudyStorage> open = (Function<Path, StudyStorage>)
        Class.forName(args[0]).getDeclaredConstructor().newInstance();
    Path file = Path.of(args[1]);
    int worker = Integer.parseInt(args[2]);
    int workers = Integer.parseInt(args[3]);
    int asks = Integer.parseInt(args[4]);
    long seed = Long.parseLong(args[5]);
    boolean liar = Boolean.parseBoolean(args[6]);
    try (StudyStorage st = open.apply(file)) {
      Study s = Hpo.study("shared")
          .storage(st)
          .sampler(Samplers.tpe().seed(seed).constantLiar(liar).build())
          .pruner(Pruners.none())
          .load();
      List<Trial> mine = new ArrayList<>();
      for (int i = 0; i < asks; i++) {
        mine.add(s.ask());
      }
      Files.writeString(file.resolveSibling("asked-" + worker), "");
      for (int w = 0; w < workers; w++) {
        while (!Files.exists(file.resolveSibling("asked-" + w))) {
          Thread.sleep(20);
        }
      }
      for (Trial t : mine) {
        s.tell(t, ConstantLiarProcessesContract.objective(t.doubleParam("x"), t.doubleParam("y")));
      }
    }
  }
}
