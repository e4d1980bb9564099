package dev.kiln.train.cli;

import dev.kiln.ops.Model;
import dev.kiln.train.Trainer;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kiln summary}: the seed model's Keras-like summary. */
@Command(name = "summary", mixinStandardHelpOptions = true, description = "Print the seed model's (or a Keras model.json's) summary.")
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
    System.out.print((model == null ? Model.seed(window, Trainer.FEATURES, noise)
        : dev.kiln.train.keras.ModelSource.read(model)).summary());
    return 0;
  }
}
