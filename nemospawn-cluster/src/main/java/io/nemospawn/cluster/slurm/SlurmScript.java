package io.nemospawn.cluster.slurm;

import io.nemospawn.cluster.slurm.internal.Shell;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * An sbatch script: {@code #SBATCH} directives (job name, nodes, time, output, GPU GRES, partition,
 * array), {@code module load} lines, exported variables, and the command.
 *
 * <p>Every user value is either checked against a strict pattern (those that go on {@code #SBATCH}
 * lines, which sbatch parses itself) or single-quoted for sh (the command's words, variables,
 * module names, paths), so no value can run anything: the command is an argv list, and {@code
 * $(id)}, quotes, {@code ;} or newlines in it reach the program as literal text. Secrets never go in
 * the script: give them in an {@linkplain Builder#envFile env file} (mode 0600) that the script
 * reads and deletes.
 *
 * <pre>{@code
 * String script = SlurmScript.builder("train")
 *     .gpus(2).gpuType("h100").time("04:00:00")
 *     .command(List.of("python", "train.py", "--lr", "0.1"))
 *     .build()
 *     .render();
 * }</pre>
 *
 * @param jobName the job's name: letters, digits and {@code . _ - + : @ , =}, at most 200
 * @param gpus GPUs per node requested as GRES ({@code --gres=gpu[:type]:N}); 0 requests none
 * @param gpuType the GRES type ({@code h100}), or empty for any
 * @param nodes nodes
 * @param partition the partition, or empty for the cluster's default
 * @param time the time limit ({@code HH:MM:SS}, {@code MM}, {@code D-HH:MM:SS}, ...)
 * @param command the program and its arguments; empty for a script that only prints the host
 * @param array an array specification ({@code 0-31%4}), or empty for a single job
 * @param modules environment modules to load first
 * @param env variables to export (not secrets: they are written in the script)
 * @param envFile a file of {@code export K='v'} lines to read then delete, or null
 * @param workDir the directory the command starts in, or null for the submit directory
 * @param output the job's stdout pattern ({@code nemospawn-%j.out} by default, {@code %A_%a} for
 *     arrays), or a log file that the script appends everything to when {@code appendOutput}
 * @param appendOutput whether {@code output} is a log file the script itself appends to (for a
 *     path sbatch's own {@code #SBATCH} parser would not take)
 * @param exitFile where the script writes the command's exit code, or null
 * @param allocationFile where the script writes the job id, node and {@code CUDA_VISIBLE_DEVICES}
 *     SLURM gave it, or null
 * @since 0.4
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.4")
public record SlurmScript(
    String jobName,
    int gpus,
    String gpuType,
    int nodes,
    String partition,
    String time,
    List<String> command,
    String array,
    List<String> modules,
    Map<String, String> env,
    java.nio.file.@Nullable Path envFile,
    java.nio.file.@Nullable Path workDir,
    String output,
    boolean appendOutput,
    java.nio.file.@Nullable Path exitFile,
    java.nio.file.@Nullable Path allocationFile) {

  private static final Pattern JOB_NAME = Pattern.compile("[A-Za-z0-9._+:@,=-]{1,200}");
  private static final Pattern WORD = Pattern.compile("[A-Za-z0-9._+-]{1,100}");
  private static final Pattern MODULE = Pattern.compile("[A-Za-z0-9._+/-]{1,200}");
  private static final Pattern TIME =
      Pattern.compile("(\\d{1,4}-)?\\d{1,6}(:\\d{1,2}){0,2}|UNLIMITED|INFINITE|unlimited|infinite");
  private static final Pattern ARRAY = Pattern.compile("[0-9][0-9,:%-]{0,200}");
  private static final Pattern VAR = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,200}");
  private static final Pattern OUTPUT = Pattern.compile("[A-Za-z0-9._+%/-]{1,1000}");
  private static final String NAME_RULE =
      "letters, digits and . _ - + : @ , = (at most 200 characters)";

  /** Validates and copies. */
  public SlurmScript {
    Objects.requireNonNull(jobName, "jobName");
    if (!JOB_NAME.matcher(jobName).matches()) {
      throw new IllegalArgumentException(
          "SLURM job name '" + printable(jobName) + "' is not allowed: use " + NAME_RULE);
    }
    if (gpus < 0 || gpus > 1024) {
      throw new IllegalArgumentException("GPUs per node must be 0..1024, not " + gpus);
    }
    if (nodes < 1 || nodes > 100_000) {
      throw new IllegalArgumentException("Nodes must be 1 or more, not " + nodes);
    }
    gpuType = check(gpuType, WORD, "GPU type", "letters, digits and . _ - +", true);
    partition = check(partition, WORD, "partition", "letters, digits and . _ - +", true);
    time = check(
        time, TIME, "time limit", "HH:MM:SS, MM, MM:SS, D-HH, D-HH:MM:SS or UNLIMITED", false);
    array = check(array, ARRAY, "array specification", "digits and , - : % (like 0-31%4)", true);
    command = List.copyOf(command);
    modules = List.copyOf(modules);
    for (String m : modules) {
      check(m, MODULE, "module", "letters, digits and . _ - + /", false);
    }
    env = Map.copyOf(new LinkedHashMap<>(env));
    for (var e : env.entrySet()) {
      check(
          e.getKey(),
          VAR,
          "variable name",
          "letters, digits and _, not starting with a digit",
          false);
      Shell.quote(e.getValue());
    }
    for (String w : command) {
      Shell.quote(w);
    }
    Objects.requireNonNull(output, "output");
    if (!appendOutput && !output.isEmpty()) {
      check(output, OUTPUT, "output pattern", "letters, digits and . _ - + % /", false);
    }
  }

  private static String check(
      @Nullable String value, Pattern p, String what, String rule, boolean emptyOk) {
    String v = value == null ? "" : value;
    if (v.isEmpty() && emptyOk) {
      return v;
    }
    if (!p.matcher(v).matches()) {
      throw new IllegalArgumentException(
          "SLURM " + what + " '" + printable(v) + "' is not allowed: use " + rule);
    }
    return v;
  }

  /** Returns {@code s} with control characters shown as escapes, for messages. */
  static String printable(String s) {
    StringBuilder b = new StringBuilder();
    s.codePoints().forEach(c -> {
      if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
        b.append(String.format("\\u%04x", c));
      } else {
        b.appendCodePoint(c);
      }
    });
    return b.toString();
  }

  /**
   * Splits a command line into the words of an argv the way sh would, with no expansion: {@code
   * $(id)}, backquotes, {@code ;} and {@code |} stay literal text (for {@code slurm generate -c}).
   *
   * @throws IllegalArgumentException for an unterminated quote
   */
  public static List<String> words(String commandLine) {
    return Shell.words(commandLine);
  }

  /** Returns a builder with 1.0's defaults: 1 GPU, 1 node, 24 hours, no command. */
  public static Builder builder(String jobName) {
    return new Builder(jobName);
  }

  /** Returns the script's text. */
  public String render() {
    StringBuilder s = new StringBuilder();
    s.append("#!/bin/bash\n");
    s.append("# Generated by NemoSpawn for SLURM job ").append(jobName).append('\n');
    s.append("#SBATCH --job-name=").append(jobName).append('\n');
    s.append("#SBATCH --nodes=").append(nodes).append('\n');
    s.append("#SBATCH --time=").append(time).append('\n');
    if (appendOutput) {
      s.append("#SBATCH --output=/dev/null\n");
    } else {
      String out = output.isEmpty() ? (array.isEmpty() ? "nemospawn-%j" : "nemospawn-%A_%a") : "";
      s.append("#SBATCH --output=")
          .append(out.isEmpty() ? output : out + ".out")
          .append('\n');
      if (output.isEmpty()) {
        s.append("#SBATCH --error=").append(out).append(".err\n");
      }
    }
    if (gpus > 0) {
      s.append("#SBATCH --gres=gpu:")
          .append(gpuType.isEmpty() ? "" : gpuType + ":")
          .append(gpus)
          .append('\n');
    }
    if (!partition.isEmpty()) {
      s.append("#SBATCH --partition=").append(partition).append('\n');
    }
    if (!array.isEmpty()) {
      s.append("#SBATCH --array=").append(array).append('\n');
    }
    s.append('\n');
    if (appendOutput) {
      s.append("exec >>").append(Shell.quote(output)).append(" 2>&1\n");
    }
    for (String m : modules) {
      s.append("module load ").append(Shell.quote(m)).append('\n');
    }
    if (workDir != null) {
      s.append("cd -- ").append(Shell.quote(workDir.toString())).append(" || exit 1\n");
    }
    new java.util.TreeMap<>(env)
        .forEach((k, v) ->
            s.append("export ").append(k).append('=').append(Shell.quote(v)).append('\n'));
    if (envFile != null) {
      String f = Shell.quote(envFile.toString());
      s.append("if [ -f ")
          .append(f)
          .append(" ]; then set -a; . ")
          .append(f)
          .append("; set +a; rm -f -- ")
          .append(f)
          .append("; fi\n");
    }
    if (allocationFile != null) {
      s.append("printf 'job_id=%s\\nnode=%s\\ncuda_visible_devices=%s\\n' \"${SLURM_JOB_ID-}\""
              + " \"$(hostname)\" \"${CUDA_VISIBLE_DEVICES-}\" >")
          .append(Shell.quote(allocationFile.toString()))
          .append('\n');
    }
    if (!array.isEmpty()) {
      s.append("export NEMOSPAWN_ARRAY_TASK=\"${SLURM_ARRAY_TASK_ID-}\"\n");
    }
    s.append("echo \"NemoSpawn SLURM job ${SLURM_JOB_ID-} on $(hostname) with"
        + " CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES-}\"\n");
    if (!command.isEmpty()) {
      s.append(Shell.join(command)).append('\n');
      if (exitFile != null) {
        String f = Shell.quote(exitFile.toString());
        String tmp = Shell.quote(exitFile + ".tmp");
        s.append("code=$?\n");
        s.append("printf '%s\\n' \"$code\" >")
            .append(tmp)
            .append(" && mv -f -- ")
            .append(tmp)
            .append(' ')
            .append(f)
            .append('\n');
        s.append("exit \"$code\"\n");
      }
    }
    return s.toString();
  }

  /** Builds a {@link SlurmScript}. */
  public static final class Builder {
    private final String jobName;
    private int gpus = 1;
    private String gpuType = "";
    private int nodes = 1;
    private String partition = "";
    private String time = "24:00:00";
    private List<String> command = List.of();
    private String array = "";
    private final List<String> modules = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private java.nio.file.@Nullable Path envFile;
    private java.nio.file.@Nullable Path workDir;
    private String output = "";
    private boolean appendOutput;
    private java.nio.file.@Nullable Path exitFile;
    private java.nio.file.@Nullable Path allocationFile;

    private Builder(String jobName) {
      this.jobName = jobName;
    }

    /** GPUs per node (1 by default; 0 requests none). */
    public Builder gpus(int n) {
      this.gpus = n;
      return this;
    }

    /** The GRES GPU type, like {@code h100}. */
    public Builder gpuType(String t) {
      this.gpuType = t;
      return this;
    }

    /** Nodes (1 by default). */
    public Builder nodes(int n) {
      this.nodes = n;
      return this;
    }

    /** The partition. */
    public Builder partition(String p) {
      this.partition = p;
      return this;
    }

    /** The time limit (24:00:00 by default). */
    public Builder time(String t) {
      this.time = t;
      return this;
    }

    /** The program and its arguments, passed verbatim. */
    public Builder command(List<String> argv) {
      this.command = List.copyOf(argv);
      return this;
    }

    /** An array specification like {@code 0-7%2}. */
    public Builder array(String spec) {
      this.array = spec;
      return this;
    }

    /** Adds an environment module to load. */
    public Builder module(String m) {
      this.modules.add(m);
      return this;
    }

    /** Adds a variable to export (written in the script: no secrets). */
    public Builder env(String name, String value) {
      this.env.put(name, value);
      return this;
    }

    /** A 0600 file of {@code export K='v'} lines the script reads and deletes (secrets). */
    public Builder envFile(java.nio.file.Path f) {
      this.envFile = f;
      return this;
    }

    /** The directory the command starts in. */
    public Builder workDir(java.nio.file.Path d) {
      this.workDir = d;
      return this;
    }

    /** sbatch's output pattern ({@code logs/train-%j.out}). */
    public Builder output(String pattern) {
      this.output = pattern;
      this.appendOutput = false;
      return this;
    }

    /** A log file the script appends the job's stdout and stderr to. */
    public Builder logFile(java.nio.file.Path f) {
      this.output = f.toString();
      this.appendOutput = true;
      return this;
    }

    /** Where the script writes the command's exit code. */
    public Builder exitFile(java.nio.file.Path f) {
      this.exitFile = f;
      return this;
    }

    /** Where the script writes the job id, node and {@code CUDA_VISIBLE_DEVICES} it got. */
    public Builder allocationFile(java.nio.file.Path f) {
      this.allocationFile = f;
      return this;
    }

    /**
     * Builds.
     *
     * @throws IllegalArgumentException naming the value that is not allowed
     */
    public SlurmScript build() {
      return new SlurmScript(
          jobName,
          gpus,
          gpuType,
          nodes,
          partition,
          time,
          command,
          array,
          modules,
          env,
          envFile,
          workDir,
          output,
          appendOutput,
          exitFile,
          allocationFile);
    }
  }
}
