package io.nemospawn.cli;

import io.nemospawn.ConfigKey;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.agent.Health;
import io.nemospawn.agent.HealthReport;
import io.nemospawn.core.ops.HealthWatch;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nemospawn watch status|start}: the agents' health. */
@Command(
    name = "watch",
    mixinStandardHelpOptions = true,
    description = "Checks the agents' health: dead agents are marked, their running tasks"
        + " return to pending and their GPUs are freed; running tasks whose lease expired"
        + " return to pending; quiet agents are flagged stuck; remote agents whose host cannot be"
        + " reached are reported unreachable, not dead.",
    subcommands = {WatchCommand.StatusCmd.class, WatchCommand.StartCmd.class})
final class WatchCommand {

  static void print(Output out, HealthReport r) {
    if (out.json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("at", r.at().toString());
      m.put("healthy", r.healthy());
      m.put("unhealthy", r.unhealthy());
      m.put(
          "agents",
          r.agents().stream()
              .map(h -> {
                Map<String, Object> a = new LinkedHashMap<>();
                a.put("agent_id", h.agentId());
                a.put("name", h.name());
                a.put("state", h.state());
                a.put("reason", h.reason());
                a.put("requeued", h.requeued());
                return a;
              })
              .toList());
      out.json(m);
      return;
    }
    out.table(
        List.of("AGENT", "STATE", "REASON", "REQUEUED"),
        r.agents().stream()
            .map(h -> List.of(h.agentId(), h.state(), h.reason(), String.join(",", h.requeued())))
            .toList());
    out.println("healthy: " + r.healthy() + ", unhealthy: " + r.unhealthy());
  }

  /** What both subcommands share: {@code --stuck-after} and one pass. */
  abstract static class Base extends TeamSubcommand {
    @Option(
        names = "--stuck-after",
        defaultValue = "600",
        paramLabel = "SECONDS",
        description = "Seconds without any sign of life that count as stuck"
            + " (default: ${DEFAULT-VALUE}).")
    long stuckAfter;

    HealthReport pass(Team t) {
      HealthReport r = t.checkHealth(Duration.ofSeconds(stuckAfter));
      print(out, r);
      return r;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Runs one pass.")
  static final class StatusCmd extends Base {
    @Override
    int run(Team t) {
      return pass(t).unhealthy() == 0 ? ExitCodes.OK : ExitCodes.FAILURE;
    }
  }

  @Command(
      name = "start",
      mixinStandardHelpOptions = true,
      description = "Runs a pass every interval until stopped (Ctrl-C) or --passes are done.")
  static final class StartCmd extends Base {
    @Option(
        names = "--interval",
        paramLabel = "SECONDS",
        description = "Seconds between passes (default: the watch_interval setting).")
    @Nullable
    Long interval;

    @Option(
        names = "--passes",
        defaultValue = "0",
        paramLabel = "N",
        description = "Stop after N passes; 0 runs until stopped (default: ${DEFAULT-VALUE}).")
    int passes;

    private long every;

    @Override
    void prepare(NemoSpawn ns) {
      every = interval != null
          ? interval
          : Long.parseLong(ns.config().get(ConfigKey.WATCH_INTERVAL).value().trim());
      if (every < 1) {
        throw new IllegalArgumentException(
            "Invalid --interval " + every + "; use 1 second or more");
      }
    }

    @Override
    int run(Team t) throws InterruptedException {
      // The loop runs on the team's clock (HealthWatch), as a Java caller's does.
      HealthWatch.of(t)
          .run(Duration.ofSeconds(every), Duration.ofSeconds(stuckAfter), passes, r -> {
            print(out, r);
            for (Health h : r.agents()) {
              if (h.unhealthy()) {
                out.err().println(h.agentId() + ": " + h.state() + " (" + h.reason() + ")");
                out.err().flush();
              }
            }
          });
      return ExitCodes.OK;
    }
  }
}
