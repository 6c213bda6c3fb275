package io.nemospawn.hpo.internal;

import io.nemospawn.hpo.CategoricalDistribution;
import io.nemospawn.hpo.Distribution;
import io.nemospawn.hpo.FloatDistribution;
import io.nemospawn.hpo.IntDistribution;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A Parzen estimator over one or more parameters, as in Optuna 3.1's {@code _ParzenEstimator}
 * (TPE: Bergstra et al., "Algorithms for Hyper-Parameter Optimization", NeurIPS 2011): a weighted
 * mixture of kernels centred on the observations plus a prior kernel. Numerical dimensions use
 * truncated normals in the transformed (log for log scales) domain, scored by density, or by the
 * mass of the grid cell for stepped and integer parameters; categorical ones use smoothed rows.
 * A multivariate estimator uses product kernels with Scott's-rule widths.
 *
 * <p>Immutable after construction; {@link #sample} takes the caller's generator.
 */
final class ParzenEstimator {
  /** Settings shared by all estimators of one sampler. */
  record Options(
      boolean considerPrior,
      double priorWeight,
      boolean magicClip,
      boolean considerEndpoints,
      boolean optuna31Density) {
    /** Optuna 3.1's defaults, its density included. */
    static final Options DEFAULT = new Options(true, 1.0, true, false, true);
  }

  /** How one parameter maps to the estimator's domain. */
  static final class Dim {
    final Distribution dist;
    final boolean categorical;
    final int choices;
    final double lo;
    final double hi;
    final double q;
    final boolean logScale;
    final boolean intLog;

    Dim(Distribution d) {
      this.dist = d;
      if (d instanceof CategoricalDistribution c) {
        categorical = true;
        choices = c.choices().size();
        lo = 0;
        hi = choices - 1;
        q = 0;
        logScale = false;
        intLog = false;
      } else if (d instanceof FloatDistribution f) {
        categorical = false;
        choices = 0;
        intLog = false;
        logScale = f.log();
        if (f.log()) {
          lo = Math.log(f.low());
          hi = Math.log(f.high());
          q = 0;
        } else if (f.step() > 0) {
          lo = f.low() - f.step() / 2;
          hi = f.high() + f.step() / 2;
          q = f.step();
        } else {
          lo = f.low();
          hi = f.high();
          q = 0;
        }
      } else {
        IntDistribution i = (IntDistribution) d;
        categorical = false;
        choices = 0;
        logScale = i.log();
        intLog = i.log();
        if (i.log()) {
          lo = Math.log(i.low() - 0.5);
          hi = Math.log(i.high() + 0.5);
          q = 0;
        } else {
          lo = i.low() - i.step() / 2.0;
          hi = i.high() + i.step() / 2.0;
          q = i.step();
        }
      }
    }

    /** Maps an internal value into the estimator's domain. */
    double transform(double internal) {
      return logScale ? Math.log(internal) : internal;
    }

    /** Maps a draw from the domain back onto a valid internal value. */
    double untransform(double x) {
      if (categorical) {
        return x;
      }
      if (dist instanceof FloatDistribution f) {
        if (f.log()) {
          return Math.min(Math.max(Math.exp(x), f.low()), f.high());
        }
        if (f.step() > 0) {
          double v = Math.rint((x - f.low()) / f.step()) * f.step() + f.low();
          return Math.min(Math.max(v, f.low()), f.high());
        }
        return Math.min(Math.max(x, f.low()), f.high());
      }
      IntDistribution i = (IntDistribution) dist;
      double v = i.log()
          ? Math.rint(Math.exp(x))
          : Math.rint((x - i.low()) / i.step()) * i.step() + i.low();
      return Math.min(Math.max(v, i.low()), i.high());
    }
  }

  final Dim[] dims;
  final int kernels;
  final double[] logWeights;
  final double[] cumWeights;
  final double[][] mus;
  final double[][] sigmas;
  /** 1 / sigma of each numerical kernel, per dimension (a multiplication is cheaper). */
  final double[][] invSigmas;
  /** log of the truncation normaliser of each numerical kernel, per dimension. */
  final double[][] logZ;
  /** -log(sqrt(2 pi) sigma Z) of each numerical kernel, per dimension (density constant). */
  final double[][] logC;
  /** log-probability rows of categorical kernels: [dim][kernel][choice]. */
  final double[][][] logRows;

  /**
   * Builds an estimator.
   *
   * @param observations internal values, one row per observation (chronological), one column per
   *     dimension
   * @param weights unnormalised weights of the observations (see {@link Tpe#rampWeights})
   */
  ParzenEstimator(
      List<Distribution> dists,
      double[][] observations,
      double[] weights,
      Options options,
      boolean multivariate) {
    int m = observations.length;
    int d = dists.size();
    dims = new Dim[d];
    for (int j = 0; j < d; j++) {
      dims[j] = new Dim(dists.get(j));
    }
    boolean prior = options.considerPrior() || m == 0;
    kernels = m + (prior ? 1 : 0);
    double[] w = new double[kernels];
    double sum = 0;
    for (int k = 0; k < m; k++) {
      w[k] = weights[k];
      sum += w[k];
    }
    if (prior) {
      w[m] = options.priorWeight();
      sum += w[m];
    }
    logWeights = new double[kernels];
    cumWeights = new double[kernels];
    double acc = 0;
    for (int k = 0; k < kernels; k++) {
      logWeights[k] = Math.log(w[k] / sum);
      acc += w[k] / sum;
      cumWeights[k] = acc;
    }
    mus = new double[d][];
    sigmas = new double[d][];
    invSigmas = new double[d][];
    logZ = new double[d][];
    logC = new double[d][];
    logRows = new double[d][][];
    for (int j = 0; j < d; j++) {
      Dim dim = dims[j];
      if (dim.categorical) {
        logRows[j] = categoricalRows(dim.choices, observations, j, m, prior, options.priorWeight());
        continue;
      }
      double[] mu = new double[kernels];
      for (int k = 0; k < m; k++) {
        mu[k] = dim.transform(observations[k][j]);
      }
      if (prior) {
        mu[m] = 0.5 * (dim.lo + dim.hi);
      }
      double[] sigma = multivariate
          ? scottSigmas(dim, m, d, prior, options)
          : univariateSigmas(dim, mu, m, prior, options);
      mus[j] = mu;
      sigmas[j] = sigma;
      double[] inv = new double[kernels];
      for (int k = 0; k < kernels; k++) {
        inv[k] = 1.0 / sigma[k];
      }
      invSigmas[j] = inv;
      double[] z = new double[kernels];
      for (int k = 0; k < kernels; k++) {
        z[k] = NormalMath.logMass((dim.lo - mu[k]) / sigma[k], (dim.hi - mu[k]) / sigma[k]);
      }
      logZ[j] = z;
      double[] c = new double[kernels];
      for (int k = 0; k < kernels; k++) {
        // Optuna 3.1's truncnorm.logpdf leaves out the 1/sigma of the density (later versions
        // fixed it); with optuna31Density we score as it does, so wide kernels weigh more.
        c[k] =
            -NormalMath.LOG_SQRT_2PI - (options.optuna31Density() ? 0 : Math.log(sigma[k])) - z[k];
      }
      logC[j] = c;
    }
  }

  private static double[][] categoricalRows(
      int choices, double[][] obs, int j, int m, boolean prior, double priorWeight) {
    double[][] rows = new double[m + (prior ? 1 : 0)][choices];
    double base = priorWeight / (m + 1);
    for (int k = 0; k < m; k++) {
      double total = base * choices + 1;
      Arrays.fill(rows[k], Math.log(base / total));
      rows[k][(int) obs[k][j]] = Math.log((base + 1) / total);
    }
    if (prior) {
      Arrays.fill(rows[m], -Math.log(choices));
    }
    return rows;
  }

  private double[] univariateSigmas(Dim dim, double[] mu, int m, boolean prior, Options o) {
    int n = kernels;
    double range = dim.hi - dim.lo;
    double[] sigma = new double[n];
    if (m == 0) {
      sigma[0] = range;
      return sigma;
    }
    int[] order = IndexSort.sort(mu, null);
    for (int r = 0; r < n; r++) {
      double left = mu[order[r]] - (r == 0 ? dim.lo : mu[order[r - 1]]);
      double right = (r == n - 1 ? dim.hi : mu[order[r + 1]]) - mu[order[r]];
      double s;
      if (!o.considerEndpoints() && n >= 2 && r == 0) {
        s = right;
      } else if (!o.considerEndpoints() && n >= 2 && r == n - 1) {
        s = left;
      } else {
        s = Math.max(left, right);
      }
      sigma[order[r]] = s;
    }
    double minSigma = o.magicClip() ? range / Math.min(100.0, 1.0 + n) : 1e-12;
    for (int k = 0; k < n; k++) {
      sigma[k] = Math.min(Math.max(sigma[k], minSigma), range);
    }
    if (prior) {
      sigma[m] = range;
    }
    return sigma;
  }

  private double[] scottSigmas(Dim dim, int m, int d, boolean prior, Options o) {
    double range = dim.hi - dim.lo;
    double s = 0.2 * Math.pow(Math.max(m, 1), -1.0 / (d + 4)) * range;
    double minSigma = o.magicClip() ? range / Math.min(100.0, 1.0 + kernels) : 1e-12;
    double[] sigma = new double[kernels];
    Arrays.fill(sigma, Math.min(Math.max(s, minSigma), range));
    if (prior) {
      sigma[m] = range;
    }
    return sigma;
  }

  /** Draws one point (internal values, one per dimension) from the mixture. */
  double[] sample(RandomGenerator rng) {
    double u = rng.nextDouble();
    int k = Arrays.binarySearch(cumWeights, u);
    k = k >= 0 ? k : Math.min(-k - 1, kernels - 1);
    double[] x = new double[dims.length];
    for (int j = 0; j < dims.length; j++) {
      Dim dim = dims[j];
      if (dim.categorical) {
        double v = rng.nextDouble();
        double c = 0;
        int choice = dim.choices - 1;
        for (int i = 0; i < dim.choices; i++) {
          c += Math.exp(logRows[j][k][i]);
          if (v < c) {
            choice = i;
            break;
          }
        }
        x[j] = choice;
      } else {
        double mu = mus[j][k];
        double s = sigmas[j][k];
        double z = NormalMath.truncatedPpf(rng.nextDouble(), (dim.lo - mu) / s, (dim.hi - mu) / s);
        x[j] = dim.untransform(mu + s * z);
      }
    }
    return x;
  }

  /** Terms more than this below the largest add less than 1e-17 each: they are skipped. */
  private static final double NEGLIGIBLE = 40;

  /**
   * Returns the log-likelihood of a point given as internal values, one per dimension. Exact up to
   * rounding; to stay fast on large histories, grid-cell masses (two log-CDFs each) are first
   * bounded from above by width times peak density, and computed exactly only for kernels whose
   * bound is within {@link #NEGLIGIBLE} of the best exact term, and only non-negligible terms are
   * exponentiated.
   */
  double logPdf(double[] x) {
    double[] terms = new double[kernels];
    System.arraycopy(logWeights, 0, terms, 0, kernels);
    double[] gridBound = null;
    double[] ga = new double[dims.length];
    double[] gb = new double[dims.length];
    for (int j = 0; j < dims.length; j++) {
      Dim dim = dims[j];
      if (dim.categorical) {
        int c = (int) x[j];
        for (int k = 0; k < kernels; k++) {
          terms[k] += logRows[j][k][c];
        }
        continue;
      }
      double t = dim.transform(x[j]);
      double[] mu = mus[j];
      double[] inv = invSigmas[j];
      if (dim.q > 0) {
        double a = Math.max(t - dim.q / 2, dim.lo);
        double b = Math.min(t + dim.q / 2, dim.hi);
        ga[j] = a;
        gb[j] = b;
        if (gridBound == null) {
          gridBound = new double[kernels];
        }
        double[] lz = logZ[j];
        for (int k = 0; k < kernels; k++) {
          double za = (a - mu[k]) * inv[k];
          double zb = (b - mu[k]) * inv[k];
          double near = za > 0 ? za : (zb < 0 ? -zb : 0);
          double ub =
              Math.min(Math.log(zb - za) - NormalMath.LOG_SQRT_2PI - 0.5 * near * near, 0) - lz[k];
          terms[k] += ub;
          gridBound[k] += ub;
        }
      } else {
        double[] lc = logC[j];
        for (int k = 0; k < kernels; k++) {
          double z = (t - mu[k]) * inv[k];
          terms[k] += lc[k] - 0.5 * z * z;
        }
      }
    }
    int best = argMax(terms);
    if (terms[best] == Double.NEGATIVE_INFINITY) {
      return Double.NEGATIVE_INFINITY;
    }
    if (gridBound != null) {
      double floor = exactGrid(best, terms, gridBound, ga, gb) - NEGLIGIBLE;
      for (int k = 0; k < kernels; k++) {
        if (k != best) {
          terms[k] =
              terms[k] < floor ? Double.NEGATIVE_INFINITY : exactGrid(k, terms, gridBound, ga, gb);
        }
      }
      best = argMax(terms);
    }
    double max = terms[best];
    if (max == Double.NEGATIVE_INFINITY) {
      return max;
    }
    double cut = max - NEGLIGIBLE;
    double s = 0;
    for (int k = 0; k < kernels; k++) {
      if (terms[k] > cut) {
        s += Math.exp(terms[k] - max);
      }
    }
    return max + Math.log(s);
  }

  /** The first index of the largest value (the running maximum kept in a local, not re-read). */
  private static int argMax(double[] v) {
    int best = 0;
    double max = v[0];
    for (int k = 1; k < v.length; k++) {
      double x = v[k];
      if (x > max) {
        max = x;
        best = k;
      }
    }
    return best;
  }

  /** Replaces kernel k's upper-bounded grid terms by their exact values; returns the new term. */
  private double exactGrid(int k, double[] terms, double[] gridBound, double[] ga, double[] gb) {
    double exact = terms[k] - gridBound[k];
    for (int j = 0; j < dims.length; j++) {
      Dim dim = dims[j];
      if (!dim.categorical && dim.q > 0) {
        double m = mus[j][k];
        double sg = sigmas[j][k];
        exact += NormalMath.logMass((ga[j] - m) / sg, (gb[j] - m) / sg) - logZ[j][k];
      }
    }
    terms[k] = exact;
    gridBound[k] = 0;
    return exact;
  }
}
