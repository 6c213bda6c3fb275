package io.nemospawn.cluster.ssh;

import io.nemospawn.cluster.ssh.internal.SshjShell;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.LongConsumer;
import org.apiguardian.api.API;

/**
 * One SSH connection to a host: commands as argv, files over SFTP and a reverse tunnel. Our own
 * interface, so the SSH library stays an implementation detail. Commands are given as argument
 * lists; the one command string SSH carries is built by quoting every argument for a POSIX shell
 * ({@link #quote}), so no argument is ever read as shell syntax. Not thread-safe for concurrent
 * transfers on one file; close it when done.
 *
 * @since 0.4
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.4")
public interface RemoteShell extends AutoCloseable {

  /**
   * What a remote command did.
   *
   * @param exitCode its exit status, or -1 when the server sent none (killed by a signal)
   * @param out its standard output (UTF-8)
   * @param err its standard error (UTF-8)
   */
  record Result(int exitCode, String out, String err) {}

  /**
   * Opens a connection to the cluster, checking its host key.
   *
   * @throws HostKeyException when the host key is unknown (without {@link
   *     SshSettings#acceptNewHostKey()}) or changed
   * @throws IOException when the host cannot be reached or refuses the key
   */
  static RemoteShell open(Cluster cluster, SshSettings settings) throws IOException {
    return SshjShell.open(cluster, settings);
  }

  /** Runs the command (argv, quoted for the remote shell) and waits up to {@code timeout}. */
  Result exec(List<String> argv, Duration timeout) throws IOException;

  /** Returns the remote user's home directory, absolute. */
  String home() throws IOException;

  /** Creates the directory and its parents (mode 0700 for new ones). */
  void mkdirs(String dir) throws IOException;

  /** Writes a small file whole with the given mode (octal, e.g. {@code 0600}), atomically. */
  void write(String remotePath, byte[] content, int mode) throws IOException;

  /** Returns the remote file's size, or -1 when it does not exist. */
  long size(String remotePath) throws IOException;

  /** Reads {@code remotePath} from {@code offset} to its end (at most {@code max} bytes). */
  byte[] read(String remotePath, long offset, int max) throws IOException;

  /**
   * Copies {@code local} from byte {@code offset} to {@code remotePath} at the same offset, so an
   * interrupted copy continues where it stopped; {@code progress} is told the bytes done.
   */
  void upload(Path local, String remotePath, long offset, LongConsumer progress) throws IOException;

  /** Copies {@code remotePath} from {@code offset} to {@code local} at the same offset. */
  void download(String remotePath, Path local, long offset, LongConsumer progress)
      throws IOException;

  /** Renames a remote file, replacing the target. */
  void rename(String from, String to) throws IOException;

  /**
   * Forwards {@code 127.0.0.1:remotePort} on the remote host to {@code localHost:localPort} here
   * over this connection (an SSH reverse tunnel); 0 lets the server choose.
   *
   * @return the remote port bound
   */
  int forwardRemote(int remotePort, String localHost, int localPort) throws IOException;

  /** Returns whether the connection is still up. */
  boolean connected();

  /** Closes the connection, its tunnels and its SFTP channel. */
  @Override
  void close();

  /**
   * Quotes one argument for a POSIX shell: single quotes, with {@code '} written as {@code
   * '\''}; newlines and every other character stay literal. NUL cannot be passed and is refused.
   */
  static String quote(String arg) {
    if (arg.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "An argument for a remote command contains NUL: " + arg.replace("\0", "\\0"));
    }
    return "'" + arg.replace("'", "'\\''") + "'";
  }

  /** Quotes every argument and joins them with spaces: the one command string SSH carries. */
  static String commandLine(List<String> argv) {
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("No remote command to run");
    }
    StringBuilder b = new StringBuilder();
    for (String a : argv) {
      if (b.length() > 0) {
        b.append(' ');
      }
      b.append(quote(a));
    }
    return b.toString();
  }
}
