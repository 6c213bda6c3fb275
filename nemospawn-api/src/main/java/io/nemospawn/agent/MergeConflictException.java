package io.nemospawn.agent;

import java.util.List;
import org.apiguardian.api.API;

/**
 * Raised when merging an agent's branch conflicts. The target branch is untouched.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class MergeConflictException extends IllegalStateException {
  private static final long serialVersionUID = 1L;
  private final transient List<String> files;

  public MergeConflictException(String message, List<String> files) {
    super(message);
    this.files = List.copyOf(files);
  }

  /** Returns the conflicting files, relative to the repository. */
  public List<String> files() {
    return files;
  }
}
