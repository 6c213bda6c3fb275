package io.nemospawn.transport.internal.zmq;

import static java.util.Objects.requireNonNull;

import io.nemospawn.Transport;
import io.nemospawn.TransportException;
import io.nemospawn.inbox.Message;
import io.nemospawn.spi.MessageTransport;
import io.nemospawn.spi.TransportContext;
import io.nemospawn.spi.TransportKind;
import io.nemospawn.spi.TransportReceiver;
import io.nemospawn.state.MessageBinary;
import io.nemospawn.state.MessageJson;
import io.nemospawn.transport.internal.BaseReceiver;
import io.nemospawn.transport.internal.Endpoints;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;

/**
 * The ZeroMQ transport (JeroMQ). Each receiver binds a PULL socket and records its endpoint in
 * {@code teams/<team>/endpoints/<agent>.json}; senders connect a PUSH socket per endpoint.
 *
 * <p>Wire framing: one single-part ZeroMQ message per envelope, whose bytes are the message record
 * of the on-disk format as UTF-8 JSON on one line. Any ZeroMQ 3.x+ PUSH (or a DEALER sending one
 * frame) can speak it; see {@code docs/transport.md}. Our receivers also read the binary envelope
 * ({@link MessageBinary}, told apart by its magic {@code NSB1}) and say so in their endpoint
 * records ({@code "zmq_formats": ["binary", "json"]}); a sender uses it only for such a receiver.
 *
 * <p>Bounded waits everywhere: PUSH sockets are {@code ZMQ_IMMEDIATE} (no queueing to peers
 * that are not connected) with a send timeout of the context's send timeout, so a send to a dead
 * receiver fails within it (and the endpoint is then skipped for {@link #DOWN_BACKOFF} unless its
 * record changes); a blocked receive wakes every {@link #RECEIVE_SLICE}; linger is {@link #LINGER} on
 * every socket. A new PUSH socket sends nothing before its handshake is done (monitored; a
 * connection that stalls without one is made again, see {@link #STALL}). JeroMQ reconnects
 * dropped connections by itself; a receiver restarted on a new port
 * is found through its new record. High-water marks: {@value #SEND_HWM} per peer on the send side,
 * {@value #RECEIVE_HWM} on the receive side.
 *
 * <p>Receivers bind {@code tcp://127.0.0.1:0} unless told otherwise; one bound anywhere else
 * (an explicit setting) takes only envelopes signed with the team's shared secret, see {@link
 * ZmqAuth}.
 *
 * <p>Guarantee (on its own): at most once, per sender in order while the connection lasts;
 * messages queued in a receiver that dies are lost from this transport, which is why the inbox
 * file is written first.
 *
 * <p>Thread-safe: each socket is used under its own lock, or by one thread only.
 */
public final class ZmqTransport implements MessageTransport {
  private static final Logger log = LoggerFactory.getLogger(ZmqTransport.class);

  static final int SEND_HWM = 10_000;
  static final int RECEIVE_HWM = 100_000;
  static final Duration LINGER = Duration.ofMillis(200);
  static final Duration RECEIVE_SLICE = Duration.ofMillis(100);
  static final Duration DOWN_BACKOFF = Duration.ofSeconds(5);

  /**
   * How long a new connection may stay connected without a ZMTP handshake before the sender
   * connects again (doubling up to {@link #HANDSHAKE}). JeroMQ 0.6.0 sometimes never starts the
   * engine of a connection whose TCP connect completed asynchronously: its poller re-registers the
   * socket while the connecter's cancelled selection key is still pending, and the connection then
   * sits idle until the handshake timeout. Before the first send nothing is queued, so connecting
   * again is free.
   */
  static final Duration STALL = Duration.ofMillis(25);

  /**
   * ZMQ_HANDSHAKE_IVL of the PUSH sockets (JeroMQ's default is 30 s): bounds the same stall on an
   * automatic reconnect, where queued messages stay in the socket and go out once connected.
   */
  static final Duration HANDSHAKE = Duration.ofSeconds(1);

  private static final AtomicLong MONITORS = new AtomicLong();

  private final TransportContext context;
  private final URI bind;
  private final Endpoints endpoints;
  private final ZContext zmq;
  private final Map<String, Sender> senders = new ConcurrentHashMap<>();
  private final Map<String, ZmqReceiver> receivers = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Opens the transport; nothing is bound until {@link #bind}. */
  public ZmqTransport(TransportContext context) {
    this.context = requireNonNull(context, "context");
    Transport t = context.transport();
    if (t instanceof Transport.Zmq z) {
      this.bind = z.bind();
    } else if (t instanceof Transport.Auto a) {
      this.bind = a.zmqBind();
    } else {
      this.bind = URI.create("tcp://127.0.0.1:0");
    }
    this.endpoints = new Endpoints(context);
    this.zmq = new ZContext(1);
    this.zmq.setLinger((int) LINGER.toMillis());
  }

  @Override
  public TransportKind kind() {
    return TransportKind.ZMQ;
  }

  @Override
  public boolean canReach(String agentId) {
    Optional<Endpoints.Endpoint> e = endpoints.read(agentId);
    if (e.isEmpty() || e.get().zmqEndpoint().isEmpty()) {
      return false;
    }
    if (e.get().isLocal() && !e.get().isLocalAndAlive()) {
      return false;
    }
    if (!e.get().isLocal() && !ZmqAuth.required(e.get().zmqEndpoint())) {
      // A loopback (or ipc) endpoint of another host: only that host can connect to it.
      return false;
    }
    Sender s = senders.get(e.get().zmqEndpoint());
    return s == null || s.downUntil < System.nanoTime();
  }

  @Override
  public void send(Message message) {
    requireOpen();
    String to = message.to();
    Optional<Endpoints.Endpoint> e = endpoints.read(to);
    if (e.isEmpty() || e.get().zmqEndpoint().isEmpty()) {
      throw new TransportException(
          to,
          "Cannot send message " + message.id() + " to agent '" + to
              + "' over ZeroMQ: it has no endpoint record in " + endpoints.file(to)
              + "; it receives through its inbox",
          null);
    }
    String endpoint = e.get().zmqEndpoint();
    if (!e.get().isLocal() && !ZmqAuth.required(endpoint)) {
      throw new TransportException(
          endpoint,
          "Cannot send message " + message.id() + " to agent '" + to + "' at " + endpoint
              + ": it listens on the loopback of host " + e.get().host() + ", which only that"
              + " host can reach (set zmq_bind there to let other hosts send); it waits in the"
              + " inbox",
          null);
    }
    Sender s = senders.get(endpoint);
    if (s == null) {
      s = senders.computeIfAbsent(endpoint, Sender::new);
    }
    s.send(
        to,
        message,
        e.get().zmqReadsBinary() ? MessageBinary.encode(message) : MessageJson.toWire(message));
  }

  @Override
  public TransportReceiver bind(String agentId) {
    requireOpen();
    ZmqReceiver r = new ZmqReceiver(agentId);
    if (receivers.putIfAbsent(agentId, r) != null) {
      r.close();
      throw new IllegalStateException("Agent '" + agentId + "' has a ZeroMQ receiver already");
    }
    return r;
  }

  private void requireOpen() {
    if (closed.get()) {
      throw new IllegalStateException(
          "The ZeroMQ transport of team '" + context.teamId() + "' is closed; open a new one");
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (ZmqReceiver r : receivers.values()) {
      r.close();
    }
    for (Sender s : senders.values()) {
      s.close();
    }
    zmq.close();
  }

  @Override
  public String toString() {
    return "ZmqTransport[" + context.teamId() + " bind=" + bind + "]";
  }

  /** One PUSH socket to one endpoint, used under its lock. */
  private final class Sender {
    final String endpoint;
    final boolean signed;
    final ReentrantLock lock = new ReentrantLock();
    ZMQ.@Nullable Socket socket;
    volatile long downUntil;

    Sender(String endpoint) {
      this.endpoint = endpoint;
      this.signed = ZmqAuth.required(endpoint);
    }

    /** The secret to sign with, loaded on first use, when the endpoint requires it. */
    private volatile @Nullable ZmqAuth auth;

    void send(String to, Message message, byte[] wire) {
      if (signed) {
        ZmqAuth a = auth;
        if (a == null) {
          try {
            a = ZmqAuth.load(context.dataDir(), false, endpoint);
          } catch (TransportException e) {
            throw new TransportException(
                endpoint,
                "Cannot send message " + message.id() + " to agent '" + to + "' at " + endpoint
                    + ": " + e.getMessage() + "; it waits in the inbox",
                e);
          }
          auth = a;
        }
        wire = a.sign(wire);
      }
      if (downUntil > System.nanoTime()) {
        throw failure(
            to,
            message,
            "it did not take a message within " + context.sendTimeout() + " less than "
                + DOWN_BACKOFF + " ago");
      }
      lock.lock();
      try {
        requireOpen();
        if (socket == null) {
          socket = connect(to, message);
        }
        if (!socket.send(wire, 0)) {
          throw down(
              to,
              message,
              "no peer took it within " + context.sendTimeout()
                  + " (the receiver is down or its queue is full)");
        }
        log.trace("Sent {} to {} at {}", message.id(), to, endpoint);
      } finally {
        lock.unlock();
      }
    }

    /**
     * Connects a PUSH socket and waits until its ZMTP handshake is done, reconnecting when the
     * connection stalls (see {@link #STALL}). Nothing is queued before the handshake, so a
     * reconnect here loses nothing.
     */
    private ZMQ.Socket connect(String to, Message message) {
      ZMQ.Socket s = zmq.createSocket(SocketType.PUSH);
      s.setImmediate(true);
      s.setSndHWM(SEND_HWM);
      s.setLinger((int) LINGER.toMillis());
      s.setSendTimeOut((int) Math.min(Integer.MAX_VALUE, context.sendTimeout().toMillis()));
      s.setReconnectIVL(100);
      s.setReconnectIVLMax(2_000);
      s.setHandshakeIvl((int) HANDSHAKE.toMillis());
      String monitorAddress = "inproc://nemospawn-zmq-monitor-" + MONITORS.incrementAndGet();
      s.monitor(monitorAddress, ZMQ.EVENT_CONNECTED | ZMQ.EVENT_HANDSHAKE_PROTOCOL);
      ZMQ.Socket monitor = zmq.createSocket(SocketType.PAIR);
      try {
        monitor.setReceiveTimeOut(5);
        monitor.connect(monitorAddress);
        s.connect(endpoint);
        if (awaitHandshake(s, monitor)) {
          log.debug("Connected to {} for agent '{}'", endpoint, to);
          return s;
        }
      } finally {
        s.monitor(null, 0);
        zmq.destroySocket(monitor);
      }
      zmq.destroySocket(s);
      throw down(
          to,
          message,
          "no ZeroMQ handshake within " + context.sendTimeout()
              + " (the receiver is down or unreachable)");
    }

    /** Marks the endpoint down for {@link #DOWN_BACKOFF} and returns the failure to throw. */
    private TransportException down(String to, Message message, String why) {
      downUntil = System.nanoTime() + DOWN_BACKOFF.toNanos();
      return failure(to, message, why);
    }

    private TransportException failure(String to, Message message, String why) {
      return new TransportException(
          endpoint,
          "Cannot send message " + message.id() + " to agent '" + to + "' at " + endpoint + ": "
              + why + "; it waits in the inbox",
          null);
    }

    /** Whether the handshake completed within the send timeout. */
    private boolean awaitHandshake(ZMQ.Socket s, ZMQ.Socket monitor) {
      long deadline = System.nanoTime() + context.sendTimeout().toNanos();
      long stall = STALL.toNanos();
      long connectedAt = 0;
      while (System.nanoTime() < deadline) {
        requireOpen();
        ZMQ.Event event = ZMQ.Event.recv(monitor);
        if (event != null && event.getEvent() == ZMQ.EVENT_HANDSHAKE_PROTOCOL) {
          return true;
        }
        long now = System.nanoTime();
        if (event != null && event.getEvent() == ZMQ.EVENT_CONNECTED) {
          connectedAt = now;
        } else if (connectedAt != 0 && now - connectedAt > stall) {
          log.debug(
              "The connection to {} made no handshake within {} ms; connecting again",
              endpoint,
              stall / 1_000_000);
          s.disconnect(endpoint);
          s.connect(endpoint);
          connectedAt = 0;
          stall = Math.min(stall * 2, HANDSHAKE.toNanos());
        }
      }
      return false;
    }

    void close() {
      lock.lock();
      try {
        if (socket != null) {
          zmq.destroySocket(socket);
          socket = null;
        }
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * A PULL socket read by whichever thread receives, under {@link #lock} (which also publishes
   * the socket between threads): no hand-off thread, so a message wakes its receiver directly.
   */
  private final class ZmqReceiver extends BaseReceiver {
    private final ReentrantLock lock = new ReentrantLock();
    private final String endpoint;
    private final @Nullable ZmqAuth auth;
    private final MessageBinary.Decoder decoder = new MessageBinary.Decoder();
    private ZMQ.Socket socket;

    ZmqReceiver(String agentId) {
      super(context.teamId(), agentId);
      endpoints.file(agentId);
      // Listening beyond loopback is an explicit setting and takes only signed envelopes.
      auth = ZmqAuth.required(bind) ? ZmqAuth.load(context.dataDir(), true, bind.toString()) : null;
      socket = zmq.createSocket(SocketType.PULL);
      socket.setRcvHWM(RECEIVE_HWM);
      socket.setLinger(0);
      String ep;
      try {
        ep = bindSocket(socket);
      } catch (RuntimeException e) {
        zmq.destroySocket(socket);
        throw new TransportException(
            bind.toString(),
            "Cannot bind the ZeroMQ receiver of agent '"
                + agentId + "' to " + bind + ": " + e.getMessage()
                + "; choose another endpoint with the transport setting",
            e);
      }
      this.endpoint = ep;
      endpoints.publish(agentId, TransportKind.ZMQ, endpoint);
      log.debug("Agent '{}' receives over ZeroMQ at {}", agentId, endpoint);
    }

    private String bindSocket(ZMQ.Socket socket) {
      String scheme = bind.getScheme();
      if (!"tcp".equals(scheme)) {
        socket.bind(bind.toString());
        return bind.toString();
      }
      String host = bind.getHost();
      int port = bind.getPort();
      if (port <= 0) {
        port = socket.bindToRandomPort("tcp://" + host);
      } else {
        socket.bind("tcp://" + host + ":" + port);
      }
      return "tcp://" + advertised(host) + ":" + port;
    }

    /**
     * Takes the next envelope's bytes, waiting up to {@code millis} (0: not at all); null when
     * none came or the receiver closed.
     */
    private byte @Nullable [] recv(int millis) throws InterruptedException {
      lock.lock();
      try {
        if (closed.get()) {
          return null;
        }
        if (millis > 0) {
          socket.setReceiveTimeOut(millis);
          return socket.recv(0);
        }
        return socket.recv(ZMQ.DONTWAIT);
      } catch (ZMQException e) {
        if (e.getErrorCode() == ZMQ.Error.EINTR.getCode()) {
          throw new InterruptedException("Interrupted while receiving for agent '" + agentId + "'");
        }
        throw e;
      } finally {
        lock.unlock();
      }
    }

    /** The message, or null when the envelope is malformed (logged and dropped). */
    private @Nullable Message parse(byte[] bytes) {
      if (auth != null) {
        byte[] json = auth.verify(bytes);
        if (json == null) {
          log.warn(
              "Dropping a ZeroMQ envelope of {} bytes for agent '{}' at {}: it is not signed with"
                  + " the team's shared secret",
              bytes.length,
              agentId,
              endpoint);
          return null;
        }
        bytes = json;
      }
      try {
        Message m;
        if (MessageBinary.isBinary(bytes, bytes.length)) {
          synchronized (decoder) {
            m = decoder.decode(bytes, bytes.length);
          }
        } else {
          m = MessageJson.parse(bytes, agentId, null).message();
        }
        log.trace("Received {} for {} over ZeroMQ", m.id(), agentId);
        return m;
      } catch (RuntimeException e) {
        log.warn(
            "Dropping a malformed ZeroMQ envelope of {} bytes for agent '{}': {}",
            bytes.length,
            agentId,
            e.getMessage());
        return null;
      }
    }

    @Override
    public Optional<Message> poll() {
      requireOpen();
      try {
        byte[] bytes;
        while ((bytes = recv(0)) != null) {
          Message m = parse(bytes);
          if (m != null) {
            return Optional.of(m);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return Optional.empty();
    }

    @Override
    public Optional<Message> receive(Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!closed.get()) {
        long left = deadline - System.nanoTime();
        if (Thread.interrupted()) {
          throw new InterruptedException("Interrupted while receiving for agent '" + agentId + "'");
        }
        // Slices of at most RECEIVE_SLICE, so that close() gets the lock soon.
        int millis =
            (int) Math.min(RECEIVE_SLICE.toMillis(), (Math.max(0, left) + 999_999) / 1_000_000);
        byte[] bytes = recv(millis);
        if (bytes != null) {
          Message m = parse(bytes);
          if (m != null) {
            return Optional.of(m);
          }
        } else if (left <= 0) {
          break;
        }
      }
      return Optional.empty();
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        receivers.remove(agentId, this);
        endpoints.withdraw(agentId, TransportKind.ZMQ);
        lock.lock();
        try {
          zmq.destroySocket(socket);
        } finally {
          lock.unlock();
        }
        joinSubscriber();
      }
    }
  }

  private static String advertised(String host) {
    if (!"0.0.0.0".equals(host) && !"*".equals(host) && !host.isEmpty()) {
      return host;
    }
    try {
      InetAddress local = InetAddress.getLocalHost();
      if (!local.isLoopbackAddress()) {
        return local.getHostAddress();
      }
      // The host name maps to loopback (common on Debian): advertise the first non-loopback
      // IPv4 address of an interface that is up, so that other nodes can connect.
      for (java.net.NetworkInterface nif :
          java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
        if (!nif.isUp() || nif.isLoopback()) {
          continue;
        }
        for (InetAddress a : java.util.Collections.list(nif.getInetAddresses())) {
          if (a instanceof java.net.Inet4Address && !a.isLoopbackAddress()) {
            return a.getHostAddress();
          }
        }
      }
      return local.getHostAddress();
    } catch (UnknownHostException | java.net.SocketException e) {
      return "127.0.0.1";
    }
  }
}
