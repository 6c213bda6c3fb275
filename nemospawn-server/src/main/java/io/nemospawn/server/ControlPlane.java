package io.nemospawn.server;

import io.nemospawn.state.AccessKeys;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The control-plane server: UTF-8 NDJSON over TCP, a hello with an access key before any command
 * (unless started in the explicit insecure loopback mode), commands dispatched to registered
 * {@link ProtocolHandler}s, numbered events kept for replay.
 *
 * <p>Threads: one acceptor, and per client one reader (which runs that client's commands in
 * order) and one writer (which drains that client's bounded queue). The number of clients is
 * bounded ({@link Options#maxClients()}), so the number of threads is too; Java 17 has no virtual
 * threads and a selector loop would put every handler on one thread.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class ControlPlane implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControlPlane.class);

  /** The protocol string of the library API. */
  public static final String NEMOSPAWN_V1 = "nemospawn.v1";

  /** The protocol string of Codeswarm's router. */
  public static final String CODESWARM_V1 = "codeswarm.router.v1";

  /** The default port (Codeswarm's). */
  public static final int DEFAULT_PORT = 8765;

  /** The default host: loopback only. */
  public static final String DEFAULT_HOST = "127.0.0.1";

  /** The default longest line, 1 MiB. */
  public static final int DEFAULT_MAX_LINE_BYTES = 1 << 20;

  /** The default most clients at once. */
  public static final int DEFAULT_MAX_CLIENTS = 512;

  /** The default number of lines queued for one client before its events are dropped. */
  public static final int DEFAULT_CLIENT_QUEUE = 4096;

  /** The default number of events kept for replay. */
  public static final int DEFAULT_EVENT_RETENTION = 10_000;

  /**
   * How a control plane is started.
   *
   * @param host the address to listen on
   * @param port the port, 0 for an ephemeral one
   * @param dataDir the data directory (its {@code access-keys.json} holds the keys)
   * @param insecureLoopback whether to accept clients without a key; refused on a non-loopback
   *     address
   * @param maxLineBytes the longest line accepted
   * @param maxClients the most clients at once
   * @param clientQueue the lines queued for one client before its events are dropped
   * @param eventRetention the events kept for replay
   * @param helloTimeout how long a new client has to say hello
   */
  public record Options(
      String host,
      int port,
      Path dataDir,
      boolean insecureLoopback,
      int maxLineBytes,
      int maxClients,
      int clientQueue,
      int eventRetention,
      Duration helloTimeout) {
    /** Checks the values. */
    public Options {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(dataDir, "dataDir");
      Objects.requireNonNull(helloTimeout, "helloTimeout");
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("Invalid port " + port + "; use 0..65535");
      }
      if (maxLineBytes < 1024) {
        throw new IllegalArgumentException(
            "Invalid max line bytes " + maxLineBytes + "; use at least 1024");
      }
      if (maxClients < 1 || clientQueue < 16 || eventRetention < 1) {
        throw new IllegalArgumentException("Invalid limits: max clients " + maxClients
            + " (>= 1), client queue " + clientQueue + " (>= 16), event retention "
            + eventRetention + " (>= 1)");
      }
    }

    /** The defaults: {@value #DEFAULT_HOST}:{@value #DEFAULT_PORT}, keys required. */
    public static Options defaults(Path dataDir) {
      return new Options(
          DEFAULT_HOST,
          DEFAULT_PORT,
          dataDir,
          false,
          DEFAULT_MAX_LINE_BYTES,
          DEFAULT_MAX_CLIENTS,
          DEFAULT_CLIENT_QUEUE,
          DEFAULT_EVENT_RETENTION,
          Duration.ofSeconds(10));
    }

    /** Returns a copy listening on another address. */
    public Options withAddress(String h, int p) {
      return new Options(
          h,
          p,
          dataDir,
          insecureLoopback,
          maxLineBytes,
          maxClients,
          clientQueue,
          eventRetention,
          helloTimeout);
    }

    /** Returns a copy with the insecure loopback mode on or off. */
    public Options withInsecureLoopback(boolean on) {
      return new Options(
          host,
          port,
          dataDir,
          on,
          maxLineBytes,
          maxClients,
          clientQueue,
          eventRetention,
          helloTimeout);
    }

    /** Returns a copy with other limits. */
    public Options withLimits(int lineBytes, int clients, int queue, int retention) {
      return new Options(
          host,
          port,
          dataDir,
          insecureLoopback,
          lineBytes,
          clients,
          queue,
          retention,
          helloTimeout);
    }

    /** Returns a copy with another hello timeout. */
    public Options withHelloTimeout(Duration d) {
      return new Options(
          host,
          port,
          dataDir,
          insecureLoopback,
          maxLineBytes,
          maxClients,
          clientQueue,
          eventRetention,
          d);
    }
  }

  private final Options options;
  private final ServerSocket serverSocket;
  private final AccessKeys keys;
  private final io.nemospawn.state.Authorizer authorizer;
  private final EventLog events;
  private final String serverId = UUID.randomUUID().toString();
  private final Map<String, Map<String, ProtocolHandler>> handlers = new ConcurrentHashMap<>();
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final AtomicLong ids = new AtomicLong();
  private final Object inFlightLock = new Object();
  private int inFlight;
  private volatile boolean stopping;
  private final Thread acceptor;

  private ControlPlane(Options options, ServerSocket serverSocket) {
    this.options = options;
    this.serverSocket = serverSocket;
    this.keys = AccessKeys.of(options.dataDir());
    this.authorizer = io.nemospawn.state.Authorizer.of(options.dataDir());
    this.events = new EventLog(options.eventRetention());
    handlers.put(NEMOSPAWN_V1, new ConcurrentHashMap<>());
    handlers.put(CODESWARM_V1, new ConcurrentHashMap<>());
    this.acceptor = new Thread(this::acceptLoop, "nemospawn-cp-accept");
    acceptor.setDaemon(true);
  }

  /**
   * Starts a control plane with the given handlers.
   *
   * @param options where to listen and the limits
   * @param protocolHandlers the handlers (more may be {@linkplain #register registered} later)
   * @return the running server
   * @throws IllegalStateException when keys are required and the data directory holds none, or
   *     the insecure mode is asked for on a non-loopback address
   * @throws java.io.UncheckedIOException when the address cannot be bound
   */
  public static ControlPlane start(
      Options options, Collection<? extends ProtocolHandler> protocolHandlers) {
    Objects.requireNonNull(options, "options");
    InetAddress address;
    try {
      address = InetAddress.getByName(options.host());
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "Cannot resolve the control-plane host '" + options.host() + "': " + e.getMessage(), e);
    }
    if (options.insecureLoopback() && !address.isLoopbackAddress()) {
      throw new IllegalStateException("Refusing to accept clients without a key on "
          + options.host() + ", which is not a loopback address; the insecure mode is for"
          + " 127.0.0.1/::1 only");
    }
    if (!options.insecureLoopback() && !AccessKeys.of(options.dataDir()).hasKeys()) {
      throw new IllegalStateException(
          "No access key in " + AccessKeys.of(options.dataDir()).file()
              + "; generate one first (ControlPlane.ensureKey)");
    }
    ServerSocket ss;
    try {
      ss = new ServerSocket();
      ss.setReuseAddress(true);
      ss.bind(new InetSocketAddress(address, options.port()), 256);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(
          "Cannot listen on " + options.host() + ":" + options.port() + ": " + e.getMessage(), e);
    }
    ControlPlane cp = new ControlPlane(options, ss);
    for (ProtocolHandler h : protocolHandlers) {
      cp.register(h);
    }
    cp.acceptor.start();
    LOG.info("control plane listening on {}", cp.url());
    return cp;
  }

  /**
   * Generates an access key in a data directory that holds none.
   *
   * @param dataDir the data directory
   * @return the new key (shown this once), or empty when one existed
   */
  public static Optional<String> ensureKey(Path dataDir) {
    return AccessKeys.of(dataDir).generateIfEmpty();
  }

  /**
   * Registers a handler for its protocol's commands; a new protocol string becomes known.
   *
   * @param handler the handler
   * @throws IllegalArgumentException when another handler already answers one of its commands
   */
  public void register(ProtocolHandler handler) {
    Objects.requireNonNull(handler, "handler");
    Map<String, ProtocolHandler> m =
        handlers.computeIfAbsent(handler.protocol(), k -> new ConcurrentHashMap<>());
    synchronized (m) {
      for (String c : handler.commands()) {
        ProtocolHandler old = m.get(c);
        if (old != null && old != handler) {
          throw new IllegalArgumentException("The command '" + c + "' of " + handler.protocol()
              + " is already answered by " + old.getClass().getName());
        }
        if (c.equals("hello") || c.equals("subscribe")) {
          throw new IllegalArgumentException("The command '" + c + "' is the server's own");
        }
      }
      for (String c : handler.commands()) {
        m.put(c, handler);
      }
    }
  }

  /**
   * Publishes an event to every client subscribed to a protocol, from outside a command (a
   * background job); numbered and kept for replay.
   *
   * @return its sequence number
   */
  public long publish(String protocol, String event, ObjectNode data) {
    return events.publish(protocol, event, data);
  }

  /** The port it listens on (the real one when 0 was asked for). */
  public int port() {
    return serverSocket.getLocalPort();
  }

  /** The host it listens on. */
  public String host() {
    return options.host();
  }

  /** {@code tcp://host:port}. */
  public URI url() {
    String h = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
    return URI.create("tcp://" + h + ":" + port());
  }

  /** The options it was started with. */
  public Options options() {
    return options;
  }

  /** The number of clients connected now. */
  public int clients() {
    return connections.size();
  }

  /** The sequence number of the newest event. */
  public long lastSeq() {
    return events.lastSeq();
  }

  Set<String> protocols() {
    return new TreeSet<>(handlers.keySet());
  }

  Set<String> commands(String protocol) {
    Map<String, ProtocolHandler> m = handlers.get(protocol);
    return m == null ? Set.of() : new TreeSet<>(m.keySet());
  }

  @Nullable
  ProtocolHandler handler(String protocol, String command) {
    Map<String, ProtocolHandler> m = handlers.get(protocol);
    return m == null ? null : m.get(command);
  }

  EventLog events() {
    return events;
  }

  String serverId() {
    return serverId;
  }

  /** Who {@code key} acts for, or empty when it is unknown or revoked. */
  java.util.Optional<io.nemospawn.Principal> identify(String key) {
    return keys.identify(key);
  }

  /** The role checks of the data directory (they pass while its {@code auth} setting is off). */
  io.nemospawn.state.Authorizer authorizer() {
    return authorizer;
  }

  Path keyFile() {
    return keys.file();
  }

  boolean enter() {
    synchronized (inFlightLock) {
      if (stopping) {
        return false;
      }
      inFlight++;
      return true;
    }
  }

  void leave() {
    synchronized (inFlightLock) {
      inFlight--;
      inFlightLock.notifyAll();
    }
  }

  void removed(Connection c) {
    connections.remove(c);
  }

  private void acceptLoop() {
    while (!serverSocket.isClosed()) {
      Socket s;
      try {
        s = serverSocket.accept();
      } catch (SocketException e) {
        break;
      } catch (IOException e) {
        LOG.warn("control plane accept failed: {}", e.toString());
        continue;
      }
      if (connections.size() >= options.maxClients() || stopping) {
        refuse(
            s,
            stopping
                ? "the server is shutting down"
                : "too many clients (the limit is " + options.maxClients() + "); try again later");
        continue;
      }
      try {
        s.setTcpNoDelay(true);
      } catch (SocketException e) {
        LOG.debug("TCP_NODELAY: {}", e.toString());
      }
      Connection c = new Connection(this, s, ids.incrementAndGet());
      connections.add(c);
      c.start();
    }
  }

  private static void refuse(Socket s, String reason) {
    try (s;
        OutputStream os = s.getOutputStream()) {
      ObjectNode d = Wire.rejection(null, "refused", reason, null);
      os.write(Connection.encode(Wire.event(CODESWARM_V1, "command_rejected", d, 0)));
      os.write('\n');
      os.flush();
    } catch (IOException e) {
      LOG.debug("refusing a client: {}", e.toString());
    }
  }

  /**
   * Stops gracefully: no new clients or commands; commands already running finish (up to 10
   * s), queued lines are flushed (up to 2 s), then every connection is closed.
   */
  @Override
  public void close() {
    synchronized (inFlightLock) {
      if (stopping) {
        return;
      }
      stopping = true;
    }
    try {
      serverSocket.close();
    } catch (IOException e) {
      LOG.debug("closing the server socket: {}", e.toString());
    }
    // The JDK closes a listening socket that a thread is blocked accepting on only when that
    // thread wakes: until the acceptor has ended, the port still completes handshakes (a client
    // connecting right after "Stopped" got in; WebCommandTest), and a client it accepts then would
    // miss the list below.
    // An interrupted caller (Ctrl-C of `nemospawn web`) still waits; the flag is kept.
    boolean interrupted = false;
    long acceptorEnd = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (Thread.currentThread() != acceptor
        && acceptor.isAlive()
        && System.nanoTime() < acceptorEnd) {
      try {
        acceptor.join(100);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    List<Connection> all = new ArrayList<>(connections);
    for (Connection c : all) {
      c.stopReading();
    }
    long end = System.currentTimeMillis() + 10_000;
    synchronized (inFlightLock) {
      while (inFlight > 0 && System.currentTimeMillis() < end) {
        try {
          inFlightLock.wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    for (Connection c : all) {
      ObjectNode d = Wire.MAPPER.createObjectNode();
      d.put("reason", "the server is shutting down");
      d.put("last_seq", events.lastSeq());
      c.send(c.protocolOr(NEMOSPAWN_V1), "server_closing", d);
      c.drain(2000);
      c.close();
    }
    LOG.info("control plane on port {} stopped", port());
  }

  @Override
  public String toString() {
    return "ControlPlane[" + url() + (options.insecureLoopback() ? " insecure-loopback" : "") + "]";
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
