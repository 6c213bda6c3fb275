package io.nemospawn.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.spi.Durability;
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
  void createNewInPlaceNeverOverwritesAndLeavesNoTempFile() throws Exception {
    Path f = dir.resolve("new/dir/task-00000001.json");
    assertThat(AtomicFiles.createNewInPlace(f, "first".getBytes())).isTrue();
    assertThat(AtomicFiles.createNewInPlace(f, "second".getBytes())).isFalse();
    assertThat(f).hasContent("first");
    try (var s = Files.list(f.getParent())) {
      assertThat(s).containsExactly(f);
    }
  }

  @Test
  void forceAllForcesFilesOfSeveralDirectoriesAndNamesOneItCannotForce() throws Exception {
    java.util.List<Path> files = new java.util.ArrayList<>();
    for (int i = 0; i < 40; i++) {
      Path f = dir.resolve((i % 2 == 0 ? "a" : "b") + "/task-" + i + ".json");
      assertThat(AtomicFiles.createNewInPlace(f, ("t" + i).getBytes())).isTrue();
      files.add(f);
    }
    AtomicFiles.forceAll(files);
    AtomicFiles.forceAll(java.util.List.of());
    Path missing = dir.resolve("a/task-gone.json");
    files.add(missing);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> AtomicFiles.forceAll(files))
        .isInstanceOf(io.nemospawn.StateException.class)
        .hasMessageStartingWith("Cannot force " + missing + " to disk");
  }

  @Test
  void cleansTempFilesOfDeadWritersOnly() throws Exception {
    String owner = AtomicFiles.ownerTagOfThisProcess();
    Path dead = dir.resolve(AtomicFiles.TEMP_PREFIX + owner + "-999999999-1-x.json");
    Path mine = dir.resolve(AtomicFiles.tempPrefixOfThisProcess() + "1-x.json");
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
  void judgesTempFilesOfOtherHostsOrNamespacesByAgeNotByPid() throws Exception {
    // Pid 999999999 is dead here, but the writer lives on another host or in a sandbox's PID
    // namespace, where it may be writing right now.
    Path fresh = dir.resolve(AtomicFiles.TEMP_PREFIX + "0badc0de-999999999-1-x.json");
    Path old = dir.resolve(AtomicFiles.TEMP_PREFIX + "0badc0de-999999999-2-y.json");
    Path legacy = dir.resolve(AtomicFiles.TEMP_PREFIX + "12345-1-z.json");
    for (Path p : java.util.List.of(fresh, old, legacy)) {
      Files.writeString(p, "{");
    }
    java.nio.file.attribute.FileTime longAgo = java.nio.file.attribute.FileTime.from(
        java.time.Instant.now().minus(AtomicFiles.FOREIGN_TEMP_AGE).minusSeconds(60));
    Files.setLastModifiedTime(old, longAgo);
    Files.setLastModifiedTime(legacy, longAgo);
    assertThat(AtomicFiles.cleanTempFiles(dir)).isEqualTo(2);
    assertThat(fresh).exists();
    assertThat(old).doesNotExist();
    assertThat(legacy).doesNotExist();
  }

  @Test
  void parsesDurability() {
    assertThat(Durability.parse(" FSync ")).isEqualTo(Durability.FSYNC);
    assertThat(Durability.parse("none")).isEqualTo(Durability.NONE);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Durability.parse("sometimes"))
        .hasMessage("Unknown durability 'sometimes'; use fsync or none");
  }
}
