package io.nemospawn.hpo;

import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Standard test functions for samplers: Branin, Hartmann-6, Rosenbrock-4, Ackley-2 and a mixed
 * int/log/categorical problem. Also published as this module's test-jar for the HPO benchmarks.
 */
public record Problems(String name, SearchSpace space, ToDoubleFunction<Trial> f, double optimum) {
  static final double[][] H_A = {
    {10, 3, 17, 3.5, 1.7, 8},
    {0.05, 10, 17, 0.1, 8, 14},
    {3, 3.5, 1.7, 10, 17, 8},
    {17, 8, 0.05, 10, 0.1, 14}
  };
  static final double[][] H_P = {
    {0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
    {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
    {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
    {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}
  };
  static final double[] H_ALPHA = {1.0, 1.2, 3.0, 3.2};

  public static List<Problems> all() {
    SearchSpace.Builder h6 = SearchSpace.builder();
    for (int i = 0; i < 6; i++) {
      h6.floatParam("x" + i, 0, 1);
    }
    SearchSpace.Builder rb = SearchSpace.builder();
    for (int i = 0; i < 4; i++) {
      rb.floatParam("x" + i, -2, 2);
    }
    return List.of(
        new Problems(
            "branin",
            SearchSpace.builder()
                .floatParam("x1", -5, 10)
                .floatParam("x2", 0, 15)
                .build(),
            t -> branin(t.doubleParam("x1"), t.doubleParam("x2")),
            0.397887),
        new Problems(
            "hartmann6",
            h6.build(),
            t -> {
              double[] x = new double[6];
              for (int i = 0; i < 6; i++) {
                x[i] = t.doubleParam("x" + i);
              }
              return hartmann6(x);
            },
            -3.32237),
        new Problems(
            "rosenbrock4",
            rb.build(),
            t -> {
              double s = 0;
              for (int i = 0; i < 3; i++) {
                double a = t.doubleParam("x" + i);
                double b = t.doubleParam("x" + (i + 1));
                s += 100 * Math.pow(b - a * a, 2) + Math.pow(1 - a, 2);
              }
              return s;
            },
            0),
        new Problems(
            "ackley2",
            SearchSpace.builder()
                .floatParam("x", -32.768, 32.768)
                .floatParam("y", -32.768, 32.768)
                .build(),
            t -> {
              double x = t.doubleParam("x");
              double y = t.doubleParam("y");
              return -20 * Math.exp(-0.2 * Math.sqrt(0.5 * (x * x + y * y)))
                  - Math.exp(0.5 * (Math.cos(2 * Math.PI * x) + Math.cos(2 * Math.PI * y)))
                  + Math.E
                  + 20;
            },
            0),
        new Problems(
            "mixed",
            SearchSpace.builder()
                .logFloat("lr", 1e-5, 1)
                .intParam("layers", 1, 10)
                .logInt("width", 8, 1024)
                .categorical("optimizer", "adam", "sgd", "rmsprop")
                .steppedFloat("dropout", 0, 0.5, 0.05)
                .build(),
            t -> {
              double opt = switch (t.stringParam("optimizer")) {
                case "adam" -> 0;
                case "rmsprop" -> 0.25;
                default -> 0.5;
              };
              return Math.pow(Math.log10(t.doubleParam("lr")) + 3, 2)
                  + Math.pow(t.intParam("layers") - 4, 2) / 10.0
                  + Math.pow(Math.log(t.intParam("width")) / Math.log(2) - 7, 2) / 5
                  + opt
                  + 4 * Math.pow(t.doubleParam("dropout") - 0.2, 2);
            },
            0));
  }

  static double branin(double x1, double x2) {
    double b = 5.1 / (4 * Math.PI * Math.PI);
    double c = 5 / Math.PI;
    double t = 1 / (8 * Math.PI);
    return Math.pow(x2 - b * x1 * x1 + c * x1 - 6, 2) + 10 * (1 - t) * Math.cos(x1) + 10;
  }

  static double hartmann6(double[] x) {
    double s = 0;
    for (int i = 0; i < 4; i++) {
      double e = 0;
      for (int j = 0; j < 6; j++) {
        e += H_A[i][j] * Math.pow(x[j] - H_P[i][j], 2);
      }
      s += H_ALPHA[i] * Math.exp(-e);
    }
    return -s;
  }

  /** Runs one study and returns the best value. */
  public double run(Sampler sampler, int trials) {
    double[] best = bestSoFar(sampler, trials);
    return best[trials - 1];
  }

  /** Runs one study and returns the best value after each trial. */
  public double[] bestSoFar(Sampler sampler, int trials) {
    Study s =
        Hpo.study(name).space(space).sampler(sampler).pruner(Pruners.none()).create();
    double[] best = new double[trials];
    double b = Double.POSITIVE_INFINITY;
    for (int i = 0; i < trials; i++) {
      Trial t = s.ask();
      double v = f.applyAsDouble(t);
      s.tell(t, v);
      b = Math.min(b, v);
      best[i] = b;
    }
    return best;
  }
}
