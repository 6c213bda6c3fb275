package io.nemospawn.cli;

import io.nemospawn.server.ControlPlane;
import io.nemospawn.server.codeswarm.RouterClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code nemospawn swarm …}: Codeswarm's swarm commands as a client of a running control plane
 * ({@code nemospawn serve}; docs/swarms.md). The server is {@code --url}, else {@code
 * $NEMOSPAWN_URL}, else {@code tcp://127.0.0.1:8765}; the key comes from {@code
 * $NEMOSPAWN_KEY_FILE} or {@code $NEMOSPAWN_API_KEY}, never from the command line.
 */
@Command(
    name = "swarm",
    mixinStandardHelpOptions = true,
    description = "Swarms on a control plane (nemospawn serve): launch, list, status, inject,"
        + " approvals, approve, queue, terminate. Key from $NEMOSPAWN_KEY_FILE or"
        + " $NEMOSPAWN_API_KEY.",
    subcommands = {
      SwarmCommand.LaunchCmd.class,
      SwarmCommand.ListCmd.class,
      SwarmCommand.StatusCmd.class,
      SwarmCommand.InjectCmd.class,
      SwarmCommand.ApprovalsCmd.class,
      SwarmCommand.ApproveCmd.class,
      SwarmCommand.QueueCmd.class,
      SwarmCommand.TerminateCmd.class
    })
final class SwarmCommand {
  private SwarmCommand() {}

  abstract static class RouterSubcommand implements Callable<Integer> {
    @Mixin
    Output out;

    /** Accepted like every command's (the swarms live in the server's data directory). */
    @Mixin
    StateOptions state;

    @Option(
        names = "--url",
        paramLabel = "tcp://HOST:PORT",
        description = "The control plane (default: $NEMOSPAWN_URL, else tcp://127.0.0.1:"
            + ControlPlane.DEFAULT_PORT + ").")
    @Nullable
    String url;

    @Option(
        names = "--timeout",
        defaultValue = "PT2M",
        paramLabel = "DURATION",
        description = "How long to wait for the answer (ISO-8601; default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
      String u = url != null ? url : io.nemospawn.spi.Environment.get(StateOptions.URL_ENV);
      URI uri = URI.create(
          u == null || u.isBlank()
              ? "tcp://" + ControlPlane.DEFAULT_HOST + ":" + ControlPlane.DEFAULT_PORT
              : u.strip());
      try (RouterClient c = RouterClient.connect(uri, StateOptions.callerKey().orElse(null))) {
        return run(c);
      }
    }

    abstract int run(RouterClient c) throws Exception;

    JsonNode call(RouterClient c, String command, ObjectNode payload, String reply) {
      return c.call(command, payload, reply, timeout);
    }
  }

  @Command(
      name = "launch",
      mixinStandardHelpOptions = true,
      description = "Launches a swarm and waits until it runs, printing its progress.")
  static final class LaunchCmd extends RouterSubcommand {
    @Option(names = "--nodes", defaultValue = "1", description = "Nodes (default: 1).")
    int nodes;

    @Option(
        names = "--provider",
        defaultValue = "mock",
        description = "Provider id: mock, local (default: ${DEFAULT-VALUE}).")
    String provider;

    @Option(
        names = "--system-prompt-file",
        paramLabel = "FILE",
        description = "A prompt sent to every node once it runs.")
    @Nullable
    Path systemPrompt;

    @Option(
        names = "--agents-md",
        paramLabel = "FILE",
        description = "An AGENTS.md persona delivered into every node's worktree.")
    @Nullable
    Path agentsMd;

    @Option(
        names = "--param",
        paramLabel = "KEY=VALUE",
        description = "A provider parameter (repeatable), e.g. runtime=tmux.")
    Map<String, String> params = new LinkedHashMap<>();

    @Override
    int run(RouterClient c) throws Exception {
      ObjectNode p = RouterClient.payload().put("nodes", nodes).put("provider", provider);
      if (systemPrompt != null) {
        p.put("system_prompt", Files.readString(systemPrompt, StandardCharsets.UTF_8));
      }
      if (agentsMd != null) {
        p.put("agents_md_content", Files.readString(agentsMd, StandardCharsets.UTF_8));
      }
      ObjectNode pp = p.putObject("provider_params");
      params.forEach(pp::put);
      String id = c.send("swarm_launch", p);
      while (true) {
        JsonNode e = c.await(n -> id.equals(RouterClient.requestId(n)), timeout);
        String event = e.path("event").asString("");
        JsonNode d = e.path("data");
        switch (event) {
          case "swarm_launch_progress" -> {
            if (!out.json()) {
              out.println(d.path("stage").asString() + ": " + d.path("message").asString());
            }
          }
          case "swarm_launched" -> {
            if (out.json()) {
              out.json(d);
            } else {
              out.println("Swarm " + d.path("swarm_id").asString() + " runs "
                  + d.path("node_count").asInt() + " node(s) on "
                  + d.path("provider").asString());
            }
            return ExitCodes.OK;
          }
          case "command_rejected" -> throw RouterClient.refused("swarm_launch", d);
          default -> {
            // the system prompt's inject events follow; not waited for
          }
        }
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the swarms.")
  static final class ListCmd extends RouterSubcommand {
    @Override
    int run(RouterClient c) {
      JsonNode d = call(c, "swarm_list", RouterClient.payload(), "swarm_list");
      if (out.json()) {
        out.json(d.path("swarms"));
        return ExitCodes.OK;
      }
      List<List<String>> rows = new ArrayList<>();
      for (Map.Entry<String, JsonNode> s : d.path("swarms").properties()) {
        JsonNode r = s.getValue();
        rows.add(List.of(
            s.getKey(),
            r.path("status").asString(),
            String.valueOf(r.path("node_count").asInt()),
            r.path("provider_id").asString(r.path("provider").asString())));
      }
      out.table(List.of("SWARM", "STATUS", "NODES", "PROVIDER"), rows);
      return ExitCodes.OK;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "A swarm's status.")
  static final class StatusCmd extends RouterSubcommand {
    @Parameters(index = "0", paramLabel = "SWARM", description = "Swarm id.")
    String swarm;

    @Override
    int run(RouterClient c) {
      JsonNode d =
          call(c, "swarm_status", RouterClient.payload().put("swarm_id", swarm), "swarm_status");
      if (out.json()) {
        out.json(d);
      } else {
        out.println(swarm + ": " + d.path("status").asString() + ", "
            + d.path("node_count").asInt() + " node(s)");
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "inject",
      mixinStandardHelpOptions = true,
      description = "Sends a prompt to a swarm's nodes and waits until each has it (or failed).")
  static final class InjectCmd extends RouterSubcommand {
    @Parameters(index = "0", paramLabel = "SWARM", description = "Swarm id.")
    String swarm;

    @Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "PROMPT",
        description = "The prompt (or --file).")
    @Nullable
    String prompt;

    @Option(names = "--file", paramLabel = "FILE", description = "Read the prompt from FILE.")
    @Nullable
    Path file;

    @Option(
        names = "--nodes",
        defaultValue = "all",
        paramLabel = "all|N,M",
        description = "Which nodes (default: ${DEFAULT-VALUE}).")
    String nodes;

    @Override
    int run(RouterClient c) throws Exception {
      String content = file != null ? Files.readString(file, StandardCharsets.UTF_8) : prompt;
      if (content == null || content.isEmpty()) {
        throw new IllegalArgumentException("Give the prompt as PROMPT or --file FILE");
      }
      ObjectNode p = RouterClient.payload().put("swarm_id", swarm).put("content", content);
      if (nodes.equals("all")) {
        p.put("nodes", "all");
      } else {
        ArrayNode a = p.putArray("nodes");
        for (String n : nodes.split(",", -1)) {
          try {
            a.add(Integer.parseInt(n.strip()));
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                "--nodes '" + nodes + "' is not 'all' or a list of node numbers like 0,2", e);
          }
        }
      }
      String id = c.send("inject", p);
      Set<String> acked = new java.util.TreeSet<>();
      Set<String> done = new java.util.TreeSet<>();
      boolean failed = false;
      List<JsonNode> results = new ArrayList<>();
      while (acked.isEmpty() || !done.containsAll(acked)) {
        JsonNode e = c.await(n -> id.equals(RouterClient.requestId(n)), timeout);
        JsonNode d = e.path("data");
        String node = d.path("node_id").asString("");
        switch (e.path("event").asString("")) {
          case "inject_ack" -> acked.add(node);
          case "inject_delivered" -> {
            done.add(node);
            results.add(d);
            if (!out.json()) {
              out.println("node " + node + ": delivered (" + d.path("channel").asString() + ")");
            }
          }
          case "inject_failed" -> {
            done.add(node);
            failed = true;
            results.add(d);
            if (!out.json()) {
              out.println("node " + node + ": FAILED " + d.path("error").asString());
            }
          }
          case "command_rejected" -> throw RouterClient.refused("inject", d);
          default -> {
            // other events of this request are not ours to wait for
          }
        }
      }
      if (out.json()) {
        out.json(results);
      }
      return failed ? ExitCodes.FAILURE : ExitCodes.OK;
    }
  }

  @Command(
      name = "approvals",
      mixinStandardHelpOptions = true,
      description = "Lists the commands agents wait to have approved.")
  static final class ApprovalsCmd extends RouterSubcommand {
    @Override
    int run(RouterClient c) {
      JsonNode d = call(c, "approvals_list", RouterClient.payload(), "approvals_list");
      if (out.json()) {
        out.json(d.path("approvals"));
        return ExitCodes.OK;
      }
      List<List<String>> rows = new ArrayList<>();
      for (Map.Entry<String, JsonNode> s : d.path("approvals").properties()) {
        for (Map.Entry<String, JsonNode> n : s.getValue().properties()) {
          for (JsonNode a : n.getValue()) {
            rows.add(List.of(
                s.getKey(),
                n.getKey(),
                a.path("call_id").asString(),
                a.path("approval_status").asString(),
                a.path("command").toString(),
                a.path("cwd").asString()));
          }
        }
      }
      out.table(List.of("SWARM", "NODE", "CALL", "STATUS", "COMMAND", "CWD"), rows);
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "approve",
      mixinStandardHelpOptions = true,
      description = "Approves (or with --deny, denies) a command an agent asked to run.")
  static final class ApproveCmd extends RouterSubcommand {
    @Parameters(index = "0", paramLabel = "SWARM", description = "Swarm id (its job id).")
    String swarm;

    @Option(names = "--call-id", required = true, paramLabel = "ID", description = "The call.")
    String callId;

    @Option(names = "--node", paramLabel = "N", description = "The node, when ids clash.")
    @Nullable
    Integer node;

    @Option(names = "--deny", description = "Deny instead of approving.")
    boolean deny;

    @Override
    int run(RouterClient c) {
      ObjectNode p =
          RouterClient.payload().put("job_id", swarm).put("call_id", callId).put("approved", !deny);
      if (node != null) {
        p.put("node_id", node.intValue());
      }
      String id = c.send("approve_execution", p);
      JsonNode e = c.await(n -> id.equals(RouterClient.requestId(n)), timeout);
      JsonNode d = e.path("data");
      String event = e.path("event").asString("");
      if (event.equals("command_rejected")) {
        throw RouterClient.refused("approve_execution", d);
      }
      if (out.json()) {
        out.json(d);
      } else {
        out.println(callId + ": " + (deny ? "denied" : "approved")
            + (d.path("idempotent").asBoolean(false) ? " (already decided)" : ""));
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "queue",
      mixinStandardHelpOptions = true,
      description = "Lists the inter-swarm queue.")
  static final class QueueCmd extends RouterSubcommand {
    @Override
    int run(RouterClient c) {
      JsonNode d = call(c, "queue_list", RouterClient.payload(), "queue_list");
      if (out.json()) {
        out.json(d.path("items"));
        return ExitCodes.OK;
      }
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode i : d.path("items")) {
        rows.add(List.of(
            i.path("queue_id").asString(),
            i.path("source_swarm_id").asString(),
            i.path("target_swarm_id").asString(),
            i.path("selector").asString(),
            i.path("created_at").asString(),
            i.path("content").asString()));
      }
      out.table(List.of("QUEUE", "SOURCE", "TARGET", "SELECTOR", "CREATED", "CONTENT"), rows);
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "terminate",
      mixinStandardHelpOptions = true,
      description = "Terminates a swarm (gracefully, then by force) and waits until it is gone.")
  static final class TerminateCmd extends RouterSubcommand {
    @Parameters(index = "0", paramLabel = "SWARM", description = "Swarm id.")
    String swarm;

    @Option(names = "--force", description = "Do not wait for the nodes to go quiet.")
    boolean force;

    @Override
    int run(RouterClient c) {
      ObjectNode p = RouterClient.payload().put("swarm_id", swarm);
      p.putObject("terminate_params").put("force", force);
      String id = c.send("swarm_terminate", p);
      while (true) {
        JsonNode e = c.await(n -> id.equals(RouterClient.requestId(n)), timeout);
        JsonNode d = e.path("data");
        switch (e.path("event").asString("")) {
          case "swarm_terminate_progress" -> {
            if (!out.json()) {
              out.println(d.path("stage").asString() + ": " + d.path("message").asString());
            }
          }
          case "workspace_archive_ready" -> {
            if (!out.json()) {
              out.println("archive: " + d.path("archive_path").asString());
            }
          }
          case "swarm_terminated" -> {
            if (out.json()) {
              out.json(d);
            } else {
              out.println("Swarm " + swarm + " terminated");
            }
            return ExitCodes.OK;
          }
          case "command_rejected" -> throw RouterClient.refused("swarm_terminate", d);
          default -> {
            // swarm_status and queue events of this request
          }
        }
      }
    }
  }
}
