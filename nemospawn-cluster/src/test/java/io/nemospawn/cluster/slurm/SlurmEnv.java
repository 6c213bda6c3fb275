package io.nemospawn.cluster.slurm;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The real SLURM of {@code scripts/ci/start-slurm.sh}: read from the environment or {@code
 * /tmp/ns-slurm.env}. Under CI (variable {@code CI} set) a missing SLURM fails the test; elsewhere
 * the test is skipped, saying what it assumes.
 */
final class SlurmEnv {
  private SlurmEnv() {}

  /** Returns the partition to use, having checked that SLURM answers. */
  static String require() {
    Properties p = new Properties();
    Path f = Path.of("/tmp/ns-slurm.env");
    if (Files.isReadable(f)) {
      try (Reader r = Files.newBufferedReader(f)) {
        p.load(r);
      } catch (IOException e) {
        // Treated as absent below.
      }
    }
    String partition = System.getenv("NS_SLURM_PARTITION");
    if (partition == null) {
      partition = p.getProperty("NS_SLURM_PARTITION");
    }
    String why = partition == null
        ? "no NS_SLURM_PARTITION in the environment or /tmp/ns-slurm.env"
        : Slurm.local().unavailableReason().orElse(null);
    if (why != null) {
      String msg =
          "This test needs the real single-node SLURM of scripts/ci/start-slurm.sh: " + why;
      if (System.getenv("CI") != null) {
        throw new AssertionError(msg + " (CI is set, so SLURM must be there)");
      }
      assumeTrue(false, msg);
    }
    return partition;
  }
}
