// Creates 1,000 tasks with one createAll (durability NONE, then FSYNC, each in a fresh data
// directory) and with NemoSpawn 1.0's create (scripts/tasks10.py, one round), in turn, so that all
// three see the same moment of a machine whose speed drifts; prints each round and the medians.
// Run over the benchmark jar (single-file source), from the repository root:
//   java -cp nemospawn-benchmarks/target/benchmarks.jar scripts/InterleavedCreate.java ROUNDS
// e.g. 15 (docs/benchmarks.md, issue 19). Needs python3.
import io.nemospawn.NemoSpawn;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.TaskSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Rounds of createAll NONE, createAll FSYNC and 1.0's create of 1,000 tasks, interleaved. */
public class InterleavedCreate {
  static final List<TaskSpec> SPECS = new ArrayList<>();

  public static void main(String[] a) throws Exception {
    int rounds = a.length > 0 ? Integer.parseInt(a[0]) : 15;
    for (int i = 0; i < 1000; i++) {
      SPECS.add(TaskSpec.of("task " + i));
    }
    // Shots live in one directory, as 1.0's rounds do, and stay until the end: creating files
    // right after removing thousands costs ext4 several times more.
    Path root = Files.createTempDirectory("nemospawn-interleaved-");
    try {
      for (int i = 0; i < 25; i++) {
        shot(root, Durability.NONE);
        shot(root, Durability.FSYNC);
      }
      double[] none = new double[rounds];
      double[] fsync = new double[rounds];
      double[] v10 = new double[rounds];
      double[] rn = new double[rounds];
      double[] rf = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        none[r] = shot(root, Durability.NONE);
        fsync[r] = shot(root, Durability.FSYNC);
        v10[r] = python();
        rn[r] = v10[r] / none[r];
        rf[r] = v10[r] / fsync[r];
        System.out.printf(
            "round %2d: 1.0 %6.1f ms  NONE %6.1f ms (%4.1fx)  FSYNC %6.1f ms (%4.1fx)%n",
            r + 1, v10[r], none[r], rn[r], fsync[r], rf[r]);
      }
      System.out.printf(
          "best: 1.0 %.1f ms, NONE %.1f ms, FSYNC %.1f ms%n"
              + "median: 1.0 %.1f ms, NONE %.1f ms, FSYNC %.1f ms;"
              + " median of the ratios: NONE %.1fx, FSYNC %.1fx%n",
          min(v10), min(none), min(fsync), median(v10), median(none), median(fsync), median(rn),
          median(rf));
    } finally {
      try (Stream<Path> s = Files.walk(root)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  /** One createAll of 1,000 in a fresh data directory, in ms; the barrier runs after it. */
  static double shot(Path root, Durability d) throws Exception {
    Path dir = Files.createTempDirectory(root, "shot-");
    try (NemoSpawn ns = NemoSpawn.builder().dataDir(dir).durability(d).open()) {
      var tasks = ns.newTeam("bench").create().tasks();
      long t0 = System.nanoTime();
      tasks.createAll(SPECS);
      return (System.nanoTime() - t0) / 1e6;
    }
  }

  /** One round of 1.0's create of 1,000 tasks, as scripts/tasks10.py times it, in ms. */
  static double python() throws Exception {
    Process p = new ProcessBuilder("python3", "scripts/tasks10.py", "1000", "1")
        .redirectErrorStream(true)
        .start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException("scripts/tasks10.py failed:\n" + out);
    }
    for (String l : out.split("\n")) {
      if (l.startsWith("round 1:")) {
        return Double.parseDouble(l.split(" in ")[1].split(" ")[0]) * 1000;
      }
    }
    throw new IllegalStateException("no round in the output of scripts/tasks10.py:\n" + out);
  }

  static double min(double[] x) {
    return Arrays.stream(x).min().orElse(Double.NaN);
  }

  static double median(double[] x) {
    double[] c = x.clone();
    Arrays.sort(c);
    return c[c.length / 2];
  }
}
