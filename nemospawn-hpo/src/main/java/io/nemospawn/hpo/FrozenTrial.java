package io.nemospawn.hpo;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * An immutable snapshot of a trial as a storage holds it: number, state, parameters (user-facing
 * and internal), value, intermediate values by step, attributes and times.
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class FrozenTrial {
  private final int number;
  private final TrialState state;
  private final double value;
  private final Map<String, Distribution> distributions;
  private final Map<String, Double> internalParams;
  private final NavigableMap<Integer, Double> intermediateValues;
  private final Map<String, String> systemAttrs;
  private final Map<String, String> userAttrs;
  private final @Nullable Instant start;
  private final @Nullable Instant complete;
  // flat copies for samplers, which look parameters up on every trial of every ask
  private final String[] names;
  private final double[] values;
  private final Distribution[] dists;

  /**
   * Creates a snapshot; the maps are copied. {@code value} is NaN when the trial has none; {@code
   * start}/{@code complete} may be null when unknown or not yet reached.
   */
  public FrozenTrial(
      int number,
      TrialState state,
      double value,
      Map<String, Distribution> distributions,
      Map<String, Double> internalParams,
      Map<Integer, Double> intermediateValues,
      Map<String, String> systemAttrs,
      Map<String, String> userAttrs,
      @Nullable Instant start,
      @Nullable Instant complete) {
    this.number = number;
    this.state = Objects.requireNonNull(state, "state");
    this.value = value;
    this.distributions = Collections.unmodifiableMap(new LinkedHashMap<>(distributions));
    this.internalParams = Collections.unmodifiableMap(new LinkedHashMap<>(internalParams));
    this.intermediateValues =
        Collections.unmodifiableNavigableMap(new TreeMap<>(intermediateValues));
    this.systemAttrs = Collections.unmodifiableMap(new LinkedHashMap<>(systemAttrs));
    this.userAttrs = Collections.unmodifiableMap(new LinkedHashMap<>(userAttrs));
    this.start = start;
    this.complete = complete;
    int n = this.internalParams.size();
    this.names = new String[n];
    this.values = new double[n];
    this.dists = new Distribution[n];
    int i = 0;
    for (var e : this.internalParams.entrySet()) {
      names[i] = e.getKey();
      values[i] = e.getValue();
      dists[i] = this.distributions.get(e.getKey());
      i++;
    }
  }

  /**
   * Returns the internal value of a parameter if this trial has it with that distribution, else
   * NaN. Faster than {@link #internalParams()} for samplers.
   */
  public double internalValue(String name, Distribution distribution) {
    for (int i = 0; i < names.length; i++) {
      if (names[i] == name || names[i].equals(name)) {
        Distribution d = dists[i];
        return d == distribution || d.equals(distribution) ? values[i] : Double.NaN;
      }
    }
    return Double.NaN;
  }

  /** Returns the 0-based number of the trial within its study. */
  public int number() {
    return number;
  }

  public TrialState state() {
    return state;
  }

  /** Returns the objective value, if any (complete trials; pruned ones with a finite last report). */
  public OptionalDouble value() {
    return Double.isNaN(value) ? OptionalDouble.empty() : OptionalDouble.of(value);
  }

  /** Returns the value, or NaN if there is none; cheaper than {@link #value()} in samplers. */
  public double rawValue() {
    return value;
  }

  /** Returns the parameters by name, as the user sees them (Double, Long or the chosen value). */
  public Map<String, Object> params() {
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = 0; i < names.length; i++) {
      out.put(names[i], dists[i].toExternal(values[i]));
    }
    return Collections.unmodifiableMap(out);
  }

  /** Returns the distributions of the parameters by name. */
  public Map<String, Distribution> distributions() {
    return distributions;
  }

  /** Returns the internal values of the parameters (choice index for categorical). */
  public Map<String, Double> internalParams() {
    return internalParams;
  }

  /** Returns the reported intermediate values by step. */
  public NavigableMap<Integer, Double> intermediateValues() {
    return intermediateValues;
  }

  /** Returns the largest reported step, if any. */
  public OptionalInt lastStep() {
    return intermediateValues.isEmpty()
        ? OptionalInt.empty()
        : OptionalInt.of(intermediateValues.lastKey());
  }

  /** Returns the system attributes (JSON values), e.g. the pruner's {@code completed_rung_0}. */
  public Map<String, String> systemAttrs() {
    return systemAttrs;
  }

  /** Returns the user attributes (JSON values). */
  public Map<String, String> userAttrs() {
    return userAttrs;
  }

  /** Returns when the trial started, if known. */
  public Optional<Instant> start() {
    return Optional.ofNullable(start);
  }

  /** Returns when the trial finished, if it has. */
  public Optional<Instant> complete() {
    return Optional.ofNullable(complete);
  }

  @Override
  public String toString() {
    return "FrozenTrial[" + number + " " + state + (Double.isNaN(value) ? "" : " value=" + value)
        + " params=" + params() + "]";
  }
}
