package dev.kiln.train.cli;

import dev.kiln.train.Predictor;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kiln predict}: probabilities of a saved model for every window of a fold, as CSV. */
@Command(name = "predict", mixinStandardHelpOptions = true,
    description = "Write inference-mode predictions for every window of a fold (validation order) to CSV.")
public final class PredictCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin
  GpuFlags gpu;

  @Option(names = "--model", required = true, description = "Folder with model.json and model.safetensors.")
  Path model;

  @Option(names = "--data", required = true, description = "Dataset folder.")
  Path data;

  @Option(names = "--fold", defaultValue = "4", description = "Fold to predict (default ${DEFAULT-VALUE}).")
  int fold;

  @Option(names = "--out", required = true, description = "CSV file to write (ts_id,date,label,probability).")
  Path out;

  @Option(names = "--backend", defaultValue = "java", description = "Backend (default ${DEFAULT-VALUE}).")
  String backend;

  @Option(names = "--plugin", description = "PJRT plugin library (overrides discovery).")
  Path plugin;

  @Option(names = "--batch-size", defaultValue = "4096", description = "Windows per batch (default ${DEFAULT-VALUE}).")
  int batchSize;

  @Override
  public Integer call() throws Exception {
    Predictor.run(model, data, fold, out, backend, plugin, batchSize, System.out);
    return 0;
  }
}
