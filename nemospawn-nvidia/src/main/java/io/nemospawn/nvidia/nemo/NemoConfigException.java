package io.nemospawn.nvidia.nemo;

import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * A NeMo config file that cannot be used as one: malformed YAML (with the line and column the YAML
 * parser stopped at) or a top level that is no mapping. The message names the source, the line and
 * the column.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class NemoConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final int line;
  private final int column;

  NemoConfigException(
      String message, String source, int line, int column, @Nullable Throwable cause) {
    super(message, cause);
    this.source = source;
    this.line = line;
    this.column = column;
  }

  /** Returns where the text came from. */
  public String source() {
    return source;
  }

  /** Returns the 1-based line of the problem, 0 if unknown. */
  public int line() {
    return line;
  }

  /** Returns the 1-based column of the problem, 0 if unknown. */
  public int column() {
    return column;
  }
}
