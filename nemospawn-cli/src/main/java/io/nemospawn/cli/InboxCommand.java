package io.nemospawn.cli;

import io.nemospawn.Listing;
import io.nemospawn.Team;
import io.nemospawn.inbox.Inbox;
import io.nemospawn.inbox.Message;
import io.nemospawn.spi.Environment;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nemospawn inbox}: send, broadcast, receive and peek messages. Bodies are printed with
 * control characters escaped, so a body cannot forge table rows or terminal sequences.
 */
@Command(
    name = "inbox",
    mixinStandardHelpOptions = true,
    description = "Messages between agents: send, broadcast, receive, peek.",
    subcommands = {
      InboxCommand.Send.class,
      InboxCommand.Broadcast.class,
      InboxCommand.Receive.class,
      InboxCommand.Peek.class
    })
final class InboxCommand {

  /** What every inbox subcommand shares beyond opening its team. */
  abstract static class Base extends TeamArgSubcommand {
    void printMessages(List<Message> messages, @Nullable Listing<Message> problemsFrom) {
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("messages", messages.stream().map(CoordViews::message).toList());
        if (problemsFrom != null) {
          m.put("problems", CoordViews.problems(problemsFrom));
        }
        out.json(m);
        return;
      }
      if (messages.isEmpty()) {
        out.println(
            problemsFrom != null && this instanceof Receive
                ? "No messages."
                : "No unread messages.");
      } else {
        out.table(
            List.of("MSG", "FROM", "TIME", "BODY"),
            messages.stream()
                .map(m -> List.of(m.id(), m.from(), CoordViews.time(m.timestamp()), m.body()))
                .toList());
      }
      if (problemsFrom != null) {
        CoordViews.warnProblems(out, problemsFrom);
      }
    }

    void printDeliveries(List<Inbox.Delivery> ds) {
      if (out.json()) {
        out.json(Map.of(
            "deliveries",
            ds.stream()
                .map(d -> {
                  Map<String, Object> m = new LinkedHashMap<>(CoordViews.message(d.message()));
                  m.put("transport", d.kind().configName());
                  return m;
                })
                .toList()));
      } else {
        for (Inbox.Delivery d : ds) {
          out.println("Sent " + d.message().id() + " to " + d.message().to() + " via "
              + d.kind().configName());
        }
        if (ds.isEmpty()) {
          out.println("No recipients: the team has no other agent.");
        }
      }
    }
  }

  /** Resolves {@code --from}: the option, else $NEMOSPAWN_AGENT, else {@code leader}. */
  static String sender(@Nullable String from) {
    if (from != null && !from.isEmpty()) {
      return from;
    }
    String env = Environment.get("NEMOSPAWN_AGENT");
    return env == null || env.isEmpty() ? "leader" : env;
  }

  /** Send and broadcast: {@code --from}. */
  abstract static class Sending extends Base {
    @Option(
        names = "--from",
        paramLabel = "AGENT",
        description = "The sender (default: $NEMOSPAWN_AGENT, else leader).")
    @Nullable
    String from;

    /** Returns the sender: {@code --from}, else $NEMOSPAWN_AGENT, else {@code leader}. */
    String sender() {
      return InboxCommand.sender(from);
    }
  }

  @Command(name = "send", description = "Sends a message to one agent (id or name, or leader).")
  static final class Send extends Sending {
    @Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "TO",
        description = "The recipient's id or name.")
    @Nullable
    String arg1;

    @Parameters(
        index = "2",
        arity = "0..1",
        paramLabel = "BODY",
        description = "The text, stored verbatim.")
    @Nullable
    String arg2;

    private String to;
    private String body;

    @Override
    @Initializer
    void parse() {
      List<String> v = args(Arrays.asList(arg1, arg2), "TO", "BODY");
      to = v.get(0);
      body = v.get(1);
    }

    @Override
    int run(Team t) {
      Inbox.Delivery d = t.inbox().send(sender(), to, body);
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>(CoordViews.message(d.message()));
        m.put("transport", d.kind().configName());
        out.json(m);
      } else {
        printDeliveries(List.of(d));
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "broadcast",
      description = "Sends one copy to every agent of the team except the sender.")
  static final class Broadcast extends Sending {
    @Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "BODY",
        description = "The text, stored verbatim.")
    @Nullable
    String arg1;

    private String body;

    @Override
    @Initializer
    void parse() {
      body = arg(arg1, "BODY");
    }

    @Override
    int run(Team t) {
      printDeliveries(t.inbox().broadcast(sender(), body));
      return ExitCodes.OK;
    }
  }

  /** Receive and peek: the agent is the last positional argument, --agent or $NEMOSPAWN_AGENT. */
  abstract static class Reader extends Base {
    @Mixin
    AgentOption agent;

    @Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "AGENT_ID",
        description = "The agent's id or name (or give --agent, or set $NEMOSPAWN_AGENT).")
    @Nullable
    String arg1;

    String who;

    @Override
    @Initializer
    void parse() {
      if (agent.agent != null && !agent.agent.isEmpty()) {
        args(Collections.singletonList(arg1));
        who = agent.agent;
      } else if (teamId == null && arg1 == null) {
        who = agent.agent();
      } else {
        who = arg(arg1, "AGENT_ID");
      }
    }
  }

  @Command(
      name = "receive",
      description = "Prints the agent's unread messages, oldest first, and marks them read;"
          + " with --all, its read messages too.")
  static final class Receive extends Reader {
    @Option(names = "--all", description = "Also print the messages read before.")
    boolean all;

    @Option(names = "--wait", description = "Wait for a message if there is none.")
    boolean waitForOne;

    @Option(
        names = "--timeout",
        paramLabel = "SECONDS",
        description = "How long --wait waits (default 300); implies --wait.")
    @Nullable
    Double timeoutSeconds;

    @Override
    @Initializer
    void parse() {
      super.parse();
      if (all && (waitForOne || timeoutSeconds != null)) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(), "--all cannot be combined with --wait or --timeout; give one");
      }
    }

    @Override
    int run(Team t) throws InterruptedException {
      if (all) {
        // Marks the unread ones read first, then prints the whole history, oldest first.
        t.inbox().receive(who);
        Listing<Message> history = t.inbox().history(who);
        printMessages(history.items(), history);
        return ExitCodes.OK;
      }
      if (!waitForOne && timeoutSeconds == null) {
        printMessages(t.inbox().receive(who), null);
        return ExitCodes.OK;
      }
      double s = timeoutSeconds == null ? 300 : timeoutSeconds;
      if (s < 0 || Double.isNaN(s)) {
        throw new IllegalArgumentException(
            "Invalid --timeout " + timeoutSeconds + "; use seconds >= 0, such as --timeout 30");
      }
      List<Message> got = t.inbox().receive(who, Duration.ofMillis((long) (s * 1000)));
      if (got.isEmpty()) {
        if (out.json()) {
          printMessages(got, null);
        } else {
          out.err().println("No message for " + who + " within " + s + " s");
          out.err().flush();
        }
        return ExitCodes.FAILURE;
      }
      printMessages(got, null);
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "peek",
      description = "Prints the agent's unread messages without marking them read.")
  static final class Peek extends Reader {
    @Override
    int run(Team t) {
      // history() also reports unreadable files, which peek must show rather than hide.
      Listing<Message> all = t.inbox().history(who);
      printMessages(all.items().stream().filter(m -> !m.read()).toList(), all);
      return ExitCodes.OK;
    }
  }
}
