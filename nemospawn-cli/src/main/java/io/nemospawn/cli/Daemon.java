package io.nemospawn.cli;

import io.nemospawn.spi.Environment;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Help;

/**
 * The resident process that runs {@code nemospawn} commands in a warm JVM, so that an agent's
 * {@code task update} costs a round trip over loopback instead of a JVM start. {@code
 * bin/nemospawn} forwards a call to it when one runs for the data directory and falls back to a
 * JVM of its own when none runs or the daemon declines the command.
 *
 * <p><b>Files.</b> {@code DATA_DIR/run/} (mode 0700) holds {@code daemon} (mode 0600, one line:
 * {@code PORT CLIENT_TOKEN SERVER_TOKEN PID}) and {@code daemon.log}. Both tokens are 128 random
 * bits, new for every start.
 *
 * <p><b>Protocol</b> (every field ends with a NUL byte, so bash writes it with {@code printf
 * '%s\0'} and reads it with {@code read -d ''}). A client connects to 127.0.0.1:PORT and sends
 * {@code NEMOSPAWN1}, the client token, a kind and a call id. The daemon closes any connection
 * whose token is wrong or whose peer belongs to another user. Kinds:
 *
 * <ul>
 *   <li>{@code call}: the daemon answers the server token (the client checks it before sending
 *       anything else, so a stranger listening on a reused port learns nothing). The client sends
 *       its working directory, three flags {@code 0}/{@code 1} telling whether its stdin, stdout
 *       and stderr are terminals, the number of environment entries, the entries {@code
 *       NAME=VALUE}, the number of arguments and the arguments. The daemon answers {@code
 *       fallback} (nothing ran; the client runs the command itself) or {@code run}; after {@code
 *       run} it waits for the two stream connections of the call, runs the command with the
 *       caller's environment and working directory, and answers {@code exit} and the exit code.
 *       A client that disconnects before the end interrupts its command.
 *   <li>{@code out}, {@code err}: the daemon writes the call's standard output or error to this
 *       connection and closes it when the command ends.
 *   <li>{@code status}: the daemon answers {@code ok}, its pid, the calls served and its start
 *       time.
 *   <li>{@code stop}: the daemon answers {@code stopping} and exits once running calls end.
 * </ul>
 *
 * <p>Thread-safe: every connection has a thread of its own; commands run concurrently, as they do
 * in separate processes (the state store locks across threads and processes alike).
 */
final class Daemon implements AutoCloseable {
  static final String MAGIC = "NEMOSPAWN1";

  /**
   * The command groups the daemon runs. They read and write the data directory only; the others
   * start processes that must inherit the caller's environment (spawn, launch, workspace, hpo,
   * gpu), read stdin (profile), write into the caller's home (skill), run until interrupted
   * (watch) or manage the daemon itself, so the launcher runs those in a JVM of their own.
   */
  static final Set<String> GROUPS = Set.of(
      "team", "agent", "task", "inbox", "plan", "lifecycle", "artifact", "config", "version");

  private static final int MAX_FIELD_BYTES = 1 << 20;
  private static final int MAX_FIELDS = 100_000;
  private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration POLL = Duration.ofSeconds(2);

  private final Path runDir;
  private final Path runFile;
  private final ServerSocket server;
  private final byte[] clientToken;
  private final String serverToken;
  private final String runLine;
  private final Duration idleTimeout;
  private final Instant started = Instant.now();
  private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
  private final ExecutorService threads;
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicLong served = new AtomicLong();
  private final AtomicLong lastActivityNanos = new AtomicLong(System.nanoTime());
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final long uid;
  private volatile boolean stopping;

  private Daemon(Path runDir, ServerSocket server, Duration idleTimeout) {
    this.runDir = runDir;
    this.runFile = runDir.resolve("daemon");
    this.server = server;
    this.idleTimeout = idleTimeout;
    SecureRandom random = new SecureRandom();
    this.clientToken = token(random).getBytes(StandardCharsets.US_ASCII);
    this.serverToken = token(random);
    this.runLine = server.getLocalPort()
        + " "
        + new String(clientToken, StandardCharsets.US_ASCII)
        + " "
        + serverToken
        + " "
        + ProcessHandle.current().pid()
        + "\n";
    AtomicInteger n = new AtomicInteger();
    this.threads = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "nemospawn-daemon-conn-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.uid = PeerCredentials.ownUid();
  }

  /** Returns the run directory of a data directory. */
  static Path runDir(Path dataDir) {
    return dataDir.resolve("run");
  }

  /**
   * Binds 127.0.0.1 on a free port, publishes the run file and serves until {@link #close()}, a
   * {@code stop} call, {@code idleTimeout} without calls (zero: never) or the run file's removal.
   *
   * @throws IOException when the run directory cannot be made private or the port not bound
   * @throws IllegalStateException when another daemon already serves this data directory
   */
  static Daemon start(Path dataDir, Duration idleTimeout) throws IOException {
    Path runDir = runDir(dataDir);
    privateDirectory(runDir);
    DaemonClient.DaemonFile existing = DaemonClient.DaemonFile.read(runDir).orElse(null);
    if (existing != null && DaemonCommand.live(dataDir).isPresent()) {
      throw new IllegalStateException("A daemon already runs for data directory '" + dataDir
          + "' (pid " + existing.pid() + ", port " + existing.port()
          + "); stop it first with: nemospawn daemon stop");
    }
    CallStreams.install();
    ServerSocket server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    Daemon d = new Daemon(runDir, server, idleTimeout);
    d.publish();
    Thread accept = new Thread(d::acceptLoop, "nemospawn-daemon-accept");
    accept.setDaemon(true);
    accept.start();
    Thread watch = new Thread(d::watchLoop, "nemospawn-daemon-watch");
    watch.setDaemon(true);
    watch.start();
    return d;
  }

  /** Returns the port the daemon listens on. */
  int port() {
    return server.getLocalPort();
  }

  /** Blocks until the daemon has stopped. */
  void awaitStop() throws InterruptedException {
    stopped.await();
  }

  /** Stops accepting calls, waits up to 10 seconds for running calls, removes the run file. */
  @Override
  public void close() {
    if (stopping) {
      stopped.countDown();
      return;
    }
    stopping = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // Closing a server socket that is already closed.
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (running.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    try {
      if (Files.exists(runFile) && runLine.equals(Files.readString(runFile))) {
        Files.deleteIfExists(runFile);
      }
    } catch (IOException ignored) {
      // The run file is gone already, or the data directory with it.
    }
    threads.shutdownNow();
    stopped.countDown();
  }

  private void publish() throws IOException {
    Path tmp = runDir.resolve(".daemon-" + ProcessHandle.current().pid() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(
        tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tmp, runLine);
    try {
      Files.move(tmp, runFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, runFile, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Creates {@code dir} with mode 0700, or checks that it is ours and makes it 0700. */
  static void privateDirectory(Path dir) throws IOException {
    Files.createDirectories(dir.getParent());
    try {
      Files.createDirectory(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (java.nio.file.FileAlreadyExistsException e) {
      Object owner = Files.getAttribute(dir, "unix:uid");
      if (owner instanceof Integer o && o.longValue() != PeerCredentials.ownUid()) {
        throw new IOException("Run directory '" + dir + "' belongs to uid " + o
            + ", not to this user; remove it or use another data directory");
      }
    }
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
  }

  private void acceptLoop() {
    while (!stopping) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        if (!stopping) {
          System.err.println("nemospawn daemon: accept failed: " + e);
          close();
        }
        return;
      }
      lastActivityNanos.set(System.nanoTime());
      try {
        threads.execute(() -> handle(s));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        closeQuietly(s);
      }
    }
  }

  /** Stops the daemon when idle for too long or when its run file was removed or replaced. */
  private void watchLoop() {
    while (!stopping) {
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      boolean ours;
      try {
        ours = Files.exists(runFile) && runLine.equals(Files.readString(runFile));
      } catch (IOException e) {
        ours = false;
      }
      long idleNanos = System.nanoTime() - lastActivityNanos.get();
      boolean idle =
          !idleTimeout.isZero() && running.get() == 0 && idleNanos > idleTimeout.toNanos();
      if (!ours || idle) {
        System.err.println("nemospawn daemon: stopping: "
            + (ours ? "idle for " + idleTimeout.toSeconds() + " s" : runFile + " was removed"));
        close();
        return;
      }
    }
  }

  private void handle(Socket s) {
    boolean keep = false;
    try {
      s.setSoTimeout((int) HANDSHAKE_TIMEOUT.toMillis());
      s.setTcpNoDelay(true);
      InputStream in = new BufferedInputStream(s.getInputStream());
      byte[] magic = Fields.read(in, 64);
      byte[] token = Fields.read(in, 256);
      if (!MAGIC.equals(new String(magic, StandardCharsets.US_ASCII))
          || !MessageDigest.isEqual(token, clientToken)) {
        return;
      }
      String kind = Fields.string(Fields.read(in, 64));
      String id = Fields.string(Fields.read(in, 256));
      // The stream connections of a call only receive its output, and only a call that passed
      // this check runs: the kernel's socket table is read once per call, not three times.
      if (!kind.equals("out") && !kind.equals("err") && !PeerCredentials.sameUser(s, uid)) {
        return;
      }
      switch (kind) {
        case "call":
          call(s, in, id);
          break;
        case "out":
        case "err":
          keep = true;
          pending.computeIfAbsent(id, k -> new Pending()).stream(kind).complete(s);
          break;
        case "status":
          reply(
              s,
              "ok",
              Long.toString(ProcessHandle.current().pid()),
              Long.toString(served.get()),
              started.toString());
          break;
        case "stop":
          reply(s, "stopping");
          Thread t = new Thread(this::close, "nemospawn-daemon-stop");
          t.setDaemon(false);
          t.start();
          break;
        default:
          break;
      }
    } catch (IOException | RuntimeException e) {
      // A client that went away or sent garbage: its connection is closed below.
    } finally {
      if (!keep) {
        closeQuietly(s);
      }
    }
  }

  private void call(Socket s, InputStream in, String id) throws IOException {
    OutputStream control = new BufferedOutputStream(s.getOutputStream());
    Fields.write(control, serverToken);
    control.flush();
    byte[] cwdBytes = Fields.read(in, MAX_FIELD_BYTES);
    String ttys = Fields.string(Fields.read(in, 16));
    int envCount = Fields.count(in, MAX_FIELDS);
    List<byte[]> envRaw = new ArrayList<>(envCount);
    for (int i = 0; i < envCount; i++) {
      envRaw.add(Fields.read(in, MAX_FIELD_BYTES));
    }
    int argc = Fields.count(in, MAX_FIELDS);
    List<byte[]> argsRaw = new ArrayList<>(argc);
    for (int i = 0; i < argc; i++) {
      argsRaw.add(Fields.read(in, MAX_FIELD_BYTES));
    }
    Charset cs = Locales.charset(envRaw);
    Map<String, String> env = new HashMap<>();
    for (byte[] e : envRaw) {
      String entry = new String(e, cs);
      int eq = entry.indexOf('=');
      if (eq > 0) {
        env.put(entry.substring(0, eq), entry.substring(eq + 1));
      }
    }
    String[] args = new String[argc];
    for (int i = 0; i < argc; i++) {
      args[i] = new String(argsRaw.get(i), cs);
    }
    Path cwd = Path.of(new String(cwdBytes, cs));
    if (!cwd.isAbsolute() || !runsHere(args)) {
      Fields.write(control, "fallback");
      control.flush();
      return;
    }
    Pending p = pending.computeIfAbsent(id, k -> new Pending());
    Socket out = null;
    Socket err = null;
    running.incrementAndGet();
    try {
      Fields.write(control, "run");
      control.flush();
      try {
        out = p.out.get(HANDSHAKE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        err = p.err.get(HANDSHAKE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      int code = run(s, out, err, args, env, cwd, ttys, cs);
      Fields.write(control, "exit");
      Fields.write(control, Integer.toString(code));
      control.flush();
    } finally {
      pending.remove(id);
      p.out.cancel(false);
      p.err.cancel(false);
      closeQuietly(out);
      closeQuietly(err);
      p.out.thenAccept(Daemon::closeQuietly);
      p.err.thenAccept(Daemon::closeQuietly);
      served.incrementAndGet();
      lastActivityNanos.set(System.nanoTime());
      running.decrementAndGet();
    }
  }

  /** Returns whether the daemon runs this command line (else the client runs it itself). */
  static boolean runsHere(String[] args) {
    for (String a : args) {
      if (a.startsWith("-")) {
        // Root options (--help, --version) print the same text here as in a process of its own.
        continue;
      }
      return GROUPS.contains(a);
    }
    return true;
  }

  private static int run(
      Socket control,
      Socket outSocket,
      Socket errSocket,
      String[] args,
      Map<String, String> env,
      Path cwd,
      String ttys,
      Charset cs)
      throws IOException {
    OutputStream out = new BufferedOutputStream(outSocket.getOutputStream());
    OutputStream err = new BufferedOutputStream(errSocket.getOutputStream());
    PrintWriter outWriter = new PrintWriter(new OutputStreamWriter(out, cs), true);
    PrintWriter errWriter = new PrintWriter(new OutputStreamWriter(err, cs), true);
    Thread runner = Thread.currentThread();
    // The client keeps the control connection open until it has the exit code: its end means
    // the caller is gone (Ctrl-C, killed), and a waiting command is interrupted.
    control.setSoTimeout(0);
    AtomicInteger done = new AtomicInteger();
    Thread hangup = new Thread(
        () -> {
          try {
            int b = control.getInputStream().read();
            if (b < 0 && done.get() == 0) {
              runner.interrupt();
            }
          } catch (IOException ignored) {
            // The connection closed after the command ended.
          }
        },
        "nemospawn-daemon-hangup");
    hangup.setDaemon(true);
    hangup.start();
    CallStreams.bind(out, err);
    int code;
    try {
      code = Environment.call(env, cwd, () -> {
        CommandLine cl = Main.commandLine(args);
        cl.setOut(outWriter);
        cl.setErr(errWriter);
        cl.setColorScheme(Help.defaultColorScheme(ansi(env, ttys)));
        return cl.execute(args);
      });
    } catch (Exception | Error e) {
      // What an uncaught exception prints in a process of its own.
      errWriter.print("Exception in thread \"main\" ");
      e.printStackTrace(errWriter);
      code = ExitCodes.FAILURE;
    } finally {
      done.set(1);
      CallStreams.unbind();
      Thread.interrupted();
    }
    outWriter.flush();
    errWriter.flush();
    return code;
  }

  /** Picks colours as picocli's {@code Ansi.AUTO} would in the caller's own process. */
  static Help.Ansi ansi(Map<String, String> env, String ttys) {
    if (env.get("NO_COLOR") != null) {
      return Help.Ansi.OFF;
    }
    String force = env.get("CLICOLOR_FORCE");
    if (force != null && !"0".equals(force)) {
      return Help.Ansi.ON;
    }
    if ("0".equals(env.get("CLICOLOR"))) {
      return Help.Ansi.OFF;
    }
    // System.console() exists when stdin and stdout are terminals.
    return ttys.length() >= 2 && ttys.charAt(0) == '1' && ttys.charAt(1) == '1'
        ? Help.Ansi.ON
        : Help.Ansi.OFF;
  }

  private static void reply(Socket s, String... fields) throws IOException {
    OutputStream o = new BufferedOutputStream(s.getOutputStream());
    for (String f : fields) {
      Fields.write(o, f);
    }
    o.flush();
  }

  private static String token(SecureRandom random) {
    byte[] b = new byte[16];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  static void closeQuietly(@Nullable Socket s) {
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // Already closed.
      }
    }
  }

  /** The two stream connections of one call, which arrive on their own. */
  private static final class Pending {
    final CompletableFuture<Socket> out = new CompletableFuture<>();
    final CompletableFuture<Socket> err = new CompletableFuture<>();

    CompletableFuture<Socket> stream(String kind) {
      return "out".equals(kind) ? out : err;
    }
  }

  /** NUL-terminated fields. */
  static final class Fields {
    private Fields() {}

    static byte[] read(InputStream in, int max) throws IOException {
      java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
      while (true) {
        int c;
        try {
          c = in.read();
        } catch (SocketTimeoutException e) {
          throw new EOFException("timed out");
        }
        if (c < 0) {
          throw new EOFException();
        }
        if (c == 0) {
          return b.toByteArray();
        }
        if (b.size() >= max) {
          throw new IOException("field longer than " + max + " bytes");
        }
        b.write(c);
      }
    }

    static String string(byte[] b) {
      return new String(b, StandardCharsets.UTF_8);
    }

    static int count(InputStream in, int max) throws IOException {
      String s = string(read(in, 16));
      int n;
      try {
        n = Integer.parseInt(s);
      } catch (NumberFormatException e) {
        throw new IOException("not a count: " + s);
      }
      if (n < 0 || n > max) {
        throw new IOException("count out of range: " + n);
      }
      return n;
    }

    static void write(OutputStream o, String s) throws IOException {
      write(o, s.getBytes(StandardCharsets.UTF_8));
    }

    static void write(OutputStream o, byte[] b) throws IOException {
      o.write(b);
      o.write(0);
    }
  }

  /** The charset a JVM started with the caller's locale would use for argv and standard output. */
  static final class Locales {
    private Locales() {}

    static Charset charset(List<byte[]> env) {
      String lcAll = null;
      String lcCtype = null;
      String lang = null;
      for (byte[] e : env) {
        String s = new String(e, StandardCharsets.ISO_8859_1);
        if (s.startsWith("LC_ALL=")) {
          lcAll = s.substring(7);
        } else if (s.startsWith("LC_CTYPE=")) {
          lcCtype = s.substring(9);
        } else if (s.startsWith("LANG=")) {
          lang = s.substring(5);
        }
      }
      String callers = first(lcAll, lcCtype, lang);
      String own = first(System.getenv("LC_ALL"), System.getenv("LC_CTYPE"), System.getenv("LANG"));
      if (callers.equals(own)) {
        // Same locale as the daemon: the daemon's own encoding is exactly what the caller's JVM
        // would pick, even for a locale that is not installed.
        return Charset.defaultCharset();
      }
      return of(callers);
    }

    static Charset of(String locale) {
      if (locale.isEmpty() || locale.equals("C") || locale.equals("POSIX")) {
        return StandardCharsets.US_ASCII;
      }
      int dot = locale.indexOf('.');
      if (dot < 0) {
        return StandardCharsets.ISO_8859_1;
      }
      String codeset = locale.substring(dot + 1);
      int at = codeset.indexOf('@');
      if (at >= 0) {
        codeset = codeset.substring(0, at);
      }
      String c = codeset.toLowerCase(Locale.ROOT);
      if (c.equals("utf8") || c.equals("utf-8")) {
        return StandardCharsets.UTF_8;
      }
      try {
        return Charset.forName(codeset);
      } catch (RuntimeException e) {
        return Charset.defaultCharset();
      }
    }

    private static String first(@Nullable String... values) {
      for (String v : values) {
        if (v != null && !v.isEmpty()) {
          return v;
        }
      }
      return "";
    }
  }

  /** Who is at the other end of a loopback connection, from {@code /proc/net/tcp}. */
  static final class PeerCredentials {
    private static final java.util.regex.Pattern SPACES = java.util.regex.Pattern.compile("\\s+");

    private PeerCredentials() {}

    static long ownUid() {
      try {
        Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        return uid instanceof Integer i ? i.longValue() : -1;
      } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
        return -1;
      }
    }

    /**
     * Returns false when the kernel's socket table says the peer's socket belongs to another
     * user; true when it belongs to {@code uid} or the table cannot be read (the token still
     * guards the daemon then).
     */
    static boolean sameUser(Socket s, long uid) {
      if (uid < 0) {
        return true;
      }
      int peerPort = s.getPort();
      int ourPort = s.getLocalPort();
      for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
        List<String> lines;
        try {
          lines = Files.readAllLines(Path.of(table), StandardCharsets.US_ASCII);
        } catch (IOException e) {
          continue;
        }
        for (int i = 1; i < lines.size(); i++) {
          String[] f = SPACES.split(lines.get(i).trim());
          if (f.length > 7 && port(f[1]) == peerPort && port(f[2]) == ourPort) {
            try {
              return Long.parseLong(f[7]) == uid;
            } catch (NumberFormatException e) {
              return true;
            }
          }
        }
      }
      return true;
    }

    private static int port(String address) {
      int colon = address.lastIndexOf(':');
      try {
        return Integer.parseInt(address.substring(colon + 1), 16);
      } catch (NumberFormatException e) {
        return -1;
      }
    }
  }
}
