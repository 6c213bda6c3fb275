package io.nemospawn.launch;

import io.nemospawn.NemoSpawn;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.apiguardian.api.API;

/**
 * Reads templates, plans launches and starts them, in one data directory.
 *
 * <pre>{@code
 * Launcher launcher = Launcher.of(ns);
 * LaunchPlan plan = launcher.plan(launcher.template("autoresearch"), LaunchOptions.defaults());
 * System.out.print(plan.toText());             // what --dry-run prints; nothing was written
 * try (Launch launch = launcher.start(plan)) { launch.awaitFinished(Duration.ofMinutes(10)); }
 * }</pre>
 *
 * <p>Thread-safe.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface Launcher {

  /**
   * Returns the launcher of a data directory, found with {@link ServiceLoader}.
   *
   * @throws IllegalStateException when no implementation is on the class path
   */
  static Launcher of(NemoSpawn nemoSpawn) {
    List<LaunchProvider> providers = new ArrayList<>();
    ServiceLoader.load(LaunchProvider.class, Launcher.class.getClassLoader())
        .forEach(providers::add);
    if (providers.isEmpty()) {
      ServiceLoader.load(LaunchProvider.class).forEach(providers::add);
    }
    if (providers.isEmpty()) {
      throw new IllegalStateException(
          "No NemoSpawn launcher on the class path or module path; add io.nemospawn:nemospawn-core.");
    }
    return providers.get(0).launcher(nemoSpawn);
  }

  /** Returns the built-in templates, by name. */
  List<Template> templates();

  /**
   * Returns a built-in template by name, else reads the TOML file at that path.
   *
   * @throws IllegalArgumentException naming the built-ins when it is neither, or naming the file
   *     and line of an error in the file
   */
  Template template(String nameOrFile);

  /**
   * Reads a template file.
   *
   * @throws IllegalArgumentException naming the file and line of an error
   */
  Template read(Path file);

  /**
   * Parses template text; {@code source} names it in messages.
   *
   * @throws IllegalArgumentException naming the source and line of an error: bad TOML, an unknown
   *     key, a missing name, a duplicate worker, a {@code blocked_by} naming no worker or forming a
   *     cycle
   */
  Template parse(String toml, String source);

  /**
   * Plans a launch without touching anything: checks {@code min_gpus}, profiles and runtimes,
   * places workers on GPUs (NVLink islands first, never a GPU twice unless sharing is allowed),
   * chooses the agent, and lays out the task DAG.
   *
   * @throws IllegalArgumentException when the template cannot run with these options (too few
   *     GPUs, unknown profile or runtime, a bad HPO section), saying why and what to do
   */
  LaunchPlan plan(Template template, LaunchOptions options);

  /**
   * Carries out a plan: creates the team, its HPO study, the task DAG, and spawns the leader and
   * the workers. The returned launch owns the agents; closing it stops those still running.
   *
   * @throws io.nemospawn.NemoSpawnException when the team cannot be written or an agent not started
   */
  Launch start(LaunchPlan plan);
}
