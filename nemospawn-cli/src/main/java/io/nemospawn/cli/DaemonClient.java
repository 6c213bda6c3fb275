package io.nemospawn.cli;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Java client of the {@link Daemon}: {@code nemospawn daemon status|stop} use it, and so do the
 * tests and the JMH benchmark of a forwarded call. {@code bin/nemospawn} speaks the same protocol
 * in bash.
 *
 * <p>Thread-safe: it holds no state beyond the run file it read.
 */
final class DaemonClient {
  private static final AtomicLong IDS = new AtomicLong();

  private final DaemonFile file;

  private DaemonClient(DaemonFile file) {
    this.file = file;
  }

  /** Returns a client of the daemon that serves {@code dataDir}, if its run file exists. */
  static Optional<DaemonClient> find(Path dataDir) throws IOException {
    return DaemonFile.read(Daemon.runDir(dataDir)).map(DaemonClient::new);
  }

  DaemonFile file() {
    return file;
  }

  /** The exit code and output of a forwarded call; {@code ran} false when the daemon declined. */
  record Result(boolean ran, int code, String out, String err) {}

  /** Returns the daemon's answer to {@code status}: pid, calls served, start time. */
  List<String> status() throws IOException {
    try (Socket s = connect("status", "s")) {
      InputStream in = new BufferedInputStream(s.getInputStream());
      List<String> fields = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        fields.add(Daemon.Fields.string(Daemon.Fields.read(in, 1024)));
      }
      return fields;
    }
  }

  /** Asks the daemon to stop and waits up to {@code timeout} for its process to end. */
  boolean stop(Duration timeout) throws IOException, InterruptedException {
    try (Socket s = connect("stop", "s")) {
      Daemon.Fields.read(new BufferedInputStream(s.getInputStream()), 64);
    }
    Optional<ProcessHandle> p = ProcessHandle.of(file.pid());
    long deadline = System.nanoTime() + timeout.toNanos();
    while (p.isPresent() && p.get().isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    return p.isEmpty() || !p.get().isAlive();
  }

  /** Forwards one command line with the given environment and working directory. */
  Result call(List<String> args, Map<String, String> env, Path cwd) throws IOException {
    String id = ProcessHandle.current().pid() + "-j" + IDS.incrementAndGet();
    try (Socket control = connect("call", id)) {
      InputStream in = new BufferedInputStream(control.getInputStream());
      String proof = Daemon.Fields.string(Daemon.Fields.read(in, 256));
      if (!proof.equals(file.serverToken())) {
        throw new IOException("Port " + file.port() + " does not answer as the daemon does");
      }
      OutputStream o = new BufferedOutputStream(control.getOutputStream());
      Daemon.Fields.write(o, cwd.toString());
      Daemon.Fields.write(o, "000");
      Daemon.Fields.write(o, Integer.toString(env.size()));
      for (Map.Entry<String, String> e : env.entrySet()) {
        Daemon.Fields.write(o, e.getKey() + "=" + e.getValue());
      }
      Daemon.Fields.write(o, Integer.toString(args.size()));
      for (String a : args) {
        Daemon.Fields.write(o, a);
      }
      o.flush();
      String verdict = Daemon.Fields.string(Daemon.Fields.read(in, 64));
      if (!verdict.equals("run")) {
        return new Result(false, -1, "", "");
      }
      try (Socket out = connect("out", id);
          Socket err = connect("err", id)) {
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        Thread pump = new Thread(() -> {
          try {
            err.getInputStream().transferTo(errBytes);
          } catch (IOException ignored) {
            // The daemon closed the stream.
          }
        });
        pump.start();
        byte[] outBytes = out.getInputStream().readAllBytes();
        try {
          pump.join();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
        Daemon.Fields.read(in, 64);
        int code = Integer.parseInt(Daemon.Fields.string(Daemon.Fields.read(in, 16)));
        return new Result(
            true,
            code,
            new String(outBytes, StandardCharsets.UTF_8),
            errBytes.toString(StandardCharsets.UTF_8));
      }
    }
  }

  private Socket connect(String kind, String id) throws IOException {
    Socket s = new Socket();
    s.setTcpNoDelay(true);
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), file.port()), 5_000);
    OutputStream o = new BufferedOutputStream(s.getOutputStream());
    Daemon.Fields.write(o, Daemon.MAGIC);
    Daemon.Fields.write(o, file.clientToken());
    Daemon.Fields.write(o, kind);
    Daemon.Fields.write(o, id);
    o.flush();
    return s;
  }

  /** The run file: {@code PORT CLIENT_TOKEN SERVER_TOKEN PID}. */
  record DaemonFile(int port, String clientToken, String serverToken, long pid) {
    static Optional<DaemonFile> read(Path runDir) throws IOException {
      String line;
      try {
        line = Files.readString(runDir.resolve("daemon")).trim();
      } catch (NoSuchFileException e) {
        return Optional.empty();
      }
      String[] f = line.split(" ");
      if (f.length != 4) {
        return Optional.empty();
      }
      try {
        return Optional.of(
            new DaemonFile(Integer.parseInt(f[0]), f[1], f[2], Long.parseLong(f[3])));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }

    boolean isAlive() {
      return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
  }
}
