package io.nemospawn.server;

import io.nemospawn.NemoSpawn;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.apiguardian.api.API;

/**
 * Serves a library: a {@link ControlPlane} with {@code nemospawn.v1} and every {@link
 * ProtocolHandlerProvider} on the class path.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class ControlPlanes {
  private ControlPlanes() {}

  /** A served library: closing it stops the server, then the handlers. */
  public record Served(ControlPlane server, List<AutoCloseable> closeables)
      implements AutoCloseable {
    /** Stops the server gracefully, then closes the handlers that can be closed. */
    @Override
    public void close() {
      server.close();
      for (AutoCloseable c : closeables) {
        try {
          c.close();
        } catch (Exception e) {
          org.slf4j.LoggerFactory.getLogger(ControlPlanes.class).warn("closing {}", c, e);
        }
      }
    }
  }

  /**
   * Starts a control plane on a library.
   *
   * @param nemoSpawn the library (the caller closes it after the server)
   * @param options where to listen and the limits
   * @return the running server and its handlers
   */
  public static Served serve(NemoSpawn nemoSpawn, ControlPlane.Options options) {
    NemoSpawnV1Handler v1 = new NemoSpawnV1Handler(nemoSpawn);
    ControlPlane cp = ControlPlane.start(options, List.of(v1));
    List<AutoCloseable> closeables = new ArrayList<>();
    closeables.add(v1);
    try {
      for (ProtocolHandlerProvider p :
          ServiceLoader.load(ProtocolHandlerProvider.class, ControlPlanes.class.getClassLoader())) {
        for (ProtocolHandler h : p.handlers(nemoSpawn, cp)) {
          cp.register(h);
          if (h instanceof AutoCloseable c) {
            closeables.add(c);
          }
        }
      }
    } catch (RuntimeException e) {
      cp.close();
      throw e;
    }
    return new Served(cp, closeables);
  }
}
