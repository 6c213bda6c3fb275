package io.nemospawn.cli;

import io.nemospawn.AgentSpec;
import io.nemospawn.Listing;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nemospawn agent register|list}: the team's agent records. */
@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    description = "Registers and lists the agents of a team.",
    subcommands = {AgentCommand.Register.class, AgentCommand.ListAgents.class})
final class AgentCommand {
  private AgentCommand() {}

  @Command(
      name = "register",
      mixinStandardHelpOptions = true,
      description = "Registers an agent (for agents started by hand; spawn registers its own).")
  static final class Register extends TeamSubcommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "Agent name, unique in the team.")
    String name;

    @Option(
        names = "--role",
        paramLabel = "ROLE",
        description = "Role (default: ${DEFAULT-VALUE}).")
    String role = "worker";

    @Mixin
    GpuIdsOption gpus;

    @Option(names = "--task", paramLabel = "TEXT", description = "The task text, verbatim.")
    String task = "";

    @Override
    int run(Team t) {
      AgentInfo a = t.agents()
          .register(AgentSpec.builder(name).role(role).gpus(gpus.ids).task(task).build());
      if (out.json()) {
        out.json(CoreViews.agent(a));
      } else {
        out.println("Registered agent " + a.id() + " (" + a.name() + ", " + a.role() + ")");
        out.println("Use it with: export NEMOSPAWN_AGENT=" + a.id());
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Lists the agents; STATUS says unreachable for a remote agent whose host"
          + " cannot be reached now (still running).")
  static final class ListAgents extends TeamSubcommand {
    /** Why a running remote agent's host cannot be reached now, as its runtime reports it. */
    private static java.util.Optional<String> unreachable(Team t, AgentInfo a) {
      return a.status() == io.nemospawn.agent.AgentStatus.STOPPED
          ? java.util.Optional.empty()
          : t.agent(a.id()).unreachable();
    }

    @Override
    int run(Team t) {
      Listing<AgentInfo> agents = t.agents().list();
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(
            "agents",
            agents.items().stream()
                .map(a -> {
                  Map<String, Object> v = CoreViews.agent(a);
                  v.put("unreachable", unreachable(t, a).orElse(null));
                  return v;
                })
                .toList());
        m.put("problems", CoreViews.problems(agents));
        out.json(m);
      } else {
        if (agents.items().isEmpty()) {
          out.println("No agents; register one with: nemospawn agent register NAME");
        } else {
          List<List<String>> rows = new ArrayList<>();
          for (AgentInfo a : agents) {
            rows.add(List.of(
                a.id(),
                a.name(),
                a.role(),
                CoreViews.list(a.gpuIds()),
                unreachable(t, a).isPresent() ? "unreachable" : a.status().wireName(),
                a.lifecycle().wireName()));
          }
          out.table(List.of("AGENT_ID", "NAME", "ROLE", "GPUS", "STATUS", "LIFECYCLE"), rows);
        }
        CoreViews.reportProblems(out, agents, "agent record");
      }
      return ExitCodes.OK;
    }
  }
}
