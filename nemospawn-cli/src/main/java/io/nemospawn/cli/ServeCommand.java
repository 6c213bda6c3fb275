package io.nemospawn.cli;

import io.nemospawn.NemoSpawn;
import io.nemospawn.server.ControlPlane;
import io.nemospawn.server.ControlPlanes;
import java.io.PrintWriter;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code nemospawn serve [--host H] [--port P] [--insecure-loopback]}: the control plane
 * (nemospawn.v1 and codeswarm.router.v1 over NDJSON/TCP) until Ctrl-C.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Serves the data directory's teams over the network until Ctrl-C: nemospawn.v1 (the"
          + " library API; NEMOSPAWN_URL=tcp://HOST:PORT points the CLI at it) and Codeswarm's"
          + " codeswarm.router.v1, as UTF-8 NDJSON over TCP. See docs/control-plane.md.",
      "Every client says hello with an access key first: the first serve generates one, prints"
          + " it once and stores only its salted hash in <data dir>/access-keys.json."
          + " --insecure-loopback accepts clients without a key, on a loopback address only."
    })
final class ServeCommand implements java.util.concurrent.Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  StateOptions state;

  @Option(
      names = "--host",
      defaultValue = ControlPlane.DEFAULT_HOST,
      description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(
      names = "--port",
      defaultValue = "8765",
      description = "Port (default: ${DEFAULT-VALUE}, Codeswarm's; 0 picks a free one).")
  int port;

  @Option(
      names = "--insecure-loopback",
      description = "Accept clients without a key (refused unless --host is a loopback"
          + " address); for unmodified Codeswarm clients on this machine.")
  boolean insecureLoopback;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    ControlPlane.Options options = ControlPlane.Options.defaults(state.dataDir())
        .withAddress(host, port)
        .withInsecureLoopback(insecureLoopback);
    if (insecureLoopback) {
      out.println("Starting without authentication on " + host + " (--insecure-loopback)");
    }
    Optional<String> key =
        insecureLoopback ? Optional.empty() : ControlPlane.ensureKey(state.dataDir());
    out.println("Opening " + state.dataDir());
    out.flush();
    try (UntilStopped until = UntilStopped.arm("nemospawn-serve-shutdown");
        NemoSpawn ns = state.open();
        ControlPlanes.Served served = ControlPlanes.serve(ns, options)) {
      if (key.isPresent()) {
        out.println("Access key (shown once; only its hash is stored in "
            + state.dataDir().resolve("access-keys.json") + "): " + key.get());
      }
      out.println("Control plane at " + served.server().url() + " (Ctrl-C stops it)");
      out.flush();
      until.await();
      out.println("Stopping: finishing the commands in progress");
      out.flush();
    }
    out.println("Stopped");
    out.flush();
    return ExitCodes.OK;
  }
}
