package io.nemospawn.hpo;

import io.nemospawn.hpo.internal.DistributionJson;
import org.apiguardian.api.API;

/**
 * The domain of one parameter: {@link FloatDistribution}, {@link IntDistribution} or {@link
 * CategoricalDistribution}. Samplers and storages work on the <em>internal</em> value, a double:
 * the value itself for numbers, the choice index for categorical parameters (Optuna's convention,
 * so stored trials are interchangeable with Optuna's).
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public sealed interface Distribution
    permits FloatDistribution, IntDistribution, CategoricalDistribution {

  /** Converts a user-facing value to the internal double. */
  double toInternal(Object value);

  /** Converts an internal double to the user-facing value (Double, Long, or the choice). */
  Object toExternal(double internal);

  /** Returns whether the internal value lies in the domain. */
  boolean contains(double internal);

  /** Returns whether the domain holds exactly one value. */
  boolean isSingle();

  /** Returns Optuna's JSON form, e.g. {@code {"name": "FloatDistribution", "attributes": {...}}}. */
  default String toJson() {
    return DistributionJson.write(this);
  }

  /**
   * Parses Optuna's JSON form of a distribution (3.x names, and the 2.x names Optuna still reads).
   *
   * @throws IllegalArgumentException if the JSON is not a distribution
   */
  static Distribution fromJson(String json) {
    return DistributionJson.read(json);
  }
}
