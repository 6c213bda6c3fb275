package io.nemospawn.server.codeswarm;

import io.nemospawn.NemoSpawn;
import io.nemospawn.server.ControlPlane;
import io.nemospawn.server.swarm.Swarms;
import io.nemospawn.spi.Durability;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A control plane on loopback (clients need no key) serving {@code codeswarm.router.v1} for the
 * data directory {@code <dir>/data}, with a raw NDJSON client connected; closing it terminates the
 * swarms a test left running.
 */
final class RouterPlane implements AutoCloseable {
  final NemoSpawn ns;
  private final Path data;
  CodeswarmRouterHandler handler;
  ControlPlane server;
  RouterClient client;

  private RouterPlane(Path data) throws Exception {
    this.data = data;
    ns = NemoSpawn.builder().dataDir(data).durability(Durability.NONE).open();
    serve();
  }

  static RouterPlane start(Path dir) throws Exception {
    return new RouterPlane(dir.resolve("data"));
  }

  private void serve() throws Exception {
    handler = CodeswarmRouterHandler.open(ns);
    server = ControlPlane.start(
        ControlPlane.Options.defaults(data).withAddress("127.0.0.1", 0).withInsecureLoopback(true),
        List.of(handler));
    handler.attach(server);
    client = new RouterClient(server.port());
  }

  /** Restarts the service (a new handler and server on the same data directory), as after a crash. */
  void restart() throws Exception {
    client.close();
    server.close();
    handler.swarms().close();
    serve();
  }

  @Override
  public void close() throws Exception {
    client.close();
    server.close();
    for (String id : handler.swarms().list().propertyNames()) {
      try {
        handler.swarms().terminate(id, true, false, "cleanup");
      } catch (IllegalArgumentException alreadyDone) {
        // terminated by the test
      }
    }
    awaitTerminated(handler.swarms());
    handler.swarms().close();
    ns.close();
  }

  /**
   * Waits (at most 30 s) until every swarm is {@code terminated}: terminating runs in the
   * background, and closing the service before it ends would cut it short and leave agents running.
   */
  static void awaitTerminated(Swarms swarms) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      boolean all = true;
      for (var e : swarms.list().properties()) {
        all &= e.getValue().path("status").asString().equals("terminated");
      }
      if (all) {
        return;
      }
      Thread.sleep(50);
    }
    System.err.println("swarms not all terminated after 30 s: " + swarms.list());
  }
}
