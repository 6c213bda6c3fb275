package io.nemospawn.core.internal;

import io.nemospawn.ConfigKey;
import io.nemospawn.Listing;
import io.nemospawn.TeamEvent;
import io.nemospawn.Transport;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.inbox.Inbox;
import io.nemospawn.inbox.Message;
import io.nemospawn.spi.InboxStore;
import io.nemospawn.spi.SendReceipt;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.spi.TimeSource;
import io.nemospawn.spi.TransportContext;
import io.nemospawn.state.MessageJson;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The team's messaging over the inbox store of {@code nemospawn-transport}: this class resolves
 * agent names to ids, expands broadcasts, audits, and turns new message files into {@link
 * TeamEvent.MessageReceived} events; the store writes and reads the message files ({@code
 * inbox/<agent_id>/<stamp>_<msg_id>.json}) with the inbox lock and carries envelopes over the
 * transport chosen by the {@code transport} setting. Receiving N messages lists the inbox once
 * and parses each file once: O(N).
 *
 * <p>Recipients are registered agents, by id or name, or the label {@value #LEADER}, which every
 * team has so that agents can always write to their leader. Thread-safe.
 */
public final class FileInbox implements Inbox, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FileInbox.class);
  static final String SUB = "inbox";
  /** The recipient that needs no agent record: the team's leader. */
  public static final String LEADER = "leader";

  private final TeamContext ctx;
  private final FileAgents agents;
  private @Nullable InboxStore store;
  private boolean closed;

  public FileInbox(TeamContext ctx, FileAgents agents) {
    this.ctx = ctx;
    this.agents = agents;
    ctx.events().decoder(SUB, (file, node) -> {
      if (node.path("read").asBoolean(false)) {
        return Optional.empty();
      }
      Path inboxDir = file.getParent();
      if (inboxDir == null) {
        return Optional.empty();
      }
      String inboxOf = inboxDir.getFileName().toString();
      return Optional.of(
          new TeamEvent.MessageReceived(ctx.teamId(), decode(node, inboxOf), ctx.now()));
    });
  }

  /** Opens the inbox store on first use, so that commands that never message open nothing. */
  private synchronized InboxStore store() {
    if (closed) {
      throw new IllegalStateException("The inbox of team " + ctx.teamId()
          + " is closed; open the team again with NemoSpawn.team(\"" + ctx.teamId() + "\")");
    }
    if (store == null) {
      Transport transport = ctx.transport() != null
          ? ctx.transport()
          : withZmqBind(
              Transport.parse(ctx.config().value(ConfigKey.TRANSPORT)),
              ctx.config().value(ConfigKey.ZMQ_BIND));
      store = InboxStore.open(new TransportContext(
          ctx.layout().dataDir(),
          ctx.teamId(),
          transport,
          ctx.store().durability(),
          Duration.ofSeconds(2),
          ctx.time()));
    }
    return store;
  }

  /**
   * Applies the {@code zmq_bind} setting to a ZeroMQ (or negotiating) transport that names no
   * endpoint of its own.
   */
  static Transport withZmqBind(Transport transport, String zmqBind) {
    java.net.URI loopback = ((Transport.Zmq) Transport.zmq()).bind();
    java.net.URI bind = ConfigStore.zmqBind(zmqBind);
    if (transport instanceof Transport.Zmq z && z.bind().equals(loopback)) {
      return Transport.zmq(bind);
    }
    if (transport instanceof Transport.Auto a && a.zmqBind().equals(loopback)) {
      return Transport.auto(bind);
    }
    return transport;
  }

  @Override
  public Delivery send(String from, String to, String body) {
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    StateFormat.requireId("sender", from);
    ctx.store().checkChange(ctx.dir(), "inbox.send");
    // One listing resolves both names (the common case: agents address each other by name).
    Listing<AgentInfo> all = agents.list();
    String sender = byIdOrName(all, from).map(AgentInfo::id).orElse(from);
    String recipient = byIdOrName(all, to)
        .map(AgentInfo::id)
        .orElseGet(() -> to.equals(LEADER) ? LEADER : agents.get(to).id());
    Delivery d = deliver(sender, recipient, body);
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("msg_id", d.message().id());
    details.put("to", recipient);
    details.put("transport", d.kind().configName());
    ctx.audit("inbox.send", sender, details);
    return d;
  }

  private Delivery deliver(String sender, String recipient, String body) {
    SendReceipt r = store().send(Message.of(ctx.teamId(), sender, recipient, body, ctx.now()));
    return new Delivery(r.message(), r.transport());
  }

  @Override
  public List<Delivery> broadcast(String from, String body) {
    Objects.requireNonNull(body, "body");
    String sender = sender(from);
    ctx.store().checkChange(ctx.dir(), "inbox.broadcast");
    Listing<AgentInfo> all = agents.list();
    for (Listing.Problem p : all.problems()) {
      log.warn("Broadcast skips the unreadable agent record {}: {}", p.path(), p.reason());
    }
    List<Delivery> out = new ArrayList<>();
    for (AgentInfo a : all.items()) {
      if (!a.id().equals(sender)) {
        out.add(deliver(sender, a.id(), body));
      }
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("recipients", out.stream().map(d -> d.message().to()).toList());
    details.put("msg_ids", out.stream().map(d -> d.message().id()).toList());
    ctx.audit("inbox.broadcast", sender, details);
    return out;
  }

  @Override
  public List<Message> receive(String agent) {
    String id = recipient(agent);
    ctx.store().checkChange(ctx.dir(), "inbox.receive");
    Listing<Message> b = store().receive(id);
    return received(id, b);
  }

  @Override
  public List<Message> receive(String agent, Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    String id = recipient(agent);
    ctx.store().checkChange(ctx.dir(), "inbox.receive");
    // The team's time, as the store's wait measures it: real, or a simulated clock.
    TimeSource time = ctx.time();
    long deadline = time.nanoTime() + timeout.toNanos();
    while (true) {
      Listing<Message> b =
          store().receive(id, Duration.ofNanos(Math.max(0, deadline - time.nanoTime())));
      List<Message> got = received(id, b);
      // A batch may hold only a newly found unreadable file; keep waiting for a message.
      if (!got.isEmpty() || time.nanoTime() >= deadline) {
        return got;
      }
    }
  }

  private List<Message> received(String id, Listing<Message> b) {
    report(b);
    if (!b.items().isEmpty()) {
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("count", b.items().size());
      details.put("first", b.items().get(0).id());
      details.put("last", b.items().get(b.items().size() - 1).id());
      ctx.audit("inbox.receive", id, details);
    }
    return b.items();
  }

  @Override
  public List<Message> peek(String agent) {
    Listing<Message> b = store().peek(recipient(agent));
    report(b);
    return b.items();
  }

  @Override
  public Listing<Message> history(String agent) {
    Listing<Message> b = store().history(recipient(agent));
    return new Listing<>(
        b.items(),
        b.problems().stream()
            .map(p -> new Listing.Problem(p.path(), p.reason()))
            .toList());
  }

  /** Unreadable message files stay in the inbox and are reported, never dropped silently. */
  private static void report(Listing<Message> b) {
    for (Listing.Problem p : b.problems()) {
      log.warn("Cannot read message file {}: {}; it stays in the inbox", p.path(), p.reason());
    }
  }

  /** Returns the id of a registered agent by id or name, or the leader label. */
  String recipient(String agent) {
    Objects.requireNonNull(agent, "agent");
    Optional<AgentInfo> a = agents.find(agent);
    if (a.isPresent()) {
      return a.get().id();
    }
    if (agent.equals(LEADER)) {
      return LEADER;
    }
    return agents.get(agent).id(); // throws, naming the team's agents
  }

  /** Finds an agent by id, else by unique name, in a listing. */
  private static Optional<AgentInfo> byIdOrName(Listing<AgentInfo> all, String idOrName) {
    for (AgentInfo a : all.items()) {
      if (a.id().equals(idOrName)) {
        return Optional.of(a);
      }
    }
    List<AgentInfo> named =
        all.items().stream().filter(a -> a.name().equals(idOrName)).toList();
    return named.size() == 1 ? Optional.of(named.get(0)) : Optional.empty();
  }

  /** Returns the sender's agent id when it is a registered agent, else the label as given. */
  private String sender(String from) {
    Objects.requireNonNull(from, "from");
    StateFormat.requireId("sender", from);
    return agents.find(from).map(AgentInfo::id).orElse(from);
  }

  /**
   * Decodes a message record as the event decoder sees it, with the one message codec of the
   * inbox files; a record it rejects raises {@link IllegalArgumentException} naming the reason.
   */
  static Message decode(ObjectNode n, String inboxOf) {
    return MessageJson.parse(n, inboxOf, Instant.EPOCH).message();
  }

  /** Closes the inbox store (receivers, watchers, transports). Idempotent. */
  @Override
  public void close() {
    InboxStore s;
    synchronized (this) {
      closed = true;
      s = store;
      store = null;
    }
    if (s != null) {
      s.close();
    }
  }
}
