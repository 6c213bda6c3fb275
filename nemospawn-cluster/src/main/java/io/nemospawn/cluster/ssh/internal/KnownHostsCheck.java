package io.nemospawn.cluster.ssh.internal;

import io.nemospawn.cluster.ssh.HostKeyException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.KeyType;
import net.schmizz.sshj.transport.verification.HostKeyVerifier;
import net.schmizz.sshj.transport.verification.OpenSSHKnownHosts;
import org.jspecify.annotations.Nullable;

/**
 * Checks a host key against known_hosts files in order: known in one, accepted; changed in one,
 * refused; unknown everywhere, recorded in the first file when a first contact was allowed, else
 * refused. The refusal is kept in {@link #failure()} for a clear error.
 */
final class KnownHostsCheck implements HostKeyVerifier {
  private final List<Path> files;
  private final boolean acceptNew;
  private @Nullable HostKeyException failure;

  KnownHostsCheck(List<Path> files, boolean acceptNew) {
    this.files = List.copyOf(files);
    this.acceptNew = acceptNew;
  }

  @Nullable
  HostKeyException failure() {
    return failure;
  }

  static String hostEntry(String host, int port) {
    return port == 22 ? host : "[" + host + "]:" + port;
  }

  /** Returns the key's SHA-256 fingerprint as OpenSSH prints it. */
  static String fingerprint(PublicKey key) {
    return fingerprint(new Buffer.PlainBuffer().putPublicKey(key).getCompactData());
  }

  private static String fingerprint(byte[] blob) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(blob);
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public boolean verify(String hostname, int port, PublicKey key) {
    String offered = fingerprint(key);
    String type = KeyType.fromKey(key).toString();
    for (Path file : files) {
      if (!Files.isRegularFile(file)) {
        continue;
      }
      boolean[] changed = {false};
      boolean ok;
      try {
        OpenSSHKnownHosts kh = new OpenSSHKnownHosts(file.toFile()) {
          @Override
          protected boolean hostKeyUnverifiableAction(String h, PublicKey k) {
            return false;
          }

          @Override
          protected boolean hostKeyChangedAction(String h, PublicKey k) {
            changed[0] = true;
            return false;
          }
        };
        ok = kh.verify(hostname, port, key);
      } catch (IOException e) {
        failure = new HostKeyException(
            "Cannot read the known_hosts file " + file + ": " + e.getMessage(), false);
        return false;
      }
      if (ok) {
        return true;
      }
      if (changed[0]) {
        failure = new HostKeyException(
            "The host key of " + hostEntry(hostname, port)
                + " has CHANGED: it offers " + type + " " + offered + " but " + file + " records "
                + String.join(", ", recorded(file, hostname, port, type))
                + ". Someone may be intercepting the connection, or the host was reinstalled; if you"
                + " know the new key is right, remove the old line from " + file
                + " and connect again accepting the new key",
            true);
        return false;
      }
    }
    if (!acceptNew) {
      failure = new HostKeyException(
          "The host key of " + hostEntry(hostname, port) + " ("
              + type + " " + offered + ") is not in " + files + "; check the fingerprint with the"
              + " host's administrator and accept it explicitly on first contact",
          false);
      return false;
    }
    Path first = files.get(0);
    try {
      Files.createDirectories(first.getParent());
      if (!Files.exists(first)) {
        Files.createFile(
            first,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      }
      String line = hostEntry(hostname, port) + " " + type + " "
          + Base64.getEncoder()
              .encodeToString(new Buffer.PlainBuffer().putPublicKey(key).getCompactData())
          + "\n";
      Files.writeString(first, line, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    } catch (IOException e) {
      failure = new HostKeyException(
          "Cannot record the host key of " + hostEntry(hostname, port) + " in " + first + ": "
              + e.getMessage(),
          false);
      return false;
    }
    return true;
  }

  /** The fingerprints recorded for the host in a plain (unhashed) file, or a hint. */
  private static List<String> recorded(Path file, String host, int port, String type) {
    List<String> out = new ArrayList<>();
    String entry = hostEntry(host, port);
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        String[] f = line.strip().split("\\s+");
        if (f.length < 3 || f[0].startsWith("#")) {
          continue;
        }
        if (List.of(f[0].split(",")).contains(entry) && f[1].equals(type)) {
          try {
            out.add(f[1] + " " + fingerprint(Base64.getDecoder().decode(f[2])));
          } catch (IllegalArgumentException e) {
            out.add(f[1] + " (unreadable)");
          }
        }
      }
    } catch (IOException e) {
      // fall through to the hint
    }
    if (out.isEmpty()) {
      out.add("another key (hashed entry)");
    }
    return out;
  }

  @Override
  public List<String> findExistingAlgorithms(String hostname, int port) {
    return List.of();
  }
}
