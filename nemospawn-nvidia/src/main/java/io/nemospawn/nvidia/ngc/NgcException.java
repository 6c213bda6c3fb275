package io.nemospawn.nvidia.ngc;

import java.util.List;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * An NGC operation that could not be done: the tool is missing, credentials are missing or
 * refused, the tool failed or timed out. The message says what ran (its command line, which never
 * holds a credential), what came back (credentials masked) and what to do.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class NgcException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why it failed. */
  public enum Reason {
    /** The {@code ngc} CLI (or docker/podman for containers) is not on the PATH. */
    NOT_INSTALLED,
    /** No credentials, or the registry refused them. */
    NOT_LOGGED_IN,
    /** The tool ran and exited with a non-zero code. */
    FAILED,
    /** The tool ran past its time limit and was stopped. */
    TIMED_OUT
  }

  private final Reason reason;
  private final List<String> command;
  private final int exitCode;
  private final String output;

  NgcException(
      String message,
      Reason reason,
      List<String> command,
      int exitCode,
      String output,
      @Nullable Throwable cause) {
    super(message, cause);
    this.reason = reason;
    this.command = List.copyOf(command);
    this.exitCode = exitCode;
    this.output = output;
  }

  /** Returns why it failed. */
  public Reason reason() {
    return reason;
  }

  /** Returns the command line that ran (empty when nothing ran). */
  public List<String> command() {
    return command;
  }

  /** Returns the tool's exit code; -1 when it did not run or was stopped. */
  public int exitCode() {
    return exitCode;
  }

  /** Returns what the tool printed, credentials masked. */
  public String output() {
    return output;
  }
}
