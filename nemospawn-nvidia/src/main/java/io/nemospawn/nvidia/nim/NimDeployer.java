package io.nemospawn.nvidia.nim;

import io.nemospawn.Team;
import io.nemospawn.artifact.Artifact;
import io.nemospawn.artifact.ArtifactType;
import io.nemospawn.spi.StateFormat;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Deploys an artifact as a NIM container with docker or podman and records it: runs the engine
 * with an argument vector (never a shell string), publishes the port on 127.0.0.1 only, gives it
 * the GPUs ({@code --gpus device=0,1} for docker, CDI {@code --device nvidia.com/gpu=N} for
 * podman), mounts the artifact read-only, waits for {@code GET /v1/health/ready}, and removes the
 * container when it fails or does not get ready in time. {@code NGC_API_KEY} is passed by name
 * ({@code -e NGC_API_KEY}), so its value never appears on a command line.
 *
 * <p>The engine is the one named by the system property {@code nemospawn.nim.engine} or the
 * environment variable {@code NEMOSPAWN_NIM_ENGINE} (a name on the PATH or a path), else {@code
 * docker}, else {@code podman} on the PATH.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class NimDeployer {
  /** The image run when none is given: NVIDIA's multi-LLM NIM, which serves a mounted model. */
  public static final String DEFAULT_IMAGE = "nvcr.io/nim/nvidia/llm-nim:latest";

  private static final Pattern IMAGE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,254}");
  private static final Pattern PROFILE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final String MODEL_DIR = "/opt/nim/models/checkpoint";

  /**
   * What to deploy.
   *
   * @param artifactId the artifact ({@code art-<8 hex>}), a nemo-checkpoint or nim-container
   * @param tp tensor-parallel degree: 1, 2, 4 or 8
   * @param profile the NIM profile ({@code default}, {@code max-throughput}, {@code min-latency}
   *     or a profile id)
   * @param port the host port, published on 127.0.0.1
   * @param gpus the GPUs; empty for the first {@code tp}
   * @param image the image
   * @param readyTimeout how long to wait for {@code /v1/health/ready}
   */
  public record Request(
      String artifactId,
      int tp,
      String profile,
      int port,
      List<Integer> gpus,
      String image,
      Duration readyTimeout) {
    /** Validates every part before anything runs. */
    public Request {
      StateFormat.requireId("artifact id", artifactId);
      if (tp != 1 && tp != 2 && tp != 4 && tp != 8) {
        throw new IllegalArgumentException(
            "Invalid tensor-parallel degree " + tp + "; NIM takes 1, 2, 4 or 8");
      }
      if (!PROFILE.matcher(profile).matches()) {
        throw new IllegalArgumentException(
            "Invalid NIM profile '" + StateFormat.printable(profile)
                + "'; use default, max-throughput, min-latency or a profile id (letters, digits, . _ -)");
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("Invalid port " + port + "; use 1-65535");
      }
      gpus = List.copyOf(gpus);
      for (int g : gpus) {
        if (g < 0 || g > 1023) {
          throw new IllegalArgumentException("Invalid GPU index " + g + " in " + gpus);
        }
      }
      if (gpus.stream().distinct().count() != gpus.size()) {
        throw new IllegalArgumentException("GPU indices repeat in " + gpus);
      }
      if (!gpus.isEmpty() && gpus.size() != tp) {
        throw new IllegalArgumentException("Tensor-parallel degree " + tp + " needs " + tp
            + " GPUs, but " + gpus.size() + " were given (" + gpus + ")");
      }
      if (!IMAGE.matcher(image).matches()) {
        throw new IllegalArgumentException("Invalid image '" + StateFormat.printable(image)
            + "'; give a registry reference such as " + DEFAULT_IMAGE);
      }
      if (readyTimeout.isNegative() || readyTimeout.isZero()) {
        throw new IllegalArgumentException(
            "The ready timeout must be positive, got " + readyTimeout);
      }
    }

    /** GPUs as given, or 0..tp-1. */
    public List<Integer> gpusOrDefault() {
      if (!gpus.isEmpty()) {
        return gpus;
      }
      List<Integer> g = new ArrayList<>();
      for (int i = 0; i < tp; i++) {
        g.add(i);
      }
      return g;
    }
  }

  /**
   * Parses 1.0's {@code --gpus} text, {@code 0,1}.
   *
   * @throws IllegalArgumentException naming the text when it is not a comma-separated index list
   */
  public static List<Integer> parseGpus(String text) {
    if (!text.matches("\\d{1,4}(,\\d{1,4})*")) {
      throw new IllegalArgumentException("Invalid GPU list '" + StateFormat.printable(text)
          + "'; give comma-separated indices such as 0,1");
    }
    List<Integer> out = new ArrayList<>();
    for (String s : text.split(",")) {
      out.add(Integer.parseInt(s));
    }
    return out;
  }

  private final Team team;
  private final NimDeployments records;
  private final Path engine;
  private final String engineName;

  private NimDeployer(Team team, Path engine) {
    this.team = team;
    this.records = new NimDeployments(team);
    this.engine = engine;
    String n = engine.getFileName().toString();
    this.engineName = n.contains("podman") ? "podman" : "docker";
  }

  /**
   * Returns a deployer for the team with the engine found as the class says.
   *
   * @throws IllegalStateException when neither docker nor podman is found, saying how to install
   *     or name one
   */
  public static NimDeployer forTeam(Team team) {
    String named = System.getProperty("nemospawn.nim.engine");
    if (named == null || named.isBlank()) {
      named = System.getenv("NEMOSPAWN_NIM_ENGINE");
    }
    if (named != null && !named.isBlank()) {
      Optional<Path> p = which(named);
      if (p.isEmpty()) {
        throw new IllegalStateException("The container engine '" + StateFormat.printable(named)
            + "' (nemospawn.nim.engine / NEMOSPAWN_NIM_ENGINE) is not an executable on the PATH");
      }
      return new NimDeployer(team, p.get());
    }
    for (String n : List.of("docker", "podman")) {
      Optional<Path> p = which(n);
      if (p.isPresent()) {
        return new NimDeployer(team, p.get());
      }
    }
    throw new IllegalStateException("Neither docker nor podman is on the PATH; install one (with"
        + " the NVIDIA Container Toolkit) or name it with nemospawn.nim.engine"
        + " (NEMOSPAWN_NIM_ENGINE)");
  }

  /** Returns the engine's executable. */
  public Path engine() {
    return engine;
  }

  static Optional<Path> which(String name) {
    if (name.contains("/")) {
      Path p = Path.of(name);
      return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
    String path = Objects.requireNonNullElse(System.getenv("PATH"), "");
    for (String d : path.split(File.pathSeparator)) {
      if (d.isEmpty()) {
        continue;
      }
      Path p = Path.of(d, name);
      if (Files.isExecutable(p) && !Files.isDirectory(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** Returns the argument vector that runs the container (after the engine's path). */
  List<String> runArgs(NimDeployment d, Path modelDir, Request r) {
    List<String> a = new ArrayList<>();
    a.add("run");
    a.add("-d");
    a.add("--name");
    a.add("nemospawn-" + d.endpointId());
    a.add("--label");
    a.add("io.nemospawn.team=" + team.id());
    a.add("--label");
    a.add("io.nemospawn.endpoint=" + d.endpointId());
    List<Integer> gpus = d.gpuIds();
    if (engineName.equals("podman")) {
      for (int g : gpus) {
        a.add("--device");
        a.add("nvidia.com/gpu=" + g);
      }
    } else {
      a.add("--gpus");
      a.add("device=" + String.join(",", gpus.stream().map(String::valueOf).toList()));
    }
    a.add("--shm-size=16g");
    a.add("-p");
    a.add("127.0.0.1:" + r.port() + ":8000");
    a.add("-v");
    a.add(modelDir + ":" + MODEL_DIR + ":ro");
    a.add("-e");
    a.add("NGC_API_KEY");
    a.add("-e");
    a.add("NIM_MODEL_NAME=" + MODEL_DIR);
    a.add("-e");
    a.add("NIM_SERVED_MODEL_NAME=" + r.artifactId());
    a.add("-e");
    a.add("NIM_TENSOR_PARALLEL_SIZE=" + r.tp());
    if (!r.profile().equals("default")) {
      a.add("-e");
      a.add("NIM_MODEL_PROFILE=" + r.profile());
    }
    a.add(r.image());
    return a;
  }

  /**
   * Deploys: records the deployment as {@code starting}, runs the container, waits until it is
   * ready and records it {@code running}. When the engine fails or the endpoint is not ready in
   * time, the container is removed and the record marked {@code failed} with the reason, which
   * the thrown exception repeats.
   *
   * @throws IllegalArgumentException when the artifact is unknown or of a type that cannot be served
   * @throws IllegalStateException when the deployment failed
   */
  public NimDeployment deploy(Request r) throws InterruptedException {
    Artifact art = team.artifacts().get(r.artifactId());
    if (art.type() != ArtifactType.NEMO_CHECKPOINT
        && art.type() != ArtifactType.NIM_CONTAINER
        && art.type() != ArtifactType.LORA_ADAPTER) {
      throw new IllegalArgumentException("Artifact " + art.id() + " is a "
          + art.type().wireName() + "; deploy a nemo-checkpoint, lora-adapter or nim-container");
    }
    Path p = Path.of(art.path());
    if (!Files.exists(p)) {
      throw new IllegalArgumentException("Artifact " + art.id() + " points at " + p
          + ", which does not exist; register it again where the checkpoint is");
    }
    Path modelDir =
        Files.isDirectory(p) ? p : Objects.requireNonNull(p.toAbsolutePath().getParent());
    if (modelDir.toString().contains(":") || modelDir.toString().contains(",")) {
      throw new IllegalArgumentException("The checkpoint directory " + modelDir + " contains ':' or"
          + " ',', which the engine's volume syntax cannot carry; move it");
    }
    for (NimDeployment other : records.list()) {
      if (other.active() && other.port() == r.port()) {
        throw new IllegalStateException("Port " + r.port() + " is already used by deployment "
            + other.endpointId() + " (" + other.status() + "); stop it or choose another port");
      }
    }
    NimDeployment d = NimDeployments.starting(
        team, art.id(), r.image(), r.port(), r.tp(), r.profile(), r.gpusOrDefault(), engineName, 0);
    records.save(d);
    Result run = exec(runArgs(d, modelDir, r), r.readyTimeout().plusMinutes(1));
    if (run.code() != 0) {
      String why = engineName + " run exited " + run.code() + ": " + tail(run.output());
      String cid = containerIdOf(run.output());
      if (!cid.isEmpty()) {
        d = d.withContainer(cid);
      }
      remove(d);
      d = d.with("failed", why);
      records.save(d);
      throw new IllegalStateException("Deployment " + d.endpointId() + " failed: " + why);
    }
    d = d.withContainer(containerIdOf(run.output()));
    records.save(d);
    long deadline = System.nanoTime() + r.readyTimeout().toNanos();
    while (!NimDeployments.ready(d.endpointUrl(), Duration.ofSeconds(2))) {
      if (System.nanoTime() > deadline) {
        remove(d);
        String why =
            "not ready at " + d.endpointUrl() + "/v1/health/ready within " + r.readyTimeout()
                + "; the container was removed (raise the ready timeout for large models)";
        d = d.with("failed", why);
        records.save(d);
        throw new IllegalStateException("Deployment " + d.endpointId() + " failed: " + why);
      }
      Thread.sleep(250);
    }
    d = d.with("running", "");
    records.save(d);
    return d;
  }

  /** Stops the deployment's container (or tells a local server to stop) and marks it stopped. */
  public NimDeployment stop(String endpointId) throws InterruptedException {
    return stop(records, endpointId, this);
  }

  /**
   * Stops a deployment: a container through the engine, a local server by marking its record
   * (the process serving it watches the record and exits) and, if it still answers after ten
   * seconds, ending its process.
   */
  public static NimDeployment stop(
      NimDeployments records, String endpointId, @Nullable NimDeployer engine)
      throws InterruptedException {
    NimDeployment d = records.get(endpointId);
    if (!d.active()) {
      return d;
    }
    if (d.runtime().equals("local")) {
      d = d.with("stopped", "");
      records.save(d);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (NimDeployments.ready(d.endpointUrl(), Duration.ofSeconds(1))
          && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      if (d.pid() > 0
          && d.pid() != ProcessHandle.current().pid()
          && NimDeployments.ready(d.endpointUrl(), Duration.ofSeconds(1))) {
        ProcessHandle.of(d.pid()).ifPresent(ProcessHandle::destroy);
      }
      return d;
    }
    if (engine == null) {
      throw new IllegalStateException("Deployment " + endpointId + " runs in " + d.runtime()
          + ", which is not on the PATH; stop container " + d.containerId() + " by hand");
    }
    if (!d.containerId().isEmpty() || d.status().equals("starting")) {
      Result r = engine.exec(
          List.of(
              "rm",
              "-f",
              d.containerId().isEmpty() ? "nemospawn-" + d.endpointId() : d.containerId()),
          Duration.ofMinutes(2));
      if (r.code() != 0) {
        throw new IllegalStateException("Cannot stop deployment " + endpointId + ": "
            + engine.engineName + " rm exited " + r.code() + ": " + tail(r.output()));
      }
    }
    d = d.with("stopped", "");
    records.save(d);
    return d;
  }

  private void remove(NimDeployment d) throws InterruptedException {
    String target = d.containerId().isEmpty() ? "nemospawn-" + d.endpointId() : d.containerId();
    exec(List.of("rm", "-f", target), Duration.ofMinutes(2));
  }

  private static String containerIdOf(String out) {
    String[] lines = out.strip().split("\n");
    String last = lines[lines.length - 1].strip();
    return last.matches("[0-9a-f]{12,64}") ? last : "";
  }

  private static String tail(String out) {
    String t = StateFormat.displayable(out.strip(), false);
    return t.length() > 400 ? "…" + t.substring(t.length() - 400) : t;
  }

  record Result(int code, String output) {}

  Result exec(List<String> args, Duration timeout) throws InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(engine.toString());
    cmd.addAll(args);
    Path log;
    try {
      log = Files.createTempFile("nemospawn-nim-", ".out");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      Process p = new ProcessBuilder(cmd)
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
        return new Result(
            124, engineName + " " + args.get(0) + " did not finish within " + timeout);
      }
      return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(127, "cannot run " + engine + ": " + e.getMessage());
    } finally {
      try {
        Files.deleteIfExists(log);
      } catch (IOException ignored) {
        // a temporary file of our own; the system cleans its temp directory
      }
    }
  }

  /** Returns the live state of a deployment: {@code ready} or {@code not answering}. */
  public static String liveState(NimDeployment d) {
    if (!d.active()) {
      return "-";
    }
    return NimDeployments.ready(d.endpointUrl(), Duration.ofSeconds(2)) ? "ready" : "not answering";
  }
}
