package io.nemospawn.core.internal;

import io.nemospawn.core.internal.state.Layout;
import io.nemospawn.spi.Durability;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Map;

/** Appends N audit lines from its own JVM: {@code <dir> <writer> <n>}. For AuditChainTest. */
public final class AuditWriterMain {
  private AuditWriterMain() {}

  public static void main(String[] args) {
    AuditJournal j = new AuditJournal(
        new Layout(Path.of(args[0])), InstantSource.system(), args[1], Durability.NONE);
    int n = Integer.parseInt(args[2]);
    for (int i = 0; i < n; i++) {
      j.append("task.update", "team-1", args[1], Map.of("i", i));
    }
  }
}
