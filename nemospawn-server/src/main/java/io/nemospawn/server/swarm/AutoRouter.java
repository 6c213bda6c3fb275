package io.nemospawn.server.swarm;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Routes prompts written in Codeswarm's routing syntax ({@link NodeSelector}) to swarms, for the
 * web console and for <b>auto-routing</b>: the lines of an agent's final answer that start with a
 * routing directive become prompts for the swarms they name (codeswarm.md §5.3).
 *
 * <p>Unlike Codeswarm, auto-routing is off until enabled per swarm ({@link #autoRoute}) and has a
 * loop guard: a prompt that auto-routing produced carries a hop count, and the answer to it is
 * routed on only while the count is below {@code maxHops}; each source swarm may auto-route at
 * most {@code maxPerMinute} prompts a minute; each answer is routed once. What is refused gets
 * {@code auto_route_ignored{reason}}; what is sent gets {@code auto_route_submitted}.
 *
 * <p>Aliases ({@code /swarm[alias]}) name swarms: set with {@link #alias}; a swarm id is its own
 * alias.
 *
 * <p><b>Reply to sender</b> ({@code /reply} after the selector): the router remembers who sent
 * the prompt (request id to source swarm and node), binds each injection the prompt became (on
 * its {@code inject_ack}), and when that injection's {@code task_complete} arrives sends {@code
 * [Reply from /swarm[target]/node[n] for request ID]} and the final answer back: injected into the
 * source node when an agent sent it (an auto-route), or published as {@code auto_reply_submitted}
 * with the text when a person did ({@code route_prompt} without {@code source_node_id}). What
 * cannot be answered (the source swarm is gone, the inject fails) gets {@code
 * auto_reply_ignored{reason}}. A reply counts as a hop of the prompt it answers, so a reply that
 * itself routes on is held by the same loop guard. The bindings live in memory (the last 10,000
 * prompts); a restart forgets the replies still owed.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class AutoRouter implements Swarms.Listener, AutoCloseable {
  /** Default: an answer to a prompt that went through this many auto-routes is not routed on. */
  public static final int DEFAULT_MAX_HOPS = 3;

  /** Default: auto-routes per source swarm per minute. */
  public static final int DEFAULT_MAX_PER_MINUTE = 20;

  private static final Pattern DIRECTIVE_LINE = Pattern.compile(
      "^\\s*(?:[-*+]\\s+|\\d{1,3}[.)]\\s+|>\\s*)?(/(?:all|node\\[|agent\\[|idle|first-idle|swarm\\[).*)$");
  private static final int MAX_REMEMBERED = 10_000;

  /** What auto-routing and {@link #route} do with a parsed route. */
  interface Target {
    boolean exists(String swarmId);

    List<String> inject(
        String swarmId, @Nullable List<Integer> nodes, String content, String requestId);

    ObjectNode enqueue(
        @Nullable String source,
        String target,
        String selector,
        List<Integer> nodes,
        String content,
        String requestId);
  }

  private final Target target;
  private final Swarms.Listener publish;
  private final int maxHops;
  private final int maxPerMinute;
  private final Clock clock;
  private final Map<String, String> aliases = Collections.synchronizedMap(new TreeMap<>());
  private final Set<String> enabled = Collections.synchronizedSet(new TreeSet<>());
  private final Map<String, Integer> hopsByRequest = lru();
  private final Map<String, Integer> hopsByInjection = lru();
  private final Set<String> routedAnswers = Collections.newSetFromMap(lru());
  private final Map<String, Sender> replyByRequest = lru();
  private final Map<String, Sender> replyByInjection = lru();

  /**
   * Who asked for a reply: the swarm and node (-1: a person, through {@code route_prompt}), the
   * request and the hops so far.
   */
  private record Sender(String swarm, int node, String requestId, int hops) {}

  private final Map<String, Deque<Instant>> recent = new LinkedHashMap<>();
  private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "swarms-autoroute");
    t.setDaemon(true);
    return t;
  });

  AutoRouter(Target target, Swarms.Listener publish, int maxHops, int maxPerMinute, Clock clock) {
    if (maxHops < 1 || maxPerMinute < 1) {
      throw new IllegalArgumentException(
          "maxHops (" + maxHops + ") and maxPerMinute (" + maxPerMinute + ") must be at least 1");
    }
    this.target = Objects.requireNonNull(target, "target");
    this.publish = Objects.requireNonNull(publish, "publish");
    this.maxHops = maxHops;
    this.maxPerMinute = maxPerMinute;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * An auto-router on {@code swarms} with the default guard; it observes the service's events
   * ({@link Swarms#addListener}) and publishes its own through {@code publish}.
   */
  public static AutoRouter attach(Swarms swarms, Swarms.Listener publish) {
    return attach(swarms, publish, DEFAULT_MAX_HOPS, DEFAULT_MAX_PER_MINUTE);
  }

  /** As {@link #attach(Swarms, Swarms.Listener)} with a loop guard of your own. */
  public static AutoRouter attach(
      Swarms swarms, Swarms.Listener publish, int maxHops, int maxPerMinute) {
    Objects.requireNonNull(swarms, "swarms");
    AutoRouter r = new AutoRouter(
        new Target() {
          @Override
          public boolean exists(String swarmId) {
            return swarms.exists(swarmId);
          }

          @Override
          public List<String> inject(
              String swarmId, @Nullable List<Integer> nodes, String content, String requestId) {
            return swarms.inject(swarmId, nodes, content, requestId);
          }

          @Override
          public ObjectNode enqueue(
              @Nullable String source,
              String t,
              String selector,
              List<Integer> nodes,
              String content,
              String requestId) {
            return swarms.enqueue(source, t, selector, nodes, content, requestId);
          }
        },
        publish,
        maxHops,
        maxPerMinute,
        Clock.systemUTC());
    swarms.addListener(r);
    return r;
  }

  /**
   * Names a swarm.
   *
   * @throws IllegalArgumentException for an alias that is not 1-64 letters, digits, '.', '_' or
   *     '-', or an unknown swarm
   */
  public void alias(String alias, String swarmId) {
    NodeSelector.parse("/swarm[" + Objects.requireNonNull(alias, "alias") + "]/all x");
    if (!target.exists(Objects.requireNonNull(swarmId, "swarmId"))) {
      throw new IllegalArgumentException(
          "Unknown swarm '" + NodeSelector.printable(swarmId) + "'; name a swarm id of swarm_list");
    }
    aliases.put(alias, swarmId);
  }

  /** Returns the aliases (alias to swarm id), sorted. */
  public Map<String, String> aliases() {
    synchronized (aliases) {
      return Map.copyOf(aliases);
    }
  }

  /**
   * Turns auto-routing of a swarm's answers on or off.
   *
   * @throws IllegalArgumentException for an unknown swarm
   */
  public void autoRoute(String swarmId, boolean on) {
    if (on && !target.exists(swarmId)) {
      throw new IllegalArgumentException(
          "Unknown swarm '" + NodeSelector.printable(swarmId) + "'; name a swarm id of swarm_list");
    }
    if (on) {
      enabled.add(swarmId);
    } else {
      enabled.remove(swarmId);
    }
  }

  /** Returns the swarms whose answers are auto-routed. */
  public Set<String> autoRouted() {
    synchronized (enabled) {
      return Set.copyOf(enabled);
    }
  }

  /** Returns the swarm an alias (or a swarm id) names. */
  public String resolve(String alias) {
    String id = aliases.get(alias);
    if (id != null) {
      return id;
    }
    if (target.exists(alias)) {
      return alias;
    }
    throw new IllegalArgumentException("Unknown swarm alias '" + NodeSelector.printable(alias)
        + "'; known aliases: " + aliases().keySet());
  }

  /**
   * Sends one prompt written in the routing syntax. Without {@code /swarm[alias]} it goes to
   * {@code sourceSwarmId} at once ({@code inject}: plain text and {@code /all} to every node,
   * {@code /node[..]} to those nodes, {@code /idle} through the queue); with it, through the
   * cross-swarm queue ({@code enqueue_inject}).
   *
   * @param sourceSwarmId the swarm whose prompt box it was typed into, or null
   * @return what was done: {@code kind} ({@code inject} or {@code enqueue}), {@code
   *     source_swarm_id}, {@code target_swarm_id}, {@code selector}, {@code nodes}, {@code reply},
   *     {@code injection_ids} or {@code queue_id}
   * @throws IllegalArgumentException for a malformed directive, an unknown alias or swarm, an
   *     empty prompt, or nodes out of range
   */
  public ObjectNode route(@Nullable String sourceSwarmId, String text, String requestId) {
    return route(sourceSwarmId, -1, text, requestId);
  }

  /**
   * As {@link #route(String, String, String)}, sent on behalf of node {@code sourceNode} of the
   * source swarm: a {@code /reply} answer is injected into that node (-1: published as {@code
   * auto_reply_submitted}, for the person who typed it).
   */
  public ObjectNode route(
      @Nullable String sourceSwarmId, int sourceNode, String text, String requestId) {
    NodeSelector.Route r = NodeSelector.parse(Objects.requireNonNull(text, "text"));
    if (sourceNode >= 0 && sourceSwarmId == null) {
      throw new IllegalArgumentException(
          "A source node (" + sourceNode + ") needs the swarm it belongs to");
    }
    return submit(sourceSwarmId, sourceNode, r, requestId, false, 0);
  }

  private ObjectNode submit(
      @Nullable String source,
      int sourceNode,
      NodeSelector.Route r,
      String requestId,
      boolean queued,
      int hops) {
    if (r.prompt().isBlank()) {
      throw new IllegalArgumentException("The prompt after the routing directive is empty");
    }
    String tgt;
    if (r.swarm() != null) {
      tgt = resolve(r.swarm());
    } else if (source != null) {
      tgt = source;
    } else {
      throw new IllegalArgumentException(
          "No swarm to send to: choose a swarm or write /swarm[alias]/... first");
    }
    ObjectNode out = SwarmJson.obj()
        .put("source_swarm_id", source)
        .put("target_swarm_id", tgt)
        .put("selector", r.selectorName())
        .put("reply", r.reply());
    ArrayNode nodes = out.putArray("nodes");
    r.nodes().forEach(nodes::add);
    if (r.reply()) {
      if (source == null) {
        throw new IllegalArgumentException(
            "/reply needs a sender: send the prompt from a swarm (swarm_id) to get the answer back");
      }
      // before the send: the inject_ack that binds the injection comes from inside it
      replyByRequest.put(requestId, new Sender(source, sourceNode, requestId, hops));
    }
    boolean direct = !queued
        && r.swarm() == null
        && (r.kind() == NodeSelector.Kind.ALL
            || r.kind() == NodeSelector.Kind.DEFAULT
            || r.kind() == NodeSelector.Kind.NODES);
    try {
      if (direct) {
        List<String> ids = target.inject(
            tgt, r.kind() == NodeSelector.Kind.NODES ? r.nodes() : null, r.prompt(), requestId);
        out.put("kind", "inject");
        ArrayNode a = out.putArray("injection_ids");
        ids.forEach(a::add);
      } else {
        ObjectNode enq =
            target.enqueue(source, tgt, r.selectorName(), r.nodes(), r.prompt(), requestId);
        out.put("kind", "enqueue");
        out.put("queue_id", enq.path("queue_id").asString(""));
      }
    } catch (RuntimeException e) {
      replyByRequest.remove(requestId);
      throw e;
    }
    return out;
  }

  /**
   * Extracts the routing directives of an answer: each line that starts (after an optional list
   * bullet, number or quote marker) with a directive begins one; its prompt runs to the next.
   */
  static List<String> directives(String answer) {
    List<String> out = new ArrayList<>();
    StringBuilder current = null;
    for (String line : answer.split("\r?\n", -1)) {
      Matcher m = DIRECTIVE_LINE.matcher(line);
      if (m.matches()) {
        if (current != null) {
          out.add(current.toString().strip());
        }
        current = new StringBuilder(m.group(1));
      } else if (current != null) {
        current.append('\n').append(line);
      }
    }
    if (current != null) {
      out.add(current.toString().strip());
    }
    return out;
  }

  @Override
  public void event(String event, ObjectNode data) {
    switch (event) {
      case "inject_ack" -> {
        String rid = data.path("request_id").asString("");
        String injection = data.path("injection_id").asString("");
        Integer hops = hopsByRequest.get(rid);
        if (hops != null) {
          hopsByInjection.put(injection, hops);
        }
        Sender sender = replyByRequest.get(rid);
        if (sender != null && !injection.isEmpty()) {
          replyByInjection.put(injection, sender);
        }
      }
      case "task_complete" -> {
        String swarm = data.path("swarm_id").asString("");
        Sender sender = replyByInjection.remove(data.path("injection_id").asString(""));
        if (sender != null) {
          worker.execute(() -> reply(sender, data));
        }
        if (enabled.contains(swarm)) {
          worker.execute(() -> answer(data));
        }
      }
      default -> {
        // not ours
      }
    }
  }

  /** Routes the directives of one final answer (on the worker thread). */
  void answer(ObjectNode data) {
    String swarm = data.path("swarm_id").asString("");
    String injection = data.path("injection_id").asString("");
    if (!injection.isEmpty() && !routedAnswers.add(injection)) {
      return;
    }
    String text = data.path("last_agent_message").asString("");
    int hops = hopsByInjection.getOrDefault(injection, 0);
    for (String d : directives(text)) {
      ObjectNode base = SwarmJson.obj()
          .put("source_swarm_id", swarm)
          .put("source_node_id", data.path("node_id").asInt(-1))
          .put("source_injection_id", injection)
          .put("directive", firstLine(d))
          .put("hops", hops + 1);
      if (hops >= maxHops) {
        publish.event(
            "auto_route_ignored",
            base.put(
                "reason",
                "loop guard: the answer is " + hops + " auto-route hop(s) deep (limit " + maxHops
                    + ")"));
        continue;
      }
      if (!allow(swarm)) {
        publish.event(
            "auto_route_ignored",
            base.put(
                "reason",
                "loop guard: more than " + maxPerMinute + " auto-routes a minute from swarm "
                    + swarm));
        continue;
      }
      String rid = "auto-" + UUID.randomUUID();
      hopsByRequest.put(rid, hops + 1);
      try {
        ObjectNode r = submit(
            swarm, data.path("node_id").asInt(-1), NodeSelector.parse(d), rid, true, hops + 1);
        base.setAll(r);
        publish.event("auto_route_submitted", base.put("request_id", rid));
      } catch (RuntimeException e) {
        hopsByRequest.remove(rid);
        publish.event("auto_route_ignored", base.put("reason", String.valueOf(e.getMessage())));
      }
    }
  }

  /**
   * Sends the answer of a {@code /reply} prompt back to its sender (on the worker thread): into
   * the source node, or as an event for a person.
   */
  void reply(Sender sender, ObjectNode data) {
    String from = data.path("swarm_id").asString("");
    int node = data.path("node_id").asInt(-1);
    String text = "[Reply from /swarm[" + aliasOf(from) + "]/node[" + node + "] for request "
        + sender.requestId() + "]\n" + data.path("last_agent_message").asString("");
    ObjectNode ev = SwarmJson.obj()
        .put("request_id", sender.requestId())
        .put("source_swarm_id", sender.swarm())
        .put("source_node_id", sender.node())
        .put("target_swarm_id", from)
        .put("target_node_id", node)
        .put("target_injection_id", data.path("injection_id").asString(""));
    if (sender.node() < 0) {
      publish.event("auto_reply_submitted", ev.put("kind", "person").put("content", text));
      return;
    }
    if (!target.exists(sender.swarm())) {
      publish.event(
          "auto_reply_ignored",
          ev.put("reason", "the sender's swarm " + sender.swarm() + " is gone"));
      return;
    }
    String rid = "reply-" + UUID.randomUUID();
    // the reply is one more hop of the exchange, so an answer to it that routes on is guarded
    hopsByRequest.put(rid, sender.hops() + 1);
    try {
      List<String> ids = target.inject(sender.swarm(), List.of(sender.node()), text, rid);
      ev.put("kind", "inject").put("reply_request_id", rid);
      ArrayNode a = ev.putArray("injection_ids");
      ids.forEach(a::add);
      publish.event("auto_reply_submitted", ev);
    } catch (RuntimeException e) {
      hopsByRequest.remove(rid);
      publish.event("auto_reply_ignored", ev.put("reason", String.valueOf(e.getMessage())));
    }
  }

  /** The first alias naming a swarm, else its id. */
  private String aliasOf(String swarmId) {
    synchronized (aliases) {
      return aliases.entrySet().stream()
          .filter(e -> e.getValue().equals(swarmId))
          .map(Map.Entry::getKey)
          .findFirst()
          .orElse(swarmId);
    }
  }

  private synchronized boolean allow(String swarm) {
    Instant now = clock.instant();
    Deque<Instant> q = recent.computeIfAbsent(swarm, k -> new ArrayDeque<>());
    while (!q.isEmpty() && q.peekFirst().isBefore(now.minus(Duration.ofMinutes(1)))) {
      q.pollFirst();
    }
    if (q.size() >= maxPerMinute) {
      return false;
    }
    q.addLast(now);
    return true;
  }

  private static String firstLine(String d) {
    int nl = d.indexOf('\n');
    String s = nl < 0 ? d : d.substring(0, nl);
    return s.length() > 200 ? s.substring(0, 200) : s;
  }

  private static <V> Map<String, V> lru() {
    return Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > MAX_REMEMBERED;
      }
    });
  }

  /** Waits for the answers being routed (tests). */
  void drain() throws Exception {
    worker.submit(() -> {}).get(10, java.util.concurrent.TimeUnit.SECONDS);
  }

  @Override
  public String toString() {
    return "AutoRouter[maxHops=" + maxHops + ", maxPerMinute=" + maxPerMinute + ", enabled="
        + autoRouted().size() + ", aliases=" + aliases().size() + "]";
  }

  @Override
  public void close() {
    worker.shutdownNow();
  }
}
