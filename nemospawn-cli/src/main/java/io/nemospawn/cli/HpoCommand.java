package io.nemospawn.cli;

import io.nemospawn.NemoSpawn;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.HpoConfig;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.Trial;
import io.nemospawn.hpo.TrialState;
import io.nemospawn.launch.Launcher;
import io.nemospawn.launch.Template;
import io.nemospawn.server.RemoteStudies;
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

  static Map<String, Object> trialJson(RemoteStudies.TrialView t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("trial", t.trial());
    m.put("state", t.state());
    m.put("value", t.value());
    m.put("last_step", t.lastStep());
    m.put("params", t.params());
    return m;
  }

  static String params(Map<String, Object> params) {
    List<String> parts = new ArrayList<>();
    params.forEach((k, v) -> parts.add(k + "=" + v));
    return String.join(" ", parts);
  }

  /**
   * What the study subcommands do to a study: on a {@link Study} of the data directory, or, with
   * {@code NEMOSPAWN_URL} set, on the control plane's study through {@link RemoteStudies} (where
   * the server samples, prunes and checks the caller's role).
   */
  interface StudyOps extends AutoCloseable {
    RemoteStudies.Asked ask();

    boolean report(int trial, int step, double value);

    RemoteStudies.TrialView tell(int trial, double value);

    RemoteStudies.TrialView tell(int trial, TrialState state);

    RemoteStudies.TrialView trial(int trial);

    Optional<RemoteStudies.TrialView> best();

    List<RemoteStudies.TrialView> trials();

    @Override
    void close();

    /** A study of this data directory; closes it when closed. */
    static StudyOps local(Study s) {
      return new StudyOps() {
        @Override
        public RemoteStudies.Asked ask() {
          Trial t = s.ask();
          return new RemoteStudies.Asked(t.number(), t.params());
        }

        @Override
        public boolean report(int trial, int step, double value) {
          return s.report(trial, step, value);
        }

        @Override
        public RemoteStudies.TrialView tell(int trial, double value) {
          s.tell(trial, value);
          return trial(trial);
        }

        @Override
        public RemoteStudies.TrialView tell(int trial, TrialState state) {
          s.tell(trial, state);
          return trial(trial);
        }

        @Override
        public RemoteStudies.TrialView trial(int trial) {
          return RemoteStudies.TrialView.of(s.trial(trial));
        }

        @Override
        public Optional<RemoteStudies.TrialView> best() {
          return s.findBestTrial().map(RemoteStudies.TrialView::of);
        }

        @Override
        public List<RemoteStudies.TrialView> trials() {
          return s.trials().stream().map(RemoteStudies.TrialView::of).toList();
        }

        @Override
        public void close() {
          s.close();
        }
      };
    }

    /** A study of a control plane's data directory; closes the connection when closed. */
    static StudyOps remote(NemoSpawn remote, String study) {
      RemoteStudies hpo = RemoteStudies.of(remote);
      return new StudyOps() {
        @Override
        public RemoteStudies.Asked ask() {
          return hpo.ask(study);
        }

        @Override
        public boolean report(int trial, int step, double value) {
          return hpo.report(study, trial, step, value);
        }

        @Override
        public RemoteStudies.TrialView tell(int trial, double value) {
          return hpo.tell(study, trial, value);
        }

        @Override
        public RemoteStudies.TrialView tell(int trial, TrialState state) {
          return hpo.tell(study, trial, state);
        }

        @Override
        public RemoteStudies.TrialView trial(int trial) {
          return hpo.trial(study, trial);
        }

        @Override
        public Optional<RemoteStudies.TrialView> best() {
          return hpo.best(study);
        }

        @Override
        public List<RemoteStudies.TrialView> trials() {
          return hpo.trials(study);
        }

        @Override
        public void close() {
          remote.close();
        }
      };
    }
  }

  /**
   * What the study subcommands share: {@code --study} and opening the study around {@link #run};
   * with {@code NEMOSPAWN_URL} set, the control plane's study.
   */
  abstract static class StudySubcommand extends StateSubcommand {
    @Option(names = "--study", required = true, description = "Study name.")
    String study;

    @Override
    public Integer call() throws Exception {
      parse();
      NemoSpawn remote = StateOptions.remote();
      if (remote != null) {
        // the server checks the caller's role and samples with the study's stored config
        try (StudyOps ops = StudyOps.remote(remote, study)) {
          return run(ops);
        }
      }
      if (changes()) {
        checkMayChangeStudies();
      }
      try (StudyOps ops = StudyOps.local(openStudy())) {
        return run(ops);
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
    abstract int run(StudyOps s);
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

    private @Nullable Study created;

    @Override
    public Integer call() throws Exception {
      NemoSpawn remote = StateOptions.remote();
      if (remote == null) {
        return super.call();
      }
      try (remote) {
        if (source != null && source.template != null) {
          throw new IllegalArgumentException("hpo init --template reads the template on this"
              + " machine and cannot create the study on the control plane ($"
              + StateOptions.URL_ENV + "); give --hpo-file FILE (its TOML is sent) or unset $"
              + StateOptions.URL_ENV);
        }
        String toml = DEFAULT_SPACE;
        if (source != null && source.hpoFile != null) {
          HpoConfig.read(source.hpoFile); // checked here first, naming the file
          toml = java.nio.file.Files.readString(source.hpoFile);
          from = source.hpoFile.toString();
        }
        RemoteStudies.StudyView v = RemoteStudies.of(remote).create(study, toml, warmStartFrom);
        if (out.json()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("study", v.study());
          m.put("storage", v.storage());
          m.put("direction", v.direction());
          m.put("max_trials", v.maxTrials());
          m.put("source", from);
          m.put("server", remote.toString());
          out.json(m);
        } else {
          out.println("Created study " + study + " on " + remote + ": "
              + v.direction().toLowerCase() + ", max_trials "
              + (v.maxTrials() == 0 ? "unlimited" : v.maxTrials()) + ". Storage (on the server): "
              + v.storage());
          out.println("Search space from " + from + ".");
        }
        return ExitCodes.OK;
      }
    }

    @Override
    Study openStudy() {
      created = openNew();
      return created;
    }

    private Study openNew() {
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
    int run(StudyOps ops) {
      Study s = java.util.Objects.requireNonNull(created, "openStudy() created the study");
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
    int run(StudyOps s) {
      RemoteStudies.Asked t = s.ask();
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("study", study);
        m.put("trial", t.trial());
        m.put("params", t.params());
        // NemoSpawn 1.0 prints {"trial_id": n, <param>: value, ...}; scripts written for it
        // read those keys.
        m.put("trial_id", t.trial());
        t.params().forEach(m::putIfAbsent);
        out.json(m);
      } else {
        out.println("trial " + t.trial());
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
    int run(StudyOps s) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("study", study);
      m.put("trial", trial);
      m.put("step", step);
      m.put("value", value);
      if (fin) {
        if (step != null) {
          s.report(trial, step, value);
        }
        RemoteStudies.TrialView t = s.tell(trial, value);
        Optional<RemoteStudies.TrialView> best = s.best();
        m.put("state", t.state());
        m.put("prune", false);
        m.put("best_trial", best.map(RemoteStudies.TrialView::trial).orElse(null));
        if (out.json()) {
          out.json(m);
        } else {
          out.println("trial " + trial + " " + t.state() + " value=" + value
              + best.map(b -> " (best: trial " + b.trial() + " value=" + b.value() + ")")
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
    int run(StudyOps s) {
      RemoteStudies.TrialView b = s.best()
          .orElseThrow(() -> new IllegalStateException("Study '" + study
              + "' has no COMPLETE trial yet; report one with hpo report --final"));
      if (out.json()) {
        out.json(trialJson(b));
      } else {
        out.println("trial " + b.trial() + " value=" + b.value() + " " + params(b.params()));
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
    int run(StudyOps s) {
      List<RemoteStudies.TrialView> trials = s.trials();
      if (out.json()) {
        List<Object> rows = new ArrayList<>();
        for (RemoteStudies.TrialView t : trials) {
          rows.add(trialJson(t));
        }
        out.json(rows);
      } else {
        List<List<String>> rows = new ArrayList<>();
        for (RemoteStudies.TrialView t : trials) {
          rows.add(List.of(
              Integer.toString(t.trial()),
              t.state(),
              t.value() != null ? Double.toString(t.value()) : "-",
              t.lastStep() != null ? Integer.toString(t.lastStep()) : "-",
              params(t.params())));
        }
        out.table(List.of("TRIAL", "STATE", "VALUE", "LAST_STEP", "PARAMS"), rows);
      }
      return ExitCodes.OK;
    }
  }
}
