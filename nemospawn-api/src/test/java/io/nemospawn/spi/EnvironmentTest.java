package io.nemospawn.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Transport;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class EnvironmentTest {
  @Test
  void outsideACallItIsTheProcesssEnvironment() {
    assertThat(Environment.isScoped()).isFalse();
    assertThat(Environment.get("PATH")).isEqualTo(System.getenv("PATH"));
    assertThat(Environment.all()).isEqualTo(System.getenv());
    assertThat(Environment.workingDirectory()).isEqualTo(Path.of("").toAbsolutePath());
  }

  @Test
  void insideACallOnlyTheCallersVariablesAndDirectoryCount() throws Exception {
    Path cwd = Path.of("/srv/agent");
    String team = Environment.call(Map.of("NEMOSPAWN_TEAM", "t1"), cwd, () -> {
      assertThat(Environment.isScoped()).isTrue();
      assertThat(Environment.get("PATH")).isNull();
      assertThat(Environment.all()).containsExactly(Map.entry("NEMOSPAWN_TEAM", "t1"));
      assertThat(Environment.resolve(Path.of("runs/a"))).isEqualTo(Path.of("/srv/agent/runs/a"));
      assertThat(Environment.resolve(Path.of("/abs"))).isEqualTo(Path.of("/abs"));
      return Environment.get("NEMOSPAWN_TEAM");
    });
    assertThat(team).isEqualTo("t1");
    assertThat(Environment.isScoped()).isFalse();
  }

  @Test
  void nestedCallsRestoreTheOuterScopeEvenWhenTheBodyThrows() throws Exception {
    Environment.call(Map.of("A", "outer"), Path.of("/o"), () -> {
      assertThatThrownBy(() -> Environment.call(Map.of("A", "inner"), Path.of("/i"), () -> {
            throw new IllegalStateException("boom");
          }))
          .hasMessage("boom");
      assertThat(Environment.get("A")).isEqualTo("outer");
      assertThat(Environment.workingDirectory()).isEqualTo(Path.of("/o"));
      return null;
    });
    assertThat(Environment.isScoped()).isFalse();
  }

  @Test
  void concurrentCallsSeeOnlyTheirOwnValues() throws Exception {
    CountDownLatch bothInside = new CountDownLatch(2);
    AtomicReference<String> seenByA = new AtomicReference<>();
    AtomicReference<String> seenByB = new AtomicReference<>();
    Thread a = new Thread(() -> call("team-a", bothInside, seenByA));
    Thread b = new Thread(() -> call("team-b", bothInside, seenByB));
    a.start();
    b.start();
    a.join();
    b.join();
    assertThat(seenByA.get()).isEqualTo("team-a");
    assertThat(seenByB.get()).isEqualTo("team-b");
  }

  @Test
  void theLibrarysLookupsGoThroughIt() throws Exception {
    Environment.call(
        Map.of("NEMOSPAWN_DATA_DIR", "state", "NEMOSPAWN_TRANSPORT", "shm"), Path.of("/w"), () -> {
          assertThat(NemoSpawn.defaultDataDir()).isEqualTo(Path.of("/w/state"));
          assertThat(Transport.resolve("file")).isEqualTo(Transport.sharedMemory());
          return null;
        });
  }

  @Test
  void aRelativeWorkingDirectoryIsRefused() {
    assertThatThrownBy(() -> Environment.call(Map.of(), Path.of("rel"), () -> null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Working directory 'rel' is not absolute; give an absolute path");
  }

  private static void call(String team, CountDownLatch bothInside, AtomicReference<String> seen) {
    try {
      Environment.call(Map.of("NEMOSPAWN_TEAM", team), Path.of("/"), () -> {
        bothInside.countDown();
        bothInside.await();
        seen.set(Environment.get("NEMOSPAWN_TEAM"));
        return null;
      });
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
