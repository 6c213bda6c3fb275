package io.nemospawn.server;

import java.util.Objects;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ObjectNode;

/**
 * One command read from a client, after the framing checked it: a JSON object with a known
 * protocol string and a command name.
 *
 * @param protocol the protocol string, e.g. {@code codeswarm.router.v1}
 * @param name the command name, e.g. {@code swarm_launch}
 * @param requestId the client-chosen request id, or null when the client sent none
 * @param payload the command's payload (an empty object when the client sent none)
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record Command(
    String protocol, String name, @Nullable String requestId, ObjectNode payload) {
  /** Checks that every part but the request id is present. */
  public Command {
    Objects.requireNonNull(protocol, "protocol");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(payload, "payload");
  }
}
