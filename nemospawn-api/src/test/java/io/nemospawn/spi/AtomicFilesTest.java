package io.nemospawn.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir
  Path dir;

  @Test
  void writeReplacesContentAndLeavesNoTempFile() throws Exception {
    Path f = dir.resolve("a/b/record.json");
    AtomicFiles.write(f, "one".getBytes(StandardCharsets.UTF_8), Durability.FSYNC);
    AtomicFiles.write(f, "two".getBytes(StandardCharsets.UTF_8), Durability.NONE);
    assertThat(f).hasContent("two");
    try (var s = Files.list(f.getParent())) {
      assertThat(s).containsExactly(f);
    }
  }

  @Test
  void createNewNeverOverwrites() {
    Path f = dir.resolve("task-00000001.json");
    assertThat(AtomicFiles.createNew(f, "first".getBytes(), Durability.FSYNC)).isTrue();
    assertThat(AtomicFiles.createNew(f, "second".getBytes(), Durability.FSYNC)).isFalse();
    assertThat(f).hasContent("first");
  }

  @Test
  void cleansTempFilesOfDeadWritersOnly() throws Exception {
    Path dead = dir.resolve(AtomicFiles.TEMP_PREFIX + "999999999-1-x.json");
    Path mine = dir.resolve(AtomicFiles.TEMP_PREFIX + ProcessHandle.current().pid() + "-1-x.json");
    Path record = dir.resolve("x.json");
    Files.writeString(dead, "{");
    Files.writeString(mine, "{");
    Files.writeString(record, "{}");
    assertThat(AtomicFiles.cleanTempFiles(dir)).isEqualTo(1);
    assertThat(dead).doesNotExist();
    assertThat(mine).exists();
    assertThat(record).exists();
  }

  @Test
  void parsesDurability() {
    assertThat(Durability.parse(" FSync ")).isEqualTo(Durability.FSYNC);
    assertThat(Durability.parse("none")).isEqualTo(Durability.NONE);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Durability.parse("sometimes"))
        .hasMessage("Unknown durability 'sometimes'; use fsync or none");
  }
}
