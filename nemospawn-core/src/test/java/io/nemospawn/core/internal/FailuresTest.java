package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every cleanup runs; the first failure wins and carries the others. */
class FailuresTest {
  @Test
  void forEachRunsEveryActionAndThrowsTheFirstFailureWithTheLaterOnesSuppressed() {
    List<String> ran = new ArrayList<>();
    assertThatThrownBy(() -> Failures.forEach(List.of("a", "b", "c", "d"), x -> {
          ran.add(x);
          if (!x.equals("c")) {
            throw new IllegalStateException("cannot close " + x);
          }
        }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("cannot close a")
        .satisfies(e -> assertThat(e.getSuppressed())
            .extracting(Throwable::getMessage)
            .containsExactly("cannot close b", "cannot close d"));
    assertThat(ran).containsExactly("a", "b", "c", "d");
  }

  @Test
  void nothingFailedThrowsNothing() {
    Failures f = new Failures();
    f.run(() -> {});
    assertThat(f.any()).isFalse();
    f.throwIfAny();
  }

  @Test
  void checkedFailuresAreWrappedAndCanBeSuppressedIntoTheFailureOnItsWay() {
    Failures f = new Failures();
    f.run(() -> {
      throw new IOException("disk gone");
    });
    assertThatThrownBy(f::throwIfAny)
        .isInstanceOf(UncheckedIOException.class)
        .hasRootCauseMessage("disk gone");

    RuntimeException primary = new IllegalArgumentException("the real failure");
    f.run(() -> {
      throw new IOException("undo 1");
    });
    f.run(() -> {
      throw new IllegalStateException("undo 2");
    });
    f.suppressInto(primary);
    assertThat(primary.getSuppressed())
        .extracting(Throwable::getMessage)
        .containsExactlyInAnyOrder("undo 1", "undo 2");
    assertThat(f.any()).isFalse();
  }
}
