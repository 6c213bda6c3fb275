package io.nemospawn.cluster.slurm;

import io.nemospawn.cluster.slurm.internal.Exec;
import io.nemospawn.spi.Environment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;
import org.apiguardian.api.API;

/**
 * SLURM's client tools ({@code sbatch}, {@code squeue}, {@code sacct}, {@code scancel}) run as
 * argv lists, never through a shell. Thread-safe; keeps no state.
 *
 * <pre>{@code
 * Slurm slurm = Slurm.local();
 * String id = slurm.submit(Path.of("train.sbatch"));
 * SlurmJob job = slurm.status(id).get(0);
 * slurm.cancel(id);
 * }</pre>
 *
 * @since 0.4
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.4")
public final class Slurm {
  private static final Pattern JOB_ID = Pattern.compile("\\d{1,18}(_\\d{1,9})?");
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final Map<String, String> env;
  private final String path;

  private Slurm(Map<String, String> env) {
    this.env = Map.copyOf(env);
    String p = env.get("PATH");
    this.path = p != null ? p : Optional.ofNullable(Environment.get("PATH")).orElse("");
  }

  /** Returns the client tools on this process's {@code PATH} (and its {@code SLURM_CONF}). */
  public static Slurm local() {
    return new Slurm(Map.of());
  }

  /** Returns the client tools run with these variables on top of this process's environment. */
  public static Slurm withEnvironment(Map<String, String> env) {
    return new Slurm(env);
  }

  /**
   * Returns why SLURM cannot be used here, with what to do; empty when its client tools are on
   * {@code PATH}.
   */
  public Optional<String> unavailableReason() {
    for (String tool : List.of("sbatch", "squeue", "scancel")) {
      if (Exec.which(tool, path).isEmpty()) {
        return Optional.of("SLURM's " + tool + " is not on PATH (" + path + "); run on a SLURM"
            + " login node or install SLURM's client tools (Debian: slurm-client)");
      }
    }
    return Optional.empty();
  }

  private void requireTools() {
    unavailableReason().ifPresent(why -> {
      throw new IllegalStateException(why);
    });
  }

  /**
   * Checks a job id.
   *
   * @throws IllegalArgumentException naming it when it is not {@code N} or {@code N_M}
   */
  public static String checkJobId(String id) {
    if (!JOB_ID.matcher(id).matches()) {
      throw new IllegalArgumentException("SLURM job ID '" + SlurmScript.printable(id)
          + "' is not a job id: give the number sbatch printed (like 1234, or 1234_5 for an array"
          + " task)");
    }
    return id;
  }

  /**
   * Submits a script with {@code sbatch}, from the script's directory.
   *
   * @param extra further sbatch options placed before the script, each one argument
   * @return the job id
   * @throws IllegalArgumentException when the script is not a readable file
   * @throws IllegalStateException when sbatch is absent or refuses, with its message
   */
  public String submit(Path script, List<String> extra) {
    requireTools();
    Path abs = script.toAbsolutePath();
    if (!Files.isRegularFile(abs) || !Files.isReadable(abs)) {
      throw new IllegalArgumentException(
          "SLURM script " + abs + " is not a readable file; write one with `slurm generate`");
    }
    List<String> argv = new ArrayList<>(List.of("sbatch", "--parsable"));
    argv.addAll(extra);
    Path dir = abs.getParent();
    if (dir != null) {
      argv.add("--chdir=" + dir);
    }
    argv.add(abs.toString());
    Exec.Result r = Exec.run(argv, env, TIMEOUT);
    String out = r.out().strip();
    if (r.code() != 0 || out.isEmpty()) {
      throw new IllegalStateException("sbatch refused " + abs + " (exit " + r.code() + "): "
          + (r.err().strip() + " " + out).strip());
    }
    String id = out.lines().reduce((a, b) -> b).orElse(out);
    int semi = id.indexOf(';');
    return checkJobId(semi >= 0 ? id.substring(0, semi) : id);
  }

  /** Submits with no extra options. */
  public String submit(Path script) {
    return submit(script, List.of());
  }

  /**
   * Returns the job and, for an array, its tasks: from {@code squeue} while queued or running,
   * else from {@code sacct}.
   *
   * @throws NoSuchElementException naming the id when neither knows it
   */
  public List<SlurmJob> status(String id) {
    List<SlurmJob> jobs = find(id);
    if (jobs.isEmpty()) {
      throw new NoSuchElementException("Unknown SLURM job ID '" + id + "': neither squeue nor"
          + " sacct knows it; check the id with `squeue` or `sacct`");
    }
    return jobs;
  }

  /** Returns the job and its tasks, or an empty list when SLURM does not know the id. */
  public List<SlurmJob> find(String id) {
    checkJobId(id);
    requireTools();
    Exec.Result q =
        Exec.run(List.of("squeue", "-h", "-j", id, "-o", "%i|%j|%T|%N|%M|%r"), env, TIMEOUT);
    List<SlurmJob> out = new ArrayList<>();
    if (q.code() == 0) {
      for (String line : q.out().lines().toList()) {
        String[] f = line.split("\\|", -1);
        if (f.length >= 6) {
          String reason = f[5].equals("None") ? "" : f[5];
          out.add(
              new SlurmJob(f[0], f[1], f[2], OptionalInt.empty(), 0, f[3], f[4], reason, "squeue"));
        }
      }
    } else if (!q.err().contains("Invalid job id")) {
      throw new IllegalStateException(
          "squeue failed (exit " + q.code() + "): " + q.err().strip());
    }
    if (!out.isEmpty()) {
      return out;
    }
    if (Exec.which("sacct", path).isEmpty()) {
      return out;
    }
    Exec.Result a = Exec.run(
        List.of(
            "sacct",
            "-n",
            "-P",
            "-X",
            "-j",
            id,
            "-o",
            "JobID,JobName,State,ExitCode,NodeList,Elapsed,Reason"),
        env,
        TIMEOUT);
    if (a.code() != 0) {
      return out;
    }
    for (String line : a.out().lines().toList()) {
      String[] f = line.split("\\|", -1);
      if (f.length < 7) {
        continue;
      }
      String state = f[2].split(" ")[0];
      OptionalInt code = OptionalInt.empty();
      int signal = 0;
      String[] ec = f[3].split(":");
      try {
        if (ec.length == 2) {
          signal = Integer.parseInt(ec[1]);
          if (!state.equals("PENDING") && !state.equals("RUNNING")) {
            code = OptionalInt.of(Integer.parseInt(ec[0]));
          }
        }
      } catch (NumberFormatException e) {
        // Leave the code unknown.
      }
      String reason = f[6].equals("None") ? "" : f[6];
      out.add(new SlurmJob(f[0], f[1], state, code, signal, f[4], f[5], reason, "sacct"));
    }
    return out;
  }

  /**
   * Cancels the job (all its tasks for an array), with {@code signal} when not empty ({@code
   * KILL}).
   *
   * @throws NoSuchElementException naming the id when SLURM does not know it
   */
  public SlurmJob cancel(String id, String signal) {
    List<SlurmJob> before = status(id);
    List<String> argv = new ArrayList<>(List.of("scancel"));
    if (!signal.isEmpty()) {
      if (!signal.matches("[A-Z0-9]{1,10}")) {
        throw new IllegalArgumentException("Signal '" + SlurmScript.printable(signal)
            + "' is not a signal name like TERM or KILL");
      }
      argv.add("--signal=" + signal);
    }
    argv.add(id);
    Exec.Result r = Exec.run(argv, env, TIMEOUT);
    if (r.code() != 0
        && find(id).stream().anyMatch(j -> j.active() && !j.state().equals("COMPLETING"))) {
      // A job that ended (or is completing) meanwhile is not a failure: it is what cancel wanted.
      throw new IllegalStateException(
          "scancel " + id + " failed (exit " + r.code() + "): " + r.err().strip());
    }
    return before.get(0);
  }

  /** Cancels the job. */
  public SlurmJob cancel(String id) {
    return cancel(id, "");
  }
}
