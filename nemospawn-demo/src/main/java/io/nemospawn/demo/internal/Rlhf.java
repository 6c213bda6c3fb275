package io.nemospawn.demo.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The RLHF loop of the demo, small enough for the CPU: responses are points {@code y} in R^8;
 * people (simulated from a hidden true reward {@code r*(y) = w*.y - |y|^2/2}, best at {@code
 * y = w*}) prefer one of two responses with Bradley-Terry probability {@code
 * sigmoid(2 (r*(a) - r*(b)))}; demonstrations come from a mediocre expert. Supervised fine-tuning
 * fits a Gaussian policy to the demonstrations; the reward model is a Bradley-Terry logistic
 * regression on features {@code (y, -|y|^2/2)} fitted to the preference pairs; PPO (clipped
 * surrogate, KL penalty to the SFT policy) moves the policy's mean against the learned reward;
 * the evaluation compares PPO with SFT by the hidden true reward on fresh samples. Every number is
 * computed; nothing is made up.
 */
public final class Rlhf {
  /** Dimensions of a response. */
  public static final int DIMS = 8;

  private static final double BETA_PREF = 2.0;
  private static final double DEMO_SIGMA = 0.6;

  private Rlhf() {}

  /** The hidden true reward's optimum, fixed by the seed. */
  public static double[] trueOptimum(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] w = new double[DIMS];
    for (int i = 0; i < DIMS; i++) {
      w[i] = r.nextDouble(-1.5, 1.5);
    }
    return w;
  }

  /** The hidden true reward. */
  public static double trueReward(double[] w, double[] y) {
    double dot = 0;
    double sq = 0;
    for (int i = 0; i < DIMS; i++) {
      dot += w[i] * y[i];
      sq += y[i] * y[i];
    }
    return dot - sq / 2;
  }

  /** The data set: demonstrations (train, validation) and preference pairs (train, test). */
  public record Data(
      List<double[]> demos,
      List<double[]> demosVal,
      List<double[][]> pairs,
      List<double[][]> pairsTest) {}

  /**
   * Generates the data: demonstrations around {@code 0.3 w*}, pairs of responses around the same
   * point with the preferred one first.
   */
  public static Data generate(long seed, int demos, int pairs) {
    double[] w = trueOptimum(seed);
    SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
    double[] expert = new double[DIMS];
    for (int i = 0; i < DIMS; i++) {
      expert[i] = 0.3 * w[i];
    }
    List<double[]> d = new ArrayList<>();
    for (int n = 0; n < demos; n++) {
      d.add(gaussian(r, expert, DEMO_SIGMA));
    }
    List<double[][]> p = new ArrayList<>();
    for (int n = 0; n < pairs; n++) {
      double[] a = gaussian(r, expert, 1.0);
      double[] b = gaussian(r, expert, 1.0);
      double pa = sigmoid(BETA_PREF * (trueReward(w, a) - trueReward(w, b)));
      p.add(r.nextDouble() < pa ? new double[][] {a, b} : new double[][] {b, a});
    }
    int dv = demos * 4 / 5;
    int pv = pairs * 4 / 5;
    return new Data(d.subList(0, dv), d.subList(dv, demos), p.subList(0, pv), p.subList(pv, pairs));
  }

  /** A Gaussian policy: mean and one standard deviation for every dimension. */
  public record Policy(double[] mean, double sigma) {
    /** Draws a response. */
    public double[] sample(SplittableRandom r) {
      return gaussian(r, mean, sigma);
    }

    /** Mean negative log-likelihood per dimension of the responses. */
    public double nll(List<double[]> ys) {
      double s = 0;
      for (double[] y : ys) {
        for (int i = 0; i < DIMS; i++) {
          double z = (y[i] - mean[i]) / sigma;
          s += 0.5 * z * z + Math.log(sigma) + 0.5 * Math.log(2 * Math.PI);
        }
      }
      return s / (ys.size() * (double) DIMS);
    }

    /** KL(this || other) for equal sigmas. */
    public double kl(Policy other) {
      double s = 0;
      for (int i = 0; i < DIMS; i++) {
        double d = mean[i] - other.mean[i];
        s += d * d;
      }
      return s / (2 * sigma * sigma);
    }

    /** Writes {@code sigma m1 … m8} on one line. */
    public void write(Path f) {
      StringBuilder b = new StringBuilder(Double.toString(sigma));
      for (double m : mean) {
        b.append(' ').append(m);
      }
      writeText(f, b.append('\n').toString());
    }

    /** Reads a file written by {@link #write}. */
    public static Policy read(Path f) {
      String[] p = readText(f).strip().split(" ");
      double[] m = new double[DIMS];
      for (int i = 0; i < DIMS; i++) {
        m[i] = Double.parseDouble(p[i + 1]);
      }
      return new Policy(m, Double.parseDouble(p[0]));
    }
  }

  /** Supervised fine-tuning: the maximum-likelihood Gaussian of the demonstrations. */
  public static Policy sft(List<double[]> demos) {
    double[] m = new double[DIMS];
    for (double[] y : demos) {
      for (int i = 0; i < DIMS; i++) {
        m[i] += y[i] / demos.size();
      }
    }
    double v = 0;
    for (double[] y : demos) {
      for (int i = 0; i < DIMS; i++) {
        v += (y[i] - m[i]) * (y[i] - m[i]);
      }
    }
    return new Policy(m, Math.sqrt(v / (demos.size() * (double) DIMS)));
  }

  /** The reward model: weights over the features {@code (y, -|y|^2/2)}. */
  public record RewardModel(
      double[] theta, double trainLoss, double testLoss, double testAccuracy) {
    /** The learned reward of a response. */
    public double reward(double[] y) {
      double[] f = features(y);
      double s = 0;
      for (int i = 0; i < f.length; i++) {
        s += theta[i] * f[i];
      }
      return s;
    }
  }

  static double[] features(double[] y) {
    double[] f = new double[DIMS + 1];
    double sq = 0;
    for (int i = 0; i < DIMS; i++) {
      f[i] = y[i];
      sq += y[i] * y[i];
    }
    f[DIMS] = -sq / 2;
    return f;
  }

  /** Fits the Bradley-Terry model by full-batch gradient descent; scores it on the test pairs. */
  public static RewardModel reward(
      List<double[][]> train, List<double[][]> test, int epochs, double lr) {
    double[] theta = new double[DIMS + 1];
    for (int e = 0; e < epochs; e++) {
      double[] g = new double[DIMS + 1];
      for (double[][] p : train) {
        double[] d = diff(p);
        double s = sigmoid(dot(theta, d));
        for (int i = 0; i < d.length; i++) {
          g[i] += (s - 1) * d[i] / train.size();
        }
      }
      for (int i = 0; i < theta.length; i++) {
        theta[i] -= lr * g[i];
      }
    }
    double[] t = theta;
    return new RewardModel(theta, btLoss(t, train), btLoss(t, test), accuracy(t, test));
  }

  private static double[] diff(double[][] p) {
    double[] a = features(p[0]);
    double[] b = features(p[1]);
    for (int i = 0; i < a.length; i++) {
      a[i] -= b[i];
    }
    return a;
  }

  private static double btLoss(double[] theta, List<double[][]> pairs) {
    double s = 0;
    for (double[][] p : pairs) {
      s -= Math.log(Math.max(1e-12, sigmoid(dot(theta, diff(p)))));
    }
    return s / pairs.size();
  }

  private static double accuracy(double[] theta, List<double[][]> pairs) {
    int ok = 0;
    for (double[][] p : pairs) {
      if (dot(theta, diff(p)) > 0) {
        ok++;
      }
    }
    return ok / (double) pairs.size();
  }

  /** One PPO iteration's figures. */
  public record Step(int iteration, double learnedReward, double trueReward, double kl) {}

  /** The outcome of PPO. */
  public record PpoResult(Policy policy, List<Step> steps) {}

  /**
   * Optimises the policy mean with PPO: each iteration samples a batch from the current policy,
   * takes the learned reward minus the batch mean as the advantage, and runs a few epochs of the
   * clipped surrogate's gradient, with a KL penalty (weight {@code klWeight}) to the reference.
   */
  public static PpoResult ppo(
      Policy ref, RewardModel rm, double[] trueW, int iterations, long seed, double klWeight) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] mean = ref.mean().clone();
    double sigma = ref.sigma();
    double lr = 0.02;
    double clip = 0.2;
    int batch = 256;
    List<Step> steps = new ArrayList<>();
    for (int it = 1; it <= iterations; it++) {
      Policy old = new Policy(mean.clone(), sigma);
      List<double[]> ys = new ArrayList<>();
      double[] adv = new double[batch];
      double meanR = 0;
      double meanTrue = 0;
      for (int n = 0; n < batch; n++) {
        double[] y = old.sample(r);
        ys.add(y);
        adv[n] = rm.reward(y);
        meanR += adv[n] / batch;
        meanTrue += trueReward(trueW, y) / batch;
      }
      for (int n = 0; n < batch; n++) {
        adv[n] -= meanR;
      }
      for (int epoch = 0; epoch < 4; epoch++) {
        double[] g = new double[DIMS];
        for (int n = 0; n < batch; n++) {
          double[] y = ys.get(n);
          double logRatio = 0;
          for (int i = 0; i < DIMS; i++) {
            double a = (y[i] - mean[i]) / sigma;
            double b = (y[i] - old.mean()[i]) / sigma;
            logRatio += -0.5 * a * a + 0.5 * b * b;
          }
          double ratio = Math.exp(logRatio);
          boolean clipped = (adv[n] > 0 && ratio > 1 + clip) || (adv[n] < 0 && ratio < 1 - clip);
          if (clipped) {
            continue;
          }
          for (int i = 0; i < DIMS; i++) {
            g[i] += ratio * adv[n] * (y[i] - mean[i]) / (sigma * sigma) / batch;
          }
        }
        for (int i = 0; i < DIMS; i++) {
          g[i] -= klWeight * (mean[i] - ref.mean()[i]) / (sigma * sigma);
          mean[i] += lr * g[i];
        }
      }
      steps.add(new Step(it, meanR, meanTrue, new Policy(mean, sigma).kl(ref)));
    }
    return new PpoResult(new Policy(mean, sigma), steps);
  }

  /** Win rate of {@code a} over {@code b} by the true reward on {@code n} fresh sample pairs. */
  public static double winRate(Policy a, Policy b, double[] trueW, int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int wins = 0;
    for (int i = 0; i < n; i++) {
      if (trueReward(trueW, a.sample(r)) > trueReward(trueW, b.sample(r))) {
        wins++;
      }
    }
    return wins / (double) n;
  }

  /** Mean true reward of the policy on {@code n} samples. */
  public static double meanTrueReward(Policy p, double[] trueW, int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += trueReward(trueW, p.sample(r)) / n;
    }
    return s;
  }

  /** Writes vectors, one per line. */
  public static void writeVectors(Path f, List<double[]> vs) {
    StringBuilder b = new StringBuilder();
    for (double[] v : vs) {
      for (int i = 0; i < v.length; i++) {
        b.append(i == 0 ? "" : " ").append(v[i]);
      }
      b.append('\n');
    }
    writeText(f, b.toString());
  }

  /** Reads vectors written by {@link #writeVectors}. */
  public static List<double[]> readVectors(Path f) {
    List<double[]> out = new ArrayList<>();
    for (String line : readText(f).split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] p = line.strip().split(" ");
      double[] v = new double[p.length];
      for (int i = 0; i < p.length; i++) {
        v[i] = Double.parseDouble(p[i]);
      }
      out.add(v);
    }
    return out;
  }

  /** Writes pairs as two vectors on a line, preferred first. */
  public static void writePairs(Path f, List<double[][]> pairs) {
    List<double[]> flat = new ArrayList<>();
    for (double[][] p : pairs) {
      double[] v = new double[2 * DIMS];
      System.arraycopy(p[0], 0, v, 0, DIMS);
      System.arraycopy(p[1], 0, v, DIMS, DIMS);
      flat.add(v);
    }
    writeVectors(f, flat);
  }

  /** Reads pairs written by {@link #writePairs}. */
  public static List<double[][]> readPairs(Path f) {
    List<double[][]> out = new ArrayList<>();
    for (double[] v : readVectors(f)) {
      double[] a = new double[DIMS];
      double[] b = new double[DIMS];
      System.arraycopy(v, 0, a, 0, DIMS);
      System.arraycopy(v, DIMS, b, 0, DIMS);
      out.add(new double[][] {a, b});
    }
    return out;
  }

  /** Formats a number for a report. */
  public static String fmt(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }

  private static double[] gaussian(SplittableRandom r, double[] mean, double sigma) {
    double[] y = new double[mean.length];
    for (int i = 0; i < y.length; i++) {
      // Box-Muller
      double u = r.nextDouble(1e-12, 1.0);
      double v = r.nextDouble();
      y[i] = mean[i] + sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
    return y;
  }

  private static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  static void writeText(Path f, String text) {
    try {
      Files.createDirectories(f.toAbsolutePath().getParent());
      Files.writeString(f, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + f + ": " + e.getMessage(), e);
    }
  }

  static String readText(Path f) {
    try {
      return Files.readString(f, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + f + ": " + e.getMessage(), e);
    }
  }
}
