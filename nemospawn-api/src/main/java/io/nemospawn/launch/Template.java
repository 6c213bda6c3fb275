package io.nemospawn.launch;

import java.util.List;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * A team template, as written in the reference tool's TOML: a name, a description, the GPUs it
 * needs at least, its workers (each with a role, a GPU count, a task and the workers whose tasks
 * it waits for), and an optional HPO study shared by the team.
 *
 * <pre>{@code
 * name = "tiny"
 * description = "prepare, then train"
 * min_gpus = 0
 * [[workers]]
 * name = "prep"
 * role = "data"
 * task = "Prepare the data set"
 * [[workers]]
 * name = "trainer"
 * role = "trainer"
 * gpu_count = 1
 * task = "Train"
 * blocked_by = ["prep"]
 * }</pre>
 *
 * <p>Parse one with {@link Launcher#parse} or {@link Launcher#template}. Immutable and thread-safe.
 *
 * @param name the template's name
 * @param description what the team does
 * @param minGpus the fewest GPUs a launch must be given
 * @param workers the workers, in file order; names are unique
 * @param hpo the team's shared study, or {@link Hpo#none()}
 * @param source where it was read from: a file path or {@code builtin:<name>}
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record Template(
    String name, String description, int minGpus, List<Worker> workers, Hpo hpo, String source) {

  /** Validates and copies. */
  public Template {
    Objects.requireNonNull(name, "name");
    description = description == null ? "" : description;
    if (minGpus < 0) {
      throw new IllegalArgumentException("min_gpus must be >= 0, was " + minGpus);
    }
    workers = List.copyOf(workers);
    hpo = hpo == null ? Hpo.none() : hpo;
    source = source == null ? "" : source;
  }

  /**
   * Returns a worker by name.
   *
   * @throws java.util.NoSuchElementException naming the workers when there is none
   */
  public Worker worker(String workerName) {
    for (Worker w : workers) {
      if (w.name().equals(workerName)) {
        return w;
      }
    }
    throw new java.util.NoSuchElementException("Template '" + name + "' has no worker '"
        + workerName + "'; workers: " + workers.stream().map(Worker::name).toList());
  }

  /** Returns the GPUs all workers ask for together. */
  public int totalGpus() {
    return workers.stream().mapToInt(Worker::gpuCount).sum();
  }

  /**
   * One worker of a template: an agent with a role, its GPUs and its task.
   *
   * @param name unique within the template; becomes the agent's name
   * @param role free text (trainer, evaluator …); the demo agent acts on it
   * @param gpuCount GPUs it needs (0: none)
   * @param task its task text, given to the agent verbatim
   * @param blockedBy names of the workers whose tasks must be done before its task starts
   * @param profile the agent profile to run it with, or an empty string for the launch's default
   * @param runtime the runtime (tmux, process, sandbox), or an empty string for the default
   * @param line the line of its {@code [[workers]]} header in the file, 0 if unknown
   * @param nemoConfig the NeMo YAML config the worker starts from (its own {@code nemo_config},
   *     else the template's), or an empty string
   * @param nemoOverrides Hydra-style overrides of that config for this worker ({@code
   *     nemo_overrides}), in order; checked for syntax only when the template is parsed
   */
  public record Worker(
      String name,
      String role,
      int gpuCount,
      String task,
      List<String> blockedBy,
      String profile,
      String runtime,
      int line,
      String nemoConfig,
      List<String> nemoOverrides) {
    /** Validates and copies. */
    public Worker {
      Objects.requireNonNull(name, "name");
      role = role == null || role.isBlank() ? "worker" : role;
      if (gpuCount < 0) {
        throw new IllegalArgumentException(
            "gpu_count of worker '" + name + "' must be >= 0, was " + gpuCount);
      }
      task = task == null ? "" : task;
      blockedBy = List.copyOf(blockedBy);
      profile = profile == null ? "" : profile;
      runtime = runtime == null ? "" : runtime;
      nemoConfig = nemoConfig == null ? "" : nemoConfig;
      nemoOverrides = List.copyOf(nemoOverrides);
    }

    /** Returns a worker without NeMo config or overrides. */
    public Worker(
        String name,
        String role,
        int gpuCount,
        String task,
        List<String> blockedBy,
        String profile,
        String runtime,
        int line) {
      this(name, role, gpuCount, task, blockedBy, profile, runtime, line, "", List.of());
    }
  }

  /**
   * The team's shared HPO study: its name and its settings in the HPO TOML format ({@code
   * [search_space]}, {@code [objective]}, {@code [budget]}, {@code [sampler]}, {@code [pruner]}),
   * with the lines of the template so errors name the template's line.
   *
   * @param study the study name; empty when the template has none
   * @param toml the study's settings as an HPO TOML document (line numbers as in the template)
   */
  public record Hpo(String study, String toml) {
    /** Validates. */
    public Hpo {
      study = study == null ? "" : study;
      toml = toml == null ? "" : toml;
    }

    /** Returns the absent study. */
    public static Hpo none() {
      return new Hpo("", "");
    }

    /** Returns whether the template declares a study. */
    public boolean isPresent() {
      return !study.isEmpty();
    }
  }
}
