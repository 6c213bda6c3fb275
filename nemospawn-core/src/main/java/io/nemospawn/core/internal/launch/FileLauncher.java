package io.nemospawn.core.internal.launch;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Remedied;
import io.nemospawn.Team;
import io.nemospawn.launch.Launch;
import io.nemospawn.launch.LaunchOptions;
import io.nemospawn.launch.LaunchPlan;
import io.nemospawn.launch.Launcher;
import io.nemospawn.launch.StudyBridge;
import io.nemospawn.launch.Template;
import io.nemospawn.spi.Environment;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.topology.GpuTopology;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The file-backed {@link Launcher}: built-in templates from resources, launches as processes. */
public final class FileLauncher implements Launcher {
  private static final Logger log = LoggerFactory.getLogger(FileLauncher.class);

  /** The built-in templates, in the order {@code launch templates} lists them. */
  static final List<String> BUILT_INS =
      List.of("autoresearch", "nim-deploy", "rlhf-swarm", "data-curation");

  private final NemoSpawn ns;
  private final Optional<StudyBridge> studies;
  private final Predicate<String> onPath;
  private final Supplier<GpuTopology> topology;

  /** Creates a launcher over a data directory. */
  public FileLauncher(NemoSpawn ns) {
    this(ns, StudyBridge.find(), FileLauncher::isOnPath, GpuTopology::detect);
  }

  FileLauncher(
      NemoSpawn ns,
      Optional<StudyBridge> studies,
      Predicate<String> onPath,
      Supplier<GpuTopology> topology) {
    this.ns = Objects.requireNonNull(ns, "ns");
    this.studies = studies;
    this.onPath = onPath;
    this.topology = topology;
  }

  @Override
  public List<Template> templates() {
    List<Template> out = new ArrayList<>();
    for (String n : BUILT_INS) {
      out.add(builtIn(n).orElseThrow());
    }
    return out;
  }

  @Override
  public Template template(String nameOrFile) {
    Objects.requireNonNull(nameOrFile, "nameOrFile");
    Optional<Template> b = builtIn(nameOrFile);
    if (b.isPresent()) {
      return b.get();
    }
    Path p = Environment.resolve(Path.of(nameOrFile));
    if (Files.isRegularFile(p)) {
      return read(p);
    }
    throw new Remedied.InvalidArgument(
        Remedied.Remedy.of(Remedied.Action.LIST_TEMPLATES, nameOrFile, ""),
        "No template '" + StateFormat.printable(nameOrFile) + "': it is neither a built-in"
            + " template " + BUILT_INS + " nor a file. Choose one of those (Launcher.templates()),"
            + " or give the path of a .toml file.");
  }

  @Override
  public Template read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "Cannot read template " + file + ": " + e.getMessage() + ".", e);
    }
    return parse(text, file.toString());
  }

  @Override
  public Template parse(String toml, String source) {
    return TemplateParser.parse(
        Objects.requireNonNull(toml, "toml"), Objects.requireNonNull(source, "source"));
  }

  @Override
  public LaunchPlan plan(Template template, LaunchOptions options) {
    Objects.requireNonNull(template, "template");
    Objects.requireNonNull(options, "options");
    return new Planner(
            ns.dataDir(), ns.config(), new Profiles(ns.dataDir()), onPath, studies, topology)
        .plan(template, options);
  }

  @Override
  public Launch start(LaunchPlan plan) {
    Objects.requireNonNull(plan, "plan");
    if (plan.hpo().isPresent() && studies.isEmpty()) {
      throw new IllegalStateException("Plan of template '" + plan.template() + "' has an HPO"
          + " study but no HPO module is on the class path; add io.nemospawn:nemospawn-hpo and"
          + " io.nemospawn:nemospawn-demo.");
    }
    Team team =
        ns.newTeam(plan.teamName()).description(plan.goal()).gpus(plan.gpus()).create();
    log.info("Launching template {} as team {}", plan.template(), team.id());
    try {
      return FileLaunch.start(ns, team, plan, studies);
    } catch (RuntimeException e) {
      team.close();
      throw e;
    }
  }

  /** Returns a built-in template, if there is one of that name. */
  static Optional<Template> builtIn(String name) {
    if (!BUILT_INS.contains(name)) {
      return Optional.empty();
    }
    String res = "templates/" + name + ".toml";
    try (InputStream in = FileLauncher.class.getResourceAsStream(res)) {
      if (in == null) {
        throw new IllegalStateException("Built-in template " + name + " is missing from the jar ("
            + res + "); the nemospawn-core jar is damaged.");
      }
      return Optional.of(TemplateParser.parse(
          new String(in.readAllBytes(), StandardCharsets.UTF_8), "builtin:" + name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static boolean isOnPath(String command) {
    String path = Environment.get("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "FileLauncher[" + ns.dataDir() + "]";
  }
}
