package io.nemospawn.cli;

import io.nemospawn.cluster.slurm.Slurm;
import io.nemospawn.cluster.slurm.SlurmJob;
import io.nemospawn.cluster.slurm.SlurmScript;
import io.nemospawn.cluster.slurm.SlurmStudyArrays;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.TrialState;
import io.nemospawn.spi.Environment;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nemospawn slurm generate|submit|status|cancel} (NemoSpawn 1.0's forms) and {@code slurm
 * hpo} (a study's trials as a job array), through SLURM's client tools run as argv lists.
 */
@Command(
    name = "slurm",
    mixinStandardHelpOptions = true,
    description = "SLURM job management: sbatch scripts, submit, status, cancel, and HPO trials as"
        + " a job array. Agents run as SLURM jobs with `spawn agent --runtime slurm`.",
    subcommands = {
      SlurmCommand.Generate.class,
      SlurmCommand.Submit.class,
      SlurmCommand.Status.class,
      SlurmCommand.Cancel.class,
      SlurmCommand.HpoArray.class,
      SlurmCommand.HpoTask.class
    })
final class SlurmCommand {
  private SlurmCommand() {}

  /** The sbatch options shared by generate and hpo. */
  static final class ScriptOptions {
    @Option(names = "--gpus", paramLabel = "N", description = "GPUs per node (GRES gpu:N).")
    int gpus = 1;

    @Option(names = "--gpu-type", paramLabel = "T", description = "GPU type (e.g., h100, a100).")
    String gpuType = "";

    @Option(names = "--nodes", paramLabel = "N", description = "Number of nodes.")
    int nodes = 1;

    @Option(names = "--partition", paramLabel = "P", description = "SLURM partition.")
    String partition = "";

    @Option(names = "--time", paramLabel = "HH:MM:SS", description = "Time limit.")
    String time = "24:00:00";

    @Option(
        names = "--module",
        paramLabel = "M",
        description = "Environment module to load first (repeatable).")
    List<String> modules = new ArrayList<>();

    SlurmScript.Builder builder(String name) {
      SlurmScript.Builder b = SlurmScript.builder(name)
          .gpus(gpus)
          .gpuType(gpuType)
          .nodes(nodes)
          .partition(partition)
          .time(time);
      modules.forEach(b::module);
      return b;
    }
  }

  static Map<String, Object> json(SlurmJob j) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("job_id", j.id());
    m.put("name", j.name());
    m.put("state", j.state());
    m.put("exit_code", j.exitCode().isPresent() ? j.exitCode().getAsInt() : null);
    m.put("signal", j.signal());
    m.put("nodes", j.nodes());
    m.put("elapsed", j.elapsed());
    m.put("reason", j.reason());
    m.put("source", j.source());
    return m;
  }

  @Command(
      name = "generate",
      mixinStandardHelpOptions = true,
      description = "Generate a SLURM sbatch script for a NemoSpawn workload: #SBATCH directives"
          + " (job name, nodes, time, output nemospawn-%j.out/.err, --gres=gpu[:type]:N,"
          + " partition, array), module loads, then the command. The command is split into words"
          + " as sh would but never expanded: $(...), backquotes and ; reach the program as text."
          + " Without -o the script is printed.")
  static final class Generate implements Callable<Integer> {
    @Mixin
    Output out;

    @Parameters(index = "0", paramLabel = "JOB_NAME", description = "SLURM job name.")
    String jobName;

    @Mixin
    ScriptOptions opts;

    @Option(
        names = {"-c", "--command"},
        paramLabel = "C",
        description = "Command to run (its words; no shell expansion).")
    String command = "";

    @Option(
        names = "--array",
        paramLabel = "SPEC",
        description = "Job array, like 0-31%4 (task id in $SLURM_ARRAY_TASK_ID).")
    String array = "";

    @Option(
        names = {"-o", "--output"},
        paramLabel = "PATH",
        description = "Output script path (else the script is printed).")
    @Nullable
    Path output;

    @Override
    public Integer call() throws IOException {
      SlurmScript.Builder b = opts.builder(jobName).array(array);
      if (!command.isBlank()) {
        b.command(SlurmScript.words(command));
      }
      String text = b.build().render();
      Path target = output == null ? null : Environment.resolve(output);
      if (target != null) {
        Path parent = target.toAbsolutePath().getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        Files.writeString(target, text, StandardCharsets.UTF_8);
      }
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job_name", jobName);
        m.put("path", target == null ? null : target.toString());
        m.put("script", text);
        out.json(m);
      } else if (target != null) {
        out.println(
            "Wrote SLURM script " + target + "; submit it with: nemospawn slurm submit " + target);
      } else {
        out.text(text);
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "submit",
      mixinStandardHelpOptions = true,
      description = "Submit a SLURM batch job (sbatch, from the script's directory).")
  static final class Submit implements Callable<Integer> {
    @Mixin
    Output out;

    @Parameters(index = "0", paramLabel = "SCRIPT", description = "Path to sbatch script.")
    Path script;

    @Override
    public Integer call() {
      Path f = Environment.resolve(script);
      String id = Slurm.local().submit(f);
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job_id", id);
        m.put("script", f.toString());
        out.json(m);
      } else {
        out.println("Submitted SLURM job " + id + " (" + f + ")");
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Check SLURM job status: squeue while queued or running, then sacct (state,"
          + " exit code, node, elapsed).")
  static final class Status implements Callable<Integer> {
    @Mixin
    Output out;

    @Parameters(index = "0", paramLabel = "JOB_ID", description = "SLURM job ID.")
    String jobId;

    @Override
    public Integer call() {
      List<SlurmJob> jobs = Slurm.local().status(jobId);
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>(json(jobs.get(0)));
        m.put("job_id", jobId);
        m.put("jobs", jobs.stream().map(SlurmCommand::json).toList());
        out.json(m);
      } else {
        List<List<String>> rows = new ArrayList<>();
        for (SlurmJob j : jobs) {
          rows.add(List.of(
              j.id(),
              j.name(),
              j.state(),
              j.exitCode().isPresent()
                  ? j.exitCode().getAsInt()
                      + (j.signal() == 0 ? "" : " (signal " + j.signal() + ")")
                  : "",
              j.nodes(),
              j.elapsed(),
              j.reason()));
        }
        out.table(List.of("JOB ID", "NAME", "STATE", "EXIT", "NODES", "ELAPSED", "REASON"), rows);
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "cancel",
      mixinStandardHelpOptions = true,
      description = "Cancel a SLURM job (scancel; every task of an array).")
  static final class Cancel implements Callable<Integer> {
    @Mixin
    Output out;

    @Parameters(index = "0", paramLabel = "JOB_ID", description = "SLURM job ID.")
    String jobId;

    @Override
    public Integer call() {
      SlurmJob before = Slurm.local().cancel(jobId);
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job_id", jobId);
        m.put("cancelled", true);
        m.put("state_before", before.state());
        out.json(m);
      } else {
        out.println("Cancelled SLURM job " + jobId + " (it was " + before.state() + ")");
      }
      return ExitCodes.OK;
    }
  }

  /** The argv compute nodes run to reach this nemospawn: this JVM and class path, or an override. */
  static List<String> selfCommand() {
    String override = Environment.get("NEMOSPAWN_SLURM_CLI");
    if (override != null && !override.isBlank()) {
      return SlurmScript.words(override);
    }
    return List.of(
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
        "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC",
        "-cp",
        System.getProperty("java.class.path"),
        Main.class.getName());
  }

  @Command(
      name = "hpo",
      mixinStandardHelpOptions = true,
      description = "Runs a study's trials as a SLURM job array: each task asks the study (its"
          + " storage in the data directory, on the shared filesystem) for a trial, runs COMMAND"
          + " with the parameters in NEMOSPAWN_PARAM_<NAME> and NEMOSPAWN_HPO_PARAMS (JSON),"
          + " reports the lines it prints (`nemospawn-hpo step=N value=V`; a final"
          + " `nemospawn-hpo value=V`) and tells the result; a pruned trial's task ends early."
          + " Prints the job id.")
  static final class HpoArray extends StateSubcommand {
    @Option(names = "--study", required = true, description = "Study name (from hpo init).")
    String study;

    @Option(names = "--trials", required = true, paramLabel = "N", description = "Array tasks.")
    int trials;

    @Option(
        names = "--parallel",
        paramLabel = "N",
        description = "Tasks at once (the array's %%N).")
    int parallel = 4;

    @Option(names = "--job-name", paramLabel = "NAME", description = "Job name (hpo-STUDY).")
    String jobName = "";

    @Mixin
    ScriptOptions opts;

    @Option(
        names = {"-o", "--output"},
        paramLabel = "PATH",
        description = "Where to write the sbatch script (DATA_DIR/hpo/slurm/STUDY.sbatch).")
    @Nullable
    Path output;

    @Option(names = "--no-submit", description = "Only write the script.")
    boolean noSubmit;

    @Parameters(
        paramLabel = "COMMAND",
        arity = "1..*",
        description = "The trial's program and" + " its arguments (after --).")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
      Path data = state.dataDir();
      Hpo.requireStudy(data, study);
      SlurmScript script = SlurmStudyArrays.script(
          opts.builder(jobName.isEmpty() ? "hpo-" + study : jobName)
              .output(data.resolve("hpo").resolve("slurm") + "/" + "%A_%a.out"),
          study,
          data,
          trials,
          parallel,
          selfCommand(),
          command);
      Path target = output != null
          ? Environment.resolve(output)
          : data.resolve("hpo").resolve("slurm").resolve(study + ".sbatch");
      Files.createDirectories(data.resolve("hpo").resolve("slurm"));
      Path parent = target.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(target, script.render(), StandardCharsets.UTF_8);
      String id = noSubmit ? "" : Slurm.local().submit(target);
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("study", study);
        m.put("script", target.toString());
        m.put("job_id", noSubmit ? null : id);
        m.put("array", script.array());
        out.json(m);
      } else if (noSubmit) {
        out.println("Wrote " + target + " (array " + script.array() + ")");
      } else {
        out.println("Submitted SLURM array job " + id + " (" + script.array() + ") for study "
            + study + "; follow it with: nemospawn slurm status " + id + " and nemospawn hpo"
            + " trials --study " + study);
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "hpo-task",
      hidden = true,
      mixinStandardHelpOptions = true,
      description = "Runs one trial of a study inside an array task (what `slurm hpo` submits).")
  static final class HpoTask extends StateSubcommand {
    @Option(names = "--study", required = true, description = "Study name.")
    String study;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Longest trial run.")
    long timeout = 7 * 24 * 3600;

    @Parameters(paramLabel = "COMMAND", arity = "1..*", description = "The trial's command.")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws IOException, InterruptedException {
      try (Study s = Hpo.open(state.dataDir(), study)) {
        PrintStream log = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        SlurmStudyArrays.Outcome o = SlurmStudyArrays.runTrial(
            s, command, Environment.workingDirectory(), Duration.ofSeconds(timeout), log);
        return o.state() == TrialState.FAIL ? ExitCodes.FAILURE : ExitCodes.OK;
      }
    }
  }
}
