package io.nemospawn.cli;

import java.util.concurrent.CountDownLatch;

/**
 * Blocks a command that serves (the board, the HPO dashboard, the control plane, the web console)
 * until the JVM is asked to stop (Ctrl-C, SIGTERM) or the thread is interrupted (how tests stop
 * it); the interrupt is kept as the thread's flag. Armed in a try-with-resources statement before
 * the servers it guards, its shutdown hook holds the JVM until it is closed, that is until the
 * servers declared after it have closed and finished what they were doing.
 */
final class UntilStopped implements AutoCloseable {
  private final CountDownLatch stop = new CountDownLatch(1);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Thread hook;

  private UntilStopped(String hookName) {
    hook = new Thread(
        () -> {
          stop.countDown();
          try {
            stopped.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        },
        hookName);
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Installs the shutdown hook; {@code hookName} names its thread. */
  static UntilStopped arm(String hookName) {
    return new UntilStopped(hookName);
  }

  /** Waits until the JVM is asked to stop, then returns at once ({@code hookName}: the hook's). */
  static void await(String hookName) {
    try (UntilStopped u = arm(hookName)) {
      u.await();
    }
  }

  /** Waits until the JVM is asked to stop or this thread is interrupted. */
  void await() {
    try {
      stop.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Lets the JVM stop and removes the hook (unless the JVM is stopping already). */
  @Override
  public void close() {
    stopped.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // shutting down already
    }
  }
}
