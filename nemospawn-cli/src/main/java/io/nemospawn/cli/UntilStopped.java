package io.nemospawn.cli;

import java.util.concurrent.CountDownLatch;

/**
 * Blocks a command that serves (the board, the HPO dashboard) until the JVM is asked to stop
 * (Ctrl-C, SIGTERM) or the thread is interrupted (how tests stop it); the interrupt is kept as the
 * thread's flag.
 */
final class UntilStopped {
  private UntilStopped() {}

  /** Waits; {@code hookName} names the shutdown hook's thread. */
  static void await(String hookName) {
    CountDownLatch stop = new CountDownLatch(1);
    Thread hook = new Thread(stop::countDown, hookName);
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      stop.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // shutting down already
      }
    }
  }
}
