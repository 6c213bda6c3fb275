package io.nemospawn.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.spi.StateFormat;
import io.nemospawn.spi.TransportReceiver;
import io.nemospawn.transport.internal.shm.ShmTransport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shared-memory rings are private to their user and do not outlive a killed receiver. */
class ShmRingOwnershipIT {
  final String team = "ring-" + StateFormat.randomHex8();

  @TempDir
  Path dir;

  @AfterEach
  void removeRings() throws Exception {
    try (var s = Files.newDirectoryStream(ShmTransport.ringDir(), "nemospawn-" + team + "-*")) {
      for (Path p : s) {
        Files.deleteIfExists(p);
      }
    }
  }

  private ShmTransport open() {
    return new ShmTransport(TransportPeerMain.context(dir, team, "shm"), 1 << 16);
  }

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void aRingIsReadableByItsOwnerOnlyEvenWhenAnOlderOneWasNot() throws Exception {
    try (ShmTransport t = open()) {
      Path older = t.ringPath("b");
      Files.createFile(
          older,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
      try (TransportReceiver a = t.bind("a");
          TransportReceiver b = t.bind("b")) {
        assertThat(mode(t.ringPath("a"))).isEqualTo("rw-------");
        assertThat(mode(older)).isEqualTo("rw-------");
      }
    }
  }

  @Test
  void theRingOfAReceiverKilledWithSigkillIsDeletedByTheNextTransportToOpen() throws Exception {
    Path ring;
    try (ShmTransport t = open()) {
      ring = t.ringPath("victim");
    }
    ChildProcess child = ChildProcess.java(
        dir.resolve("receiver.log"), "receive", dir.toString(), team, "victim", "shm", "1000000");
    try {
      child.awaitLine("READY", Duration.ofSeconds(60));
      assertThat(ring).exists();
      assertThat(mode(ring)).isEqualTo("rw-------");
      // A live receiver's ring stays.
      try (ShmTransport t = open()) {
        assertThat(t.cleanAbandonedRings()).isZero();
      }
      assertThat(ring).exists();
    } finally {
      child.kill(); // SIGKILL: the receiver cannot delete its ring.
    }
    assertThat(ring).exists();
    try (ShmTransport t = open()) {
      assertThat(ring).doesNotExist();
    }
  }
}
