package io.nemospawn.cluster.ssh;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Properties;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The real OpenSSH server of the test machine (scripts/ci/start-sshd.sh): from the {@code
 * NS_SSHD_*} environment, else {@code /tmp/ns-sshd.env}. Under CI ({@code CI} set) a missing
 * server fails the test; elsewhere the test is skipped with the reason.
 */
record Sshd(String host, int port, String user, Path key, Path knownHosts, Path pubKey) {
  static Sshd require() {
    Properties p = new Properties();
    Path file = Path.of("/tmp/ns-sshd.env");
    if (Files.isRegularFile(file)) {
      try (Reader r = Files.newBufferedReader(file)) {
        p.load(r);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    for (String k : new String[] {
      "NS_SSHD_HOST",
      "NS_SSHD_PORT",
      "NS_SSHD_USER",
      "NS_SSHD_KEY",
      "NS_SSHD_KNOWN_HOSTS",
      "NS_SSHD_PUBKEY"
    }) {
      String v = System.getenv(k);
      if (v != null && !v.isBlank()) {
        p.setProperty(k, v);
      }
    }
    String host = p.getProperty("NS_SSHD_HOST");
    String key = p.getProperty("NS_SSHD_KEY");
    String why = host == null || key == null
        ? "no sshd: NS_SSHD_HOST/NS_SSHD_KEY are unset and /tmp/ns-sshd.env is missing (run"
            + " scripts/ci/start-sshd.sh)"
        : !Files.isReadable(Path.of(key)) ? "the sshd key " + key + " cannot be read" : null;
    if (why == null) {
      try (java.net.Socket s = new java.net.Socket()) {
        s.connect(
            new java.net.InetSocketAddress(
                host, Integer.parseInt(p.getProperty("NS_SSHD_PORT", "22"))),
            2000);
      } catch (IOException e) {
        why = "no sshd listening on " + host + ":" + p.getProperty("NS_SSHD_PORT") + ": " + e;
      }
    }
    if (why != null) {
      if (System.getenv("CI") != null) {
        Assertions.fail("CI is set but " + why);
      }
      Assumptions.abort("Assumes the test sshd of scripts/ci/start-sshd.sh; " + why);
    }
    return new Sshd(
        host,
        Integer.parseInt(p.getProperty("NS_SSHD_PORT", "22")),
        p.getProperty("NS_SSHD_USER", "root"),
        Path.of(key),
        Path.of(p.getProperty("NS_SSHD_KNOWN_HOSTS")),
        Path.of(p.getProperty("NS_SSHD_PUBKEY")));
  }

  /** Registers it as cluster {@code name} in the data directory. */
  Cluster register(Path dataDir, String name) {
    return Clusters.of(dataDir).register(name, host, port, user, key, "");
  }

  Cluster cluster(String name) {
    return new Cluster(name, host, port, user, key, "", Instant.now());
  }
}
