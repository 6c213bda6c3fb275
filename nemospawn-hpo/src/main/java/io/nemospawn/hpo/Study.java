package io.nemospawn.hpo;

import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A hyperparameter study with Optuna's ask/tell interface: {@link #ask()} creates a trial with
 * every parameter of the space suggested, the worker reports intermediate values and asks whether
 * to prune, and {@link #tell} finishes it. The study itself keeps no trial state: everything is
 * in its {@link StudyStorage}, so many processes can work on one study.
 *
 * <pre>{@code
 * Study study = Hpo.study("lr-sweep").space(space)
 *     .sampler(Samplers.tpe().seed(1).build()).pruner(Pruners.successiveHalving().build())
 *     .direction(Direction.MINIMIZE).create();
 * Trial t = study.ask();
 * study.tell(t, objective(t.params()));
 * FrozenTrial best = study.bestTrial();
 * }</pre>
 *
 * <p>Thread-safe (as far as its sampler, pruner and storage are, which the built-in ones are).
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class Study implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Study.class);

  /** Study user attribute holding the search space (JSON object of distributions). */
  public static final String ATTR_SPACE = "nemospawn:search_space";

  /** Study user attribute holding max_trials (JSON number, 0 = unlimited). */
  public static final String ATTR_MAX_TRIALS = "nemospawn:max_trials";

  private final String name;
  private final StudyStorage storage;
  private final boolean ownsStorage;
  private final Sampler sampler;
  private final Pruner pruner;
  private final Direction direction;
  private final SearchSpace space;
  private final int maxTrials;
  private final InstantSource clock;
  private @Nullable WarmStart warmStart;

  /**
   * By trial number, whether that finished trial has only parameters of the space: a finished
   * trial's parameters never change, so {@link #relativeSpace} reads each one once. Guarded by
   * the ask lock.
   */
  private boolean[] withinSpace = new boolean[0];

  /**
   * Trials 0..finishedPrefix-1 of the storage's list have all ended (their parameters and states
   * never change again), and {@link #prefixOutside} holds what those that completed or were pruned
   * add to the space, in the order a scan of them would add it: {@link #relativeSpace} then scans
   * only the trials after the prefix. Guarded by the ask lock.
   */
  private int finishedPrefix;

  private final Map<String, Distribution> prefixOutside = new LinkedHashMap<>();

  private Study(
      Builder b,
      StudyStorage storage,
      Sampler sampler,
      Direction direction,
      SearchSpace space,
      int maxTrials) {
    this.name = b.name;
    this.storage = storage;
    this.ownsStorage = b.ownsStorage;
    this.sampler = sampler;
    this.pruner = b.pruner;
    this.direction = direction;
    this.space = space;
    this.maxTrials = maxTrials;
    this.clock = b.clock;
  }

  /** Returns a builder; {@link Hpo#study(String)} is the same. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  public String name() {
    return name;
  }

  public Direction direction() {
    return direction;
  }

  public SearchSpace space() {
    return space;
  }

  /** Returns the most trials this study may hold, 0 for no limit. */
  public int maxTrials() {
    return maxTrials;
  }

  public StudyStorage storage() {
    return storage;
  }

  /** Returns what {@link Builder#warmStartFrom} copied when this object created the study. */
  public Optional<WarmStart> warmStart() {
    return Optional.ofNullable(warmStart);
  }

  /**
   * Creates a trial and suggests every parameter of the space for it. Asks of one study are
   * serialised through {@link StudyStorage#underAskLock} (across processes for the journal and
   * SQLite storages), so a sampler with a constant liar sees the parameters of every trial asked
   * before, even by another process, and concurrent agents do not pile onto one point.
   *
   * @throws IllegalStateException if the study holds max_trials trials already
   */
  public Trial ask() {
    return storage.underAskLock(name, this::askLocked);
  }

  private Trial askLocked() {
    int number = storage.createTrial(name, maxTrials, clock.instant());
    List<FrozenTrial> all = storage.trials(name);
    List<FrozenTrial> view = pruner.samplerView(name, all, number);
    SamplerContext ctx = new SamplerContext(name, direction, view, number, Map.of());
    Map<String, Double> internal = new LinkedHashMap<>();
    Map<String, Double> pending = new LinkedHashMap<>();
    Map<String, Distribution> pendingDists = new LinkedHashMap<>();
    Map<String, Object> params = new LinkedHashMap<>();
    try {
      SearchSpace relative = relativeSpace(view, all);
      Map<String, Double> joint =
          relative.params().isEmpty() ? Map.of() : sampler.sampleJoint(ctx, relative);
      for (var e : space.params().entrySet()) {
        Double v = joint.get(e.getKey());
        if (v == null) {
          SamplerContext c = new SamplerContext(name, direction, view, number, internal);
          v = sampler.sampleIndependent(c, e.getKey(), e.getValue());
        }
        internal.put(e.getKey(), v);
        params.put(e.getKey(), e.getValue().toExternal(v));
      }
      joint.forEach((k, v) -> {
        if (!space.params().containsKey(k)) {
          pending.put(k, v);
          pendingDists.put(k, relative.params().get(k));
        }
      });
      if (!internal.isEmpty()) {
        storage.setParams(name, number, space.params(), internal);
      }
    } catch (RuntimeException e) {
      storage.finishTrial(name, number, TrialState.FAIL, Double.NaN, clock.instant());
      throw e;
    }
    log.debug("Study {} asked trial {} with {}", name, number, params);
    return new Trial(this, number, params, pending, pendingDists);
  }

  /**
   * Returns the space a sampler may sample jointly at the start of a trial: the study's space,
   * plus (for define-by-run use) the parameters finished trials have, so multivariate TPE also
   * works when parameters are suggested one by one, as in Optuna's {@code sample_relative}.
   */
  private SearchSpace relativeSpace(List<FrozenTrial> view, List<FrozenTrial> all) {
    int from = 0;
    if (view == all) {
      if (finishedPrefix > all.size()) { // the study was recreated under this name: start over
        finishedPrefix = 0;
        prefixOutside.clear();
      }
      // the view is every trial, by number: fold the ended ones at its head into the prefix once
      while (finishedPrefix < all.size()
          && all.get(finishedPrefix).number() == finishedPrefix
          && all.get(finishedPrefix).state().isFinished()) {
        FrozenTrial t = all.get(finishedPrefix++);
        if (t.state() != TrialState.FAIL) {
          t.distributions().forEach((k, d) -> {
            if (!space.params().containsKey(k)) {
              prefixOutside.put(k, d);
            }
          });
        }
      }
      from = finishedPrefix;
    }
    SearchSpace.Builder b = null;
    if (from > 0 && !prefixOutside.isEmpty()) {
      b = space.toBuilder();
      prefixOutside.forEach(b::param);
    }
    for (FrozenTrial t : from == 0 ? view : view.subList(from, view.size())) {
      int n = t.number();
      if ((t.state() != TrialState.COMPLETE && t.state() != TrialState.PRUNED)
          || (n < withinSpace.length && withinSpace[n])) {
        continue;
      }
      boolean within = true;
      for (var e : t.distributions().entrySet()) {
        if (!space.params().containsKey(e.getKey())) {
          within = false;
          b = b == null ? space.toBuilder() : b;
          b.param(e.getKey(), e.getValue());
        }
      }
      if (within) {
        if (n >= withinSpace.length) {
          withinSpace =
              java.util.Arrays.copyOf(withinSpace, Math.max(n + 1, 2 * withinSpace.length));
        }
        withinSpace[n] = true;
      }
    }
    return b == null ? space : b.build();
  }

  Object store(int number, String param, Distribution d, double internal) {
    storage.setParams(name, number, Map.of(param, d), Map.of(param, internal));
    return d.toExternal(internal);
  }

  Object suggest(int number, String param, Distribution d) {
    FrozenTrial current = storage.trial(name, number);
    Object known = current.params().get(param);
    if (known != null) {
      return known;
    }
    List<FrozenTrial> view = pruner.samplerView(name, storage.trials(name), number);
    SamplerContext ctx =
        new SamplerContext(name, direction, view, number, current.internalParams());
    double v = sampler.sampleIndependent(ctx, param, d);
    storage.setParams(name, number, Map.of(param, d), Map.of(param, v));
    return d.toExternal(v);
  }

  void reportOnly(int number, int step, double value) {
    storage.reportIntermediate(name, number, step, value);
  }

  /**
   * Records an intermediate value of a running trial and returns whether the pruner says to stop
   * it. This is the entry point for other processes (the CLI, an agent's task update): it does
   * not finish the trial; tell it PRUNED if it stops.
   */
  public boolean report(int number, int step, double value) {
    reportOnly(number, step, value);
    return shouldPrune(number);
  }

  /** Returns whether the pruner says to stop a running trial now. */
  public boolean shouldPrune(int number) {
    FrozenTrial trial = storage.trial(name, number);
    if (trial.state() != TrialState.RUNNING) {
      return false;
    }
    return pruner.shouldPrune(new PruneContext() {
      // read once, when first asked: a pruner that reads only the changes never lists them all
      private @Nullable List<FrozenTrial> trials;

      @Override
      public String studyName() {
        return name;
      }

      @Override
      public Direction direction() {
        return direction;
      }

      @Override
      public List<FrozenTrial> trials() {
        List<FrozenTrial> all = trials;
        if (all == null) {
          all = storage.trials(name);
          trials = all;
        }
        return all;
      }

      @Override
      public StudyStorage.Changes changesSince(StudyStorage.@Nullable Changes previous) {
        return storage.changesSince(name, previous);
      }

      @Override
      public FrozenTrial trial() {
        return trial;
      }

      @Override
      public void setSystemAttr(String key, String json) {
        storage.setTrialSystemAttr(name, number, key, json);
      }
    });
  }

  /** Completes a trial with its objective value (NaN makes it FAIL, as in Optuna). */
  public void tell(Trial trial, double value) {
    tell(trial.number(), value);
  }

  /** Finishes a trial as PRUNED (keeping its last finite report as value) or FAIL. */
  public void tell(Trial trial, TrialState state) {
    tell(trial.number(), state);
  }

  /** Completes trial {@code number} with its objective value (NaN makes it FAIL). */
  public void tell(int number, double value) {
    storage.finishTrial(
        name,
        number,
        Double.isNaN(value) ? TrialState.FAIL : TrialState.COMPLETE,
        value,
        clock.instant());
  }

  /**
   * Finishes trial {@code number} as PRUNED or FAIL.
   *
   * @throws IllegalArgumentException for COMPLETE (give a value) or a non-final state
   */
  public void tell(int number, TrialState state) {
    if (state == TrialState.COMPLETE) {
      throw new IllegalArgumentException(
          "Cannot tell trial " + number + " COMPLETE without a value; use tell(trial, value).");
    }
    storage.finishTrial(name, number, state, Double.NaN, clock.instant());
  }

  /** Returns every trial in number order. */
  public List<FrozenTrial> trials() {
    return storage.trials(name);
  }

  /** Returns one trial. */
  public FrozenTrial trial(int number) {
    return storage.trial(name, number);
  }

  /** Returns the best COMPLETE trial (the first of equals), if any. */
  public Optional<FrozenTrial> findBestTrial() {
    FrozenTrial best = null;
    for (FrozenTrial t : trials()) {
      if (t.state() == TrialState.COMPLETE
          && !Double.isNaN(t.rawValue())
          && (best == null || direction.isBetter(t.rawValue(), best.rawValue()))) {
        best = t;
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * Returns the best COMPLETE trial.
   *
   * @throws IllegalStateException if no trial is complete yet
   */
  public FrozenTrial bestTrial() {
    return findBestTrial()
        .orElseThrow(
            () -> new IllegalStateException("Study '" + name + "' has no COMPLETE trial yet ("
                + trials().size() + " trials); tell a trial its value first."));
  }

  /** Closes the storage if this study opened it (see {@link Hpo#open}). */
  @Override
  public void close() {
    if (ownsStorage) {
      storage.close();
    }
  }

  @Override
  public String toString() {
    return "Study[" + name + " " + direction + " sampler=" + sampler + " pruner=" + pruner
        + " storage=" + storage + "]";
  }

  /**
   * Configures a study. Defaults: TPE (unseeded), median pruner (Optuna's default), MINIMIZE, an
   * in-memory storage, no max_trials, the system clock. Not thread-safe.
   */
  public static final class Builder {
    private final String name;
    private @Nullable SearchSpace space;
    private @Nullable Sampler sampler;
    private Pruner pruner = Pruners.median();
    private @Nullable Direction direction;
    private @Nullable StudyStorage storage;
    private boolean ownsStorage;
    private @Nullable Integer maxTrials;
    private InstantSource clock = InstantSource.system();
    private @Nullable StudyStorage warmSource;
    private @Nullable String warmFrom;

    private Builder(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank() || name.length() > 512) {
        throw new IllegalArgumentException(
            "Invalid study name '" + name + "': use 1 to 512 characters, not only blanks.");
      }
      this.name = name;
    }

    /** The parameters {@link Study#ask()} suggests; when loading, default is the stored space. */
    public Builder space(SearchSpace space) {
      this.space = Objects.requireNonNull(space, "space");
      return this;
    }

    public Builder sampler(Sampler sampler) {
      this.sampler = Objects.requireNonNull(sampler, "sampler");
      return this;
    }

    public Builder pruner(Pruner pruner) {
      this.pruner = Objects.requireNonNull(pruner, "pruner");
      return this;
    }

    public Builder direction(Direction direction) {
      this.direction = Objects.requireNonNull(direction, "direction");
      return this;
    }

    /** The storage; the caller keeps ownership (closing the study does not close it). */
    public Builder storage(StudyStorage storage) {
      this.storage = Objects.requireNonNull(storage, "storage");
      this.ownsStorage = false;
      return this;
    }

    Builder ownedStorage(StudyStorage storage) {
      this.storage = storage;
      this.ownsStorage = true;
      return this;
    }

    /** The most trials the study may hold (0: no limit); stored with the study. */
    public Builder maxTrials(int maxTrials) {
      if (maxTrials < 0) {
        throw new IllegalArgumentException(
            "maxTrials " + maxTrials + " must be >= 0 (0: no limit).");
      }
      this.maxTrials = maxTrials;
      return this;
    }

    /**
     * Seeds the study at {@link #create()} with the COMPLETE and PRUNED trials of an earlier study
     * {@code from} in {@code source} (same or overlapping space; see {@link WarmStart} for the
     * rules on parameters outside the new space). Everything is checked before the study is
     * created.
     */
    public Builder warmStartFrom(StudyStorage source, String from) {
      this.warmSource = Objects.requireNonNull(source, "source");
      this.warmFrom = Objects.requireNonNull(from, "from");
      return this;
    }

    public Builder clock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    private Sampler sampler() {
      Sampler s = sampler;
      if (s == null) {
        s = Samplers.tpe().build();
        sampler = s;
      }
      return s;
    }

    private StudyStorage storage() {
      StudyStorage s = storage;
      if (s == null) {
        s = StudyStorage.inMemory();
        storage = s;
        ownsStorage = true;
      }
      return s;
    }

    /**
     * Creates the study in its storage.
     *
     * @throws IllegalStateException if a study of that name exists
     */
    public Study create() {
      StudyStorage storage = storage();
      Direction dir = direction == null ? Direction.MINIMIZE : direction;
      SearchSpace sp = space == null ? SearchSpace.empty() : space;
      int max = maxTrials == null ? 0 : maxTrials;
      WarmStart.Plan plan = null;
      if (warmSource != null && warmFrom != null) {
        if (storage.findStudy(name).isPresent()) {
          throw new IllegalStateException("Study '" + name + "' exists in " + storage
              + "; a warm start needs a new study name.");
        }
        plan = WarmStart.plan(warmSource, warmFrom, name, dir, sp);
        if (max > 0) {
          max += plan.summary().copied();
        }
      }
      Map<String, String> attrs = new LinkedHashMap<>();
      attrs.put(ATTR_SPACE, sp.toJson());
      attrs.put(ATTR_MAX_TRIALS, Integer.toString(max));
      storage.createStudy(name, dir, attrs);
      Study study = new Study(this, storage, sampler(), dir, sp, max);
      if (plan != null) {
        WarmStart.copy(plan, storage, name, clock.instant());
        storage.setStudyUserAttr(name, WarmStart.ATTR_SUMMARY, plan.summary().toJson());
        study.warmStart = plan.summary();
        log.info(
            "Study {} warm-started from {}: {} trials copied, {} outside the space skipped,"
                + " parameters dropped: {}",
            name,
            warmFrom,
            plan.summary().copied(),
            plan.summary().skippedOutside(),
            plan.summary().droppedParams());
      }
      return study;
    }

    /**
     * Loads an existing study; space and max_trials default to the stored ones.
     *
     * @throws IllegalArgumentException if there is no such study, or its direction differs
     */
    public Study load() {
      StudyStorage storage = storage();
      StudyInfo info = storage
          .findStudy(name)
          .orElseThrow(() -> new IllegalArgumentException("No study '" + name + "' in " + storage
              + ". Studies: " + storage.studyNames() + ". Create it first."));
      if (direction != null && direction != info.direction()) {
        throw new IllegalArgumentException("Study '" + name + "' is " + info.direction() + ", not "
            + direction + "; drop direction(..) or use another study name.");
      }
      SearchSpace sp = space;
      if (sp == null) {
        String json = info.userAttrs().get(ATTR_SPACE);
        sp = json == null ? SearchSpace.empty() : SearchSpace.fromJson(json);
      }
      int max = maxTrials != null
          ? maxTrials
          : Integer.parseInt(info.userAttrs().getOrDefault(ATTR_MAX_TRIALS, "0").trim());
      return new Study(this, storage, sampler(), info.direction(), sp, max);
    }

    /** Loads the study if it exists, else creates it. */
    public Study createOrLoad() {
      if (storage().findStudy(name).isPresent()) {
        return load();
      }
      try {
        return create();
      } catch (IllegalStateException raced) {
        return load();
      }
    }

    @Override
    public String toString() {
      List<String> set = new ArrayList<>();
      set.add("name=" + name);
      if (space != null) {
        set.add("space=" + space.params().keySet());
      }
      if (sampler != null) {
        set.add("sampler=" + sampler);
      }
      set.add("pruner=" + pruner);
      if (direction != null) {
        set.add("direction=" + direction);
      }
      if (storage != null) {
        set.add("storage=" + storage);
      }
      if (maxTrials != null) {
        set.add("maxTrials=" + maxTrials);
      }
      return "Study.Builder" + set;
    }
  }
}
