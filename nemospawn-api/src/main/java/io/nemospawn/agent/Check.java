package io.nemospawn.agent;

import java.util.Objects;
import org.apiguardian.api.API;

/**
 * One diagnostic result, for example "command 'claude' on PATH".
 *
 * @param what what was checked
 * @param ok whether it passed
 * @param detail what was found, or what to do
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record Check(String what, boolean ok, String detail) {
  /** Validates. */
  public Check {
    Objects.requireNonNull(what, "what");
    Objects.requireNonNull(detail, "detail");
  }
}
