package io.nemospawn.demo.internal;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * One training run of the demo model: hyperparameters in, an epoch loop that reports the
 * validation loss after every epoch and stops when told to. Not thread-safe.
 */
public final class Training {
  /** Epochs of a full (unpruned) trial. */
  public static final int EPOCHS = 12;

  /** What is tuned. */
  public record Hyper(double lr, int hidden, double weightDecay, int batchSize) {
    /** Validates. */
    public Hyper {
      if (!(lr > 0) || hidden < 1 || weightDecay < 0 || batchSize < 1) {
        throw new IllegalArgumentException("Bad hyperparameters lr=" + lr + " hidden=" + hidden
            + " weight_decay=" + weightDecay + " batch_size=" + batchSize);
      }
    }
  }

  /** Receives the validation loss after each epoch; returns true to stop (prune). */
  @FunctionalInterface
  public interface EpochListener {
    boolean afterEpoch(int epoch, double valLoss);
  }

  /**
   * The outcome of a run.
   *
   * @param model the trained network
   * @param epochs epochs run
   * @param valLoss the validation loss after the last epoch
   * @param stopped whether the listener stopped it early
   */
  public record Result(Mlp model, int epochs, double valLoss, boolean stopped) {}

  private Training() {}

  /** Trains a model on {@code train}, scoring it on {@code validation} after every epoch. */
  public static Result run(
      Hyper hp, Dataset train, Dataset validation, int epochs, long seed, EpochListener listener) {
    Objects.requireNonNull(listener, "listener");
    Mlp m = Mlp.init(train.dims(), hp.hidden(), train.classes(), seed);
    SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
    double loss = Double.NaN;
    for (int e = 1; e <= epochs; e++) {
      m.trainEpoch(train, hp.lr(), hp.weightDecay(), hp.batchSize(), r);
      loss = m.loss(validation);
      if (listener.afterEpoch(e, loss)) {
        return new Result(m, e, loss, true);
      }
    }
    return new Result(m, epochs, loss, false);
  }
}
