package io.nemospawn.cluster.ssh;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * How connections check host keys and how long they wait.
 *
 * @param knownHosts the known_hosts files to check, in order; the first is the one new keys are
 *     recorded in
 * @param acceptNewHostKey whether the key of a host that no file knows is accepted and recorded
 *     (a first contact); a changed key is refused regardless
 * @param connectTimeout how long to wait for the connection
 * @since 0.4
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.4")
public record SshSettings(
    List<Path> knownHosts, boolean acceptNewHostKey, Duration connectTimeout) {
  /** Validates. */
  public SshSettings {
    knownHosts = List.copyOf(knownHosts);
    if (knownHosts.isEmpty()) {
      throw new IllegalArgumentException("No known_hosts file to check host keys against");
    }
    Objects.requireNonNull(connectTimeout, "connectTimeout");
  }

  /**
   * Returns the settings for a data directory: our {@code <data dir>/clusters/known_hosts} (where
   * accepted keys go) and then the user's {@code ~/.ssh/known_hosts}; no new keys accepted.
   */
  public static SshSettings of(Path dataDir) {
    List<Path> files = new ArrayList<>();
    files.add(dataDir.resolve("clusters").resolve("known_hosts"));
    Path user = Path.of(System.getProperty("user.home"), ".ssh", "known_hosts");
    if (Files.isRegularFile(user)) {
      files.add(user);
    }
    return new SshSettings(files, false, Duration.ofSeconds(10));
  }

  /** Returns these settings with new host keys accepted (or not). */
  public SshSettings withAcceptNewHostKey(boolean accept) {
    return new SshSettings(knownHosts, accept, connectTimeout);
  }

  /** Returns these settings with this connect timeout. */
  public SshSettings withConnectTimeout(Duration timeout) {
    return new SshSettings(knownHosts, acceptNewHostKey, timeout);
  }
}
