package io.nemospawn.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One client: a reader thread that frames, checks and dispatches its lines (so one client's
 * commands run in the order it sent them) and a writer thread that drains its bounded queue of
 * outgoing lines (so a client that reads slowly only ever delays itself).
 */
final class Connection {
  private static final Logger LOG = LoggerFactory.getLogger(Connection.class);
  private static final byte[] NEWLINE = {'\n'};
  private static final long REPLY_WAIT_SECONDS = 30;

  private final ControlPlane server;
  private final Socket socket;
  private final long id;
  private final BlockingQueue<byte[]> out;
  private final int capacity;
  private final Set<String> protocols = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile @Nullable String principal;
  private volatile io.nemospawn.@Nullable Principal caller;
  private volatile @Nullable String protocol;
  // overflow bookkeeping, guarded by the event log's lock
  private long droppedFrom = -1;
  private long droppedTo = -1;
  // the newest event sequence number queued for this client, guarded by the event log's lock
  private long lastQueued;
  // set (under the lock) when an event was dropped; read by the writer without the lock
  private volatile boolean overflowing;
  private @Nullable Thread reader;
  private @Nullable Thread writer;

  Connection(ControlPlane server, Socket socket, long id) {
    this.server = server;
    this.socket = socket;
    this.id = id;
    this.capacity = server.options().clientQueue();
    this.out = new ArrayBlockingQueue<>(capacity);
  }

  void start() {
    Thread r = new Thread(this::readLoop, "nemospawn-cp-read-" + id);
    Thread w = new Thread(this::writeLoop, "nemospawn-cp-write-" + id);
    r.setDaemon(true);
    w.setDaemon(true);
    reader = r;
    writer = w;
    w.start();
    r.start();
  }

  String protocolOr(String fallback) {
    String p = protocol;
    return p == null ? fallback : p;
  }

  long id() {
    return id;
  }

  boolean subscribedTo(String p) {
    return protocols.contains(p);
  }

  static byte[] encode(JsonNode node) {
    return Wire.MAPPER.writeValueAsBytes(node);
  }

  // ---- writing

  /** Called under the event log's lock: queues an event or records that it was dropped. */
  void offerEvent(long seq, byte[] line) {
    if (closed.get()) {
      return;
    }
    if (droppedFrom > 0 || !out.offer(line)) {
      if (droppedFrom < 0) {
        droppedFrom = seq;
        overflowing = true;
      }
      droppedTo = seq;
    } else {
      lastQueued = seq;
    }
  }

  /** Queues a line for this client only, waiting a while for room; a client that reads nothing is closed. */
  void send(byte[] line) {
    if (closed.get()) {
      return;
    }
    try {
      if (!out.offer(line, REPLY_WAIT_SECONDS, TimeUnit.SECONDS)) {
        LOG.warn(
            "Closing control-plane client {}: it read nothing for {} s", id, REPLY_WAIT_SECONDS);
        close();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
    }
  }

  void send(String proto, String event, ObjectNode data) {
    send(encode(Wire.event(proto, event, data, 0)));
  }

  private void writeLoop() {
    try (OutputStream os = socket.getOutputStream()) {
      java.io.BufferedOutputStream bos = new java.io.BufferedOutputStream(os, 64 * 1024);
      while (!closed.get() || !out.isEmpty()) {
        byte[] line = out.poll(200, TimeUnit.MILLISECONDS);
        if (line == null) {
          if (closed.get()) {
            break;
          }
          continue;
        }
        bos.write(line);
        bos.write(NEWLINE);
        // once the queue has room again (half of it), an overflowing client is told what it
        // missed, after the events it did get and before any newer one
        if (overflowing && out.remainingCapacity() >= capacity / 2) {
          noteOverflow();
        }
        if (out.isEmpty()) {
          bos.flush();
        }
      }
      bos.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      LOG.debug("control-plane client {} write ended: {}", id, e.toString());
    } finally {
      close();
    }
  }

  /** After the queue drained: tells the client which events it missed, so it can resync. */
  private void noteOverflow() {
    server.events().locked(() -> {
      if (droppedFrom > 0) {
        // one notice, in the protocol the client said hello in: it carries the last sequence
        // number the client was sent, so `subscribe{since: resync_since}` replays the rest
        String p = protocolOr(ControlPlane.CODESWARM_V1);
        ObjectNode d = Wire.MAPPER.createObjectNode();
        d.putNull("request_id");
        d.put("first_seq", droppedFrom);
        d.put("last_seq", droppedTo);
        d.put("last_delivered_seq", lastQueued);
        d.put("resync_since", droppedFrom - 1);
        d.put(
            "reason",
            "the client read too slowly and its queue of " + server.options().clientQueue()
                + " lines was full; events " + droppedFrom + ".." + droppedTo + " were not sent;"
                + " send subscribe with since=" + (droppedFrom - 1)
                + " to replay what is still retained");
        // the queue has room (the writer checked), so this offer succeeds
        if (out.offer(encode(Wire.event(p, "events_dropped", d, 0)))) {
          droppedFrom = -1;
          droppedTo = -1;
          overflowing = false;
        }
      }
    });
  }

  // ---- reading

  private void readLoop() {
    int max = server.options().maxLineBytes();
    try {
      // not try-with-resources: closing the stream would close the socket before the writer
      // flushed the last rejection
      InputStream in = socket.getInputStream();
      if (!server.options().insecureLoopback()) {
        socket.setSoTimeout((int) server.options().helloTimeout().toMillis());
      }
      byte[] buf = new byte[Math.min(64 * 1024, max + 1)];
      byte[] line = new byte[1024];
      int len = 0;
      boolean skipping = false;
      while (!closed.get()) {
        int n;
        try {
          n = in.read(buf);
        } catch (SocketTimeoutException e) {
          reject(
              null,
              null,
              "hello_timeout",
              "no hello with a key within " + server.options().helloTimeout().toSeconds()
                  + " s; the connection is closed",
              null);
          break;
        }
        if (n < 0) {
          break;
        }
        int start = 0;
        for (int i = 0; i < n; i++) {
          if (buf[i] != '\n') {
            continue;
          }
          if (!skipping) {
            int part = i - start;
            if (len + part > max) {
              tooLong(len + part);
            } else {
              line = append(line, len, buf, start, part);
              len += part;
              handleLine(line, len);
            }
          }
          skipping = false;
          len = 0;
          start = i + 1;
          if (closed.get()) {
            return;
          }
        }
        if (!skipping && start < n) {
          int part = n - start;
          if (len + part > max) {
            tooLong(len + part);
            skipping = true;
            len = 0;
          } else {
            line = append(line, len, buf, start, part);
            len += part;
          }
        }
      }
    } catch (IOException e) {
      LOG.debug("control-plane client {} read ended: {}", id, e.toString());
    } finally {
      close();
    }
  }

  private static byte[] append(byte[] line, int len, byte[] src, int from, int count) {
    byte[] l = line;
    if (len + count > l.length) {
      l = Arrays.copyOf(l, Math.max(len + count, l.length * 2));
    }
    System.arraycopy(src, from, l, len, count);
    return l;
  }

  private void tooLong(int seen) {
    reject(
        null,
        null,
        "line_too_long",
        "a line exceeded the limit of "
            + server.options().maxLineBytes() + " bytes (" + seen + " bytes read before it was"
            + " refused); it was discarded up to its newline",
        null);
  }

  private void handleLine(byte[] bytes, int len) {
    int end = len;
    if (end > 0 && bytes[end - 1] == '\r') {
      end--;
    }
    if (end == 0) {
      return; // blank lines are allowed between commands
    }
    String text;
    try {
      text = StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, 0, end))
          .toString();
    } catch (CharacterCodingException e) {
      reject(null, null, "invalid_utf8", "the line is not valid UTF-8; send UTF-8 JSON", null);
      return;
    }
    JsonNode node;
    try {
      node = Wire.MAPPER.readTree(text);
    } catch (JacksonException e) {
      reject(
          null,
          null,
          "malformed_json",
          "the line is not valid JSON: " + firstLine(e.getOriginalMessage()),
          null);
      return;
    }
    if (node == null || !node.isObject()) {
      reject(
          null,
          null,
          "not_an_object",
          "a command must be a JSON object with protocol," + " command, request_id and payload",
          null);
      return;
    }
    String requestId = textOrNull(node.get("request_id"));
    String proto = textOrNull(node.get("protocol"));
    if (proto == null || !server.protocols().contains(proto)) {
      reject(
          null,
          requestId,
          "unknown_protocol",
          "unknown protocol "
              + (proto == null ? "(none)" : "'" + clip(proto) + "'") + "; this server speaks "
              + String.join(", ", server.protocols()),
          null);
      return;
    }
    String name = textOrNull(node.get("command"));
    if (name == null || name.isEmpty()) {
      reject(proto, requestId, "missing_command", "the line has no command name", null);
      return;
    }
    JsonNode p = node.get("payload");
    ObjectNode payload;
    if (p == null || p.isNull()) {
      payload = Wire.MAPPER.createObjectNode();
    } else if (p instanceof ObjectNode o) {
      payload = o;
    } else {
      reject(
          proto,
          requestId,
          "bad_payload",
          "the payload of " + clip(name) + " must be a JSON object",
          null);
      return;
    }
    Command command = new Command(proto, name, requestId, payload);
    if (protocol == null) {
      protocol = proto;
    }
    if (name.equals("hello")) {
      hello(command);
      return;
    }
    if (principal == null) {
      if (server.options().insecureLoopback()) {
        principal = "anonymous";
        protocols.add(proto);
        server.events().subscribe(this, -1);
      } else {
        reject(
            proto,
            requestId,
            "unauthenticated",
            "send hello with a key first ("
                + "{\"protocol\":\"" + proto
                + "\",\"command\":\"hello\",\"payload\":{\"key\":...}});"
                + " the connection is closed",
            null);
        close();
        return;
      }
    }
    if (name.equals("subscribe")) {
      subscribe(command);
      return;
    }
    dispatch(command);
  }

  private void hello(Command c) {
    if (!server.options().insecureLoopback()) {
      JsonNode key = c.payload().get("key");
      io.nemospawn.Principal who = key == null || !key.isString()
          ? null
          : server.identify(key.asString()).orElse(null);
      if (who == null) {
        reject(
            c.protocol(),
            c.requestId(),
            "auth_failed",
            "the key is missing or unknown; use a"
                + " key that the control plane printed on its first start (stored hashed in "
                + server.keyFile() + "); the connection is closed",
            null);
        close();
        return;
      }
      try {
        socket.setSoTimeout(0);
      } catch (IOException e) {
        close();
        return;
      }
      caller = who;
    }
    io.nemospawn.Principal who = caller;
    principal = who != null ? who.user() : "anonymous";
    ObjectNode d = Wire.MAPPER.createObjectNode();
    if (c.requestId() != null) {
      d.put("request_id", c.requestId());
    }
    d.put("server", "nemospawn");
    d.put("server_id", server.serverId());
    d.put("principal", principal);
    d.set("protocols", Wire.MAPPER.valueToTree(server.protocols()));
    d.put("event_retention", server.events().retention());
    d.put("max_line_bytes", server.options().maxLineBytes());
    // the hello reply is queued under the event lock before any replayed or live event, so a
    // client that read it is subscribed
    subscribe(c, () -> send(c.protocol(), "hello", d));
  }

  private void subscribe(Command c) {
    subscribe(c, () -> {});
  }

  private void subscribe(Command c, Runnable first) {
    JsonNode s = c.payload().get("since");
    long since = -1;
    if (s != null && !s.isNull()) {
      if (!s.canConvertToLong() || s.asLong() < 0) {
        reject(
            c.protocol(),
            c.requestId(),
            "bad_payload",
            "since must be a sequence number" + " >= 0, was " + clip(s.toString()),
            null);
        return;
      }
      since = s.asLong();
    }
    JsonNode ps = c.payload().get("protocols");
    protocols.add(c.protocol());
    if (ps != null && ps.isArray()) {
      for (JsonNode p : ps) {
        if (p.isString() && server.protocols().contains(p.asString())) {
          protocols.add(p.asString());
        }
      }
    }
    long gap = server.events().subscribe(this, since, first);
    if (c.name().equals("subscribe") || gap > 0) {
      ObjectNode d = Wire.MAPPER.createObjectNode();
      if (c.requestId() != null) {
        d.put("request_id", c.requestId());
      }
      d.put("since", since);
      d.put("last_seq", server.events().lastSeq());
      if (gap > 0) {
        d.put("gap", true);
        d.put("oldest_seq", gap);
        d.put(
            "reason",
            "events " + (since + 1) + ".." + (gap - 1) + " are no longer retained"
                + " (the server keeps the newest " + server.events().retention() + "); resync from"
                + " the current state");
      } else {
        d.put("gap", false);
      }
      send(c.protocol(), "subscribed", d);
    }
  }

  private void dispatch(Command c) {
    ProtocolHandler h = server.handler(c.protocol(), c.name());
    if (h == null) {
      reject(
          c.protocol(),
          c.requestId(),
          "unknown_command",
          "unknown command '" + clip(c.name()) + "' in " + c.protocol() + "; known: "
              + String.join(", ", server.commands(c.protocol())),
          null);
      return;
    }
    if (!h.readOnly(c)) {
      // a change: the caller's role must allow it (always true while the auth setting is off)
      JsonNode team = c.payload().get("team");
      String what = c.protocol() + " " + c.name();
      try {
        if (team != null && team.isString()) {
          server.authorizer().checkTeamChange(caller, team.asString(), what);
        } else if (h.sharedChange(c)) {
          checkSharedChange(what);
        } else {
          server.authorizer().checkDataChange(caller, what);
        }
      } catch (io.nemospawn.AccessDeniedException e) {
        reject(c.protocol(), c.requestId(), "forbidden", String.valueOf(e.getMessage()), null);
        return;
      }
    }
    if (!server.enter()) {
      reject(
          c.protocol(),
          c.requestId(),
          "shutting_down",
          "the server is shutting down; the"
              + " command was not run, send it again after the restart",
          null);
      return;
    }
    try {
      h.handle(c, new Context(c));
    } catch (CommandRejectedException e) {
      reject(c.protocol(), c.requestId(), "rejected", String.valueOf(e.getMessage()), e.details());
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      LOG.debug("control-plane command {} failed", c.name(), e);
      String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      reject(c.protocol(), c.requestId(), "failed", msg, null);
    } finally {
      server.leave();
    }
  }

  /** A change every role but a viewer may make: refused for a viewer or a caller without a key. */
  private void checkSharedChange(String what) {
    if (!server.authorizer().enabled()) {
      return;
    }
    io.nemospawn.Principal who = caller;
    if (who == null || who.role() == io.nemospawn.AccessRole.VIEWER) {
      throw new io.nemospawn.AccessDeniedException(
          (who == null ? "A caller without a key" : who.toString()) + " may not " + what
              + ": viewers may only read",
          who);
    }
  }

  void reject(
      @Nullable String proto,
      @Nullable String requestId,
      String code,
      String reason,
      @Nullable ObjectNode details) {
    String p = proto != null ? proto : protocol != null ? protocol : ControlPlane.CODESWARM_V1;
    send(p, "command_rejected", Wire.rejection(requestId, code, reason, details));
  }

  private static @Nullable String textOrNull(@Nullable JsonNode n) {
    if (n == null || n.isNull()) {
      return null;
    }
    if (n.isString()) {
      return n.asString();
    }
    return n.isNumber() ? n.asString() : null;
  }

  private static String clip(String s) {
    String t = s.length() > 80 ? s.substring(0, 80) + "..." : s;
    StringBuilder b = new StringBuilder();
    t.codePoints().forEach(cp -> {
      if (Character.isISOControl(cp) || Character.getType(cp) == Character.FORMAT) {
        b.append('?');
      } else {
        b.appendCodePoint(cp);
      }
    });
    return b.toString();
  }

  private static String firstLine(@Nullable String s) {
    if (s == null) {
      return "unreadable";
    }
    int i = s.indexOf('\n');
    return clip(i < 0 ? s : s.substring(0, i));
  }

  /** Stops reading new commands (for a graceful shutdown); the writer drains what is queued. */
  void stopReading() {
    try {
      socket.shutdownInput();
    } catch (IOException e) {
      LOG.debug("shutdownInput of client {}: {}", id, e.toString());
    }
  }

  /** Waits a while for the queue to drain. */
  void drain(long millis) {
    long end = System.currentTimeMillis() + millis;
    while (!out.isEmpty() && !closed.get() && System.currentTimeMillis() < end) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    server.events().unsubscribe(this);
    server.removed(this);
    Thread w = writer;
    if (w != null && w != Thread.currentThread()) {
      // let the writer flush what is queued (a rejection, a goodbye) for a moment
      try {
        w.join(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      socket.close();
    } catch (IOException e) {
      LOG.debug("close of client {}: {}", id, e.toString());
    }
  }

  private final class Context implements CommandContext {
    private final Command command;

    Context(Command command) {
      this.command = command;
    }

    private ObjectNode withRequest(ObjectNode data) {
      if (command.requestId() != null && !data.has("request_id")) {
        data.put("request_id", command.requestId());
      }
      return data;
    }

    @Override
    public void reply(String event, ObjectNode data) {
      send(command.protocol(), event, withRequest(data));
    }

    @Override
    public void publish(String event, ObjectNode data) {
      server.events().publish(command.protocol(), event, withRequest(data));
    }

    @Override
    public String principal() {
      String p = principal;
      return p == null ? "anonymous" : p;
    }
  }
}
