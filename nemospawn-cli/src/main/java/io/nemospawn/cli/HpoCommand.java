package io.nemospawn.cli;

import io.nemospawn.NemoSpawn;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.HpoConfig;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.Trial;
import io.nemospawn.hpo.TrialState;
import io.nemospawn.launch.Launcher;
import io.nemospawn.launch.Template;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code nemospawn hpo}: hyperparameter studies shared by agents and processes. Studies live in
 * {@code <data dir>/hpo/<study>.db} (Optuna 3.1 SQLite), so Optuna and its dashboard open them.
 */
@Command(
    name = "hpo",
    mixinStandardHelpOptions = true,
    description =
        "Hyperparameter optimisation: TPE sampling, ASHA pruning, Optuna-compatible studies.",
    subcommands = {
      HpoCommand.Init.class,
      HpoCommand.Suggest.class,
      HpoCommand.Report.class,
      HpoCommand.Best.class,
      HpoCommand.Trials.class,
      HpoDashboardCommand.class
    })
final class HpoCommand {
  private HpoCommand() {}

  static Map<String, Object> trialJson(FrozenTrial t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("trial", t.number());
    m.put("state", t.state().name());
    m.put("value", t.value().isPresent() ? t.value().getAsDouble() : null);
    m.put("last_step", t.lastStep().isPresent() ? t.lastStep().getAsInt() : null);
    m.put("params", t.params());
    return m;
  }

  static String params(Map<String, Object> params) {
    List<String> parts = new ArrayList<>();
    params.forEach((k, v) -> parts.add(k + "=" + v));
    return String.join(" ", parts);
  }

  /** What the study subcommands share: {@code --study} and opening the study around {@link #run}. */
  abstract static class StudySubcommand extends StateSubcommand {
    @Option(names = "--study", required = true, description = "Study name.")
    String study;

    @Override
    public Integer call() throws Exception {
      parse();
      if (changes()) {
        checkMayChangeStudies();
      }
      try (Study s = openStudy()) {
        return run(s);
      }
    }

    /** Checks the options before the study is opened. Does nothing by default. */
    void parse() {}

    /** Whether the command writes to the study (true unless it only reads). */
    boolean changes() {
      return true;
    }

    /**
     * With auth on, refuses a caller without a key or with a viewer's: studies are shared by the
     * data directory's teams, so agents (who ask and report trials) and users may change them.
     */
    void checkMayChangeStudies() {
      io.nemospawn.state.Authorizer auth = io.nemospawn.state.Authorizer.of(state.dataDir());
      if (!auth.enabled()) {
        return;
      }
      io.nemospawn.Principal who =
          StateOptions.callerKey().map(auth::authenticate).orElse(null);
      if (who == null || who.role() == io.nemospawn.AccessRole.VIEWER) {
        throw new io.nemospawn.AccessDeniedException(
            (who == null ? "A caller without a key" : who.toString())
                + " may not change HPO study '"
                + study + "' (hpo " + spec.name() + "): auth is on in " + state.dataDir()
                + "; use a user's or an agent's key ($" + io.nemospawn.state.Authorizer.KEY_FILE_ENV
                + ")",
            who);
      }
    }

    /** Opens the existing study; {@code hpo init} creates it instead. */
    Study openStudy() {
      return Hpo.open(state.dataDir(), study);
    }

    /** Runs the command on the opened study; returns the exit code. */
    abstract int run(Study s);
  }

  @Command(
      name = "init",
      mixinStandardHelpOptions = true,
      description = "Creates a study from an HPO TOML file, a launch template's [hpo] section,"
          + " or (neither given) NemoSpawn 1.0's default space: lr and batch_size.")
  static final class Init extends StudySubcommand {
    /** NemoSpawn 1.0's search space for a study created without a file or template. */
    static final String DEFAULT_SPACE = """
        [search_space]
        lr = { type = "loguniform", low = 1e-5, high = 1e-3 }
        batch_size = { type = "categorical", choices = [256, 512, 1024, 2048] }
        [objective]
        metric = "val_loss"
        direction = "minimize"
        """;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    @Nullable
    Source source;

    static final class Source {
      @Option(
          names = "--hpo-file",
          paramLabel = "FILE",
          description = "TOML file with [search_space], [objective], [budget].")
      @Nullable
      Path hpoFile;

      @Option(
          names = "--template",
          paramLabel = "TEMPLATE",
          description = "Launch template (built-in name, see `launch templates`, or a .toml file)"
              + " whose [hpo] search space, objective and budget to use.")
      @Nullable
      String template;
    }

    @Option(
        names = "--warm-start-from",
        paramLabel = "STUDY",
        description = "Seeds the new study with the COMPLETE and PRUNED trials of an earlier"
            + " study in the same data dir: parameters the new space lacks are dropped, trials"
            + " with a value outside the new space are skipped, a parameter of another kind is"
            + " an error; max_trials counts new trials only.")
    @Nullable
    String warmStartFrom;

    private HpoConfig config = HpoConfig.parse(DEFAULT_SPACE, "the default search space");
    private String from = "the default search space (as NemoSpawn 1.0: give --hpo-file or"
        + " --template for your own)";

    @Override
    Study openStudy() {
      if (source != null && source.template != null) {
        config = fromTemplate(source.template);
        from = "template " + source.template;
      } else if (source != null && source.hpoFile != null) {
        config = HpoConfig.read(source.hpoFile);
        from = source.hpoFile.toString();
      }
      return Hpo.create(state.dataDir(), study, config, warmStartFrom);
    }

    @Override
    int run(Study s) {
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("study", study);
        m.put("storage", s.storage().toString());
        m.put("direction", config.direction().name());
        m.put("metric", config.metric());
        m.put("max_trials", config.maxTrials());
        m.put("sampler", config.sampler());
        m.put("pruner", config.pruner());
        m.put("params", new ArrayList<>(config.space().params().keySet()));
        m.put("source", from);
        s.warmStart().ifPresent(w -> {
          Map<String, Object> ws = new LinkedHashMap<>();
          ws.put("from", w.from());
          ws.put("copied", w.copied());
          ws.put("skipped_outside", w.skippedOutside());
          ws.put("dropped_params", w.droppedParams());
          m.put("warm_start", ws);
        });
        out.json(m);
      } else {
        out.println("Created study " + study + ": " + config.direction().name().toLowerCase()
            + " " + config.metric() + " over " + config.space().params().keySet()
            + ", max_trials "
            + (config.maxTrials() == 0 ? "unlimited" : config.maxTrials()) + ", sampler "
            + config.sampler() + ", pruner " + config.pruner() + ". Storage: " + s.storage());
        out.println("Search space from " + from + ".");
        s.warmStart()
            .ifPresent(w -> out.println("Warm start from " + w.from() + ": " + w.copied()
                + " trials copied, " + w.skippedOutside() + " skipped (a value outside this space)"
                + (w.droppedParams().isEmpty()
                    ? ""
                    : ", parameters not in this space dropped: " + w.droppedParams())
                + "."));
      }
      return ExitCodes.OK;
    }

    /** Reads a launch template's [hpo] section, as the launch of that template would use it. */
    private HpoConfig fromTemplate(String name) {
      Template t;
      try (NemoSpawn ns = open()) {
        Launcher launcher = Launcher.of(ns);
        t = launcher.template(name);
        if (!t.hpo().isPresent()) {
          List<String> with = launcher.templates().stream()
              .filter(x -> x.hpo().isPresent())
              .map(Template::name)
              .toList();
          throw new IllegalArgumentException("Template '" + name + "' (" + t.source()
              + ") has no [hpo] section, so it has no search space; templates with one: " + with
              + ". Give one of those, or --hpo-file FILE.");
        }
      }
      return HpoConfig.parse(t.hpo().toml(), t.source());
    }
  }

  @Command(
      name = "suggest",
      mixinStandardHelpOptions = true,
      description = "Starts a trial and prints its number and parameters.")
  static final class Suggest extends StudySubcommand {
    @Override
    int run(Study s) {
      Trial t = s.ask();
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("study", study);
        m.put("trial", t.number());
        m.put("params", t.params());
        // NemoSpawn 1.0 prints {"trial_id": n, <param>: value, ...}; scripts written for it
        // read those keys.
        m.put("trial_id", t.number());
        t.params().forEach(m::putIfAbsent);
        out.json(m);
      } else {
        out.println("trial " + t.number());
        t.params().forEach((k, v) -> out.println(k + "=" + v));
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "report",
      mixinStandardHelpOptions = true,
      description = {
        "Records an intermediate value and says whether to prune (exit code 1 and \"prune\": true"
            + " when pruned; the trial is then PRUNED); with --final, completes the trial."
      })
  static final class Report extends StudySubcommand {
    @Option(names = "--trial", required = true, description = "Trial number (from suggest).")
    int trial;

    @Option(
        names = "--step",
        paramLabel = "STEP",
        description = "Step (epoch, iteration) of the value, or `final` (NemoSpawn 1.0's form of"
            + " --final); required without --final.")
    @Nullable
    String stepText;

    @Nullable
    Integer step;

    @Option(
        names = {"--val-loss", "--value"},
        required = true,
        description = "The objective value (the study's metric).")
    double value;

    @Option(names = "--final", description = "Completes the trial with this value.")
    boolean fin;

    @Override
    @Initializer
    void parse() {
      if (stepText != null && stepText.trim().equalsIgnoreCase("final")) {
        fin = true;
      } else if (stepText != null) {
        try {
          step = Integer.valueOf(stepText.trim());
        } catch (NumberFormatException e) {
          throw new ParameterException(
              spec.commandLine(),
              "Invalid --step '" + stepText + "': use a whole number such as --step 100, or"
                  + " --step final");
        }
      }
      if (!fin && step == null) {
        throw new IllegalArgumentException("Missing --step for trial " + trial
            + ": an intermediate report needs the step it was measured at; pass --final to complete"
            + " the trial instead.");
      }
    }

    @Override
    int run(Study s) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("study", study);
      m.put("trial", trial);
      m.put("step", step);
      m.put("value", value);
      if (fin) {
        if (step != null) {
          s.report(trial, step, value);
        }
        s.tell(trial, value);
        FrozenTrial t = s.trial(trial);
        Optional<FrozenTrial> best = s.findBestTrial();
        m.put("state", t.state().name());
        m.put("prune", false);
        m.put("best_trial", best.map(FrozenTrial::number).orElse(null));
        if (out.json()) {
          out.json(m);
        } else {
          out.println("trial " + trial + " " + t.state() + " value=" + value
              + best.map(b -> " (best: trial " + b.number() + " value=" + b.rawValue() + ")")
                  .orElse(""));
        }
        return ExitCodes.OK;
      }
      int at = java.util.Objects.requireNonNull(step, "parse() requires --step without --final");
      boolean prune = s.report(trial, at, value);
      if (prune) {
        s.tell(trial, TrialState.PRUNED);
      }
      m.put("state", prune ? TrialState.PRUNED.name() : TrialState.RUNNING.name());
      m.put("prune", prune);
      if (out.json()) {
        out.json(m);
      } else {
        out.println(
            prune
                ? "prune: trial " + trial + " is PRUNED at step " + step + "; stop training it."
                : "continue: trial " + trial + " step " + step + " recorded.");
      }
      return prune ? ExitCodes.FAILURE : ExitCodes.OK;
    }
  }

  @Command(
      name = "best",
      mixinStandardHelpOptions = true,
      description = "Prints the best complete trial.")
  static final class Best extends StudySubcommand {
    @Override
    boolean changes() {
      return false;
    }

    @Override
    int run(Study s) {
      FrozenTrial b = s.bestTrial();
      if (out.json()) {
        out.json(trialJson(b));
      } else {
        out.println("trial " + b.number() + " value=" + b.rawValue() + " " + params(b.params()));
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "trials",
      mixinStandardHelpOptions = true,
      description = "Lists the trials of a study.")
  static final class Trials extends StudySubcommand {
    @Override
    boolean changes() {
      return false;
    }

    @Override
    int run(Study s) {
      List<FrozenTrial> trials = s.trials();
      if (out.json()) {
        List<Object> rows = new ArrayList<>();
        for (FrozenTrial t : trials) {
          rows.add(trialJson(t));
        }
        out.json(rows);
      } else {
        List<List<String>> rows = new ArrayList<>();
        for (FrozenTrial t : trials) {
          rows.add(List.of(
              Integer.toString(t.number()),
              t.state().name(),
              t.value().isPresent() ? Double.toString(t.value().getAsDouble()) : "-",
              t.lastStep().isPresent() ? Integer.toString(t.lastStep().getAsInt()) : "-",
              params(t.params())));
        }
        out.table(List.of("TRIAL", "STATE", "VALUE", "LAST_STEP", "PARAMS"), rows);
      }
      return ExitCodes.OK;
    }
  }
}
