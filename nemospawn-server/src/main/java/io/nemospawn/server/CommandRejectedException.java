package io.nemospawn.server;

import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ObjectNode;

/**
 * Thrown by a {@link ProtocolHandler} to refuse a command: the server turns it into the protocol's
 * rejection event ({@code command_rejected} in {@code codeswarm.router.v1}) carrying the request
 * id, the reason and the extra fields.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public class CommandRejectedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient @Nullable ObjectNode details;

  /**
   * A refusal with a reason that names the value and what to do.
   *
   * @param reason the reason, sent to the client
   */
  public CommandRejectedException(String reason) {
    this(reason, null);
  }

  /**
   * A refusal with a reason and extra fields for the rejection event.
   *
   * @param reason the reason, sent to the client
   * @param details extra fields merged into the rejection event's data, or null
   */
  public CommandRejectedException(String reason, @Nullable ObjectNode details) {
    super(reason);
    this.details = details;
  }

  /**
   * Extra fields for the rejection event.
   *
   * @return the fields, or null when there are none
   */
  public @Nullable ObjectNode details() {
    return details;
  }
}
