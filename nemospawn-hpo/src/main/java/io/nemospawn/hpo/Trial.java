package io.nemospawn.hpo;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * A running trial handed out by {@link Study#ask()}: its number, the parameters suggested for it,
 * and the calls a training loop makes ({@link #report}, {@link #shouldPrune}). Parameters outside
 * the study's space can be suggested on the fly (define-by-run).
 *
 * <pre>{@code
 * Trial t = study.ask();
 * double lr = t.doubleParam("lr");
 * for (int step = 1; step <= 100; step++) {
 *   t.report(step, train(lr, step));
 *   if (t.shouldPrune()) { study.tell(t, TrialState.PRUNED); return; }
 * }
 * study.tell(t, validationLoss());
 * }</pre>
 *
 * <p>Not thread-safe: one trial belongs to one worker.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class Trial {
  private final Study study;
  private final int number;
  private final Map<String, Object> params = new LinkedHashMap<>();
  private final Map<String, Double> pending;
  private final Map<String, Distribution> pendingDists;

  Trial(
      Study study,
      int number,
      Map<String, Object> params,
      Map<String, Double> pending,
      Map<String, Distribution> pendingDists) {
    this.study = study;
    this.number = number;
    this.params.putAll(params);
    this.pending = new LinkedHashMap<>(pending);
    this.pendingDists = new LinkedHashMap<>(pendingDists);
  }

  /** Returns the 0-based trial number within the study. */
  public int number() {
    return number;
  }

  /** Returns the parameters suggested so far, by name. */
  public Map<String, Object> params() {
    return Collections.unmodifiableMap(params);
  }

  /**
   * Returns one parameter.
   *
   * @throws IllegalArgumentException if it was never suggested
   */
  public Object param(String name) {
    if (!params.containsKey(name)) {
      throw new IllegalArgumentException(
          "Trial " + number + " has no parameter '" + name + "'; it has " + params.keySet() + ".");
    }
    return params.get(name);
  }

  /** Returns a numeric parameter as a double. */
  public double doubleParam(String name) {
    return ((Number) param(name)).doubleValue();
  }

  /** Returns a numeric parameter as an int. */
  public int intParam(String name) {
    return Math.toIntExact(Math.round(((Number) param(name)).doubleValue()));
  }

  /** Returns a categorical parameter as a string. */
  public String stringParam(String name) {
    return String.valueOf(param(name));
  }

  /** Suggests (or returns the already suggested) value of a parameter with any distribution. */
  public Object suggest(String name, Distribution distribution) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(distribution, "distribution");
    if (params.containsKey(name)) {
      return params.get(name);
    }
    Double joint = pending.remove(name);
    Object v = joint != null && distribution.equals(pendingDists.get(name))
        ? study.store(number, name, distribution, joint)
        : study.suggest(number, name, distribution);
    params.put(name, v);
    return v;
  }

  public double suggestFloat(String name, double low, double high) {
    return ((Number) suggest(name, FloatDistribution.of(low, high))).doubleValue();
  }

  public double suggestFloat(String name, double low, double high, boolean log) {
    return ((Number) suggest(name, new FloatDistribution(low, high, log, 0))).doubleValue();
  }

  public long suggestInt(String name, long low, long high) {
    return ((Number) suggest(name, IntDistribution.of(low, high))).longValue();
  }

  public long suggestInt(String name, long low, long high, boolean log) {
    return ((Number) suggest(name, new IntDistribution(low, high, log, 1))).longValue();
  }

  public Object suggestCategorical(String name, Object... choices) {
    return suggest(name, CategoricalDistribution.of(choices));
  }

  /** Records the value at a step (the last report of a step wins). */
  public void report(int step, double value) {
    study.reportOnly(number, step, value);
  }

  /** Asks the study's pruner whether this trial should stop now, given its reports. */
  public boolean shouldPrune() {
    return study.shouldPrune(number);
  }

  @Override
  public String toString() {
    return "Trial[" + number + " of " + study.name() + " params=" + params + "]";
  }
}
