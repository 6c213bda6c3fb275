package io.nemospawn.demo.internal;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A two-layer perceptron (tanh hidden layer, softmax output) trained with minibatch SGD with
 * momentum 0.9 and L2 weight decay on the cross-entropy loss. Small enough to train in a fraction
 * of a second on a CPU, real enough that learning rate, hidden size, weight decay and batch size
 * change the result. Not thread-safe.
 */
public final class Mlp {
  /** The largest loss a sample contributes: the probability is floored at 1e-7. */
  public static final double MAX_LOSS = -Math.log(1e-7);

  private static final double MOMENTUM = 0.9;

  private final int in;
  private final int hidden;
  private final int out;
  private final double[] w1; // hidden × in
  private final double[] b1;
  private final double[] w2; // out × hidden
  private final double[] b2;
  private final double[] v1;
  private final double[] vb1;
  private final double[] v2;
  private final double[] vb2;

  private Mlp(int in, int hidden, int out) {
    this.in = in;
    this.hidden = hidden;
    this.out = out;
    w1 = new double[hidden * in];
    b1 = new double[hidden];
    w2 = new double[out * hidden];
    b2 = new double[out];
    v1 = new double[w1.length];
    vb1 = new double[hidden];
    v2 = new double[w2.length];
    vb2 = new double[out];
  }

  /** Returns a network with Xavier-initialised weights drawn from a seeded generator. */
  public static Mlp init(int in, int hidden, int out, long seed) {
    if (in < 1 || hidden < 1 || out < 2) {
      throw new IllegalArgumentException(
          "An MLP needs in >= 1, hidden >= 1 and out >= 2; got " + in + ", " + hidden + ", " + out);
    }
    Mlp m = new Mlp(in, hidden, out);
    SplittableRandom r = new SplittableRandom(seed);
    double s1 = Math.sqrt(1.0 / in);
    for (int i = 0; i < m.w1.length; i++) {
      m.w1[i] = Dataset.gauss(r) * s1;
    }
    double s2 = Math.sqrt(1.0 / hidden);
    for (int i = 0; i < m.w2.length; i++) {
      m.w2[i] = Dataset.gauss(r) * s2;
    }
    return m;
  }

  /** Returns the hidden layer's width. */
  public int hidden() {
    return hidden;
  }

  /** Runs one epoch of minibatch SGD over the data in a shuffled order. */
  public void trainEpoch(Dataset d, double lr, double weightDecay, int batch, SplittableRandom r) {
    int n = d.size();
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    double[] gw1 = new double[w1.length];
    double[] gb1 = new double[hidden];
    double[] gw2 = new double[w2.length];
    double[] gb2 = new double[out];
    double[] h = new double[hidden];
    double[] p = new double[out];
    double[] dh = new double[hidden];
    for (int start = 0; start < n; start += batch) {
      int end = Math.min(n, start + batch);
      java.util.Arrays.fill(gw1, 0);
      java.util.Arrays.fill(gb1, 0);
      java.util.Arrays.fill(gw2, 0);
      java.util.Arrays.fill(gb2, 0);
      for (int s = start; s < end; s++) {
        int row = order[s];
        int xo = row * in;
        forward(d.features(), xo, h, p);
        int y = d.labels()[row];
        for (int k = 0; k < out; k++) {
          double g = p[k] - (k == y ? 1 : 0);
          gb2[k] += g;
          int wo = k * hidden;
          for (int j = 0; j < hidden; j++) {
            gw2[wo + j] += g * h[j];
          }
        }
        for (int j = 0; j < hidden; j++) {
          double g = 0;
          for (int k = 0; k < out; k++) {
            g += (p[k] - (k == y ? 1 : 0)) * w2[k * hidden + j];
          }
          dh[j] = g * (1 - h[j] * h[j]);
        }
        double[] x = d.features();
        for (int j = 0; j < hidden; j++) {
          gb1[j] += dh[j];
          int wo = j * in;
          for (int i = 0; i < in; i++) {
            gw1[wo + i] += dh[j] * x[xo + i];
          }
        }
      }
      double scale = 1.0 / (end - start);
      step(w1, v1, gw1, scale, lr, weightDecay);
      step(b1, vb1, gb1, scale, lr, 0);
      step(w2, v2, gw2, scale, lr, weightDecay);
      step(b2, vb2, gb2, scale, lr, 0);
    }
  }

  private static void step(double[] w, double[] v, double[] g, double scale, double lr, double wd) {
    for (int i = 0; i < w.length; i++) {
      double grad = g[i] * scale + wd * w[i];
      v[i] = MOMENTUM * v[i] - lr * grad;
      w[i] += v[i];
    }
  }

  private void forward(double[] x, int xo, double[] h, double[] p) {
    for (int j = 0; j < hidden; j++) {
      double s = b1[j];
      int wo = j * in;
      for (int i = 0; i < in; i++) {
        s += w1[wo + i] * x[xo + i];
      }
      h[j] = Math.tanh(s);
    }
    double max = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < out; k++) {
      double s = b2[k];
      int wo = k * hidden;
      for (int j = 0; j < hidden; j++) {
        s += w2[wo + j] * h[j];
      }
      p[k] = s;
      max = Math.max(max, s);
    }
    double sum = 0;
    for (int k = 0; k < out; k++) {
      p[k] = Math.exp(p[k] - max);
      sum += p[k];
    }
    for (int k = 0; k < out; k++) {
      p[k] /= sum;
    }
  }

  /** Returns the mean cross-entropy on a data set; {@link #MAX_LOSS} if the weights diverged. */
  public double loss(Dataset d) {
    double[] h = new double[hidden];
    double[] p = new double[out];
    double total = 0;
    for (int row = 0; row < d.size(); row++) {
      forward(d.features(), row * in, h, p);
      double q = p[d.labels()[row]];
      total += Double.isNaN(q) ? MAX_LOSS : -Math.log(Math.max(q, 1e-7));
    }
    return total / d.size();
  }

  /** Returns the share of rows classified right. */
  public double accuracy(Dataset d) {
    double[] h = new double[hidden];
    double[] p = new double[out];
    int right = 0;
    for (int row = 0; row < d.size(); row++) {
      forward(d.features(), row * in, h, p);
      int best = 0;
      for (int k = 1; k < out; k++) {
        if (p[k] > p[best]) {
          best = k;
        }
      }
      if (best == d.labels()[row]) {
        right++;
      }
    }
    return (double) right / d.size();
  }

  /** Writes the weights (a checkpoint) to a file. */
  public void write(Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      try (DataOutputStream o =
          new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(file)))) {
        o.writeInt(in);
        o.writeInt(hidden);
        o.writeInt(out);
        for (double[] a : new double[][] {w1, b1, w2, b2}) {
          for (double v : a) {
            o.writeDouble(v);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write checkpoint " + file + ": " + e.getMessage(), e);
    }
  }

  /** Reads a checkpoint written by {@link #write}. */
  public static Mlp read(Path file) {
    try (DataInputStream i =
        new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file)))) {
      Mlp m = new Mlp(i.readInt(), i.readInt(), i.readInt());
      for (double[] a : new double[][] {m.w1, m.b1, m.w2, m.b2}) {
        for (int k = 0; k < a.length; k++) {
          a[k] = i.readDouble();
        }
      }
      return m;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read checkpoint " + file + ": " + e.getMessage(), e);
    }
  }
}
