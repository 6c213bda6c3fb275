package io.nemospawn.cli;

import io.nemospawn.nvidia.nim.LoadGenerator;
import java.io.PrintWriter;

/**
 * The progress bar of {@code nim benchmark} on standard error: one line per concurrency level,
 * redrawn with a carriage return about 20 times per level and ended with a line feed when the
 * level is done, e.g. {@code concurrency 4 [###############               ] 16/32}. Draws nothing
 * when standard error is not a terminal (a pipe or a file gets no carriage returns) or under
 * {@code --json}. Called from the generator's workers, so it draws under a lock, and a report that
 * arrives after a later one is skipped.
 */
final class NimProgressBar implements LoadGenerator.Progress {
  static final int WIDTH = 30;

  private final PrintWriter err;
  private final boolean draw;
  private int level = -1;
  private int drawn;

  NimProgressBar(PrintWriter err, boolean draw) {
    this.err = err;
    this.draw = draw;
  }

  @Override
  public synchronized void update(int level, int done, int total) {
    if (!draw || total <= 0 || (done != total && done % Math.max(1, total / 20) != 0)) {
      return;
    }
    if (level != this.level) {
      this.level = level;
      drawn = 0;
    }
    if (done <= drawn) {
      return; // workers report out of order: the bar never goes back, nor past its line feed
    }
    drawn = done;
    err.print(line(level, done, total));
    err.flush();
  }

  /** Returns one drawing of the bar, starting with a carriage return. */
  static String line(int level, int done, int total) {
    int f = (int) ((long) WIDTH * Math.min(done, total) / total);
    return "\rconcurrency " + level + " [" + "#".repeat(f) + " ".repeat(WIDTH - f) + "] " + done
        + "/" + total + (done == total ? "\n" : "");
  }
}
