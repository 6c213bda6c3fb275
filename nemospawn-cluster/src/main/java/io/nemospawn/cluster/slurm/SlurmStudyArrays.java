package io.nemospawn.cluster.slurm;

import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.Trial;
import io.nemospawn.hpo.TrialState;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apiguardian.api.API;
import tools.jackson.databind.json.JsonMapper;

/**
 * HPO trials as a SLURM job array: each array task opens the study (its storage, journal or
 * SQLite, lives in the data directory on the shared filesystem, and asks are serialised across
 * processes), asks for a trial, runs the user's command with the suggested parameters, reports
 * the intermediate values it prints, and tells the outcome. A trial the pruner stops ends its task
 * early: the command's processes are killed and the trial is told PRUNED.
 *
 * <p>The command sees {@code NEMOSPAWN_HPO_STUDY}, {@code NEMOSPAWN_HPO_TRIAL}, {@code
 * NEMOSPAWN_HPO_PARAMS} (the parameters as JSON) and one {@code NEMOSPAWN_PARAM_<NAME>} per
 * parameter (name upper-cased, other characters as {@code _}). It reports by printing lines:
 * {@code nemospawn-hpo step=3 value=0.42} (intermediate) and {@code nemospawn-hpo value=0.40}
 * (final; without one the last intermediate value is the result). A command that exits non-zero
 * fails its trial.
 *
 * @since 0.4
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.4")
public final class SlurmStudyArrays {
  private static final Pattern LINE =
      Pattern.compile("^nemospawn-hpo(?:\\s+step=(\\d+))?\\s+value=([-+0-9.eEinfINFaN]+)\\s*$");
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private SlurmStudyArrays() {}

  /**
   * Returns the array script: {@code trials} tasks, at most {@code parallel} at once, each running
   * {@code cli} (the argv of a {@code nemospawn} that the compute nodes can run) with {@code slurm
   * hpo-task --study STUDY --data-dir DIR -- COMMAND...}.
   *
   * @param base the job's name, GPUs, partition and time; its command and array are replaced
   */
  public static SlurmScript script(
      SlurmScript.Builder base,
      String study,
      Path dataDir,
      int trials,
      int parallel,
      List<String> cli,
      List<String> command) {
    if (trials < 1 || trials > 100_000) {
      throw new IllegalArgumentException("Trials must be 1 or more, not " + trials);
    }
    if (parallel < 1) {
      throw new IllegalArgumentException("Parallel tasks must be 1 or more, not " + parallel);
    }
    if (command.isEmpty()) {
      throw new IllegalArgumentException("No command to run for each trial of study '" + study
          + "'; give the program and its arguments");
    }
    List<String> argv = new ArrayList<>(cli);
    argv.addAll(List.of(
        "slurm",
        "hpo-task",
        "--study",
        study,
        "--data-dir",
        dataDir.toAbsolutePath().toString(),
        "--"));
    argv.addAll(command);
    return base.array("0-" + (trials - 1) + "%" + parallel).command(argv).build();
  }

  /**
   * The outcome of one trial.
   *
   * @param trial the trial's number
   * @param state COMPLETE, PRUNED or FAIL
   * @param value the value told (complete) or last reported (pruned), if any
   * @param lastStep the last step reported, if any
   * @param exitCode the command's exit code, or empty when it was killed for pruning
   */
  public record Outcome(
      int trial,
      TrialState state,
      OptionalDouble value,
      OptionalInt lastStep,
      OptionalInt exitCode) {}

  /**
   * Runs one trial: asks, runs {@code command} in {@code workDir} with the parameters in its
   * environment, reports what it prints, prunes it when told, and tells the outcome. The
   * command's output is copied to {@code log}.
   *
   * @throws IllegalStateException when the study is full (max_trials reached)
   */
  public static Outcome runTrial(
      Study study, List<String> command, Path workDir, Duration timeout, PrintStream log)
      throws IOException, InterruptedException {
    Trial t = study.ask();
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
    pb.redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("NEMOSPAWN_HPO_STUDY", study.name());
    env.put("NEMOSPAWN_HPO_TRIAL", Integer.toString(t.number()));
    env.put("NEMOSPAWN_HPO_PARAMS", JSON.writeValueAsString(t.params()));
    t.params()
        .forEach((k, v) -> env.put(
            "NEMOSPAWN_PARAM_" + k.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9_]", "_"),
            String.valueOf(v)));
    log.println("nemospawn: study " + study.name() + " trial " + t.number() + " " + t.params());
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      study.tell(t, TrialState.FAIL);
      throw e;
    }
    p.getOutputStream().close();
    long deadline = System.nanoTime() + timeout.toNanos();
    OptionalDouble last = OptionalDouble.empty();
    OptionalDouble fin = OptionalDouble.empty();
    OptionalInt lastStep = OptionalInt.empty();
    boolean pruned = false;
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        log.println(line);
        Matcher m = LINE.matcher(line.strip());
        if (!m.matches()) {
          continue;
        }
        double v;
        try {
          v = Double.parseDouble(m.group(2));
        } catch (NumberFormatException e) {
          continue;
        }
        if (m.group(1) == null) {
          fin = OptionalDouble.of(v);
          continue;
        }
        int step = Integer.parseInt(m.group(1));
        last = OptionalDouble.of(v);
        lastStep = OptionalInt.of(step);
        if (study.report(t.number(), step, v)) {
          pruned = true;
          log.println("nemospawn: trial " + t.number() + " pruned at step " + step);
          kill(p);
          break;
        }
        if (System.nanoTime() > deadline) {
          break;
        }
      }
    }
    if (pruned) {
      study.tell(t, TrialState.PRUNED);
      return new Outcome(t.number(), TrialState.PRUNED, last, lastStep, OptionalInt.empty());
    }
    long left = Math.max(0, deadline - System.nanoTime());
    if (!p.waitFor(left, TimeUnit.NANOSECONDS)) {
      kill(p);
      study.tell(t, TrialState.FAIL);
      log.println("nemospawn: trial " + t.number() + " ran past " + timeout + "; FAIL");
      return new Outcome(t.number(), TrialState.FAIL, last, lastStep, OptionalInt.empty());
    }
    int code = p.exitValue();
    OptionalDouble value = fin.isPresent() ? fin : last;
    if (code != 0 || value.isEmpty()) {
      study.tell(t, TrialState.FAIL);
      log.println("nemospawn: trial " + t.number() + " FAIL: "
          + (code != 0 ? "the command exited with " + code : "the command reported no value"));
      return new Outcome(t.number(), TrialState.FAIL, value, lastStep, OptionalInt.of(code));
    }
    study.tell(t, value.getAsDouble());
    log.println("nemospawn: trial " + t.number() + " COMPLETE, value " + value.getAsDouble());
    return new Outcome(t.number(), TrialState.COMPLETE, value, lastStep, OptionalInt.of(code));
  }

  private static void kill(Process p) throws InterruptedException {
    p.descendants().forEach(ProcessHandle::destroy);
    p.destroy();
    if (!p.waitFor(5, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(5, TimeUnit.SECONDS);
    }
  }
}
