package io.nemospawn.benchmarks;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Measures one {@code nemospawn task update ID --val-loss X} as an agent makes it:
 *
 * <ul>
 *   <li>{@code socket}: the daemon's round trip alone (a Java client speaking its protocol: three
 *       loopback connections, the call, stdout, stderr and the exit code);
 *   <li>{@code launcher-daemon}: the whole process, {@code bin/nemospawn} forwarding to the daemon;
 *   <li>{@code launcher-jvm}: the whole process, {@code bin/nemospawn} starting a JVM of its own
 *       ({@code NEMOSPAWN_DAEMON=off}, AppCDS archive as it is).
 * </ul>
 *
 * <p>Needs the shaded jar ({@code ./mvnw -B -q -pl nemospawn-cli -am package -DskipTests}); run
 * from the repository root (or set {@code -Dnemospawn.root=DIR}): {@code java -jar
 * nemospawn-benchmarks/target/benchmarks.jar CliCallBenchmark -f 1 -wi 2 -i 3 -w 2s -r 2s}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class CliCallBenchmark {
  @Param({"socket", "launcher-daemon", "launcher-jvm"})
  public String path;

  private Path root;
  private Path data;
  private String task;
  private int port;
  private String clientToken;
  private String serverToken;
  private int n;

  @Setup
  public void start() throws Exception {
    root = Path.of(System.getProperty("nemospawn.root", ".")).toAbsolutePath().normalize();
    if (!Files.isRegularFile(root.resolve("nemospawn-cli/target/nemospawn.jar"))) {
      throw new IllegalStateException("No " + root.resolve("nemospawn-cli/target/nemospawn.jar")
          + "; build it, and run from the repository root or set -Dnemospawn.root");
    }
    data = Files.createTempDirectory("nemospawn-cli-bench-");
    launcher(false, "config", "set", "durability", "none");
    launcher(false, "team", "create", "bench");
    Matcher m = Pattern.compile("\"task_id\" : \"([^\"]+)\"")
        .matcher(launcher(false, "task", "create", "--team", "bench", "--title", "b", "--json"));
    if (!m.find()) {
      throw new IllegalStateException("task create printed no task_id");
    }
    task = m.group(1);
    launcher(false, "daemon", "start", "--idle-timeout", "0");
    String[] f = Files.readString(data.resolve("run/daemon")).trim().split(" ");
    port = Integer.parseInt(f[0]);
    clientToken = f[1];
    serverToken = f[2];
  }

  @Benchmark
  public int taskUpdate() throws Exception {
    String value = "0." + (++n % 1000);
    List<String> args = List.of("task", "update", "--team", "bench", task, "--val-loss", value);
    switch (path) {
      case "socket":
        return socketCall(args);
      case "launcher-daemon":
        return launcher(true, args.toArray(String[]::new)).length();
      default:
        return launcher(false, args.toArray(String[]::new)).length();
    }
  }

  @TearDown
  public void stop() throws Exception {
    launcher(false, "daemon", "stop");
  }

  private String launcher(boolean daemon, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(root.resolve("bin/nemospawn").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("NEMOSPAWN_DATA_DIR", data.toString());
    env.put("NEMOSPAWN_DAEMON", daemon ? "on" : "off");
    Process p = pb.start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("nemospawn " + String.join(" ", args) + " failed: " + out);
    }
    return out;
  }

  private int socketCall(List<String> args) throws IOException {
    String id = "bench-" + n;
    try (Socket control = connect("call", id)) {
      InputStream in = new BufferedInputStream(control.getInputStream());
      if (!read(in).equals(serverToken)) {
        throw new IllegalStateException("not the daemon");
      }
      OutputStream o = new BufferedOutputStream(control.getOutputStream());
      write(o, data.toString());
      write(o, "000");
      write(o, "1");
      write(o, "NEMOSPAWN_DATA_DIR=" + data);
      write(o, Integer.toString(args.size()));
      for (String a : args) {
        write(o, a);
      }
      o.flush();
      if (!read(in).equals("run")) {
        throw new IllegalStateException("the daemon declined task update");
      }
      try (Socket out = connect("out", id);
          Socket err = connect("err", id)) {
        out.getInputStream().readAllBytes();
        err.getInputStream().readAllBytes();
      }
      read(in);
      return Integer.parseInt(read(in));
    }
  }

  private Socket connect(String kind, String id) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
    s.setTcpNoDelay(true);
    OutputStream o = new BufferedOutputStream(s.getOutputStream());
    write(o, "NEMOSPAWN1");
    write(o, clientToken);
    write(o, kind);
    write(o, id);
    o.flush();
    return s;
  }

  private static void write(OutputStream o, String s) throws IOException {
    o.write(s.getBytes(StandardCharsets.UTF_8));
    o.write(0);
  }

  private static String read(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int c = in.read(); c != 0; c = in.read()) {
      if (c < 0) {
        throw new IOException("the daemon closed the connection");
      }
      b.write(c);
    }
    return b.toString(StandardCharsets.UTF_8);
  }
}
