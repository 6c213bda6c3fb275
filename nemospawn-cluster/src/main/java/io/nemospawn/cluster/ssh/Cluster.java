package io.nemospawn.cluster.ssh;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * A registered SSH host: where it is, who to log in as and with which key (referenced by path,
 * never copied). Stored as {@code <data dir>/clusters/<name>.json}, mode 0600.
 *
 * @param name the cluster's name, a path-safe id
 * @param host the host name or address
 * @param port the SSH port
 * @param user the user to log in as
 * @param keyPath the private key file, or null for the user's default keys ({@code ~/.ssh/id_*})
 * @param mount a shared file system mounted on both sides, or an empty string
 * @param createdAt when it was registered
 * @since 0.4
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.4")
public record Cluster(
    String name,
    String host,
    int port,
    String user,
    @Nullable Path keyPath,
    String mount,
    Instant createdAt) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.:-]{0,252}");
  private static final Pattern USER = Pattern.compile("[A-Za-z_][A-Za-z0-9._-]{0,31}");

  /** Validates every part, so nothing hostile reaches a file name, a URL or a command. */
  public Cluster {
    checkName(name);
    checkHost(host);
    checkUser(user);
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          "Invalid SSH port " + port + " for cluster '" + name + "'; use 1 to 65535");
    }
    mount = mount == null ? "" : mount;
    if (mount.indexOf('\n') >= 0 || mount.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("Invalid mount point for cluster '" + name
          + "': it contains a newline or NUL; give an absolute path");
    }
    Objects.requireNonNull(createdAt, "createdAt");
  }

  /**
   * Checks that a cluster name is a path-safe id.
   *
   * @throws IllegalArgumentException naming the value and the rule
   */
  public static String checkName(String name) {
    if (name == null || !NAME.matcher(name).matches() || name.contains("..")) {
      throw new IllegalArgumentException("Invalid cluster name '" + name + "'; use 1 to 64"
          + " letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    return name;
  }

  /** Checks a host name or address (letters, digits, '.', ':', '-'). */
  public static String checkHost(String host) {
    if (host == null || !HOST.matcher(host).matches()) {
      throw new IllegalArgumentException("Invalid host '" + host + "'; give a host name or an IP"
          + " address (letters, digits, '.', ':' and '-' only)");
    }
    return host;
  }

  /** Checks a user name (POSIX portable: letters, digits, '.', '_', '-'). */
  public static String checkUser(String user) {
    if (user == null || !USER.matcher(user).matches()) {
      throw new IllegalArgumentException("Invalid SSH user '" + user + "'; use letters, digits,"
          + " '.', '_' or '-', starting with a letter or '_'");
    }
    return user;
  }

  /**
   * Parses {@code user@host[:port]} (1.0's {@code --remote}) into an unregistered cluster named
   * after it, using the user's default keys.
   */
  public static Cluster ofRemote(String remote) {
    Objects.requireNonNull(remote, "remote");
    int at = remote.indexOf('@');
    String user = at < 0 ? System.getProperty("user.name", "root") : remote.substring(0, at);
    String hostPort = remote.substring(at + 1);
    int port = 22;
    int colon = hostPort.lastIndexOf(':');
    if (colon > 0 && hostPort.indexOf(':') == colon) {
      try {
        port = Integer.parseInt(hostPort.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "Invalid remote '" + remote + "'; use user@host or user@host:port", e);
      }
      hostPort = hostPort.substring(0, colon);
    }
    checkUser(user);
    checkHost(hostPort);
    return new Cluster(
        ("remote-" + user + "-" + hostPort + "-" + port).replace(':', '-'),
        hostPort,
        port,
        user,
        null,
        "",
        Instant.EPOCH);
  }

  /** Returns {@code user@host:port}. */
  public String address() {
    return user + "@" + host + ":" + port;
  }
}
