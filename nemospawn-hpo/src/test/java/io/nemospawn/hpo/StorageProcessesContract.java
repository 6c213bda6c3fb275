package io.nemospawn.hpo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eight real JVMs ask and tell on one shared study of a {@link StudyStorage}; every storage that
 * several processes share passes it. Published in this module's test-jar.
 */
public abstract class StorageProcessesContract {
  /** Opens the storage at a path; needs a public no-argument constructor (children create it). */
  protected abstract Class<? extends Function<Path, StudyStorage>> opener();

  /** The storage's file name, such as {@code shared.journal}. */
  protected abstract String fileName();

  @Test
  void eightProcessesKeepEveryTrialWithUniqueNumbers(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("hpo").resolve(fileName());
    Function<Path, StudyStorage> open = opener().getDeclaredConstructor().newInstance();
    try (StudyStorage st = open.apply(file)) {
      Hpo.study("shared")
          .space(SearchSpace.builder().floatParam("x", -5, 5).build())
          .storage(st)
          .create();
    }
    StorageChildren.awaitSuccess(
        StorageChildren.start(
            dir,
            8,
            StorageWorker.class,
            w -> List.of(opener().getName(), file.toString(), "50", Integer.toString(w))),
        dir);
    try (StudyStorage st = open.apply(file)) {
      List<FrozenTrial> trials = st.trials("shared");
      assertThat(trials).hasSize(400);
      assertThat(trials)
          .extracting(FrozenTrial::number)
          .containsExactlyElementsOf(IntStream.range(0, 400).boxed().toList());
      assertThat(trials)
          .allMatch(t -> t.state() == TrialState.COMPLETE && t.params().containsKey("x"));
    }
  }
}
