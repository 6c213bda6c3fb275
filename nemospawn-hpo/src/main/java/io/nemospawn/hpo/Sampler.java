package io.nemospawn.hpo;

import java.util.Map;
import org.apiguardian.api.API;

/**
 * Suggests parameter values for a trial. {@link Study#ask()} first calls {@link #sampleJoint} for
 * the whole search space, then {@link #sampleIndependent} for each parameter the joint step left
 * out. Values are internal (see {@link Distribution}). Implementations: {@link Samplers}.
 *
 * <p>Implementations must be thread-safe; a seeded sampler used by one thread gives the same
 * suggestions for the same history.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface Sampler {
  /** Returns internal values for any subset of {@code space} sampled jointly; empty by default. */
  default Map<String, Double> sampleJoint(SamplerContext context, SearchSpace space) {
    return Map.of();
  }

  /** Returns an internal value in {@code distribution} for one parameter. */
  double sampleIndependent(SamplerContext context, String name, Distribution distribution);
}
