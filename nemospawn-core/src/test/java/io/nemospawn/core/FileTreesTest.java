package io.nemospawn.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.Listing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {
  @TempDir
  Path dir;

  @Test
  void deletesTheTreeButNotWhatItsLinksPointTo() throws IOException {
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Path precious = Files.writeString(outside.resolve("precious.txt"), "keep");
    Path root = Files.createDirectories(dir.resolve("root/a/b"));
    Files.writeString(root.resolve("f.txt"), "x");
    Files.createSymbolicLink(dir.resolve("root/a/to-outside"), outside);
    Files.createSymbolicLink(dir.resolve("root/a/to-file"), precious);
    Files.createSymbolicLink(dir.resolve("root/dangling"), dir.resolve("nowhere"));

    assertThat(FileTrees.delete(dir.resolve("root"))).isEmpty();

    assertThat(dir.resolve("root")).doesNotExist();
    assertThat(precious).hasContent("keep");
    assertThat(outside).isDirectory();
  }

  @Test
  void aRootThatIsALinkIsRemovedAsALink() throws IOException {
    Path target = Files.createDirectories(dir.resolve("target"));
    Files.writeString(target.resolve("f"), "x");
    Path link = Files.createSymbolicLink(dir.resolve("link"), target);
    assertThat(FileTrees.delete(link)).isEmpty();
    assertThat(Files.exists(link, LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(target.resolve("f")).hasContent("x");
  }

  @Test
  void aMissingRootIsNoProblem() throws IOException {
    assertThat(FileTrees.delete(dir.resolve("absent"))).isEmpty();
    FileTrees.deleteOrThrow(dir.resolve("absent"));
  }

  @Test
  void whatCannotBeDeletedIsReportedAndTheRestIsGone() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Path locked = Files.createDirectories(root.resolve("locked"));
    Path stuck = Files.writeString(locked.resolve("stuck.txt"), "x");
    Files.writeString(root.resolve("free.txt"), "x");
    Path other = Files.createDirectories(root.resolve("other"));
    Files.writeString(other.resolve("g.txt"), "x");
    lock(locked, stuck);
    try {
      List<Listing.Problem> problems = FileTrees.delete(root);
      assertThat(problems).singleElement().satisfies(p -> {
        assertThat(p.path()).isEqualTo(stuck);
        assertThat(p.reason()).isNotBlank();
      });
      assertThat(stuck).exists();
      assertThat(root.resolve("free.txt")).doesNotExist();
      assertThat(other).doesNotExist();
      assertThatThrownBy(() -> FileTrees.deleteOrThrow(root))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith(
              "Could not delete everything under " + root + ": " + stuck + " (");
    } finally {
      unlock(locked, stuck);
    }
    assertThat(FileTrees.delete(root)).isEmpty();
    assertThat(root).doesNotExist();
  }

  /** Makes {@code file} undeletable: a read-only parent, and for root an immutable file. */
  private static void lock(Path parent, Path file) throws Exception {
    parent.toFile().setWritable(false, false);
    if (Files.isWritable(parent)) {
      // root ignores permissions; chattr +i holds for root too where the file system has it.
      int rc;
      try {
        Process p = new ProcessBuilder("chattr", "+i", file.toString())
            .redirectErrorStream(true)
            .start();
        p.getInputStream().readAllBytes();
        rc = p.waitFor();
      } catch (IOException e) {
        rc = -1;
      }
      Assumptions.assumeTrue(rc == 0, "cannot make a file undeletable here (root without chattr)");
    }
  }

  private static void unlock(Path parent, Path file) throws Exception {
    try {
      new ProcessBuilder("chattr", "-i", file.toString())
          .redirectErrorStream(true)
          .start()
          .waitFor();
    } catch (IOException e) {
      // no chattr: only the permission was changed
    }
    parent.toFile().setWritable(true, false);
  }
}
