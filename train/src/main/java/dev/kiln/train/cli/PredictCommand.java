package dev.kiln.train.cli;

import dev.kiln.train.Predictor;
import java.nio.file.Files;
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

  @Option(names = "--out", required = true, description = "CSV file to write (ts_id,date,label,probability; with k targets label_0..k-1, "
      + "probability_0..k-1; a model with several outputs: NAME_probability_0..k-1 for each sigmoid output, in order).")
  Path out;

  @Option(names = "--backend", defaultValue = "java", description = "Backend (default ${DEFAULT-VALUE}).")
  String backend;

  @Option(names = "--plugin", description = "PJRT plugin library (overrides discovery).")
  Path plugin;

  @Option(names = "--batch-size", defaultValue = "4096", description = "Windows per batch (default ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--targets", defaultValue = "resp", paramLabel = "COL[,COL...]",
      description = "The columns the model was trained on (train's --targets), one per output unit (default resp).")
  String targets;

  @Option(names = "--force", description = "Write --out even inside the model or data folder.")
  boolean force;

  @Override
  public Integer call() throws Exception {
    OptionChecks.atLeast("--batch-size", batchSize, 1);
    OptionChecks.atLeast("--fold", fold, 0);
    checkOut();
    Predictor.run(model, data, fold, out, backend, plugin, batchSize, Targets.parse(targets), System.out);
    return 0;
  }

  /**
   * Refuses an {@code --out} that cannot be written as a file, or (unless {@code --force}) lies inside the model or
   * data folder, where it could replace the very files predict reads ({@code model.safetensors}, a fold's records).
   */
  private void checkOut() throws java.io.IOException {
    if (Files.isDirectory(out)) throw new IllegalArgumentException("--out " + out + " is a folder, not a file");
    Path parent = out.toAbsolutePath().normalize().getParent();
    if (Files.exists(parent) && !Files.isDirectory(parent)) {
      throw new IllegalArgumentException("--out " + out + ": " + parent + " is a file, not a folder");
    }
    if (force) return;
    Path where = realPath(out.toAbsolutePath().normalize());
    for (Path inside : new Path[] {model, data}) {
      Path folder = realPath(inside.toAbsolutePath().normalize());
      if (where.startsWith(folder)) {
        throw new IllegalArgumentException("--out " + out + " is inside " + (inside == model ? "the model" : "the data")
            + " folder " + inside + ", whose files it could replace; write elsewhere, or pass --force");
      }
    }
  }

  /** The path with symbolic links resolved as far as it exists (the rest, not yet created, appended as given). */
  private static Path realPath(Path p) throws java.io.IOException {
    Path existing = p;
    while (existing != null && !Files.exists(existing)) existing = existing.getParent();
    if (existing == null) return p;
    return existing.toRealPath().resolve(existing.relativize(p));
  }
}
