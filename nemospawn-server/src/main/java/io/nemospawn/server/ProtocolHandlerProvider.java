package io.nemospawn.server;

import io.nemospawn.NemoSpawn;
import java.util.List;
import org.apiguardian.api.API;

/**
 * Contributes {@link ProtocolHandler}s to a served control plane; found through {@link
 * java.util.ServiceLoader} by {@link ControlPlanes#serve} (and so by {@code nemospawn serve}),
 * e.g. the {@code codeswarm.router.v1} swarm and project commands.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface ProtocolHandlerProvider {
  /**
   * The handlers for one server.
   *
   * @param nemoSpawn the library the server serves (not to be closed by the handlers)
   * @param server the server, for events published from background work
   * @return the handlers to register
   */
  List<ProtocolHandler> handlers(NemoSpawn nemoSpawn, ControlPlane server);
}
