package io.nemospawn;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * The records of a directory that could be read, plus a problem for each one that could not: one
 * bad record never hides the others and is never silently dropped.
 *
 * @param items the records read, in the listing's order
 * @param problems the records that could not be read
 * @param <T> the record type
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record Listing<T>(List<T> items, List<Problem> problems) implements Iterable<T> {
  /** Copies. */
  public Listing {
    items = List.copyOf(items);
    problems = List.copyOf(problems);
  }

  @Override
  public Iterator<T> iterator() {
    return items.iterator();
  }

  /** Returns a listing with no records and no problems. */
  public static <T> Listing<T> empty() {
    return new Listing<>(List.of(), List.of());
  }

  /** Returns whether there is neither a record nor a problem. */
  public boolean isEmpty() {
    return items.isEmpty() && problems.isEmpty();
  }

  /** Returns whether some record could not be read. */
  public boolean hasProblems() {
    return !problems.isEmpty();
  }

  /**
   * Returns the records, or throws for the first unreadable one.
   *
   * @throws StateException naming the first unreadable file and why
   */
  public List<T> itemsOrThrow() {
    if (!problems.isEmpty()) {
      Problem p = problems.get(0);
      throw new StateException(p.path(), "Cannot read " + p.path() + ": " + p.reason());
    }
    return items;
  }

  /** Returns the number of records read. */
  public int size() {
    return items.size();
  }

  /**
   * One unreadable record.
   *
   * @param path the file
   * @param reason why it could not be read
   */
  public record Problem(Path path, String reason) {
    /** Validates. */
    public Problem {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String toString() {
      return path + ": " + reason;
    }
  }
}
