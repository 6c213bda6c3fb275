package io.nemospawn.hpo;

import io.nemospawn.hpo.internal.HyperbandPruner;
import io.nemospawn.hpo.internal.MedianPruner;
import io.nemospawn.hpo.internal.RankCheckedHalvingPruner;
import io.nemospawn.hpo.internal.SuccessiveHalvingPruner;
import org.apiguardian.api.API;

/**
 * Factory of the built-in pruners: asynchronous successive halving (ASHA), Hyperband, median and
 * none. Defaults are Optuna 3.1's.
 *
 * <pre>{@code
 * Pruner asha = Pruners.successiveHalving().reductionFactor(4).build();   // min resource "auto"
 * Pruner hb = Pruners.hyperband().minResource(1).maxResource(100).build();
 * }</pre>
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class Pruners {
  private static final Pruner NONE = new Pruner() {
    @Override
    public boolean shouldPrune(PruneContext context) {
      return false;
    }

    @Override
    public String toString() {
      return "NopPruner";
    }
  };

  private Pruners() {}

  /** Returns a pruner that never prunes. */
  public static Pruner none() {
    return NONE;
  }

  /** Returns Optuna's default median pruner (5 startup trials, no warm-up). */
  public static Pruner median() {
    return new MedianPruner(5, 0, 1);
  }

  /** Returns a median pruner. */
  public static Pruner median(int startupTrials, int warmupSteps, int intervalSteps) {
    return new MedianPruner(startupTrials, warmupSteps, intervalSteps);
  }

  /** Returns a builder of ASHA (Li et al., MLSys 2020). */
  public static SuccessiveHalvingBuilder successiveHalving() {
    return new SuccessiveHalvingBuilder();
  }

  /**
   * Returns a builder of rank-checked successive halving: ASHA that prunes at a rung only while
   * that rung's ranking holds up to the final values, checked link by link (each rung against the
   * next over every trial that reached the next, the last rung against the final values of the
   * COMPLETE trials): in the better half of each link's trials by the later value, at least 5 of
   * them, the 95 % lower confidence bound of Spearman's correlation is at least 0.3. So it keeps
   * ASHA's savings where early values predict final ones and does not prune where learning curves
   * cross.
   */
  public static RankCheckedHalvingBuilder rankCheckedHalving() {
    return new RankCheckedHalvingBuilder();
  }

  /** Returns a builder of Hyperband (Li et al., JMLR 2018). */
  public static HyperbandBuilder hyperband() {
    return new HyperbandBuilder();
  }

  /** Configures ASHA: min resource "auto", reduction factor 4, min early-stopping rate 0. */
  public static final class SuccessiveHalvingBuilder {
    private long minResource;
    private int reductionFactor = 4;
    private int minEarlyStoppingRate;
    private int bootstrapCount;

    private SuccessiveHalvingBuilder() {}

    /** The step of the first rung; {@link #autoMinResource()} is the default. */
    public SuccessiveHalvingBuilder minResource(long steps) {
      if (steps < 1) {
        throw new IllegalArgumentException("minResource " + steps + " must be >= 1.");
      }
      this.minResource = steps;
      return this;
    }

    /** Derives the min resource from the first completed trial: {@code max(lastStep/100, 1)}. */
    public SuccessiveHalvingBuilder autoMinResource() {
      this.minResource = 0;
      return this;
    }

    public SuccessiveHalvingBuilder reductionFactor(int eta) {
      this.reductionFactor = eta;
      return this;
    }

    public SuccessiveHalvingBuilder minEarlyStoppingRate(int rate) {
      this.minEarlyStoppingRate = rate;
      return this;
    }

    public SuccessiveHalvingBuilder bootstrapCount(int count) {
      this.bootstrapCount = count;
      return this;
    }

    /**
     * Returns the pruner.
     *
     * @throws IllegalArgumentException for a bad value, or bootstrap count with auto min resource
     */
    public Pruner build() {
      return new SuccessiveHalvingPruner(
          minResource, reductionFactor, minEarlyStoppingRate, bootstrapCount);
    }

    @Override
    public String toString() {
      return "SuccessiveHalvingBuilder[minResource=" + (minResource == 0 ? "auto" : minResource)
          + ", reductionFactor=" + reductionFactor + "]";
    }
  }

  /** Configures Hyperband: min resource 1, max resource "auto", reduction factor 3. */
  public static final class HyperbandBuilder {
    private long minResource = 1;
    private long maxResource;
    private int reductionFactor = 3;
    private int bootstrapCount;

    private HyperbandBuilder() {}

    public HyperbandBuilder minResource(long steps) {
      this.minResource = steps;
      return this;
    }

    /** The largest step a trial reaches; default "auto": last step of the first complete trial + 1. */
    public HyperbandBuilder maxResource(long steps) {
      if (steps < 1) {
        throw new IllegalArgumentException("maxResource " + steps + " must be >= 1.");
      }
      this.maxResource = steps;
      return this;
    }

    public HyperbandBuilder reductionFactor(int eta) {
      this.reductionFactor = eta;
      return this;
    }

    public HyperbandBuilder bootstrapCount(int count) {
      this.bootstrapCount = count;
      return this;
    }

    public Pruner build() {
      return new HyperbandPruner(minResource, maxResource, reductionFactor, bootstrapCount);
    }

    @Override
    public String toString() {
      return "HyperbandBuilder[minResource=" + minResource + ", maxResource="
          + (maxResource == 0 ? "auto" : maxResource) + ", reductionFactor=" + reductionFactor
          + "]";
    }
  }

  /**
   * Configures rank-checked successive halving: ASHA's rungs (min resource "auto", reduction
   * factor 4, min early-stopping rate 0) plus the check that a rung may prune only when every link
   * from it to the end (rung to next rung over the trials that reached the next, last rung to final
   * value over the COMPLETE trials) holds: its better half by the later value has at least {@code
   * minCompleted} (5) trials and the 95 % lower confidence bound of their Spearman correlation is
   * at least {@code minCorrelation} (0.3).
   */
  public static final class RankCheckedHalvingBuilder {
    private long minResource;
    private int reductionFactor = 4;
    private int minEarlyStoppingRate;
    private int minCompleted = 5;
    private double minCorrelation = 0.3;

    private RankCheckedHalvingBuilder() {}

    /** The step of the first rung; "auto" (from the first completed trial) is the default. */
    public RankCheckedHalvingBuilder minResource(long steps) {
      if (steps < 1) {
        throw new IllegalArgumentException("minResource " + steps + " must be >= 1.");
      }
      this.minResource = steps;
      return this;
    }

    public RankCheckedHalvingBuilder reductionFactor(int eta) {
      this.reductionFactor = eta;
      return this;
    }

    public RankCheckedHalvingBuilder minEarlyStoppingRate(int rate) {
      this.minEarlyStoppingRate = rate;
      return this;
    }

    /** Trials of the better half of a link's trials a rung needs before it prunes; default 5. */
    public RankCheckedHalvingBuilder minCompleted(int n) {
      this.minCompleted = n;
      return this;
    }

    /**
     * The lower confidence bound of the Spearman correlation (earlier vs later value) each link
     * from a rung to the end needs for the rung to prune; default 0.3.
     */
    public RankCheckedHalvingBuilder minCorrelation(double rho) {
      this.minCorrelation = rho;
      return this;
    }

    /**
     * Returns the pruner.
     *
     * @throws IllegalArgumentException for a bad value, naming it
     */
    public Pruner build() {
      return new RankCheckedHalvingPruner(
          minResource, reductionFactor, minEarlyStoppingRate, minCompleted, minCorrelation);
    }

    @Override
    public String toString() {
      return "RankCheckedHalvingBuilder[minResource=" + (minResource == 0 ? "auto" : minResource)
          + ", reductionFactor=" + reductionFactor + ", minCompleted=" + minCompleted
          + ", minCorrelation=" + minCorrelation + "]";
    }
  }
}
