package io.nemospawn.core.internal.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessTreeTest {
  @TempDir
  Path dir;

  @Test
  void readsTheProcessGroupEvenWhenTheProgramNameHoldsSpacesAndParentheses() throws Exception {
    // The kernel's comm field is "(name)"; a name like "x) 1 2 (y" must not shift the fields.
    Path sleep = dir.resolve("x) 1 2 (y");
    Files.copy(Path.of("/bin/sleep"), sleep);
    sleep.toFile().setExecutable(true);
    Process p = new ProcessBuilder(sleep.toString(), "30").start();
    try {
      long jvmGroup = ProcessTree.processGroup(ProcessHandle.current().pid());
      assertThat(jvmGroup).isPositive();
      assertThat(ProcessTree.processGroup(p.pid()))
          .as("a child started by the JVM is in the JVM's group")
          .isEqualTo(jvmGroup);
    } finally {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    assertThat(ProcessTree.processGroup(p.pid())).as("gone").isEqualTo(-1);
  }
}
