package io.nemospawn.hpo;

import io.nemospawn.hpo.internal.GeneticSampler;
import io.nemospawn.hpo.internal.RandomSampler;
import io.nemospawn.hpo.internal.Tpe;
import io.nemospawn.hpo.internal.TpeSampler;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;
import java.util.random.RandomGenerator;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Factory of the built-in samplers: TPE (the default), random search and a genetic algorithm.
 *
 * <pre>{@code
 * Sampler tpe = Samplers.tpe().seed(42).multivariate(true).constantLiar(true).build();
 * Sampler random = Samplers.random(42);
 * }</pre>
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class Samplers {
  private Samplers() {}

  /** Returns an unseeded random sampler. */
  public static Sampler random() {
    return new RandomSampler(new SplittableRandom());
  }

  /** Returns a random sampler seeded for reproducible runs. */
  public static Sampler random(long seed) {
    return new RandomSampler(new SplittableRandom(seed));
  }

  /** Returns a random sampler drawing from the given generator (it is used under a lock). */
  public static Sampler random(RandomGenerator rng) {
    return new RandomSampler(Objects.requireNonNull(rng, "rng"));
  }

  /** Returns a builder of the TPE sampler with Optuna 3.1's defaults. */
  public static TpeBuilder tpe() {
    return new TpeBuilder();
  }

  /** Returns a builder of the genetic sampler (Jenetics; one objective). */
  public static GeneticBuilder genetic() {
    return new GeneticBuilder();
  }

  /**
   * Configures TPE (Bergstra et al., 2011). Defaults are Optuna 3.1's: 10 startup trials, 24 EI
   * candidates, gamma {@code min(ceil(0.1 n), 25)}, ramp weights, prior weight 1, magic clip on,
   * endpoints off, univariate, no constant liar, unseeded.
   */
  public static final class TpeBuilder {
    private @Nullable RandomGenerator rng;
    private int startupTrials = 10;
    private int eiCandidates = 24;
    private boolean considerPrior = true;
    private double priorWeight = 1.0;
    private boolean magicClip = true;
    private boolean considerEndpoints;
    private boolean optuna31Density = true;
    private IntUnaryOperator gamma = Tpe.DEFAULT_GAMMA;
    private IntFunction<double[]> weights = Tpe::rampWeights;
    private boolean multivariate;
    private boolean group;
    private boolean constantLiar;

    private TpeBuilder() {}

    public TpeBuilder seed(long seed) {
      this.rng = new SplittableRandom(seed);
      return this;
    }

    /** Draws from this generator (used under a lock). */
    public TpeBuilder random(RandomGenerator rng) {
      this.rng = Objects.requireNonNull(rng, "rng");
      return this;
    }

    /** Number of finished trials sampled at random before TPE starts; default 10. */
    public TpeBuilder startupTrials(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("startupTrials " + n + " must be >= 0.");
      }
      this.startupTrials = n;
      return this;
    }

    /** Candidates drawn from l(x) per suggestion; default 24. */
    public TpeBuilder eiCandidates(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("eiCandidates " + n + " must be >= 1.");
      }
      this.eiCandidates = n;
      return this;
    }

    public TpeBuilder considerPrior(boolean on) {
      this.considerPrior = on;
      return this;
    }

    public TpeBuilder priorWeight(double w) {
      if (!(w > 0)) {
        throw new IllegalArgumentException("priorWeight " + w + " must be > 0.");
      }
      this.priorWeight = w;
      return this;
    }

    public TpeBuilder magicClip(boolean on) {
      this.magicClip = on;
      return this;
    }

    public TpeBuilder considerEndpoints(boolean on) {
      this.considerEndpoints = on;
      return this;
    }

    /**
     * Whether continuous kernels are scored as Optuna 3.1 scores them (default true): its
     * truncated-normal log density leaves out the {@code -log sigma} term. {@code false} uses the
     * true density (as Optuna 3.2+ does).
     */
    public TpeBuilder optuna31Density(boolean on) {
      this.optuna31Density = on;
      return this;
    }

    /** Size of the good set for n finished trials. */
    public TpeBuilder gamma(IntUnaryOperator gamma) {
      this.gamma = Objects.requireNonNull(gamma, "gamma");
      return this;
    }

    /** Uses hyperopt's gamma {@code min(ceil(0.25 sqrt n), 25)} and its 20 startup trials. */
    public TpeBuilder hyperoptDefaults() {
      this.gamma = Tpe.HYPEROPT_GAMMA;
      this.startupTrials = 20;
      return this;
    }

    /**
     * Weights of n observations in chronological order; a function of n only (the sampler reuses
     * the vector it got for the same n).
     */
    public TpeBuilder weights(IntFunction<double[]> weights) {
      this.weights = Objects.requireNonNull(weights, "weights");
      return this;
    }

    /** Joint product-kernel TPE over the parameters every finished trial has. */
    public TpeBuilder multivariate(boolean on) {
      this.multivariate = on;
      return this;
    }

    /** With multivariate: one joint model per group of parameters that always co-occur. */
    public TpeBuilder group(boolean on) {
      this.group = on;
      return this;
    }

    /** Counts running trials as the worst results, so parallel workers do not pile up. */
    public TpeBuilder constantLiar(boolean on) {
      this.constantLiar = on;
      return this;
    }

    /**
     * Returns the sampler.
     *
     * @throws IllegalStateException if group is set without multivariate
     */
    public Sampler build() {
      if (group && !multivariate) {
        throw new IllegalStateException("group(true) requires multivariate(true).");
      }
      return new TpeSampler(
          new TpeSampler.Settings(
              TpeSampler.parzen(
                  considerPrior, priorWeight, magicClip, considerEndpoints, optuna31Density),
              startupTrials,
              eiCandidates,
              gamma,
              weights,
              multivariate,
              group,
              constantLiar),
          rng == null ? new SplittableRandom() : rng);
    }

    @Override
    public String toString() {
      return "TpeBuilder[startupTrials=" + startupTrials + ", eiCandidates=" + eiCandidates
          + ", multivariate=" + multivariate + ", group=" + group + ", constantLiar="
          + constantLiar + "]";
    }
  }

  /**
   * Configures the genetic sampler: each trial is a child of two parents chosen by tournament
   * among the best complete trials of the study, with Jenetics' intermediate crossover
   * (probability 0.9) and Gaussian mutation (probability 1/dimensions unless set) on the normalised
   * parameters; the first {@code populationSize} trials are random.
   */
  public static final class GeneticBuilder {
    private @Nullable RandomGenerator rng;
    private int populationSize = 20;
    private double crossoverProbability = 0.9;
    private double mutationProbability;

    private GeneticBuilder() {}

    public GeneticBuilder seed(long seed) {
      this.rng = new SplittableRandom(seed);
      return this;
    }

    public GeneticBuilder random(RandomGenerator rng) {
      this.rng = Objects.requireNonNull(rng, "rng");
      return this;
    }

    public GeneticBuilder populationSize(int n) {
      if (n < 2) {
        throw new IllegalArgumentException("populationSize " + n + " must be >= 2.");
      }
      this.populationSize = n;
      return this;
    }

    public GeneticBuilder crossoverProbability(double p) {
      if (!(p >= 0 && p <= 1)) {
        throw new IllegalArgumentException("crossoverProbability " + p + " must be in [0, 1].");
      }
      this.crossoverProbability = p;
      return this;
    }

    public GeneticBuilder mutationProbability(double p) {
      if (!(p >= 0 && p <= 1)) {
        throw new IllegalArgumentException("mutationProbability " + p + " must be in [0, 1].");
      }
      this.mutationProbability = p;
      return this;
    }

    public Sampler build() {
      return new GeneticSampler(
          populationSize,
          crossoverProbability,
          mutationProbability,
          rng == null ? new SplittableRandom() : rng);
    }

    @Override
    public String toString() {
      return "GeneticBuilder[populationSize=" + populationSize + "]";
    }
  }
}
