package io.nemospawn.cli;

import io.nemospawn.AccessRole;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Principal;
import io.nemospawn.board.WebConsole;
import io.nemospawn.server.ControlPlane;
import io.nemospawn.server.ControlPlanes;
import io.nemospawn.state.AccessKeys;
import java.io.PrintWriter;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code nemospawn web [--port 8080] [--control-port 8765]}: the control plane and the web console
 * in one process, until Ctrl-C.
 */
@Command(
    name = "web",
    mixinStandardHelpOptions = true,
    description = {
      "Starts the control plane (as nemospawn serve) and the web console in front of it, on"
          + " 127.0.0.1, until Ctrl-C: launch swarms, talk to their agents with the routing"
          + " syntax (/all, /node[0,2-4], /swarm[alias]/idle ...), approve commands, run projects"
          + " and watch the spend in a browser. See docs/web.md.",
      "The first start of a data directory generates an access key, prints it once and stores"
          + " only its salted hash in <data dir>/access-keys.json; log in with it on the page."
    })
final class WebCommand implements java.util.concurrent.Callable<Integer> {
  /** The label of the console's own read-only key, replaced at every start. */
  static final String BRIDGE_LABEL = "nemospawn web (event reader)";

  @Spec
  CommandSpec spec;

  @Mixin
  StateOptions state;

  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "Port of the web console (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int port;

  @Option(
      names = "--control-port",
      defaultValue = "8765",
      description = "Port of the control plane (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int controlPort;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Optional<String> key = ControlPlane.ensureKey(state.dataDir());
    AccessKeys keys = AccessKeys.of(state.dataDir());
    for (Map<String, String> k : keys.list()) {
      if (BRIDGE_LABEL.equals(k.get("label"))) {
        keys.revoke(k.getOrDefault("id", ""));
      }
    }
    String bridgeKey =
        keys.generate(BRIDGE_LABEL, new Principal("nemospawn-web", AccessRole.VIEWER, ""));
    out.println("Opening " + state.dataDir());
    out.flush();
    try (UntilStopped until = UntilStopped.arm("nemospawn-web-shutdown");
        NemoSpawn ns = state.open();
        ControlPlanes.Served served = ControlPlanes.serve(
            ns,
            ControlPlane.Options.defaults(state.dataDir())
                .withAddress(ControlPlane.DEFAULT_HOST, controlPort));
        WebConsole web =
            WebConsole.start(served.server().url(), bridgeKey, keys, "127.0.0.1", port)) {
      if (key.isPresent()) {
        out.println("Access key (shown once; only its hash is stored in " + keys.file() + "): "
            + key.get());
      }
      out.println("Control plane at " + served.server().url());
      out.println("Web console at " + web.uri() + " (Ctrl-C stops both)");
      out.flush();
      until.await();
      out.println("Stopping: the console, then the control plane (finishing its commands)");
      out.flush();
    }
    out.println("Stopped");
    out.flush();
    return ExitCodes.OK;
  }
}
