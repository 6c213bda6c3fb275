package io.nemospawn.board.internal;

import io.nemospawn.server.codeswarm.RouterClient;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The bridge between the control plane's {@code codeswarm.router.v1} (NDJSON over TCP, which a
 * browser cannot speak) and the web console (HTTP and Server-Sent Events): one connection reads
 * every published event and keeps the newest {@link #RETAINED} in order of their sequence number
 * (each once: replays after a reconnect are deduplicated by {@code seq}); commands go through a
 * short-lived connection each, with the caller's own key, so the control plane checks and audits
 * the person, not the bridge.
 */
public final class WebBridge implements AutoCloseable {
  /** How many events the bridge keeps for pages that (re)connect. */
  public static final int RETAINED = 20_000;

  /** The commands a page may send; everything else is refused before the control plane. */
  public static final Set<String> COMMANDS = Set.of(
      "providers_list",
      "swarm_list",
      "swarm_status",
      "swarm_launch",
      "swarm_terminate",
      "inject",
      "route_prompt",
      "enqueue_inject",
      "queue_list",
      "approvals_list",
      "approve_execution",
      "swarm_alias_set",
      "swarm_alias_list",
      "auto_route_set",
      "auto_route_list",
      "project_list",
      "project_create",
      "project_plan",
      "project_start",
      "project_resume",
      "project_resume_preview");

  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  /** The event that answers each command (the first event carrying its request id otherwise). */
  private static final java.util.Map<String, Set<String>> REPLIES = java.util.Map.ofEntries(
      java.util.Map.entry("route_prompt", Set.of("route_submitted")),
      java.util.Map.entry("swarm_launch", Set.of("swarm_launch_progress")),
      java.util.Map.entry("inject", Set.of("inject_ack")),
      java.util.Map.entry("enqueue_inject", Set.of("inter_swarm_enqueued")),
      java.util.Map.entry(
          "approve_execution", Set.of("exec_approval_submitted", "exec_approval_resolved")),
      java.util.Map.entry("swarm_alias_set", Set.of("swarm_aliases")),
      java.util.Map.entry("swarm_alias_list", Set.of("swarm_aliases")),
      java.util.Map.entry("auto_route_set", Set.of("auto_route_updated")),
      java.util.Map.entry("auto_route_list", Set.of("auto_route_updated")),
      java.util.Map.entry("project_create", Set.of("project_created")),
      java.util.Map.entry("project_start", Set.of("project_started")),
      java.util.Map.entry("project_resume", Set.of("project_resumed")),
      java.util.Map.entry("swarm_terminate", Set.of("swarm_status")));

  /** One retained event: its sequence number and its JSON ({@code seq, event, data}). */
  public record Entry(long seq, String json) {}

  private final URI url;
  private final String key;
  private final Deque<Entry> events = new ArrayDeque<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread reader;
  private long lastSeq;
  private long resyncs;
  private volatile @Nullable RouterClient events0;

  /**
   * Starts reading the control plane's events.
   *
   * @param url the control plane, {@code tcp://HOST:PORT}
   * @param key the bridge's key for reading events
   */
  public WebBridge(URI url, String key) {
    this.url = Objects.requireNonNull(url, "url");
    this.key = Objects.requireNonNull(key, "key");
    RouterClient.connect(url, key).close(); // fail now, with the reason, when it cannot connect
    this.reader = new Thread(this::readLoop, "nemospawn-web-bridge");
    reader.setDaemon(true);
    reader.start();
  }

  private void readLoop() {
    while (!closed.get()) {
      try (RouterClient c = RouterClient.connect(url, key)) {
        events0 = c;
        ObjectNode sub = RouterClient.payload().put("since", lastSeq());
        c.send("subscribe", sub);
        while (!closed.get()) {
          JsonNode e;
          try {
            e = c.await(n -> true, Duration.ofMinutes(10));
          } catch (IllegalStateException timeout) {
            if (String.valueOf(timeout.getMessage()).startsWith("No answer")) {
              continue;
            }
            throw timeout;
          }
          accept(e);
        }
      } catch (RuntimeException e) {
        if (closed.get()) {
          return;
        }
        try {
          Thread.sleep(500);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  /** Takes one line from the control plane: published events are kept, in order, once. */
  void accept(JsonNode e) {
    String name = e.path("event").asString("");
    if (name.equals("subscribed") && e.path("data").path("gap").asBoolean(false)) {
      synchronized (events) {
        resyncs++; // the control plane lost events the bridge never saw; they stay missing
      }
      return;
    }
    if (!e.has("seq") || !e.path("seq").canConvertToLong()) {
      return; // replies to the bridge's own connection
    }
    long seq = e.path("seq").asLong();
    ObjectNode out = MAPPER.createObjectNode();
    out.put("seq", seq);
    out.put("event", name);
    out.put("timestamp", e.path("timestamp").asString(""));
    out.set("data", e.path("data"));
    synchronized (events) {
      if (seq <= lastSeq) {
        return; // a replay of what we have
      }
      lastSeq = seq;
      events.addLast(new Entry(seq, MAPPER.writeValueAsString(out)));
      while (events.size() > RETAINED) {
        events.removeFirst();
      }
      events.notifyAll();
    }
  }

  /** The newest sequence number kept (0: none yet). */
  public long lastSeq() {
    synchronized (events) {
      return lastSeq;
    }
  }

  /** The oldest sequence number kept, or 0. */
  public long oldestSeq() {
    synchronized (events) {
      return events.isEmpty() ? 0 : events.peekFirst().seq();
    }
  }

  /**
   * The events after {@code after}, waiting up to {@code millis} for one.
   *
   * @return up to {@code max} events; empty when none came; null when {@code after} is older than
   *     what is kept (the page must read the state again)
   */
  public @Nullable List<Entry> after(long after, long millis, int max) throws InterruptedException {
    long end = System.currentTimeMillis() + millis;
    synchronized (events) {
      while (true) {
        if (!events.isEmpty() && after > 0 && after < events.peekFirst().seq() - 1) {
          return null;
        }
        List<Entry> out = new ArrayList<>();
        for (Entry en : events) {
          if (en.seq() > after) {
            out.add(en);
            if (out.size() >= max) {
              break;
            }
          }
        }
        long left = end - System.currentTimeMillis();
        if (!out.isEmpty() || left <= 0 || closed.get()) {
          return out;
        }
        events.wait(left);
      }
    }
  }

  /**
   * Sends one command with the caller's key and returns the first event that answers it (its
   * reply, or the first event it caused).
   *
   * @return {@code {request_id, event, data}}
   * @throws IllegalArgumentException for a command a page may not send, or the control plane's
   *     rejection (its reason)
   * @throws IllegalStateException when the key is refused or no answer came in time
   */
  public ObjectNode command(String userKey, String command, ObjectNode payload) {
    if (!COMMANDS.contains(command)) {
      throw new IllegalArgumentException("The web console does not send '"
          + io.nemospawn.spi.StateFormat.printable(command) + "'; it sends "
          + COMMANDS.stream().sorted().toList());
    }
    try (RouterClient c = RouterClient.connect(url, userKey)) {
      String id = c.send(command, payload);
      Set<String> replies = REPLIES.get(command);
      JsonNode e = c.await(
          n -> id.equals(RouterClient.requestId(n))
              && (replies == null
                  || replies.contains(n.path("event").asString(""))
                  || n.path("event").asString("").equals("command_rejected")),
          Duration.ofSeconds(30));
      if ("command_rejected".equals(e.path("event").asString(""))) {
        throw RouterClient.refused(command, e.path("data"));
      }
      ObjectNode out = MAPPER.createObjectNode();
      out.put("request_id", id);
      out.put("event", e.path("event").asString(""));
      out.set("data", e.path("data"));
      return out;
    }
  }

  /** Sends a reading command with the bridge's key (the page's first view). */
  public JsonNode read(String command, String reply) {
    try (RouterClient c = RouterClient.connect(url, key)) {
      return c.call(command, RouterClient.payload(), reply, Duration.ofSeconds(15));
    }
  }

  /** How often the control plane reported events the bridge could not replay. */
  public long resyncs() {
    synchronized (events) {
      return resyncs;
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    RouterClient c = events0;
    if (c != null) {
      c.close();
    }
    synchronized (events) {
      events.notifyAll();
    }
    reader.interrupt();
  }
}
