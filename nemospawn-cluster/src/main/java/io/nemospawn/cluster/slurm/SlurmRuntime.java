package io.nemospawn.cluster.slurm;

import io.nemospawn.AgentLaunchException;
import io.nemospawn.cluster.slurm.internal.Shell;
import io.nemospawn.spi.AgentRuntime;
import io.nemospawn.spi.Environment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code slurm} agent runtime: runs an agent as a SLURM batch job. Its GPUs come from SLURM's
 * allocation: the job asks for as many GPUs ({@code --gres=gpu:N}) as the spawn leased, and the
 * agent sees the {@code CUDA_VISIBLE_DEVICES} SLURM set, which the job writes with its id and node
 * to {@code logs/<agent>.slurm} (the team directory's logs, on the shared filesystem). Its
 * environment (the team key included when auth is on) travels in a 0600 file the job reads and
 * deletes, never on a command line or in the script. Probing asks {@code squeue}, then {@code
 * sacct}, then the exit file the job writes; stopping is {@code scancel}. A job SLURM ends (scancel,
 * time limit) is an agent whose process is gone, which the watch pass treats like any dead agent.
 *
 * <p>The record's {@code pid} holds the job id (its start time is set to 1970-01-01T00:00:01Z so no
 * local process is ever taken for it). Settings, from the agent's environment or else this
 * process's: {@code NEMOSPAWN_SLURM_PARTITION}, {@code NEMOSPAWN_SLURM_TIME} (default 24:00:00),
 * {@code NEMOSPAWN_SLURM_GPU_TYPE}, {@code NEMOSPAWN_SLURM_GPUS} (overrides the leased count).
 *
 * @since 0.4
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.4")
public final class SlurmRuntime implements AgentRuntime {
  /** The runtime's name. */
  public static final String NAME = "slurm";

  /** The start time recorded for a job, so that its id never matches a local process. */
  static final Instant NOT_A_PROCESS = Instant.ofEpochSecond(1);

  private static final Logger log = LoggerFactory.getLogger(SlurmRuntime.class);

  private final Slurm slurm = Slurm.local();

  /** Creates the runtime (ServiceLoader). */
  public SlurmRuntime() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Optional<String> unavailableReason() {
    return slurm.unavailableReason();
  }

  private static String setting(AgentRuntime.Launch l, String name, String dflt) {
    String v = l.env().get(name);
    if (v == null || v.isEmpty()) {
      v = Environment.get(name);
    }
    return v == null || v.isEmpty() ? dflt : v;
  }

  /** Returns the file the job writes its id, node and CUDA_VISIBLE_DEVICES to. */
  public static Path allocationFile(Path logFile) {
    String n = logFile.getFileName().toString();
    String base = n.endsWith(".log") ? n.substring(0, n.length() - 4) : n;
    return logFile.resolveSibling(base + ".slurm");
  }

  @Override
  public Launched start(Launch l) {
    Path logs = java.util.Objects.requireNonNull(
        l.logFile().toAbsolutePath().getParent(), "the log file's directory");
    String base = allocationFile(l.logFile()).getFileName().toString().replace(".slurm", "");
    String leased = l.env().getOrDefault("CUDA_VISIBLE_DEVICES", "");
    int gpus = leased.isBlank() ? 0 : leased.split(",").length;
    String asked = setting(l, "NEMOSPAWN_SLURM_GPUS", "");
    try {
      if (!asked.isEmpty()) {
        gpus = Integer.parseInt(asked);
      }
      Files.createDirectories(logs);
      Files.deleteIfExists(l.exitFile());
      Path envFile = logs.resolve(base + ".slurm-env");
      StringBuilder e = new StringBuilder();
      Map<String, String> vars = new TreeMap<>(l.env());
      if (gpus > 0) {
        vars.remove("CUDA_VISIBLE_DEVICES");
      }
      for (var v : vars.entrySet()) {
        if (v.getKey().matches("[A-Za-z_][A-Za-z0-9_]*")) {
          e.append("export ")
              .append(v.getKey())
              .append('=')
              .append(Shell.quote(v.getValue()))
              .append('\n');
        }
      }
      Files.deleteIfExists(envFile);
      Files.createFile(
          envFile,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(envFile, e, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
      SlurmScript script = SlurmScript.builder(jobName(l))
          .gpus(gpus)
          .gpuType(setting(l, "NEMOSPAWN_SLURM_GPU_TYPE", ""))
          .partition(setting(l, "NEMOSPAWN_SLURM_PARTITION", ""))
          .time(setting(l, "NEMOSPAWN_SLURM_TIME", "24:00:00"))
          .command(l.command())
          .envFile(envFile)
          .workDir(l.workDir().toAbsolutePath())
          .logFile(l.logFile().toAbsolutePath())
          .exitFile(l.exitFile().toAbsolutePath())
          .allocationFile(allocationFile(l.logFile()).toAbsolutePath())
          .build();
      Path file = logs.resolve(base + ".sbatch");
      Files.writeString(file, script.render(), StandardCharsets.UTF_8);
      String id;
      try {
        id = slurm.submit(file);
      } catch (RuntimeException ex) {
        Files.deleteIfExists(envFile);
        throw ex;
      }
      log.debug("Agent {} submitted as SLURM job {}", l.agentId(), id);
      return new Launched(
          NAME, Long.parseLong(id), NOT_A_PROCESS, "slurm-" + id, "", l.logFile(), l.exitFile());
    } catch (IOException | NumberFormatException | IllegalStateException ex) {
      throw new AgentLaunchException(
          l.agentName(),
          l.command(),
          -1,
          "Cannot submit agent '" + l.agentName() + "' as a SLURM job: " + ex.getMessage(),
          ex);
    }
  }

  private static String jobName(Launch l) {
    String n = ("ns-" + l.teamId() + "-" + l.agentName()).replaceAll("[^A-Za-z0-9._+:@,=-]", "_");
    return n.length() > 200 ? n.substring(0, 200) : n;
  }

  @Override
  public Liveness probe(Launched l) {
    String id = Long.toString(l.pid());
    List<SlurmJob> jobs;
    try {
      jobs = slurm.find(id);
    } catch (RuntimeException e) {
      // SLURM unreachable: we do not know, so the agent is not declared dead.
      log.warn("Cannot ask SLURM about job {}: {}", id, e.getMessage());
      return Liveness.running();
    }
    OptionalInt written = exitCode(l.exitFile());
    if (!jobs.isEmpty() && jobs.get(0).active() && written.isEmpty()) {
      return Liveness.running();
    }
    if (written.isPresent()) {
      return Liveness.exited(written);
    }
    if (!jobs.isEmpty()) {
      SlurmJob j = jobs.get(0);
      if (!j.killedBySlurm() && j.signal() == 0) {
        return Liveness.exited(j.exitCode());
      }
    }
    return Liveness.exited(OptionalInt.empty());
  }

  private static OptionalInt exitCode(Path f) {
    try {
      return OptionalInt.of(Integer.parseInt(Files.readString(f).strip()));
    } catch (IOException | NumberFormatException e) {
      return OptionalInt.empty();
    }
  }

  @Override
  public void stop(Launched l, Duration grace) {
    String id = Long.toString(l.pid());
    try {
      List<SlurmJob> jobs = slurm.find(id);
      if (jobs.isEmpty() || !jobs.get(0).active()) {
        return;
      }
      slurm.cancel(id);
      long deadline = System.nanoTime() + grace.toNanos();
      while (System.nanoTime() < deadline) {
        List<SlurmJob> now = slurm.find(id);
        if (now.isEmpty() || !now.get(0).active()) {
          return;
        }
        Thread.sleep(200);
      }
      List<SlurmJob> left = slurm.find(id);
      if (!left.isEmpty() && left.get(0).active() && !left.get(0).state().equals("COMPLETING")) {
        slurm.cancel(id, "KILL");
      }
    } catch (java.util.NoSuchElementException gone) {
      // Already left SLURM.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (UncheckedIOException e) {
      log.warn("Cannot cancel SLURM job {}: {}", id, e.getMessage());
    }
  }

  @Override
  public List<String> attachCommand(Launched l) {
    return List.of();
  }

  /**
   * Returns the GPUs SLURM allocated to the agent's job: the {@code CUDA_VISIBLE_DEVICES} the job
   * wrote to its allocation file once it started (empty before, for a job of another id, or when
   * the job got no GPUs).
   */
  @Override
  public Optional<List<Integer>> allocatedGpus(Launched l) {
    Map<String, String> a = allocation(l.logFile());
    String devices = a.getOrDefault("cuda_visible_devices", "").strip();
    if (!a.getOrDefault("job_id", "").equals(Long.toString(l.pid())) || devices.isEmpty()) {
      return Optional.empty();
    }
    List<Integer> gpus = new java.util.ArrayList<>();
    for (String d : devices.split(",")) {
      if (!d.strip().matches("\\d{1,4}")) {
        // Not indices (GPU UUIDs, or SLURM's NoDevFiles): keep the record's GPUs.
        return Optional.empty();
      }
      gpus.add(Integer.parseInt(d.strip()));
    }
    return Optional.of(List.copyOf(gpus));
  }

  /** Returns the allocation the job recorded: {@code job_id}, {@code node}, {@code cuda_visible_devices}. */
  public static Map<String, String> allocation(Path logFile) {
    Map<String, String> out = new TreeMap<>();
    try {
      for (String line : Files.readAllLines(allocationFile(logFile))) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          out.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
    } catch (IOException e) {
      // Not started yet.
    }
    return out;
  }
}
