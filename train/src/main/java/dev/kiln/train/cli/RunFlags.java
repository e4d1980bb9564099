package dev.kiln.train.cli;

import dev.kiln.train.FitOptions;
import dev.kiln.train.TrainOptions;
import dev.kiln.train.Trainer;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The flags of a training run besides its data, output, folds and fit (optimizer and callbacks): the model, batch,
 * backend, rows and targets. Mixed into {@code kiln train} and {@code kiln cv}, which train the same way.
 */
public final class RunFlags {
  @Option(names = "--epochs", defaultValue = "10", description = "Epochs (default ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--batch-size", defaultValue = "4096", description = "Global batch size (default ${DEFAULT-VALUE}).")
  int batchSize;

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

  /** --model as read, once (and, for a model.h5 file, the file with its weights and compile settings). */
  private dev.kiln.train.keras.ModelSource read;
  /** The model.json outputs --from-logits names (a model.h5 names its own). */
  private java.util.Set<String> logits = java.util.Set.of();

  /**
   * The fit {@code flags} ask for, checked against the model's outputs and logs (a monitor must be one of its logs:
   * val_action_auc, ...), before any data is read; --targets without --model is refused in one line.
   */
  FitOptions fit(FitFlags flags) throws java.io.IOException {
    checkTargets();
    logits = flags.lossSpec().fromLogits();
    if (!logits.isEmpty() && model == null) {
      throw new IllegalArgumentException("--from-logits needs --model: the seed's output is a sigmoid");
    }
    // The seed's outputs do not depend on --window or --noise, which TrainOptions checks.
    dev.kiln.ops.Model built = model != null ? model() : dev.kiln.ops.Model.seed(1, Trainer.FEATURES, 0);
    dev.kiln.train.keras.KerasCompile compiled = model != null ? read.compile() : null;
    if (compiled != null) {
      dev.kiln.ops.train.LossSpec spec = compiled.spec();
      return flags.fitOptions(Trainer.losses(built, Targets.parse(targets), spec).logNames(),
          compiled.optimization(), spec);
    }
    return flags.fitOptions(Trainer.losses(built, Targets.parse(targets), flags.lossSpec()).logNames());
  }

  /**
   * The options of a run on {@code data} into {@code out}; --targets without --model, and a --window the model
   * disagrees with, are refused in one line before any data is read.
   */
  TrainOptions options(Path data, Path out, int folds, int holdout, boolean resume, FitOptions fit)
      throws java.io.IOException {
    checkTargets();
    return new TrainOptions(data, out, epochs, batchSize, fit.optimization().rule().learningRate(),
        FitFlags.momentum(fit.optimization().rule()), folds, holdout, window(), noise, seed, backend, plugin,
        stepsPerEpoch, replicas, bnGroup, skipCorrupt, resume, logEvery, dataOnDevice, model,
        Targets.parse(targets), rowFilter(), dev.kiln.io.pipeline.SampleWeight.parse(sampleWeight));
  }

  private void checkTargets() {
    if (model == null && !Targets.parse(targets).equals(java.util.List.of("resp"))) {
      throw new IllegalArgumentException("--targets needs --model: the seed's model has one output unit, for resp");
    }
  }

  /** --model's architecture. */
  private dev.kiln.ops.Model model() throws java.io.IOException {
    if (read == null) read = dev.kiln.train.keras.ModelSource.read(model, logits);
    return read.model();
  }

  /** The rows --min-date and --drop-zero-weight keep. */
  dev.kiln.io.pipeline.RowFilter rowFilter() {
    return new dev.kiln.io.pipeline.RowFilter(minDate == null ? Integer.MIN_VALUE : minDate, dropZeroWeight);
  }

  /** Whether --skip-corrupt was given. */
  boolean skipCorrupt() {
    return skipCorrupt;
  }

  /**
   * The rows per sample: --window for the seed's model (20 if not given); for --model, the model's (1 when it takes
   * rows), and a --window that disagrees is refused in one line, before any data is read.
   */
  private int window() throws java.io.IOException {
    if (model == null) return window == null ? 20 : window;
    dev.kiln.ops.Model m = model();
    int w = window == null ? m.window() : window;
    String problem = Trainer.inputProblem(m, w);
    if (problem != null) throw new IllegalArgumentException(model + ": " + problem);
    return w;
  }
}
