package io.nemospawn.hpo.internal;

import io.nemospawn.hpo.CategoricalDistribution;
import io.nemospawn.hpo.Distribution;
import io.nemospawn.hpo.FloatDistribution;
import io.nemospawn.hpo.IntDistribution;
import io.nemospawn.hpo.Sampler;
import io.nemospawn.hpo.SamplerContext;
import java.util.random.RandomGenerator;

/**
 * Samples every parameter independently and uniformly in its transformed domain (Optuna's
 * RandomSampler): uniform, log-uniform, uniform over grid cells, log-uniform over integers.
 * Thread-safe: draws are serialised on the generator.
 */
public final class RandomSampler implements Sampler {
  private final RandomGenerator rng;

  public RandomSampler(RandomGenerator rng) {
    this.rng = rng;
  }

  @Override
  public double sampleIndependent(SamplerContext context, String name, Distribution d) {
    synchronized (rng) {
      return sample(d, rng);
    }
  }

  /** Draws one internal value of {@code d}. */
  static double sample(Distribution d, RandomGenerator rng) {
    if (d instanceof CategoricalDistribution c) {
      return rng.nextInt(c.choices().size());
    }
    if (d instanceof FloatDistribution f) {
      if (f.low() == f.high()) {
        return f.low();
      }
      if (f.log()) {
        double v = Math.exp(
            Math.log(f.low()) + rng.nextDouble() * (Math.log(f.high()) - Math.log(f.low())));
        return Math.min(Math.max(v, f.low()), f.high());
      }
      if (f.step() > 0) {
        double lo = f.low() - f.step() / 2;
        double hi = f.high() + f.step() / 2;
        double v = lo + rng.nextDouble() * (hi - lo);
        v = Math.rint((v - f.low()) / f.step()) * f.step() + f.low();
        return Math.min(Math.max(v, f.low()), f.high());
      }
      double v = f.low() + rng.nextDouble() * (f.high() - f.low());
      return Math.min(v, Math.nextDown(f.high()));
    }
    IntDistribution i = (IntDistribution) d;
    if (i.log()) {
      double lo = Math.log(i.low() - 0.5);
      double hi = Math.log(i.high() + 0.5);
      double v = Math.rint(Math.exp(lo + rng.nextDouble() * (hi - lo)));
      return Math.min(Math.max(v, i.low()), i.high());
    }
    double lo = i.low() - i.step() / 2.0;
    double hi = i.high() + i.step() / 2.0;
    double v = lo + rng.nextDouble() * (hi - lo);
    v = Math.rint((v - i.low()) / i.step()) * i.step() + i.low();
    return Math.min(Math.max(v, i.low()), i.high());
  }

  @Override
  public String toString() {
    return "RandomSampler";
  }
}
