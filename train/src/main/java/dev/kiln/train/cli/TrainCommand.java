package dev.kiln.train.cli;

import dev.kiln.train.loop.DivergedException;
import dev.kiln.train.FitOptions;
import dev.kiln.train.TrainOptions;
import dev.kiln.train.Trainer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kiln train}: the seed notebook's training run, with its settings as defaults. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Train the seed's model on a dataset folder and write history, metrics, plots and the model.")
public final class TrainCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin
  GpuFlags gpu;

  @Option(names = "--data", required = true, description = "Dataset folder (columns.json, stats.json, fold*/).")
  Path data;

  @Option(names = "--out", description = "Output folder (reports, model, checkpoint); required unless --resume.")
  Path out;

  @Option(names = "--folds", defaultValue = "5", description = "Folds (default ${DEFAULT-VALUE}).")
  int folds;

  @Option(names = "--holdout", defaultValue = "4", description = "Validation fold (default ${DEFAULT-VALUE}).")
  int holdout;

  /** The model, batch, backend, rows and targets. */
  @picocli.CommandLine.Mixin
  RunFlags run;

  @Option(names = "--resume", description = "Continue the killed run in this output folder from its last checkpoint.")
  Path resume;

  /** The optimizer, learning-rate schedule and fit-callback flags. */
  @picocli.CommandLine.Mixin
  FitFlags fitFlags;

  @Option(names = "--executables", paramLabel = "DIR", description = "Load the training and evaluation steps from "
      + "this folder (kiln compile train with the same flags) instead of compiling them; a PJRT backend of the plugin "
      + "and device they were compiled for. A step it lacks is refused.")
  Path executables;

  @Override
  public Integer call() throws Exception {
    if (resume != null && out != null && !resume.equals(out)) {
      throw new IllegalArgumentException("--resume continues the run in its own folder; drop --out or make it the same");
    }
    Path o = resume != null ? resume : out;
    if (o == null) throw new IllegalArgumentException("--out is required (or --resume DIR)");
    FitOptions fit = run.fit(fitFlags);
    TrainOptions opts = run.options(data, o, folds, holdout, resume != null, fit);
    fitFlags.notes().forEach(n -> System.err.println("kiln train: note: " + n));
    try {
      new Trainer(opts, fit, System.out).executables(executables).run();
    } catch (DivergedException e) {
      System.err.println("kiln train: " + e.getMessage());
      return 3;
    }
    return 0;
  }
}
