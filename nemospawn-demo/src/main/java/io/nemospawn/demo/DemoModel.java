package io.nemospawn.demo;

import io.nemospawn.demo.internal.Dataset;
import io.nemospawn.demo.internal.Mlp;
import java.util.SplittableRandom;

/**
 * The demo trainer's unit of work, for measuring it (the JMH benchmarks) without reaching into
 * the demo's internals: the spiral data set's training split (2,400 rows, seeded) and an MLP with
 * one hidden layer, trained one epoch at a time with momentum SGD, as the demo's trainer does.
 * Not thread-safe.
 *
 * <pre>{@code
 * DemoModel m = DemoModel.create(64, 1);
 * m.trainEpoch(0.1, 1e-5, 32);
 * double loss = m.trainLoss();
 * }</pre>
 *
 * @since 0.1
 */
public final class DemoModel {
  private final Dataset train;
  private final Mlp model;
  private final SplittableRandom random;

  private DemoModel(Dataset train, Mlp model, SplittableRandom random) {
    this.train = train;
    this.model = model;
    this.random = random;
  }

  /**
   * Generates the data set and initialises the model.
   *
   * @param hidden units of the hidden layer, at least 1
   * @param seed seeds the data, the weights and the batch order
   * @throws IllegalArgumentException naming a hidden size below 1
   */
  public static DemoModel create(int hidden, long seed) {
    if (hidden < 1) {
      throw new IllegalArgumentException(
          "Invalid hidden size " + hidden + " for the demo model; use 1 or more units");
    }
    Dataset train = Dataset.generate(seed).train();
    return new DemoModel(
        train, Mlp.init(Dataset.DIMS, hidden, Dataset.CLASSES, seed), new SplittableRandom(seed));
  }

  /** Trains one epoch: shuffled mini-batches of {@code batch} rows. */
  public void trainEpoch(double learningRate, double weightDecay, int batch) {
    model.trainEpoch(train, learningRate, weightDecay, batch, random);
  }

  /** Returns the cross-entropy loss on the training split. */
  public double trainLoss() {
    return model.loss(train);
  }

  /** Returns the number of training rows. */
  public int rows() {
    return train.size();
  }

  /** Returns the hidden layer's size. */
  public int hidden() {
    return model.hidden();
  }
}
