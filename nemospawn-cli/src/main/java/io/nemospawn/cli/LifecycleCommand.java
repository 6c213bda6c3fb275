package io.nemospawn.cli;

import io.nemospawn.Listing;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nemospawn lifecycle}: an agent says it is idle or asks to shut down; the leader approves
 * or rejects the request.
 */
@Command(
    name = "lifecycle",
    mixinStandardHelpOptions = true,
    description = "Lifecycle protocol: idle, shutdown request, approve, reject, status.",
    subcommands = {
      LifecycleCommand.Idle.class,
      LifecycleCommand.IdleList.class,
      LifecycleCommand.ShutdownRequest.class,
      LifecycleCommand.ShutdownApprove.class,
      LifecycleCommand.ShutdownReject.class,
      LifecycleCommand.Status.class
    })
final class LifecycleCommand {

  /** Prints an agent's new lifecycle state. */
  static int changed(Output out, AgentInfo a) {
    if (out.json()) {
      out.json(CoordViews.lifecycle(a));
    } else {
      out.println(
          "Agent " + a.name() + " (" + a.id() + ") is now " + a.lifecycle().wireName()
              + (a.lifecycleReason().isEmpty() ? "" : ": " + a.lifecycleReason()));
    }
    return ExitCodes.OK;
  }

  static void table(Output out, List<AgentInfo> agents) {
    out.table(
        List.of("AGENT", "NAME", "STATUS", "LIFECYCLE", "REASON", "UPDATED"),
        agents.stream()
            .map(a -> List.of(
                a.id(),
                a.name(),
                a.status().wireName(),
                a.lifecycle().wireName(),
                CoordViews.cell(a.lifecycleReason()),
                CoordViews.time(a.updatedAt())))
            .toList());
  }

  /** The acting agent's own subcommands: the agent comes from --agent or $NEMOSPAWN_AGENT. */
  abstract static class OwnState extends TeamSubcommand {
    @Mixin
    AgentOption agent;

    @Mixin
    Reason why;
  }

  /** {@code --reason}: why, recorded with the new lifecycle state. */
  static final class Reason {
    @Option(
        names = "--reason",
        paramLabel = "TEXT",
        defaultValue = "",
        description = "Why, in a few words.")
    String text = "";
  }

  /** {@code --by}: who acts, recorded as the user of the audit entry. */
  static final class By {
    @Option(
        names = "--by",
        paramLabel = "NAME",
        description = "Who acts (such as leader); recorded as the user of the audit entry"
            + " (default: the user setting, else $USER).")
    @Nullable
    String by;
  }

  @Command(name = "idle", description = "Marks the agent idle (waiting for work).")
  static final class Idle extends OwnState {
    @Override
    int run(Team t) {
      return changed(out, t.lifecycle().idle(agent.agent(), why.text));
    }
  }

  @Command(name = "shutdown-request", description = "Asks the leader to let the agent shut down.")
  static final class ShutdownRequest extends OwnState {
    @Mixin
    By by;

    @Override
    @Nullable
    String actor() {
      return by.by;
    }

    @Override
    int run(Team t) {
      return changed(out, t.lifecycle().requestShutdown(agent.agent(), why.text));
    }
  }

  /**
   * The leader's subcommands name the agent as an argument or with --agent (1.0's form), never
   * through $NEMOSPAWN_AGENT, which names the leader itself.
   */
  abstract static class LeaderDecision extends AgentSubcommand {
    @Mixin
    Reason why;

    @Mixin
    By by;

    @Override
    @Nullable
    String actor() {
      return by.by;
    }
  }

  @Command(name = "shutdown-approve", description = "Approves an agent's shutdown request.")
  static final class ShutdownApprove extends LeaderDecision {
    @Override
    int run(Team t) {
      return changed(out, t.lifecycle().approveShutdown(agent, why.text));
    }
  }

  @Command(
      name = "shutdown-reject",
      description = "Rejects an agent's shutdown request; it goes back to running.")
  static final class ShutdownReject extends LeaderDecision {
    @Override
    int run(Team t) {
      return changed(out, t.lifecycle().rejectShutdown(agent, why.text));
    }
  }

  @Command(name = "idle-list", description = "Lists the idle agents.")
  static final class IdleList extends TeamSubcommand {
    @Override
    int run(Team t) {
      List<AgentInfo> idle = t.lifecycle().idleAgents();
      if (out.json()) {
        out.json(Map.of("idle", idle.stream().map(CoordViews::lifecycle).toList()));
      } else {
        table(out, idle);
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "status",
      description = "Shows an agent's lifecycle state, or every agent's without an argument.")
  static final class Status extends TeamSubcommand {
    @Mixin
    AgentArg agentArg;

    private @Nullable String agent;

    @Override
    void parse() {
      agent = agentArg.agentOrNull();
    }

    @Override
    int run(Team t) {
      String agent = this.agent;
      if (agent != null) {
        AgentInfo a = t.lifecycle().status(agent);
        if (out.json()) {
          out.json(CoordViews.lifecycle(a));
        } else {
          table(out, List.of(a));
        }
        return ExitCodes.OK;
      }
      Listing<AgentInfo> all = t.agents().list();
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("agents", all.items().stream().map(CoordViews::lifecycle).toList());
        m.put("problems", CoordViews.problems(all));
        out.json(m);
      } else {
        table(out, all.items());
        CoordViews.warnProblems(out, all);
      }
      return ExitCodes.OK;
    }
  }
}
