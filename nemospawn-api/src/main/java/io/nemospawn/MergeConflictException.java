package io.nemospawn;

import java.util.List;
import org.apiguardian.api.API;

/**
 * Raised when merging an agent's branch conflicts ({@link io.nemospawn.agent.Workspaces#merge}).
 * The target branch is untouched.
 *
 * <p>Before 0.1 was settled this lived in {@code io.nemospawn.agent} and extended {@link
 * IllegalStateException}; it is a failure of the environment (the repository's content), so it
 * now belongs to the {@link NemoSpawnException} hierarchy like the others.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class MergeConflictException extends NemoSpawnException {
  private static final long serialVersionUID = 1L;
  private final transient List<String> files;

  public MergeConflictException(String message, List<String> files) {
    super(message, null);
    this.files = List.copyOf(files);
  }

  /** Returns the conflicting files, relative to the repository. */
  public List<String> files() {
    return files;
  }
}
