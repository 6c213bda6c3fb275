package io.nemospawn.core.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Runs cleanup actions that must all run even when one fails (closing every team, stopping every
 * agent, undoing every step of a failed spawn) and keeps their failures: the first one is thrown
 * (or attached to a failure already on its way) with the later ones suppressed, so none is lost.
 * Not thread-safe; one instance per cleanup.
 *
 * <pre>{@code
 * Failures.forEach(teams, Team::close);              // close all, throw the first failure
 *
 * Failures f = new Failures();
 * f.run(events::close);
 * f.run(team::close);
 * f.throwIfAny();
 * }</pre>
 */
public final class Failures {
  /** A cleanup action, which may throw anything. */
  @FunctionalInterface
  public interface Action {
    /** Runs it. */
    void run() throws Exception;
  }

  private @Nullable Exception first;

  /** Runs {@code action} on every item, each even when one before failed, then throws the first failure. */
  public static <T> void forEach(Iterable<T> items, Consumer<? super T> action) {
    Failures f = new Failures();
    for (T item : items) {
      f.run(() -> action.accept(item));
    }
    f.throwIfAny();
  }

  /** Runs {@code action}, keeping its failure; an interrupt is kept as the thread's interrupt flag too. */
  public void run(Action action) {
    try {
      action.run();
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      add(e);
    }
  }

  /** Keeps a failure: the first one, or suppressed by the first. */
  public void add(Exception e) {
    if (first == null) {
      first = e;
    } else if (first != e) {
      first.addSuppressed(e);
    }
  }

  /** Returns whether a failure was kept. */
  public boolean any() {
    return first != null;
  }

  /**
   * Adds every kept failure to {@code primary} as suppressed: for cleanup done because of {@code
   * primary}, which is the failure the caller sees.
   */
  public void suppressInto(Throwable primary) {
    Exception f = first;
    if (f == null) {
      return;
    }
    for (Throwable later : f.getSuppressed()) {
      primary.addSuppressed(later);
    }
    if (f != primary) {
      primary.addSuppressed(f);
    }
    first = null;
  }

  /**
   * Throws the first kept failure, with the later ones suppressed; a checked one is wrapped ({@link
   * UncheckedIOException} for an {@link IOException}). Does nothing when none was kept.
   */
  public void throwIfAny() {
    Exception f = first;
    if (f == null) {
      return;
    }
    first = null;
    if (f instanceof RuntimeException re) {
      throw re;
    }
    if (f instanceof IOException io) {
      throw new UncheckedIOException(io);
    }
    throw new IllegalStateException(f.getMessage(), f);
  }
}
