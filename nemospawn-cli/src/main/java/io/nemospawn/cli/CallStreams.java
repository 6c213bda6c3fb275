package io.nemospawn.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;

/**
 * {@link System#out} and {@link System#err} of the daemon: each thread that runs a caller's
 * command writes to that caller's streams, every other thread to the daemon's own. Library code
 * that prints (slf4j-simple writes its WARN lines to {@code System.err}) thus reaches the caller
 * as it would in a process of its own.
 *
 * <p>Thread-safe: the target is a thread-local.
 */
final class CallStreams extends OutputStream {
  private static final ThreadLocal<OutputStream[]> TARGETS = new ThreadLocal<>();
  private static volatile boolean installed;

  private final OutputStream own;
  private final int index;

  private CallStreams(OutputStream own, int index) {
    this.own = own;
    this.index = index;
  }

  /** Replaces {@code System.out} and {@code System.err} with dispatching streams, once. */
  static synchronized void install() {
    if (installed) {
      return;
    }
    installed = true;
    System.setOut(new PrintStream(new CallStreams(System.out, 0), true));
    System.setErr(new PrintStream(new CallStreams(System.err, 1), true));
  }

  /** Sends this thread's {@code System.out} and {@code System.err} to {@code out} and {@code err}. */
  static void bind(OutputStream out, OutputStream err) {
    TARGETS.set(new OutputStream[] {out, err});
  }

  /** Sends this thread's standard streams back to the daemon's own. */
  static void unbind() {
    TARGETS.remove();
  }

  private OutputStream target() {
    OutputStream[] t = TARGETS.get();
    return t == null ? own : t[index];
  }

  @Override
  public void write(int b) throws IOException {
    target().write(b);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    target().write(b, off, len);
  }

  @Override
  public void flush() throws IOException {
    target().flush();
  }
}
