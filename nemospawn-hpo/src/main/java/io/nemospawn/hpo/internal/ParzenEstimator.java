package io.nemospawn.hpo.internal;

import io.nemospawn.hpo.CategoricalDistribution;
import io.nemospawn.hpo.Distribution;
import io.nemospawn.hpo.FloatDistribution;
import io.nemospawn.hpo.IntDistribution;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * A Parzen estimator over one or more parameters, as in Optuna 3.1's {@code _ParzenEstimator}
 * (TPE: Bergstra et al., "Algorithms for Hyper-Parameter Optimization", NeurIPS 2011): a weighted
 * mixture of kernels centred on the observations plus a prior kernel. Numerical dimensions use
 * truncated normals in the transformed (log for log scales) domain, scored by density, or by the
 * mass of the grid cell for stepped and integer parameters; categorical ones use smoothed rows.
 * A multivariate estimator uses product kernels with Scott's-rule widths.
 *
 * <p>Not thread-safe ({@link #logPdf} keeps scratch buffers and a memo): an estimator serves one
 * sampling step; {@link #sample} takes the caller's generator.
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
  /** The normalised weight of each kernel. */
  final double[] weights;

  final double[] cumWeights;
  final double[][] mus;
  final double[][] sigmas;
  /** log-probability rows of categorical kernels: [dim][kernel][choice]. */
  final double[][][] logRows;

  /** The kernels {@link #logPdf} sums over (merged where they are equal; see {@link Scoring}). */
  private final Scoring score;

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
    this.weights = new double[kernels];
    cumWeights = new double[kernels];
    double acc = 0;
    for (int k = 0; k < kernels; k++) {
      this.weights[k] = w[k] / sum;
      acc += w[k] / sum;
      cumWeights[k] = acc;
    }
    mus = new double[d][];
    sigmas = new double[d][];
    logRows = new double[d][][];
    int[] order = null;
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
      if (multivariate) {
        sigmas[j] = scottSigmas(dim, m, d, prior, options);
      } else {
        order = m == 0 ? new int[] {0} : IndexSort.sort(mu, null);
        sigmas[j] = univariateSigmas(dim, mu, order, m, prior, options);
      }
      mus[j] = mu;
    }
    score = d == 1 && !multivariate
        ? Scoring.merged(this, options, w, sum, order, observations)
        : new Scoring(this, options, kernels, logWeights(), mus, sigmas, logRows, false);
  }

  /** Returns the log of each kernel's normalised weight. */
  double[] logWeights() {
    double[] lw = new double[kernels];
    for (int k = 0; k < kernels; k++) {
      lw[k] = Math.log(weights[k]);
    }
    return lw;
  }

  /**
   * The kernels the log-density sums over, with what scoring needs precomputed. For one dimension
   * kernels with the same centre and width (numerical) or the same row (categorical) are merged
   * into one whose weight is their sum: the density is the same up to rounding, and the integer,
   * stepped and categorical parameters of a long history, whose observations repeat a few values,
   * then cost a few kernels instead of one per observation. Numerical kernels of one dimension are
   * kept in the order of their centres, in blocks of {@link #BLOCK} with a bound on their terms,
   * so that blocks far from a point are skipped. Several dimensions (multivariate) use every
   * kernel as it is.
   */
  private static final class Scoring {
    static final int BLOCK = 16;

    final int n;
    final double[] logW;
    final double[][] mu;
    final double[][] sigma;
    final double[][][] rows;
    /** 1 / sigma (a multiplication is cheaper), per dimension. */
    final double[][] inv;
    /** log of the truncation normaliser of each numerical kernel, per dimension. */
    final double[][] logZ;
    /** -log(sqrt(2 pi) sigma Z) of each numerical kernel, per dimension (density constant). */
    final double[][] logC;
    /** One continuous dimension: per block of kernels, the bounds that let a point skip it. */
    final double[] blockMaxA;

    final double[] blockLo;
    final double[] blockHi;
    final double[] blockInvMaxSigma;

    /** Merges equal kernels of a one-dimensional estimator ({@code order}: by centre). */
    static Scoring merged(
        ParzenEstimator pe,
        Options options,
        double[] w,
        double sum,
        int @Nullable [] order,
        double[][] observations) {
      Dim dim = pe.dims[0];
      int kernels = pe.kernels;
      int[] group = new int[kernels];
      int groups = 0;
      if (dim.categorical) {
        // kernels of the same observed choice share one row; the prior (if any) has its own
        int m = observations.length;
        int[] ofChoice = new int[dim.choices];
        Arrays.fill(ofChoice, -1);
        for (int k = 0; k < m; k++) {
          int c = (int) observations[k][0];
          if (ofChoice[c] < 0) {
            ofChoice[c] = groups++;
          }
          group[k] = ofChoice[c];
        }
        if (kernels > m) {
          group[m] = groups++;
        }
      } else {
        double[] mu = pe.mus[0];
        double[] sg = pe.sigmas[0];
        java.util.Objects.requireNonNull(order, "order");
        // kernels of equal centre are adjacent in order; merge those of equal width among them
        int runStart = 0;
        for (int r = 0; r < kernels; r++) {
          int k = order[r];
          if (r > 0 && mu[k] != mu[order[r - 1]]) {
            runStart = groups;
          }
          int g = -1;
          for (int r2 = r - 1; r2 >= 0 && group[order[r2]] >= runStart; r2--) {
            if (sg[order[r2]] == sg[k]) {
              g = group[order[r2]];
              break;
            }
          }
          group[k] = g >= 0 ? g : groups++;
        }
      }
      double[] gw = new double[groups];
      int[] first = new int[groups];
      Arrays.fill(first, -1);
      for (int k = 0; k < kernels; k++) {
        gw[group[k]] += w[k];
        if (first[group[k]] < 0) {
          first[group[k]] = k;
        }
      }
      double[] logW = new double[groups];
      for (int g = 0; g < groups; g++) {
        logW[g] = Math.log(gw[g] / sum);
      }
      double[][] mu = new double[1][];
      double[][] sigma = new double[1][];
      double[][][] rows = new double[1][][];
      if (dim.categorical) {
        rows[0] = new double[groups][];
        for (int g = 0; g < groups; g++) {
          rows[0][g] = pe.logRows[0][first[g]];
        }
      } else {
        mu[0] = new double[groups];
        sigma[0] = new double[groups];
        for (int g = 0; g < groups; g++) {
          mu[0][g] = pe.mus[0][first[g]];
          sigma[0][g] = pe.sigmas[0][first[g]];
        }
      }
      return new Scoring(pe, options, groups, logW, mu, sigma, rows, true);
    }

    /**
     * Computes the per-kernel constants, and the block bounds of one continuous dimension whose
     * kernels are ordered {@code byCentre}.
     */
    Scoring(
        ParzenEstimator pe,
        Options options,
        int n,
        double[] logW,
        double[][] mu,
        double[][] sigma,
        double[][][] rows,
        boolean byCentre) {
      this.n = n;
      this.logW = logW;
      this.mu = mu;
      this.sigma = sigma;
      this.rows = rows;
      int d = pe.dims.length;
      inv = new double[d][];
      logZ = new double[d][];
      logC = new double[d][];
      for (int j = 0; j < d; j++) {
        Dim dim = pe.dims[j];
        if (dim.categorical) {
          continue;
        }
        double[] m = mu[j];
        double[] sg = sigma[j];
        double[] iv = new double[n];
        double[] z = new double[n];
        double[] c = new double[n];
        for (int k = 0; k < n; k++) {
          iv[k] = 1.0 / sg[k];
          z[k] = NormalMath.logMass((dim.lo - m[k]) / sg[k], (dim.hi - m[k]) / sg[k]);
          // Optuna 3.1's truncnorm.logpdf leaves out the 1/sigma of the density (later versions
          // fixed it); with optuna31Density we score as it does, so wide kernels weigh more.
          c[k] =
              -NormalMath.LOG_SQRT_2PI - (options.optuna31Density() ? 0 : Math.log(sg[k])) - z[k];
        }
        inv[j] = iv;
        logZ[j] = z;
        logC[j] = c;
      }
      if (byCentre && !pe.dims[0].categorical && pe.dims[0].q == 0) {
        int blocks = (n + BLOCK - 1) / BLOCK;
        blockMaxA = new double[blocks];
        blockLo = new double[blocks];
        blockHi = new double[blocks];
        blockInvMaxSigma = new double[blocks];
        for (int b = 0; b < blocks; b++) {
          int from = b * BLOCK;
          int to = Math.min(from + BLOCK, n);
          double maxA = Double.NEGATIVE_INFINITY;
          double maxSigma = 0;
          for (int k = from; k < to; k++) {
            maxA = Math.max(maxA, logW[k] + logC[0][k]);
            maxSigma = Math.max(maxSigma, sigma[0][k]);
          }
          blockMaxA[b] = maxA;
          blockLo[b] = mu[0][from];
          blockHi[b] = mu[0][to - 1];
          blockInvMaxSigma[b] = 1.0 / maxSigma;
        }
      } else {
        blockMaxA = blockLo = blockHi = blockInvMaxSigma = new double[0];
      }
    }
  }

  private static double[][] categoricalRows(
      int choices, double[][] obs, int j, int m, boolean prior, double priorWeight) {
    double[][] rows = new double[m + (prior ? 1 : 0)][];
    double base = priorWeight / (m + 1);
    double total = base * choices + 1;
    // a kernel's row depends only on its observed choice: one shared row per choice
    double[][] ofChoice = new double[choices][];
    for (int k = 0; k < m; k++) {
      int c = (int) obs[k][j];
      if (ofChoice[c] == null) {
        ofChoice[c] = new double[choices];
        Arrays.fill(ofChoice[c], Math.log(base / total));
        ofChoice[c][c] = Math.log((base + 1) / total);
      }
      rows[k] = ofChoice[c];
    }
    if (prior) {
      rows[m] = new double[choices];
      Arrays.fill(rows[m], -Math.log(choices));
    }
    return rows;
  }

  /** Optuna's univariate widths; {@code order} sorts the kernels by centre. */
  private double[] univariateSigmas(
      Dim dim, double[] mu, int[] order, int m, boolean prior, Options o) {
    int n = kernels;
    double range = dim.hi - dim.lo;
    double[] sigma = new double[n];
    if (m == 0) {
      sigma[0] = range;
      return sigma;
    }
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

  // scratch of logPdf (an estimator serves one sampling step of one thread)
  private double @Nullable [] terms;
  private double @Nullable [] gridBound;
  private double @Nullable [] blockBound;

  /** One discrete dimension: the log-densities of the points scored so far (draws repeat). */
  private final double[] memoX = new double[32];

  private final double[] memoV = new double[32];
  private int memoSize;

  /**
   * Returns the log-likelihood of a point given as internal values, one per dimension. Exact up to
   * rounding; to stay fast on large histories, kernels whose term cannot come within {@link
   * #NEGLIGIBLE} of the largest are not computed exactly: grid-cell masses (two log-CDFs each) are
   * first bounded from above by width times peak density, and on one continuous dimension whole
   * blocks of kernels far from the point are skipped by a bound on the block; only non-negligible
   * terms are exponentiated. On one discrete dimension the density of a point already scored is
   * remembered. Not thread-safe (scratch buffers): an estimator belongs to one sampling step.
   */
  double logPdf(double[] x) {
    if (dims.length > 1) {
      return logPdfKernels(x);
    }
    Dim dim = dims[0];
    if (!dim.categorical && dim.q == 0) {
      return score.blockMaxA.length > 0 ? logPdfBlocks(dim.transform(x[0])) : logPdfKernels(x);
    }
    double v = x[0];
    for (int i = 0; i < memoSize; i++) {
      if (memoX[i] == v) {
        return memoV[i];
      }
    }
    double lp = logPdfKernels(x);
    if (memoSize < memoX.length) {
      memoX[memoSize] = v;
      memoV[memoSize++] = lp;
    }
    return lp;
  }

  private double[] scratch(double @Nullable [] a, int n) {
    return a != null && a.length >= n ? a : new double[n];
  }

  /** One continuous dimension: kernels by centre, in blocks; blocks that cannot matter skipped. */
  private double logPdfBlocks(double t) {
    Scoring sc = score;
    int n = sc.n;
    double[] tm = terms = scratch(terms, n);
    int blocks = sc.blockMaxA.length;
    double[] bound = blockBound = scratch(blockBound, blocks);
    int top = 0;
    for (int b = 0; b < blocks; b++) {
      double lo = sc.blockLo[b];
      double hi = sc.blockHi[b];
      double dist = t < lo ? lo - t : (t > hi ? t - hi : 0);
      double z = dist * sc.blockInvMaxSigma[b];
      bound[b] = sc.blockMaxA[b] - 0.5 * z * z;
      if (bound[b] > bound[top]) {
        top = b;
      }
    }
    // the block of the highest bound first, so that the floor for the others starts high
    double max = block(top, t, tm);
    for (int b = 0; b < blocks; b++) {
      if (b == top) {
        continue;
      }
      if (bound[b] <= max - NEGLIGIBLE) {
        bound[b] = Double.NaN; // skipped: every term is below the cut
      } else {
        max = Math.max(max, block(b, t, tm));
      }
    }
    bound[top] = 0;
    if (max == Double.NEGATIVE_INFINITY) {
      return max;
    }
    double cut = max - NEGLIGIBLE;
    double s = 0;
    for (int b = 0; b < blocks; b++) {
      if (Double.isNaN(bound[b])) {
        continue;
      }
      int to = Math.min(b * Scoring.BLOCK + Scoring.BLOCK, n);
      for (int k = b * Scoring.BLOCK; k < to; k++) {
        if (tm[k] > cut) {
          s += Math.exp(tm[k] - max);
        }
      }
    }
    return max + Math.log(s);
  }

  /** Computes the terms of one block of kernels at t (one continuous dimension); returns their max. */
  private double block(int b, double t, double[] tm) {
    Scoring sc = score;
    double[] mu = sc.mu[0];
    double[] inv = sc.inv[0];
    double[] lc = sc.logC[0];
    double[] lw = sc.logW;
    double max = Double.NEGATIVE_INFINITY;
    int to = Math.min(b * Scoring.BLOCK + Scoring.BLOCK, sc.n);
    for (int k = b * Scoring.BLOCK; k < to; k++) {
      double z = (t - mu[k]) * inv[k];
      double term = lw[k] + lc[k] - 0.5 * z * z;
      tm[k] = term;
      max = Math.max(max, term);
    }
    return max;
  }

  /**
   * Sums over every scoring kernel: grid-cell masses bounded first and computed exactly only for
   * kernels whose bound is within {@link #NEGLIGIBLE} of the best exact term.
   */
  private double logPdfKernels(double[] x) {
    Scoring sc = score;
    int n = sc.n;
    double[] tm = terms = scratch(terms, n);
    System.arraycopy(sc.logW, 0, tm, 0, n);
    double[] bound = null;
    double[] a = new double[dims.length];
    double[] bb = new double[dims.length];
    for (int j = 0; j < dims.length; j++) {
      Dim dim = dims[j];
      if (dim.categorical) {
        int c = (int) x[j];
        double[][] rows = sc.rows[j];
        for (int k = 0; k < n; k++) {
          tm[k] += rows[k][c];
        }
        continue;
      }
      double t = dim.transform(x[j]);
      double[] mu = sc.mu[j];
      double[] inv = sc.inv[j];
      if (dim.q > 0) {
        double lo = Math.max(t - dim.q / 2, dim.lo);
        double hi = Math.min(t + dim.q / 2, dim.hi);
        a[j] = lo;
        bb[j] = hi;
        if (bound == null) {
          bound = gridBound = scratch(gridBound, n);
          Arrays.fill(bound, 0, n, 0);
        }
        double[] lz = sc.logZ[j];
        for (int k = 0; k < n; k++) {
          double za = (lo - mu[k]) * inv[k];
          double zb = (hi - mu[k]) * inv[k];
          double near = za > 0 ? za : (zb < 0 ? -zb : 0);
          double ub =
              Math.min(Math.log(zb - za) - NormalMath.LOG_SQRT_2PI - 0.5 * near * near, 0) - lz[k];
          tm[k] += ub;
          bound[k] += ub;
        }
      } else {
        double[] lc = sc.logC[j];
        for (int k = 0; k < n; k++) {
          double z = (t - mu[k]) * inv[k];
          tm[k] += lc[k] - 0.5 * z * z;
        }
      }
    }
    int best = argMax(tm, n);
    if (tm[best] == Double.NEGATIVE_INFINITY) {
      return Double.NEGATIVE_INFINITY;
    }
    if (bound != null) {
      double floor = exactGrid(best, tm, bound, a, bb) - NEGLIGIBLE;
      for (int k = 0; k < n; k++) {
        if (k != best) {
          tm[k] = tm[k] < floor ? Double.NEGATIVE_INFINITY : exactGrid(k, tm, bound, a, bb);
        }
      }
      best = argMax(tm, n);
    }
    double max = tm[best];
    if (max == Double.NEGATIVE_INFINITY) {
      return max;
    }
    double cut = max - NEGLIGIBLE;
    double s = 0;
    for (int k = 0; k < n; k++) {
      if (tm[k] > cut) {
        s += Math.exp(tm[k] - max);
      }
    }
    return max + Math.log(s);
  }

  /** The first index of the largest of v[0..n) (the running maximum kept in a local). */
  private static int argMax(double[] v, int n) {
    int best = 0;
    double max = v[0];
    for (int k = 1; k < n; k++) {
      double x = v[k];
      if (x > max) {
        max = x;
        best = k;
      }
    }
    return best;
  }

  /** Replaces kernel k's upper-bounded grid terms by their exact values; returns the new term. */
  private double exactGrid(int k, double[] tm, double[] bound, double[] a, double[] b) {
    Scoring sc = score;
    double exact = tm[k] - bound[k];
    for (int j = 0; j < dims.length; j++) {
      Dim dim = dims[j];
      if (!dim.categorical && dim.q > 0) {
        double m = sc.mu[j][k];
        double sg = sc.sigma[j][k];
        exact += NormalMath.logMass((a[j] - m) / sg, (b[j] - m) / sg) - sc.logZ[j][k];
      }
    }
    tm[k] = exact;
    bound[k] = 0;
    return exact;
  }
}
