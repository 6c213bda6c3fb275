package io.nemospawn.demo.internal;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A seeded synthetic classification set: four interleaved spiral arms in a plane (each sweeping 225 degrees), with noise,
 * embedded with six noise features into 8 dimensions by a random rotation. Linear models fail on
 * it (about 1.39 nats, chance); a well-tuned small MLP gets far below that, so hyperparameters matter.
 * Immutable.
 *
 * @param features row-major, {@code size × dims}
 * @param labels class of each row, {@code 0..classes-1}
 * @param dims features per row
 * @param classes number of classes
 */
public record Dataset(double[] features, int[] labels, int dims, int classes) {
  /** Features per row of the generated set. */
  public static final int DIMS = 8;

  /** Classes of the generated set. */
  public static final int CLASSES = 4;

  /**
   * Angle each spiral arm sweeps: 1.25 pi makes tuning matter (val_loss from about 0.08 to 1.1
   * after 12 epochs, depending on the hyperparameters).
   */
  static final double SPAN = 1.25 * Math.PI;

  /** Validates. */
  public Dataset {
    Objects.requireNonNull(features, "features");
    Objects.requireNonNull(labels, "labels");
    if (features.length != labels.length * dims) {
      throw new IllegalArgumentException("features has " + features.length + " values, expected "
          + labels.length + " rows × " + dims);
    }
  }

  /** Returns the number of rows. */
  public int size() {
    return labels.length;
  }

  /** The three splits the demo team works with. */
  public record Splits(Dataset train, Dataset validation, Dataset test) {}

  /** Generates the train (2,400), validation (600) and held-out test (1,000) splits. */
  public static Splits generate(long seed) {
    Dataset all = spirals(4000, seed);
    return new Splits(all.slice(0, 2400), all.slice(2400, 3000), all.slice(3000, 4000));
  }

  /** Generates {@code n} rows of the spiral set. */
  public static Dataset spirals(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[][] rot = randomRotation(DIMS, r.split());
    double[] x = new double[n * DIMS];
    int[] y = new int[n];
    double[] raw = new double[DIMS];
    for (int i = 0; i < n; i++) {
      int c = r.nextInt(CLASSES);
      double t = r.nextDouble(); // position along the arm
      double angle = 2 * Math.PI * c / CLASSES + t * SPAN;
      double radius = 0.15 + 1.6 * t;
      raw[0] = radius * Math.cos(angle) + 0.08 * gauss(r);
      raw[1] = radius * Math.sin(angle) + 0.08 * gauss(r);
      for (int d = 2; d < DIMS; d++) {
        raw[d] = 0.5 * gauss(r);
      }
      for (int d = 0; d < DIMS; d++) {
        double s = 0;
        for (int k = 0; k < DIMS; k++) {
          s += rot[d][k] * raw[k];
        }
        x[i * DIMS + d] = s;
      }
      y[i] = c;
    }
    return new Dataset(x, y, DIMS, CLASSES);
  }

  /** Returns rows {@code from} (inclusive) to {@code to} (exclusive). */
  public Dataset slice(int from, int to) {
    double[] f = java.util.Arrays.copyOfRange(features, from * dims, to * dims);
    int[] l = java.util.Arrays.copyOfRange(labels, from, to);
    return new Dataset(f, l, dims, classes);
  }

  /** Writes the set to a file (a small binary format: dims, classes, rows, then the rows). */
  public void write(Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      try (DataOutputStream out =
          new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(file)))) {
        out.writeInt(dims);
        out.writeInt(classes);
        out.writeInt(size());
        for (int i = 0; i < size(); i++) {
          out.writeInt(labels[i]);
          for (int d = 0; d < dims; d++) {
            out.writeDouble(features[i * dims + d]);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write data set " + file + ": " + e.getMessage(), e);
    }
  }

  /** Reads a set written by {@link #write}. */
  public static Dataset read(Path file) {
    try (DataInputStream in =
        new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file)))) {
      int dims = in.readInt();
      int classes = in.readInt();
      int n = in.readInt();
      double[] f = new double[n * dims];
      int[] l = new int[n];
      for (int i = 0; i < n; i++) {
        l[i] = in.readInt();
        for (int d = 0; d < dims; d++) {
          f[i * dims + d] = in.readDouble();
        }
      }
      return new Dataset(f, l, dims, classes);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot read data set " + file + ": " + e.getMessage() + "; was the data-prep task run?",
          e);
    }
  }

  static double gauss(SplittableRandom r) {
    double u = Math.max(r.nextDouble(), 1e-300);
    double v = r.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A random orthogonal matrix (Gram-Schmidt on Gaussian columns). */
  private static double[][] randomRotation(int n, SplittableRandom r) {
    double[][] q = new double[n][n];
    for (int j = 0; j < n; j++) {
      double[] v = new double[n];
      for (int i = 0; i < n; i++) {
        v[i] = gauss(r);
      }
      for (int k = 0; k < j; k++) {
        double dot = 0;
        for (int i = 0; i < n; i++) {
          dot += v[i] * q[i][k];
        }
        for (int i = 0; i < n; i++) {
          v[i] -= dot * q[i][k];
        }
      }
      double norm = 0;
      for (int i = 0; i < n; i++) {
        norm += v[i] * v[i];
      }
      norm = Math.sqrt(norm);
      for (int i = 0; i < n; i++) {
        q[i][j] = v[i] / norm;
      }
    }
    return q;
  }
}
