package io.nemospawn.cluster.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.function.LongConsumer;
import org.apiguardian.api.API;

/**
 * Copies a file to or from a cluster over SFTP with a SHA-256 check, resumably: bytes go to
 * {@code <target>.part}, which a later call continues from where it stopped; the target appears
 * (renamed) only once the checksums of both sides match. The remote side's checksum comes from its
 * {@code sha256sum}.
 *
 * @since 0.4
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.4")
public final class ArtifactTransfer {
  private static final Duration SUM_TIMEOUT = Duration.ofMinutes(10);

  private ArtifactTransfer() {}

  /**
   * What a transfer did.
   *
   * @param bytes the file's size
   * @param resumedFrom the offset a previous, interrupted transfer had reached (0 for a fresh one)
   * @param sha256 the checksum both sides agree on, hex
   */
  public record Outcome(long bytes, long resumedFrom, String sha256) {}

  /** Copies {@code local} to {@code remotePath} (parents created), resuming a partial copy. */
  public static Outcome push(RemoteShell sh, Path local, String remotePath, LongConsumer progress)
      throws IOException {
    long size = Files.size(local);
    String want = sha256(local);
    int slash = remotePath.lastIndexOf('/');
    if (slash > 0) {
      sh.mkdirs(remotePath.substring(0, slash));
    }
    String part = remotePath + ".part";
    long have = sh.size(part);
    long from = have >= 0 && have <= size ? have : 0;
    sh.upload(local, part, from, progress);
    String got = remoteSha256(sh, part);
    if (!got.equals(want)) {
      sh.exec(List.of("rm", "-f", "--", part), Duration.ofSeconds(30));
      throw new IOException("Checksum mismatch after copying " + local + " to " + remotePath
          + ": local SHA-256 " + want + ", remote " + got + "; the partial copy was removed, try"
          + " again");
    }
    sh.rename(part, remotePath);
    return new Outcome(size, from, want);
  }

  /** Copies {@code remotePath} to {@code local} (parents created), resuming a partial copy. */
  public static Outcome pull(RemoteShell sh, String remotePath, Path local, LongConsumer progress)
      throws IOException {
    long size = sh.size(remotePath);
    if (size < 0) {
      throw new IOException("No file " + remotePath + " on the cluster to copy");
    }
    String want = remoteSha256(sh, remotePath);
    Path abs = local.toAbsolutePath();
    Path parent = abs.getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Path part = abs.resolveSibling(abs.getFileName() + ".part");
    long have = Files.exists(part) ? Files.size(part) : -1;
    long from = have >= 0 && have <= size ? have : 0;
    sh.download(remotePath, part, from, progress);
    String got = sha256(part);
    if (!got.equals(want)) {
      Files.deleteIfExists(part);
      throw new IOException("Checksum mismatch after copying " + remotePath + " to " + local
          + ": remote SHA-256 " + want + ", local " + got + "; the partial copy was removed, try"
          + " again");
    }
    Files.move(part, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return new Outcome(size, from, want);
  }

  /** Returns the SHA-256 of a local file, hex. */
  public static String sha256(Path file) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** Returns the SHA-256 of a remote file, from the remote {@code sha256sum}. */
  public static String remoteSha256(RemoteShell sh, String remotePath) throws IOException {
    RemoteShell.Result r = sh.exec(List.of("sha256sum", "--", remotePath), SUM_TIMEOUT);
    String out = r.out().strip();
    if (r.exitCode() != 0 || out.length() < 64) {
      throw new IOException("Cannot checksum " + remotePath + " on the cluster: sha256sum exited "
          + r.exitCode() + " " + r.err().strip());
    }
    return out.substring(0, 64);
  }
}
