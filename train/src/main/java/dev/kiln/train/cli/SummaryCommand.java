package dev.kiln.train.cli;

import dev.kiln.ops.Model;
import dev.kiln.train.Trainer;
import dev.kiln.train.keras.KerasCompile;
import dev.kiln.train.keras.KerasOptimizerState;
import dev.kiln.train.keras.KerasSavedModel;
import dev.kiln.train.keras.ModelSource;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kiln summary}: the seed model's (or a Keras model's) Keras-like summary. */
@Command(name = "summary", mixinStandardHelpOptions = true, description = "Print the seed model's (or a Keras "
    + "model's) summary; of a model.save() .h5 file, also the compile settings and optimizer state kiln train takes.")
public final class SummaryCommand implements Callable<Integer> {
  @Option(names = "--window", defaultValue = "20", description = "Rows per window (default ${DEFAULT-VALUE}).")
  int window;

  @Option(names = "--noise", defaultValue = "0.1", description = "Gaussian noise stddev (default ${DEFAULT-VALUE}).")
  double noise;

  @Option(names = "--model", paramLabel = "FILE", description = "A Keras model.json or model.save() .h5 file instead of the seed's model.")
  java.nio.file.Path model;

  @Override
  public Integer call() throws java.io.IOException {
    OptionChecks.atLeast("--window", window, 1);
    if (!(noise >= 0)) throw new IllegalArgumentException("--noise must be >= 0, got " + noise);
    if (model == null) {
      System.out.print(Model.seed(window, Trainer.FEATURES, noise).summary());
      return 0;
    }
    ModelSource source = ModelSource.read(model, java.util.Set.of());
    System.out.print(source.model().summary());
    if (source.saved() != null) System.out.println(compileSettings(source.saved()));
    return 0;
  }

  /** What kiln train takes from a model.h5's compile settings and optimizer state, or why it would refuse them. */
  static String compileSettings(KerasSavedModel saved) {
    if (saved.trainingConfig() == null) {
      return "Compile settings: none (saved uncompiled; kiln train takes the optimizer and losses from its flags)";
    }
    KerasCompile c;
    try {
      c = saved.compile(saved.model().outputNames());
    } catch (IllegalArgumentException e) {
      return "Compile settings: kiln train refuses them: " + e.getMessage();
    }
    KerasOptimizerState state = saved.optimizer();
    java.util.Map<String, Object> opt = new java.util.LinkedHashMap<>(c.optimization().describe());
    Object kind = opt.remove("optimizer");
    return "Compile settings: " + kind + " " + opt + "; losses " + c.spec().describe()
        + "\nOptimizer state: " + (state.fresh() ? "none (the optimizer starts afresh)"
        : "after " + state.iterations() + " steps (kiln train goes on from its slots and step count)");
  }
}
