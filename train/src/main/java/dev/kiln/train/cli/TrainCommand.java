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

  @Option(names = "--epochs", defaultValue = "10", description = "Epochs (default ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--batch-size", defaultValue = "4096", description = "Global batch size (default ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--folds", defaultValue = "5", description = "Folds (default ${DEFAULT-VALUE}).")
  int folds;

  @Option(names = "--holdout", defaultValue = "4", description = "Validation fold (default ${DEFAULT-VALUE}).")
  int holdout;

  @Option(names = "--window", paramLabel = "W",
      description = "Rows per window (default 20; with --model, the model's: 1 for a model that takes rows).")
  Integer window;

  @Option(names = "--noise", defaultValue = "0.1", description = "Gaussian noise stddev (default ${DEFAULT-VALUE}).")
  double noise;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of initialization, noise and shuffling (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--backend", defaultValue = "java", description = "auto, java, pjrt:cpu, pjrt:cuda or pjrt:tpu (default ${DEFAULT-VALUE}).")
  String backend;

  @Option(names = "--plugin", description = "PJRT plugin library (overrides discovery).")
  Path plugin;

  @Option(names = "--steps-per-epoch", defaultValue = "0", description = "Steps per epoch; 0 = training rows // batch size, as the seed (default).")
  int stepsPerEpoch;

  @Option(names = "--replicas", defaultValue = "0", description = "Data-parallel replicas; 0 = one per accelerator device (default).")
  int replicas;

  @Option(names = "--bn-group", defaultValue = "0",
      description = "Batch-norm statistics over groups of this many samples in training; 0 = each replica's whole batch (default). 512 reproduces the seed's TPU replicas.")
  int bnGroup;

  @Option(names = "--skip-corrupt", description = "Skip corrupt TFRecord records (and report how many) instead of stopping.")
  boolean skipCorrupt;

  @Option(names = "--log-every", defaultValue = "0", paramLabel = "N",
      description = "Read the loss from the device every N steps (and at each epoch's end); steps in between are "
          + "enqueued without waiting. 0 = as often as the progress bar redraws (default).")
  int logEvery;

  @Option(names = "--data-on-device", defaultValue = "auto", paramLabel = "auto|always|never",
      description = "Upload the folds' decoded rows to each device once and feed steps only window start rows: auto "
          + "(when they fit in the device's free memory; default), always, never (stream batches from the host).")
  String dataOnDevice;

  @Option(names = "--model", paramLabel = "FILE.json",
      description = "Train this Keras functional model (model.to_json(), Keras 2 / tf_keras) instead of the seed's.")
  Path model;

  @Option(names = "--targets", defaultValue = "resp", paramLabel = "COL[,COL...]", description = Targets.DESCRIPTION)
  String targets;

  @Option(names = "--min-date", paramLabel = "D",
      description = "Drop rows dated before D from the training and validation folds, as they are read (before "
          + "windows are cut).")
  Integer minDate;

  @Option(names = "--drop-zero-weight",
      description = "Drop rows of weight 0 from the training and validation folds, as they are read.")
  boolean dropZeroWeight;

  @Option(names = "--sample-weight", defaultValue = "none", paramLabel = "KIND",
      description = "Weight each training sample's loss by its last row's: none (default), weight, abs-resp, "
          + "weight-abs-resp or mean-abs-targets (the mean |value| of --targets), as Keras's sample_weight; the "
          + "metrics and the validation are not weighted.")
  String sampleWeight;

  @Option(names = "--resume", description = "Continue the killed run in this output folder from its last checkpoint.")
  Path resume;

  /** The optimizer, learning-rate schedule and fit-callback flags. */
  @picocli.CommandLine.Mixin
  FitFlags fitFlags;

  @Override
  public Integer call() throws Exception {
    if (resume != null && out != null && !resume.equals(out)) {
      throw new IllegalArgumentException("--resume continues the run in its own folder; drop --out or make it the same");
    }
    Path o = resume != null ? resume : out;
    if (o == null) throw new IllegalArgumentException("--out is required (or --resume DIR)");
    if (model == null && !Targets.parse(targets).equals(java.util.List.of("resp"))) {
      throw new IllegalArgumentException("--targets needs --model: the seed's model has one output unit, for resp");
    }
    dev.kiln.ops.Model m = model == null ? null : dev.kiln.ops.keras.KerasModels.read(model);
    int w = window(m);
    // The losses before the callbacks: a monitor must be one of the model's logs (val_action_auc, ...).
    // (The seed's output does not depend on --window or --noise, which TrainOptions checks below.)
    dev.kiln.ops.Model built = m != null ? m : dev.kiln.ops.Model.seed(1, Trainer.FEATURES, 0);
    FitOptions fit = fitFlags.fitOptions(Trainer.losses(built, Targets.parse(targets), fitFlags.lossSpec())
        .logNames());
    fitFlags.notes().forEach(n -> System.err.println("kiln train: note: " + n));
    TrainOptions opts = new TrainOptions(data, o, epochs, batchSize, fit.optimization().rule().learningRate(),
        FitFlags.momentum(fit.optimization().rule()), folds, holdout, w, noise, seed, backend, plugin,
        stepsPerEpoch, replicas, bnGroup, skipCorrupt, resume != null, logEvery, dataOnDevice, model,
        Targets.parse(targets), new dev.kiln.io.pipeline.RowFilter(minDate == null ? Integer.MIN_VALUE : minDate,
        dropZeroWeight), dev.kiln.io.pipeline.SampleWeight.parse(sampleWeight));
    try {
      new Trainer(opts, fit, System.out).run();
    } catch (DivergedException e) {
      System.err.println("kiln train: " + e.getMessage());
      return 3;
    }
    return 0;
  }

  /**
   * The rows per sample: --window for the seed's model (20 if not given); for --model, the model's (1 when it takes
   * rows), and a --window that disagrees is refused in one line, before any data is read.
   */
  private int window(dev.kiln.ops.Model m) {
    if (m == null) return window == null ? 20 : window;
    int w = window == null ? m.window() : window;
    String problem = Trainer.inputProblem(m, w);
    if (problem != null) throw new IllegalArgumentException(model + ": " + problem);
    return w;
  }
}
