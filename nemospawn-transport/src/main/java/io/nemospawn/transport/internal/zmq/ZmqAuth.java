package io.nemospawn.transport.internal.zmq;

import io.nemospawn.TransportException;
import io.nemospawn.spi.Durability;
import io.nemospawn.state.AtomicFiles;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Authentication of ZeroMQ envelopes for receivers that listen beyond loopback: every envelope
 * then carries an HMAC-SHA256 of its bytes under the team's shared secret, and a receiver drops
 * any envelope without a valid one. A receiver bound to {@code 127.0.0.1} (the default), {@code
 * ::1}, {@code localhost} or an {@code ipc://}/{@code inproc://} endpoint takes plain envelopes,
 * as NemoSpawn 1.0 peers send them; senders apply the same rule to the endpoint they send to.
 *
 * <p>Framing of a signed envelope: the 4 ASCII bytes {@code NSH1}, the 32-byte HMAC-SHA256 of
 * the JSON bytes, then the JSON bytes as in an unsigned envelope.
 *
 * <p>The secret: the environment variable {@value #ENV} when set (any text), else the file
 * {@code <data dir>/zmq.secret}, which a receiver that needs it creates (64 random hex digits, mode
 * 0600) and which must not be readable by group or others. It never goes on a command line or in
 * a log message. What it does not give: confidentiality (envelopes cross the network in clear
 * text) or protection against replay of a captured envelope.
 *
 * <p>Thread-safe: {@link Mac} instances are made per call.
 */
final class ZmqAuth {
  /** Environment variable holding the shared secret; overrides the file. */
  static final String ENV = "NEMOSPAWN_ZMQ_SECRET";

  /** The secret file's name in the data directory. */
  static final String FILE = "zmq.secret";

  static final byte[] MAGIC = "NSH1".getBytes(StandardCharsets.US_ASCII);
  static final int MAC_LENGTH = 32;
  private static final String ALGORITHM = "HmacSHA256";

  private final byte[] key;

  private ZmqAuth(byte[] key) {
    this.key = key;
  }

  /**
   * Returns whether a receiver at that endpoint requires signed envelopes: a TCP endpoint whose
   * host is not {@code 127.0.0.1}, {@code ::1} or {@code localhost}.
   */
  static boolean required(URI endpoint) {
    if (!"tcp".equals(endpoint.getScheme())) {
      return false;
    }
    String host = endpoint.getHost();
    if (host == null) {
      // tcp://*:port does not parse as a server authority.
      return true;
    }
    host = host.toLowerCase(Locale.ROOT);
    return !(host.equals("127.0.0.1")
        || host.equals("localhost")
        || host.equals("[::1]")
        || host.equals("::1"));
  }

  /** Same as {@link #required(URI)} for an endpoint given as text. */
  static boolean required(String endpoint) {
    try {
      return required(URI.create(endpoint));
    } catch (IllegalArgumentException e) {
      return true;
    }
  }

  /** Returns the secret file of a data directory. */
  static Path file(Path dataDir) {
    return dataDir.resolve(FILE);
  }

  /**
   * Loads the shared secret: {@value #ENV}, else the file, created when {@code create} and
   * missing.
   *
   * @throws TransportException naming the file (never the secret) when there is none, it cannot
   *     be read, or others may read it
   */
  static ZmqAuth load(Path dataDir, boolean create, String endpoint) {
    String env = System.getenv(ENV);
    if (env != null && !env.isBlank()) {
      return new ZmqAuth(env.strip().getBytes(StandardCharsets.UTF_8));
    }
    Path file = file(dataDir);
    try {
      if (create && !Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String text = HexFormat.of().formatHex(random) + "\n";
        AtomicFiles.createNewOwnerOnly(
            file, text.getBytes(StandardCharsets.US_ASCII), Durability.FSYNC);
      }
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        throw new NoSuchFileException(file.toString());
      }
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
      Set<PosixFilePermission> open = EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE);
      open.retainAll(mode);
      if (!open.isEmpty()) {
        throw new TransportException(
            endpoint,
            "The ZeroMQ shared secret " + file + " may be read or written by other users (mode "
                + java.nio.file.attribute.PosixFilePermissions.toString(mode)
                + "); make it private with: chmod 600 " + file,
            null);
      }
      String text = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (text.isEmpty()) {
        throw new TransportException(
            endpoint,
            "The ZeroMQ shared secret " + file + " is empty; delete it so that the next receiver"
                + " makes a new one, or set " + ENV,
            null);
      }
      return new ZmqAuth(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      throw new TransportException(
          endpoint,
          "No ZeroMQ shared secret: " + endpoint + " listens beyond loopback and takes only"
              + " envelopes signed with the team's secret; set " + ENV + " or copy " + file
              + " (mode 0600) from the receiver's host",
          e);
    } catch (IOException e) {
      throw new TransportException(
          endpoint, "Cannot read the ZeroMQ shared secret " + file + ": " + e, e);
    }
  }

  private byte[] mac(byte[] json) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(new SecretKeySpec(key, ALGORITHM));
      return mac.doFinal(json);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("The JDK has no " + ALGORITHM, e);
    }
  }

  /** Returns the signed envelope of {@code json}. */
  byte[] sign(byte[] json) {
    byte[] out = new byte[MAGIC.length + MAC_LENGTH + json.length];
    System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
    System.arraycopy(mac(json), 0, out, MAGIC.length, MAC_LENGTH);
    System.arraycopy(json, 0, out, MAGIC.length + MAC_LENGTH, json.length);
    return out;
  }

  /** Returns the JSON bytes of a validly signed envelope, else null. */
  byte @Nullable [] verify(byte[] wire) {
    int head = MAGIC.length + MAC_LENGTH;
    if (wire.length < head || !Arrays.equals(wire, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      return null;
    }
    byte[] json = Arrays.copyOfRange(wire, head, wire.length);
    byte[] given = Arrays.copyOfRange(wire, MAGIC.length, head);
    return MessageDigest.isEqual(given, mac(json)) ? json : null;
  }

  @Override
  public String toString() {
    return "ZmqAuth[HMAC-SHA256, secret not shown]";
  }
}
