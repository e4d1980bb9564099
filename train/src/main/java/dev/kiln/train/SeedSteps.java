package dev.kiln.train;

import dev.kiln.ops.Model;
import dev.kiln.ops.train.Sgd;
import dev.kiln.ops.train.StatefulStep;
import dev.kiln.ops.train.StepGraphs;

/**
 * The seed's model and its training and evaluation steps as {@code bench}, {@code check --topology/--target} and
 * {@code compile} build them: one definition, so a program compiled by one command is the program another runs.
 */
public final class SeedSteps {
  private SeedSteps() {}

  /** The seed notebook's optimizer: SGD, learning rate 0.2, Nesterov momentum 0.9. */
  public static final Sgd SGD = new Sgd(0.2, 0.9, true);
  /** The seed of the steps' random draws. */
  public static final long SEED = 42;

  public static Model model() {
    return Model.seed(20, Trainer.FEATURES, 0.1);
  }

  public static StatefulStep training(Model model, int localBatch, int replicas) {
    return StepGraphs.training(model, localBatch, replicas, SGD, SEED);
  }

  public static StatefulStep evaluation(Model model, int localBatch, int replicas) {
    return StepGraphs.evaluation(model, localBatch, replicas);
  }
}
