package dev.kiln.train;

import dev.kiln.core.Tensor;
import dev.kiln.io.pipeline.Shard;
import dev.kiln.ops.Model;
import dev.kiln.ops.keras.KerasModels;
import dev.kiln.ops.train.BatchSource;
import dev.kiln.ops.train.Optimization;
import dev.kiln.ops.train.Optimizer;
import dev.kiln.ops.train.StatefulStep;
import dev.kiln.ops.train.StepGraphs;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The training step {@code kiln bench} times: the seed's (its model, SGD with Nesterov momentum, the target resp), or
 * a Keras {@code model.json} trained on {@code targets} with an optimizer, built as {@code kiln train} builds it (no
 * learning-rate schedule, batch normalization over the replica's whole batch). A model that takes rows is fed rows.
 */
public record BenchStep(Model model, Optimization optimization, List<String> targets) {
  public BenchStep {
    targets = List.copyOf(targets);
  }

  /** The seed's step, as {@link SeedSteps} builds it. */
  public static BenchStep seed() {
    return new BenchStep(SeedSteps.model(), Optimization.constant(SeedSteps.SGD), Shard.RESP);
  }

  /**
   * {@code modelFile}'s step with {@code rule}: its input must be [130] or [W, 130], and its output must have one
   * sigmoid unit per target (one clear line otherwise, as {@code kiln train}).
   */
  public static BenchStep of(Path modelFile, List<String> targets, Optimizer rule) throws IOException {
    Model m = KerasModels.read(modelFile);
    String problem = Trainer.inputProblem(m, m.window());
    if (problem == null) problem = Trainer.targetsProblem(m, targets);
    if (problem != null) throw new IllegalArgumentException(modelFile + ": " + problem);
    return new BenchStep(m, Optimization.of(rule, null), targets);
  }

  /** Rows per sample: 1 for a model that takes rows. */
  public int window() {
    return model.window();
  }

  /** The training step for {@code localBatch} samples per replica, its batch from {@code source}. */
  StatefulStep training(int localBatch, int replicas, BatchSource source) {
    return StepGraphs.training(model, localBatch, replicas, optimization, SeedSteps.SEED, 0, source);
  }

  /** Keras's initial values from the seed of the steps' draws, zero optimizer slots and counters. */
  Map<String, Tensor> initialState() {
    return StepGraphs.initialState(model, optimization, SeedSteps.SEED, Map.of());
  }
}
