package io.nemospawn.server.codeswarm;

import io.nemospawn.server.Command;
import io.nemospawn.server.CommandContext;
import io.nemospawn.server.CommandRejectedException;
import io.nemospawn.server.ProtocolHandler;
import io.nemospawn.server.swarm.NodeSelector;
import io.nemospawn.server.swarm.Personas;
import io.nemospawn.server.swarm.Swarms;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The swarm commands of {@code codeswarm.router.v1} ({@code codeswarm.md} §2.5): {@code
 * swarm_launch}, {@code providers_list}, {@code inject}, {@code enqueue_inject}, {@code
 * queue_list}, {@code swarm_list}, {@code swarm_status}, {@code swarm_terminate}, {@code
 * approvals_list}, {@code approve_execution}, answered by a {@link Swarms} service. Unlike
 * Codeswarm it is never silent: an unknown swarm, a node id out of range or a malformed payload
 * gets {@code command_rejected} with the request id.
 *
 * <p>Events from the service (progress, worker output, queue changes) are published to every
 * client through the context of the command that caused them; events with no command behind them
 * go through the context of the latest command.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class CodeswarmRouterHandler implements ProtocolHandler, AutoCloseable {
  /** The protocol string. */
  public static final String PROTOCOL = "codeswarm.router.v1";

  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  private final Swarms swarms;
  private final ExecutorService launches = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "codeswarm-launch");
    t.setDaemon(true);
    return t;
  });

  /** A handler answering with {@code swarms}, whose events must reach {@link #publish}. */
  public CodeswarmRouterHandler(Swarms swarms) {
    this.swarms = Objects.requireNonNull(swarms, "swarms");
  }

  private volatile @Nullable CommandContext lastContext;

  /**
   * Opens the swarm service on {@code ns} and a handler for it; the service's events are published
   * to every client of the protocol.
   */
  public static CodeswarmRouterHandler open(io.nemospawn.NemoSpawn ns) throws java.io.IOException {
    java.util.concurrent.atomic.AtomicReference<@Nullable CodeswarmRouterHandler> self =
        new java.util.concurrent.atomic.AtomicReference<>();
    Swarms swarms = Swarms.open(ns, (event, data) -> {
      CodeswarmRouterHandler h = self.get();
      if (h != null) {
        h.publish(event, data);
      }
    });
    CodeswarmRouterHandler h = new CodeswarmRouterHandler(swarms);
    self.set(h);
    return h;
  }

  /** Returns the swarm service this handler answers with. */
  public Swarms swarms() {
    return swarms;
  }

  private volatile io.nemospawn.server.@Nullable ControlPlane plane;

  /**
   * Sends the service's events (worker output, progress, queue changes) to every client of {@code
   * plane}; call it once the handler is registered there.
   */
  public void attach(io.nemospawn.server.ControlPlane plane) {
    this.plane = Objects.requireNonNull(plane, "plane");
  }

  /**
   * Publishes an event to every client of the protocol. Before {@link #attach} only events that
   * answer a command (they carry its request id) get out, through that command's context.
   */
  public void publish(String event, ObjectNode data) {
    io.nemospawn.server.ControlPlane p = plane;
    if (p != null) {
      p.publish(PROTOCOL, event, data);
      return;
    }
    CommandContext c = lastContext;
    if (c != null && data.has("request_id")) {
      c.publish(event, data);
    }
  }

  @Override
  public String protocol() {
    return PROTOCOL;
  }

  @Override
  public boolean readOnly(Command command) {
    return command.name().endsWith("_list") || command.name().equals("swarm_status");
  }

  @Override
  public Set<String> commands() {
    return Set.of(
        "swarm_launch",
        "providers_list",
        "inject",
        "enqueue_inject",
        "queue_list",
        "swarm_list",
        "swarm_status",
        "swarm_terminate",
        "approvals_list",
        "approve_execution");
  }

  @Override
  public void handle(Command command, CommandContext context) throws Exception {
    lastContext = context;
    String rid = command.requestId() == null ? "" : command.requestId();
    ObjectNode p = command.payload();
    try {
      switch (command.name()) {
        case "providers_list" -> {
          ObjectNode d = MAPPER.createObjectNode().put("request_id", rid);
          d.set("providers", swarms.providers());
          context.reply("providers_list", d);
        }
        case "swarm_launch" -> launch(p, rid, context);
        case "inject" -> {
          String swarmId = requiredString(p, "swarm_id");
          List<Integer> nodes = nodes(p.path("nodes"));
          String content = requiredString(p, "content");
          swarms.inject(swarmId, nodes, content, rid);
        }
        case "enqueue_inject" -> {
          String target = requiredString(p, "target_swarm_id");
          String selector = p.path("selector").asString("idle");
          List<Integer> nodes = new ArrayList<>();
          if (selector.equals("nodes")) {
            List<Integer> n = nodes(p.path("nodes"));
            if (n == null) {
              throw new CommandRejectedException("selector 'nodes' needs a nodes list");
            }
            nodes.addAll(n);
          }
          String source =
              p.path("source_swarm_id").isString() ? p.path("source_swarm_id").asString() : null;
          swarms.enqueue(source, target, selector, nodes, requiredString(p, "content"), rid);
        }
        case "queue_list" -> {
          ObjectNode d = MAPPER.createObjectNode().put("request_id", rid);
          d.set("items", swarms.queue());
          context.reply("queue_list", d);
          swarms.queueUpdated();
        }
        case "swarm_list" -> {
          ObjectNode d = MAPPER.createObjectNode().put("request_id", rid);
          d.set("swarms", swarms.list());
          context.reply("swarm_list", d);
        }
        case "swarm_status" ->
          context.reply("swarm_status", swarms.status(requiredString(p, "swarm_id"), rid));
        case "swarm_terminate" -> {
          JsonNode tp = p.path("terminate_params");
          swarms.terminate(
              requiredString(p, "swarm_id"),
              tp.path("force").asBoolean(false),
              tp.path("download_workspaces_on_shutdown").asBoolean(true),
              rid);
        }
        case "approvals_list" -> context.reply("approvals_list", swarms.approvals(rid));
        case "approve_execution" -> {
          JsonNode dec = p.path("decision");
          if (!p.path("approved").isBoolean() && !dec.isString()) {
            throw new CommandRejectedException(
                "approve_execution needs approved (true/false) or a decision token");
          }
          Integer node =
              p.path("node_id").canConvertToInt() && !p.path("node_id").isString()
                  ? p.path("node_id").asInt()
                  : null;
          ObjectNode r = swarms.approve(
              requiredString(p, "job_id"),
              requiredString(p, "call_id"),
              node,
              p.path("injection_id").isString() ? p.path("injection_id").asString() : null,
              p.path("approved").asBoolean(false),
              dec.isString() ? dec.asString() : null,
              rid,
              context.principal());
          context.publish(r.path("event").asString(), (ObjectNode) r.path("data"));
        }
        default -> throw new CommandRejectedException("Unknown command '" + command.name() + "'");
      }
    } catch (Swarms.ApprovalNotFoundException e) {
      ObjectNode details = MAPPER.createObjectNode();
      details.set("job_id", p.path("job_id"));
      details.set("call_id", p.path("call_id"));
      details.set("node_id", p.path("node_id"));
      details.set("injection_id", p.path("injection_id"));
      details.set("pending_candidates", e.candidates());
      throw new CommandRejectedException(String.valueOf(e.getMessage()), details);
    } catch (IllegalArgumentException e) {
      throw new CommandRejectedException(String.valueOf(e.getMessage()));
    }
  }

  private void launch(ObjectNode p, String rid, CommandContext context) {
    int nodes = p.has("nodes") ? p.path("nodes").asInt(-1) : 1;
    if (p.has("nodes") && !p.path("nodes").isIntegralNumber()) {
      throw new CommandRejectedException("nodes must be an integer, not " + p.path("nodes"));
    }
    JsonNode prompt = p.path("system_prompt");
    if (!prompt.isMissingNode() && !prompt.isNull() && !prompt.isString()) {
      throw new CommandRejectedException("system_prompt must be a string");
    }
    JsonNode params = p.path("provider_params");
    if (!params.isMissingNode() && !params.isNull() && !params.isObject()) {
      throw new CommandRejectedException("provider_params must be an object");
    }
    Swarms.LaunchRequest req = new Swarms.LaunchRequest(
        nodes,
        p.path("provider").asString("mock"),
        prompt.asString(""),
        Personas.fromPayload(p),
        params.isObject() ? (ObjectNode) params : MAPPER.createObjectNode());
    launches.submit(() -> {
      try {
        swarms.launch(req, rid);
      } catch (Exception e) {
        context.publish(
            "command_rejected",
            MAPPER
                .createObjectNode()
                .put("request_id", rid)
                .put("reason", "swarm_launch failed: " + e.getMessage()));
      }
    });
  }

  private static String requiredString(ObjectNode p, String field) {
    JsonNode v = p.path(field);
    if (!v.isString() || v.asString().isEmpty()) {
      throw new CommandRejectedException(field + " is required (a non-empty string)");
    }
    return v.asString();
  }

  /** Reads Codeswarm's {@code nodes}: "all", an int, an int array, or a selector like "0,2-4". */
  private static @Nullable List<Integer> nodes(JsonNode v) {
    if (v.isMissingNode() || v.isNull() || (v.isString() && v.asString().equals("all"))) {
      return null;
    }
    if (v.isIntegralNumber()) {
      return List.of(v.asInt());
    }
    if (v.isArray()) {
      List<Integer> out = new ArrayList<>();
      for (JsonNode n : v) {
        if (!n.isIntegralNumber()) {
          throw new CommandRejectedException("nodes entries must be integers, not " + n);
        }
        out.add(n.asInt());
      }
      return out;
    }
    if (v.isString()) {
      return NodeSelector.parseNodeList(v.asString());
    }
    throw new CommandRejectedException("nodes must be \"all\", an integer or an array of integers");
  }

  /** Closes the swarm service (its node bridges and background work); the swarms keep running. */
  @Override
  public void close() {
    swarms.close();
  }
}
