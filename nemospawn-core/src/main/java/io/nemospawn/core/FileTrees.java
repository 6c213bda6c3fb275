package io.nemospawn.core;

import io.nemospawn.Listing;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Recursive delete, the one implementation the modules share: it never follows a symbolic link
 * (a link inside the tree, or the root itself when it is a link, is removed as a link; what it
 * points to stays), carries on past what it cannot delete and reports it.
 *
 * <p>Stateless and thread-safe.
 *
 * @since 0.1
 */
@API(status = API.Status.INTERNAL, since = "0.1")
public final class FileTrees {
  private FileTrees() {}

  /**
   * Deletes {@code root} and everything under it, without following symbolic links. A missing
   * root is not a problem.
   *
   * @return what could not be deleted, each with the reason; empty when everything is gone
   */
  public static List<Listing.Problem> delete(Path root) {
    Objects.requireNonNull(root, "root");
    List<Listing.Problem> problems = new ArrayList<>();
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return problems;
    }
    try {
      // Without FOLLOW_LINKS the walk reports a link as a file, so it is deleted, not entered.
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          remove(file, problems);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException exc) {
          if (!(exc instanceof NoSuchFileException)) {
            // An unreadable entry may still be removable from its parent.
            remove(file, problems);
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, @Nullable IOException exc) {
          if (exc != null && !(exc instanceof NoSuchFileException)) {
            problems.add(new Listing.Problem(dir, "cannot list: " + reason(exc)));
          }
          remove(dir, problems);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      problems.add(new Listing.Problem(root, reason(e)));
    }
    return problems;
  }

  /**
   * Deletes {@code root} and everything under it like {@link #delete(Path)}, for callers that
   * must not carry on when something stays.
   *
   * @throws IOException naming every path that could not be deleted and why
   */
  public static void deleteOrThrow(Path root) throws IOException {
    List<Listing.Problem> problems = delete(root);
    if (!problems.isEmpty()) {
      throw new IOException("Could not delete everything under " + root + ": "
          + problems.stream()
              .map(p -> p.path() + " (" + p.reason() + ")")
              .collect(Collectors.joining(", ")));
    }
  }

  private static void remove(Path p, List<Listing.Problem> problems) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // A directory that still holds what could not be deleted is a consequence, not a cause.
      boolean causedByChild = e instanceof java.nio.file.DirectoryNotEmptyException
          && problems.stream().anyMatch(q -> q.path().startsWith(p));
      if (!causedByChild) {
        problems.add(new Listing.Problem(p, reason(e)));
      }
    }
  }

  private static String reason(IOException e) {
    String m = e.getMessage();
    String kind = e.getClass().getSimpleName();
    return m == null || m.isEmpty() ? kind : kind + ": " + m;
  }
}
