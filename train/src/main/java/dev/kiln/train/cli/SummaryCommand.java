package dev.kiln.train.cli;

import dev.kiln.ops.Model;
import dev.kiln.train.Trainer;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kiln summary}: the seed model's Keras-like summary. */
@Command(name = "summary", mixinStandardHelpOptions = true, description = "Print the seed model's summary.")
public final class SummaryCommand implements Callable<Integer> {
  @Option(names = "--window", defaultValue = "20", description = "Rows per window (default ${DEFAULT-VALUE}).")
  int window;

  @Option(names = "--noise", defaultValue = "0.1", description = "Gaussian noise stddev (default ${DEFAULT-VALUE}).")
  double noise;

  @Override
  public Integer call() {
    System.out.print(Model.seed(window, Trainer.FEATURES, noise).summary());
    return 0;
  }
}
