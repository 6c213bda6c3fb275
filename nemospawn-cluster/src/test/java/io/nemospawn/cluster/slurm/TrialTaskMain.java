package io.nemospawn.cluster.slurm;

import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.Study;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Plays the CLI's {@code slurm hpo-task --study S --data-dir D -- COMMAND...} in an array task of
 * the cluster module's tests (the CLI module depends on this one, so its Main is not on this class
 * path): the same library call the CLI makes.
 */
public final class TrialTaskMain {
  private TrialTaskMain() {}

  public static void main(String[] args) throws Exception {
    List<String> a = Arrays.asList(args);
    int sep = a.indexOf("--");
    String study = a.get(a.indexOf("--study") + 1);
    Path dataDir = Path.of(a.get(a.indexOf("--data-dir") + 1));
    try (Study s = Hpo.open(dataDir, study)) {
      SlurmStudyArrays.Outcome o = SlurmStudyArrays.runTrial(
          s,
          a.subList(sep + 1, a.size()),
          Path.of("").toAbsolutePath(),
          Duration.ofMinutes(5),
          System.out);
      System.out.println("outcome " + o.trial() + " " + o.state());
    }
  }
}
