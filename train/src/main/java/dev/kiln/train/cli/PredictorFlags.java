package dev.kiln.train.cli;

import dev.kiln.train.stream.StreamPredictor;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The flags {@code kiln stream} and {@code kiln serve} share: the run to load and how rows are answered. */
public final class PredictorFlags {
  @Option(names = "--model", required = true, description = "Run folder with model.json and model.safetensors.")
  Path model;

  @Option(names = "--nan-fill", description = "Value for missing features (default: the one the run's training data "
      + "was filled with, as kiln convert or synth recorded it; -100 if none was recorded).")
  Float nanFill;

  @Option(names = "--skip-zero-weight", description = "Answer weight-0 rows with action 0 without calling the model.")
  boolean skipZeroWeight;

  @Option(names = "--engine", defaultValue = "plan", description = "plan: the model folded and packed for one row "
      + "(default); graph: its evaluation graph at batch 1, the reference the plan is checked against.")
  String engine;

  @Option(names = "--action-output", paramLabel = "NAME", description = "With several outputs: the sigmoid output "
      + "answered (default: the run's action output, as its metrics.json records; else the last sigmoid output).")
  String actionOutput;

  /** Opens the run's predictor on the Java backend. */
  StreamPredictor open() throws java.io.IOException {
    return StreamPredictor.open(model, new StreamPredictor.Options(nanFill, skipZeroWeight, engine, actionOutput));
  }
}
