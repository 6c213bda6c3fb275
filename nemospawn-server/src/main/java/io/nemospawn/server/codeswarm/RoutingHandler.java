package io.nemospawn.server.codeswarm;

import io.nemospawn.server.Command;
import io.nemospawn.server.CommandContext;
import io.nemospawn.server.CommandRejectedException;
import io.nemospawn.server.ProtocolHandler;
import io.nemospawn.server.swarm.AutoRouter;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apiguardian.api.API;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The routing commands of {@code codeswarm.router.v1} that Codeswarm keeps in its web backend and
 * we keep on the server, so that the web console, other clients and auto-routing share one parser
 * ({@link io.nemospawn.server.swarm.NodeSelector}) and one alias registry:
 *
 * <ul>
 *   <li>{@code route_prompt{swarm_id?, source_node_id?, text}}: a prompt in the routing syntax;
 *       replies {@code route_submitted{request_id, kind, source_swarm_id, target_swarm_id,
 *       selector, nodes, reply, injection_ids | queue_id}} (the {@code inject_*} / {@code
 *       inter_swarm_*} events follow as usual). With {@code /reply} the answer comes back as
 *       {@code auto_reply_submitted}: injected into node {@code source_node_id} of {@code
 *       swarm_id}, or, without a source node, with the text in {@code content} for the person
 *       who sent it;
 *   <li>{@code swarm_alias_set{alias, swarm_id}} and {@code swarm_alias_list}: publishes / replies
 *       {@code swarm_aliases{aliases}};
 *   <li>{@code auto_route_set{swarm_id, enabled}} and {@code auto_route_list}: publishes / replies
 *       {@code auto_route_updated{swarm_ids}}.
 * </ul>
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class RoutingHandler implements ProtocolHandler, AutoCloseable {
  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  private final AutoRouter router;

  /** A handler answering with {@code router}. */
  public RoutingHandler(AutoRouter router) {
    this.router = Objects.requireNonNull(router, "router");
  }

  /** Returns the router this handler answers with. */
  public AutoRouter router() {
    return router;
  }

  @Override
  public String protocol() {
    return CodeswarmRouterHandler.PROTOCOL;
  }

  @Override
  public Set<String> commands() {
    return Set.of(
        "route_prompt", "swarm_alias_set", "swarm_alias_list", "auto_route_set", "auto_route_list");
  }

  @Override
  public boolean readOnly(Command command) {
    return command.name().endsWith("_list");
  }

  @Override
  public void handle(Command command, CommandContext context) {
    String rid = command.requestId() == null ? "" : command.requestId();
    ObjectNode p = command.payload();
    try {
      switch (command.name()) {
        case "route_prompt" -> {
          JsonNode s = p.path("swarm_id");
          JsonNode node = p.path("source_node_id");
          if (!node.isMissingNode() && !node.isNull() && !(node.isInt() && node.asInt() >= 0)) {
            throw new CommandRejectedException(
                "source_node_id must be a node id (an integer from 0), not " + node);
          }
          ObjectNode r = router.route(
              s.isString() && !s.asString().isEmpty() ? s.asString() : null,
              node.isInt() ? node.asInt() : -1,
              required(p, "text"),
              rid);
          r.put("request_id", rid);
          context.reply("route_submitted", r);
        }
        case "swarm_alias_set" -> {
          router.alias(required(p, "alias"), required(p, "swarm_id"));
          context.publish("swarm_aliases", aliases(rid));
        }
        case "swarm_alias_list" -> context.reply("swarm_aliases", aliases(rid));
        case "auto_route_set" -> {
          if (!p.path("enabled").isBoolean()) {
            throw new CommandRejectedException("auto_route_set needs enabled (true or false)");
          }
          router.autoRoute(required(p, "swarm_id"), p.path("enabled").asBoolean());
          context.publish("auto_route_updated", autoRouted(rid));
        }
        case "auto_route_list" -> context.reply("auto_route_updated", autoRouted(rid));
        default -> throw new CommandRejectedException("Unknown command '" + command.name() + "'");
      }
    } catch (IllegalArgumentException e) {
      throw new CommandRejectedException(String.valueOf(e.getMessage()));
    }
  }

  private ObjectNode aliases(String rid) {
    ObjectNode d = MAPPER.createObjectNode().put("request_id", rid);
    ObjectNode a = d.putObject("aliases");
    for (Map.Entry<String, String> e : router.aliases().entrySet()) {
      a.put(e.getKey(), e.getValue());
    }
    return d;
  }

  private ObjectNode autoRouted(String rid) {
    ObjectNode d = MAPPER.createObjectNode().put("request_id", rid);
    ArrayNode a = d.putArray("swarm_ids");
    router.autoRouted().stream().sorted().forEach(a::add);
    return d;
  }

  private static String required(ObjectNode p, String field) {
    JsonNode v = p.path(field);
    if (!v.isString() || v.asString().isEmpty()) {
      throw new CommandRejectedException(field + " is required (a non-empty string)");
    }
    return v.asString();
  }

  @Override
  public void close() {
    router.close();
  }
}
