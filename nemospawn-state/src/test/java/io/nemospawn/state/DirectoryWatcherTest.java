package io.nemospawn.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.spi.Durability;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The one directory watcher, with the file system's notification and with the polling fallback
 * that a file system without notification (or a writer on another NFS client) gets.
 */
class DirectoryWatcherTest {
  static final Duration POLL = Duration.ofMillis(100);
  static final Duration LONG = Duration.ofSeconds(20);

  @TempDir
  Path dir;

  static void write(Path file, String text) {
    AtomicFiles.write(file, text.getBytes(StandardCharsets.UTF_8), Durability.NONE);
  }

  DirectoryWatcher waiting(boolean notification) {
    return notification
        ? DirectoryWatcher.waiting(dir, POLL)
        : DirectoryWatcher.waitingByPolling(dir, POLL);
  }

  DirectoryWatcher reporting(boolean notification, Consumer<Path> onChange) {
    return notification
        ? DirectoryWatcher.reporting(dir, onChange, POLL, "test-watch-1")
        : DirectoryWatcher.reportingByPolling(dir, onChange, POLL, "test-watch-1");
  }

  @Test
  void usesTheFileSystemNotificationWhereItExistsAndOnlyPollsWhenAskedTo() {
    try (DirectoryWatcher w = DirectoryWatcher.waiting(dir, POLL);
        DirectoryWatcher p = DirectoryWatcher.waitingByPolling(dir, POLL)) {
      assertThat(w.usesNotification()).isTrue();
      assertThat(p.usesNotification()).isFalse();
      assertThat(p.toString())
          .isEqualTo("DirectoryWatcher[" + dir + " waiting polling every PT0.1S]");
    }
  }

  @ParameterizedTest(name = "notification={0}")
  @ValueSource(booleans = {true, false})
  void awaitWakesOnAFileWrittenAfterRegistering(boolean notification) throws Exception {
    try (DirectoryWatcher w = waiting(notification)) {
      // Written between the registration (the scan a receiver makes) and the wait: still seen.
      // (A tick later: a directory's modification time is as coarse as the kernel's clock tick.)
      Awaitility.await().pollDelay(Duration.ofMillis(20)).until(() -> true);
      write(dir.resolve("20261121T190151_0a1b2c3d.json"), "{}");
      long start = System.nanoTime();
      assertThat(w.await(LONG)).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
  }

  @ParameterizedTest(name = "notification={0}")
  @ValueSource(booleans = {true, false})
  void awaitWakesOnAFileWrittenWhileWaiting(boolean notification) throws Exception {
    try (DirectoryWatcher w = waiting(notification)) {
      CompletableFuture<Boolean> woke = CompletableFuture.supplyAsync(() -> {
        try {
          return w.await(LONG);
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      Awaitility.await().pollDelay(Duration.ofMillis(150)).until(() -> true);
      write(dir.resolve("b.json"), "{}");
      assertThat(woke.get(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  @ParameterizedTest(name = "notification={0}")
  @ValueSource(booleans = {true, false})
  void awaitTimesOutWhenNothingChanges(boolean notification) throws Exception {
    try (DirectoryWatcher w = waiting(notification)) {
      long start = System.nanoTime();
      assertThat(w.await(Duration.ofMillis(300))).isFalse();
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isBetween(Duration.ofMillis(290), Duration.ofSeconds(10));
    }
  }

  @ParameterizedTest(name = "notification={0}")
  @ValueSource(booleans = {true, false})
  void closeWakesAWaitingThreadWithinAPollInterval(boolean notification) throws Exception {
    DirectoryWatcher w = waiting(notification);
    CompletableFuture<Boolean> woke = CompletableFuture.supplyAsync(() -> {
      try {
        return w.await(Duration.ofMinutes(5));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    Awaitility.await().pollDelay(Duration.ofMillis(100)).until(() -> true);
    w.close();
    w.close();
    assertThat(woke.get(10, TimeUnit.SECONDS)).isFalse();
    assertThat(w.await(Duration.ofSeconds(5))).isFalse();
  }

  @ParameterizedTest(name = "notification={0}")
  @ValueSource(booleans = {true, false})
  void reportsEachCreatedOrReplacedRecordOnceAndSkipsTheRest(boolean notification)
      throws Exception {
    write(dir.resolve("tasks/before.json"), "{}");
    List<Path> got = new CopyOnWriteArrayList<>();
    try (DirectoryWatcher w = reporting(notification, got::add)) {
      write(dir.resolve("tasks/task-1.json"), "{\"v\": 1}");
      Awaitility.await().atMost(LONG).until(() -> got.contains(dir.resolve("tasks/task-1.json")));
      write(dir.resolve("tasks/task-1.json"), "{\"v\": 22}");
      // A directory made after the start is watched too (an agent's first inbox).
      write(dir.resolve("inbox/worker-1/m.json"), "{}");
      write(dir.resolve("tasks/.lock"), "");
      write(dir.resolve("tasks/notes.txt"), "x");
      Awaitility.await()
          .atMost(LONG)
          .until(() -> got.contains(dir.resolve("inbox/worker-1/m.json"))
              && got.stream().filter(p -> p.endsWith("task-1.json")).count() == 2);
      // Two more polls: nothing reported twice, nothing that is not a record.
      Awaitility.await().pollDelay(POLL.multipliedBy(3)).until(() -> true);
      assertThat(got)
          .containsExactlyInAnyOrder(
              dir.resolve("tasks/task-1.json"),
              dir.resolve("tasks/task-1.json"),
              dir.resolve("inbox/worker-1/m.json"));
      if (notification) {
        assertThat(w.watchedDirs())
            .contains(dir, dir.resolve("tasks"), dir.resolve("inbox/worker-1"));
      }
    }
  }

  @Test
  void aChangeMarkedSeenIsNotReported() throws Exception {
    List<Path> got = new CopyOnWriteArrayList<>();
    try (DirectoryWatcher w = reporting(false, got::add)) {
      Path mine = dir.resolve("mine.json");
      write(mine, "{}");
      w.markSeen(mine);
      write(dir.resolve("theirs.json"), "{}");
      Awaitility.await().atMost(LONG).until(() -> got.contains(dir.resolve("theirs.json")));
      Awaitility.await().pollDelay(POLL.multipliedBy(3)).until(() -> true);
      assertThat(got).containsExactly(dir.resolve("theirs.json"));
    }
  }

  @Test
  void aListenerThatThrowsDoesNotStopTheWatcher() throws Exception {
    List<Path> got = new CopyOnWriteArrayList<>();
    try (DirectoryWatcher w = reporting(true, p -> {
      got.add(p);
      throw new IllegalStateException("listener bug");
    })) {
      write(dir.resolve("a.json"), "{}");
      Awaitility.await().atMost(LONG).until(() -> got.size() == 1);
      write(dir.resolve("b.json"), "{}");
      Awaitility.await().atMost(LONG).until(() -> got.size() == 2);
    }
  }

  @Test
  void closeStopsTheReportingThread() throws Exception {
    List<Path> got = new CopyOnWriteArrayList<>();
    DirectoryWatcher w = reporting(true, got::add);
    w.close();
    assertThat(Thread.getAllStackTraces().keySet())
        .noneMatch(t -> t.getName().equals("test-watch-1"));
    write(dir.resolve("late.json"), "{}");
    Awaitility.await().pollDelay(POLL.multipliedBy(3)).until(() -> true);
    assertThat(got).isEmpty();
  }

  @Test
  void misuseIsReportedWithTheValue() {
    assertThatThrownBy(() -> DirectoryWatcher.waiting(dir, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot watch with poll interval PT0S: it must be positive, such as PT0.25S");
    try (DirectoryWatcher w = reporting(true, p -> {})) {
      assertThatThrownBy(() -> w.await(Duration.ofSeconds(1)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage(
              "The watcher of " + dir + " reports changes on its own thread; nothing can await it");
    }
  }

  @Test
  void createsTheDirectoryItWatches() throws Exception {
    Path inbox = dir.resolve("inbox/worker-1");
    try (DirectoryWatcher w = DirectoryWatcher.waiting(inbox, POLL)) {
      assertThat(inbox).isDirectory();
      Files.writeString(inbox.resolve("x.json"), "{}");
      assertThat(w.await(LONG)).isTrue();
    }
  }
}
