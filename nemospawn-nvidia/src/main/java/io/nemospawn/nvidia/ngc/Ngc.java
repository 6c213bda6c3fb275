package io.nemospawn.nvidia.ngc;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NGC, the NVIDIA GPU Cloud registry, through its documented command-line tools: {@code ngc
 * config current}, {@code ngc registry model list|download-version|upload-version}, and {@code
 * docker tag} + {@code docker push nvcr.io/ORG/NAME:TAG} for containers (podman when docker is
 * absent).
 *
 * <pre>{@code
 * Ngc ngc = Ngc.builder().build();                  // the process environment and PATH
 * Ngc.Auth auth = ngc.auth();                        // logged in? which org?
 * Ngc.Pull p = ngc.pull("nvidia", "nemo/megatron_gpt_345m", "1", Path.of("models"));
 * }</pre>
 *
 * <p>Every tool runs from an argument list, never through a shell. Names (org, model, version,
 * tag, image) are checked before anything runs. The API key ({@code NGC_CLI_API_KEY}, or {@code
 * NGC_API_KEY}, which is passed on to the tool as {@code NGC_CLI_API_KEY}) reaches the tool only
 * through its environment: it is never on a command line, never logged, and masked in any output
 * this class returns or puts in a message. Thread-safe; each call runs its own process.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class Ngc {
  private static final Logger log = LoggerFactory.getLogger(Ngc.class);

  /** The environment variables that hold an NGC API key. */
  public static final List<String> KEY_VARIABLES = List.of("NGC_CLI_API_KEY", "NGC_API_KEY");

  /** The container registry of NGC. */
  public static final String REGISTRY = "nvcr.io";

  private static final Pattern ORG = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_\\-]{0,63}");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._\\-]{0,127}");
  private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+\\-]{0,127}");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._\\-]{0,127}");
  private static final Pattern FILTER = Pattern.compile("[A-Za-z0-9._*?\\-]{1,128}");
  private static final Pattern IMAGE = Pattern.compile(
      "[a-z0-9][a-z0-9._\\-]*(:[0-9]+)?(/[a-z0-9][a-z0-9._\\-]*)*(:[A-Za-z0-9_][A-Za-z0-9._\\-]{0,127})?"
          + "(@sha256:[a-f0-9]{64})?");
  private static final Pattern NVAPI = Pattern.compile("nvapi-[A-Za-z0-9_\\-]{8,}");
  private static final Pattern LOCAL_PATH =
      Pattern.compile("(?m)^\\s*Downloaded local path(?: \\(model\\))?:\\s*(.+?)\\s*$");
  private static final List<String> AUTH_FAILURES = List.of(
      "invalid apikey",
      "missing api key",
      "api key",
      "not authenticated",
      "unauthorized",
      "authentication required",
      "please run 'ngc config set'",
      "denied");
  private static final Pattern HTTP_401 = Pattern.compile("\\b401\\b");

  private final Map<String, String> environment;
  private final String ngcCommand;
  private final List<String> containerCommands;
  private final Duration timeout;
  private final @org.jspecify.annotations.Nullable Path workingDirectory;

  private Ngc(Builder b) {
    this.workingDirectory = b.workingDirectory;
    this.environment = Map.copyOf(b.environment);
    this.ngcCommand = b.ngcCommand;
    this.containerCommands = List.copyOf(b.containerCommands);
    this.timeout = b.timeout;
  }

  /** Returns a builder: the process environment, {@code ngc}, docker then podman, 2 hours. */
  public static Builder builder() {
    return new Builder();
  }

  /** Configures an {@link Ngc}. Not thread-safe. */
  public static final class Builder {
    private final Map<String, String> environment = new LinkedHashMap<>(System.getenv());
    private String ngcCommand = "ngc";
    private List<String> containerCommands = List.of("docker", "podman");
    private Duration timeout = Duration.ofHours(2);
    private @org.jspecify.annotations.Nullable Path workingDirectory;

    private Builder() {}

    /** Sets the directory the tools run in (default: this process's working directory). */
    public Builder workingDirectory(Path dir) {
      this.workingDirectory = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /** Replaces the environment the tools run with (PATH is looked up in it). */
    public Builder environment(Map<String, String> env) {
      environment.clear();
      environment.putAll(Objects.requireNonNull(env, "env"));
      return this;
    }

    /** Sets the NGC CLI: a name looked up on the PATH, or a path. */
    public Builder ngcCommand(String command) {
      this.ngcCommand = Objects.requireNonNull(command, "command");
      return this;
    }

    /** Sets the container tools to try in order (default docker, then podman). */
    public Builder containerCommands(List<String> commands) {
      this.containerCommands = List.copyOf(commands);
      return this;
    }

    /** Sets the longest a transfer may run (default 2 hours); other calls get at most 2 minutes. */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive, was " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /** Returns the configured client. */
    public Ngc build() {
      return new Ngc(this);
    }

    @Override
    public String toString() {
      return "Ngc.Builder[ngc=" + ngcCommand + ", containers=" + containerCommands + ", timeout="
          + timeout + "]";
    }
  }

  // ------------------------------------------------------------------------------ results

  /**
   * What {@code ngc config current} says.
   *
   * @param loggedIn whether an API key is configured (in the environment or NGC's config)
   * @param keySource where the key comes from: an environment variable's name, "ngc config",
   *     or empty when there is none
   * @param org the configured org, or empty
   * @param team the configured team, or empty
   * @param output what the tool printed, credentials masked
   */
  public record Auth(boolean loggedIn, String keySource, String org, String team, String output) {}

  /**
   * The result of a tool run.
   *
   * @param command the command lines that ran, in order (no credential is ever on them)
   * @param output what they printed, credentials masked
   */
  public record Result(List<List<String>> command, String output) {
    /** Copies. */
    public Result {
      command = command.stream().map(List::copyOf).toList();
    }
  }

  /**
   * A downloaded model version.
   *
   * @param target the NGC target, {@code org/model:version}
   * @param localPath where NGC put it (from its "Downloaded local path" line), or empty when it
   *     did not say
   * @param result the run
   */
  public record Pull(String target, Optional<Path> localPath, Result result) {}

  // ------------------------------------------------------------------------------ commands

  /**
   * Returns whether NGC credentials are set: runs {@code ngc config current}.
   *
   * @throws NgcException NOT_INSTALLED when there is no {@code ngc} on the PATH
   */
  public Auth auth() {
    String keyVar = keyVariable().orElse("");
    List<String> argv = List.of(executable(ngcCommand, "ngc"), "config", "current");
    Run r = run(argv, Duration.ofMinutes(2));
    String org = "";
    String team = "";
    boolean configKey = false;
    for (String line : r.output.split("\n")) {
      String[] cells = line.split("\\|");
      if (cells.length >= 3) {
        String k = cells[1].strip().toLowerCase(Locale.ROOT);
        String v = cells[2].strip();
        if (k.equals("org")) {
          org = v;
        } else if (k.equals("team")) {
          team = v;
        } else if (k.equals("apikey") && !v.isEmpty()) {
          configKey = true;
        }
      }
    }
    boolean ok = r.exitCode == 0 && (!keyVar.isEmpty() || configKey);
    String source = !keyVar.isEmpty() ? keyVar : configKey ? "ngc config" : "";
    return new Auth(ok, source, org, team, r.output);
  }

  /**
   * Lists the models of an org whose names match a glob ({@code *} for all): {@code ngc registry
   * model list ORG/FILTER}.
   */
  public Result list(String org, String filter) {
    checkOrg(org);
    check("filter", filter, FILTER, "letters, digits, '.', '_', '-', '*' and '?'");
    List<String> argv =
        List.of(executable(ngcCommand, "ngc"), "registry", "model", "list", org + "/" + filter);
    return single(argv, Duration.ofMinutes(2));
  }

  /**
   * Downloads a model version: {@code ngc registry model download-version ORG/MODEL:VERSION
   * [--dest DIR]}.
   *
   * @param model the model, or {@code team/model}
   * @param dest the directory to put it in; null for the tool's default (its working directory)
   */
  public Pull pull(
      String org, String model, String version, @org.jspecify.annotations.Nullable Path dest) {
    String target = target(org, model, version);
    List<String> argv = new ArrayList<>(
        List.of(executable(ngcCommand, "ngc"), "registry", "model", "download-version", target));
    if (dest != null) {
      try {
        Files.createDirectories(dest);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot create output directory " + dest + ": " + e, e);
      }
      argv.add("--dest");
      argv.add(dest.toAbsolutePath().toString());
    }
    Result r = single(argv, timeout);
    Matcher m = LOCAL_PATH.matcher(r.output());
    Optional<Path> local = Optional.empty();
    if (m.find()) {
      local = Optional.of(Path.of(m.group(1)));
    }
    return new Pull(target, local, r);
  }

  /**
   * Uploads a file or directory as a model version: {@code ngc registry model upload-version
   * ORG/MODEL:VERSION --source PATH [--desc DESC]}.
   *
   * @throws IllegalArgumentException when the path does not exist or a name is invalid
   */
  public Result push(Path path, String org, String model, String version, String description) {
    Objects.requireNonNull(path, "path");
    if (!Files.exists(path)) {
      throw new IllegalArgumentException(
          "Cannot push " + path + ": no such file or directory; give the model's path");
    }
    String target = target(org, model, version);
    checkText("description", description);
    List<String> argv = new ArrayList<>(List.of(
        executable(ngcCommand, "ngc"),
        "registry",
        "model",
        "upload-version",
        target,
        "--source",
        path.toAbsolutePath().toString()));
    if (!description.isEmpty()) {
      argv.add("--desc");
      argv.add(description);
    }
    return single(argv, timeout);
  }

  /**
   * Pushes a local container image to NGC's registry: {@code docker tag IMAGE
   * nvcr.io/ORG/NAME:TAG}, then {@code docker push nvcr.io/ORG/NAME:TAG}. Log in first with
   * {@code docker login nvcr.io} (user {@code $oauthtoken}, the API key as password, given on
   * standard input).
   */
  public Result pushContainer(String image, String org, String name, String tag) {
    check("image", image, IMAGE, "a local image reference such as my-image:1.0");
    if (image.contains("..")) {
      throw new IllegalArgumentException("Invalid image '" + printable(image) + "': '..'");
    }
    checkOrg(org);
    checkName("container name", name);
    check("tag", tag, TAG, "letters, digits, '_', '.' and '-', not starting with '.' or '-'");
    String tool = null;
    for (String c : containerCommands) {
      Optional<String> found = find(c);
      if (found.isPresent()) {
        tool = found.get();
        break;
      }
    }
    if (tool == null) {
      throw new NgcException(
          "No container tool found: none of " + containerCommands + " is on the PATH ("
              + printable(environment.getOrDefault("PATH", "")) + "). Install docker (or podman)"
              + " to push containers to " + REGISTRY + ".",
          NgcException.Reason.NOT_INSTALLED,
          List.of(),
          -1,
          "",
          null);
    }
    String remote = REGISTRY + "/" + org + "/" + name + ":" + tag;
    List<String> tagArgv = List.of(tool, "tag", image, remote);
    List<String> pushArgv = List.of(tool, "push", remote);
    Run t = run(tagArgv, Duration.ofMinutes(2));
    fail(
        tagArgv,
        t,
        "tag the image (is '" + image + "' a local image? `docker images` lists them)",
        true);
    Run p = run(pushArgv, timeout);
    fail(pushArgv, p, "push it", true);
    return new Result(List.of(tagArgv, pushArgv), t.output + p.output);
  }

  // ------------------------------------------------------------------------------ helpers

  /** Returns the target {@code org/model:version} after checking each part. */
  static String target(String org, String model, String version) {
    checkOrg(org);
    String[] parts = model.split("/", -1);
    if (parts.length > 2) {
      throw new IllegalArgumentException("Invalid model '" + printable(model)
          + "': give MODEL or TEAM/MODEL, each letters, digits, '.', '_' and '-'");
    }
    for (String p : parts) {
      checkName("model", p);
    }
    check(
        "version",
        version,
        VERSION,
        "letters, digits, '.', '_', '+' and '-', not starting with '.' or '-'");
    return org + "/" + model + ":" + version;
  }

  private static void checkOrg(String org) {
    check("org", org, ORG, "letters, digits, '_' and '-', not starting with '-'");
  }

  private static void checkName(String what, String name) {
    check(what, name, NAME, "letters, digits, '.', '_' and '-', not starting with '.' or '-'");
    if (name.contains("..")) {
      throw new IllegalArgumentException(
          "Invalid " + what + " '" + printable(name) + "': '..' is not allowed in NGC names");
    }
  }

  private static void check(String what, String value, Pattern p, String rule) {
    Objects.requireNonNull(value, what);
    if (!p.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "Invalid " + what + " '" + printable(value) + "': use " + rule + ". Nothing was run.");
    }
  }

  private static void checkText(String what, String value) {
    Objects.requireNonNull(value, what);
    if (value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new IllegalArgumentException("Invalid " + what + " '" + printable(value)
          + "': control characters (line breaks included) are not allowed. Nothing was run.");
    }
  }

  private Result single(List<String> argv, Duration limit) {
    Run r = run(argv, limit);
    fail(argv, r, "do it", false);
    return new Result(List.of(argv), r.output);
  }

  private void fail(List<String> argv, Run r, String what, boolean container) {
    if (r.exitCode == 0) {
      return;
    }
    String lower = r.output.toLowerCase(Locale.ROOT);
    String shown = shorten(r.output);
    boolean auth = AUTH_FAILURES.stream().anyMatch(lower::contains)
        || HTTP_401.matcher(lower).find();
    if (auth) {
      String fix = container
          ? "log in to " + REGISTRY + " first: docker login " + REGISTRY
              + " --username '$oauthtoken' --password-stdin, with your NGC API key on standard"
              + " input"
          : "set NGC_CLI_API_KEY (or NGC_API_KEY) in the environment, or run `ngc config set`";
      throw new NgcException(
          "NGC refused the credentials: `" + String.join(" ", argv) + "` exited with " + r.exitCode
              + ": " + shown + ". To fix: " + fix + ".",
          NgcException.Reason.NOT_LOGGED_IN,
          argv,
          r.exitCode,
          r.output,
          null);
    }
    throw new NgcException(
        "Could not " + what + ": `" + String.join(" ", argv) + "` exited with " + r.exitCode + ": "
            + shown,
        NgcException.Reason.FAILED,
        argv,
        r.exitCode,
        r.output,
        null);
  }

  private static String shorten(String output) {
    String s = output.strip();
    if (s.isEmpty()) {
      return "(no output)";
    }
    String[] lines = s.split("\n");
    String last = lines.length <= 3
        ? s
        : String.join("\n", java.util.Arrays.copyOfRange(lines, lines.length - 3, lines.length));
    return printable(last.replace('\n', ' '));
  }

  private record Run(int exitCode, String output) {}

  /** Runs a command line with the environment (key added) and returns its masked output. */
  private Run run(List<String> argv, Duration limit) {
    Map<String, String> env = new LinkedHashMap<>(environment);
    keyVariable().ifPresent(v -> env.put("NGC_CLI_API_KEY", environment.get(v)));
    log.debug("Running {}", mask(String.join(" ", argv)));
    ProcessBuilder pb = new ProcessBuilder(argv)
        .redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    if (workingDirectory != null) {
      pb.directory(workingDirectory.toFile());
    }
    pb.environment().clear();
    pb.environment().putAll(env);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new NgcException(
          "Cannot run `" + String.join(" ", argv) + "`: " + e.getMessage(),
          NgcException.Reason.NOT_INSTALLED,
          argv,
          -1,
          "",
          e);
    }
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    Thread reader = new Thread(
        () -> {
          try (InputStream in = p.getInputStream()) {
            in.transferTo(buf);
          } catch (IOException e) {
            // the process went away; what was read is kept
          }
        },
        "nemospawn-ngc-output");
    reader.setDaemon(true);
    reader.start();
    try {
      if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        reader.join(2000);
        String out = mask(buf.toString(StandardCharsets.UTF_8));
        throw new NgcException(
            "`" + String.join(" ", argv) + "` ran longer than " + limit + " and was stopped",
            NgcException.Reason.TIMED_OUT,
            argv,
            -1,
            out,
            null);
      }
      reader.join(5000);
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new NgcException(
          "Interrupted while running `" + String.join(" ", argv) + "`",
          NgcException.Reason.FAILED,
          argv,
          -1,
          "",
          e);
    }
    return new Run(p.exitValue(), mask(buf.toString(StandardCharsets.UTF_8)));
  }

  /** Returns the name of the first environment variable holding a key. */
  private Optional<String> keyVariable() {
    for (String v : KEY_VARIABLES) {
      String value = environment.get(v);
      if (value != null && !value.isBlank()) {
        return Optional.of(v);
      }
    }
    return Optional.empty();
  }

  /** Returns text with every API key replaced by asterisks. */
  String mask(String text) {
    String out = text;
    for (String v : KEY_VARIABLES) {
      String key = environment.get(v);
      if (key != null && key.strip().length() >= 4) {
        out = out.replace(key.strip(), "****");
      }
    }
    return NVAPI.matcher(out).replaceAll("nvapi-****");
  }

  /** Returns the executable's path, or throws NOT_INSTALLED naming the PATH. */
  private String executable(String command, String what) {
    return find(command)
        .orElseThrow(() -> new NgcException(
            "The NGC CLI '" + printable(command) + "' is not on the PATH ("
                + printable(environment.getOrDefault("PATH", "")) + "). Install it from"
                + " https://org.ngc.nvidia.com/setup/installers/cli, then set NGC_CLI_API_KEY (or"
                + " run `ngc config set`).",
            NgcException.Reason.NOT_INSTALLED,
            List.of(),
            -1,
            "",
            null));
  }

  private Optional<String> find(String command) {
    if (command.contains("/")) {
      Path p = Path.of(command);
      return Files.isExecutable(p) ? Optional.of(p.toAbsolutePath().toString()) : Optional.empty();
    }
    for (String dir : environment.getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, command);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return Optional.of(p.toString());
      }
    }
    return Optional.empty();
  }

  static String printable(String s) {
    StringBuilder b = new StringBuilder();
    s.codePoints().forEach(cp -> {
      int type = Character.getType(cp);
      if (Character.isISOControl(cp) || type == Character.FORMAT) {
        b.append(String.format("\\u%04x", cp));
      } else {
        b.appendCodePoint(cp);
      }
    });
    return b.toString();
  }

  @Override
  public String toString() {
    return "Ngc[ngc=" + ngcCommand + ", containers=" + containerCommands + "]";
  }
}
