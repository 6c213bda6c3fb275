package io.nemospawn.server;

import io.nemospawn.NemoSpawn;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** A control plane in its own process, for the kill -9 test: prints its port, serves forever. */
public final class ServerMain {
  private ServerMain() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[0]);
    NemoSpawn ns = NemoSpawn.open(data);
    ControlPlanes.Served s =
        ControlPlanes.serve(ns, ControlPlane.Options.defaults(data).withAddress("127.0.0.1", 0));
    System.out.println("PORT " + s.server().port());
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
