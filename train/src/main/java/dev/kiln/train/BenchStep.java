package dev.kiln.train;

import dev.kiln.core.Tensor;
import dev.kiln.io.pipeline.Shard;
import dev.kiln.ops.Model;
import dev.kiln.ops.train.BatchSource;
import dev.kiln.ops.train.LossSpec;
import dev.kiln.ops.train.Losses;
import dev.kiln.ops.train.Optimization;
import dev.kiln.ops.train.Optimizer;
import dev.kiln.ops.train.StatefulStep;
import dev.kiln.ops.train.StepGraphs;
import dev.kiln.train.keras.KerasCompile;
import dev.kiln.train.keras.ModelSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The training step {@code kiln bench} times: the seed's (its model, SGD with Nesterov momentum, the target resp), or
 * a Keras model trained on {@code targets} with its losses and an optimizer, built as {@code kiln train} builds it
 * (batch normalization over the replica's whole batch): a {@code model.json} with the flags' optimizer (no schedule)
 * and losses, or a compiled {@code model.save()} file with its own. A model that takes rows is fed rows.
 */
public record BenchStep(Model model, Optimization optimization, List<String> targets, Losses losses) {
  public BenchStep {
    targets = List.copyOf(targets);
  }

  /** The seed's step, as {@link SeedSteps} builds it. */
  public static BenchStep seed() {
    Model m = SeedSteps.model();
    return new BenchStep(m, Optimization.constant(SeedSteps.SGD), Shard.RESP, Losses.of(m));
  }

  /** {@code modelFile}'s step with {@code rule} and each output's default loss. */
  public static BenchStep of(Path modelFile, List<String> targets, Optimizer rule) throws IOException {
    return of(modelFile, targets, rule, LossSpec.DEFAULT, List.of());
  }

  /**
   * {@code modelFile}'s step with {@code rule} and the losses {@code spec} asks for, or a compiled model.h5's own
   * (then {@code flagsGiven}, the flags that set the optimizer or losses, are refused): its input must be [130] or
   * [W, 130], and its sigmoid outputs must have one unit per target (one clear line otherwise, as {@code kiln train}).
   */
  public static BenchStep of(Path modelFile, List<String> targets, Optimizer rule, LossSpec spec,
      List<String> flagsGiven) throws IOException {
    ModelSource source = ModelSource.read(modelFile, spec.fromLogits());
    Model m = source.model();
    Optimization opt = Optimization.of(rule, null);
    KerasCompile compiled = source.compile();
    if (compiled != null) {
      if (!flagsGiven.isEmpty()) throw ModelSource.setByTheFile(flagsGiven);
      opt = compiled.optimization();
      spec = compiled.spec();
    }
    String problem = Trainer.inputProblem(m, m.window());
    if (problem == null && m.outputs().size() == 1) problem = Trainer.targetsProblem(m, targets);
    if (problem != null) throw new IllegalArgumentException(modelFile + ": " + problem);
    return new BenchStep(m, opt, targets, Trainer.losses(m, targets, spec));
  }

  /** Rows per sample: 1 for a model that takes rows. */
  public int window() {
    return model.window();
  }

  /** The training step for {@code localBatch} samples per replica, its batch from {@code source}. */
  StatefulStep training(int localBatch, int replicas, BatchSource source) {
    return StepGraphs.training(model, localBatch, replicas, optimization, SeedSteps.SEED, 0, source, false, losses);
  }

  /** Keras's initial values from the seed of the steps' draws, zero optimizer slots and counters. */
  Map<String, Tensor> initialState() {
    return StepGraphs.initialState(model, optimization, SeedSteps.SEED, Map.of(), losses);
  }
}
