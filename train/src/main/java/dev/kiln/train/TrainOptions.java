package dev.kiln.train;

import java.nio.file.Path;

/**
 * Everything a training run is configured by; the defaults are the seed notebook's settings (the global batch of
 * 4096 is its 512 × 8 TPU replicas).
 *
 * @param stepsPerEpoch steps per epoch, or 0 for the seed's rule: training rows // batch size
 * @param replicas data-parallel replicas, or 0 for one per device of an accelerator (1 on CPU backends)
 * @param batchNormGroup samples per batch-normalization group in training, 0 for each replica's whole batch (512
 *     reproduces the seed's TPU, where each replica normalized over its own 512)
 * @param resume continue from the checkpoint in {@code out} (otherwise {@code out} must not hold one)
 * @param logEvery read the loss back from the device every this many steps (and at each epoch's end); 0 = as
 *     often as the progress bar redraws. Steps in between are enqueued without waiting.
 * @param dataOnDevice "auto" (upload the folds' rows to each device when they fit, else stream batches), "always"
 *     or "never"
 * @param modelFile a Keras {@code model.json} to train instead of the seed's model, or null
 * @param targets the columns each sample is labelled by, one per output unit (the seed's: resp)
 * @param rowFilter the rows of the training and validation folds kept (the seed's: all)
 * @param sampleWeight how each training sample's loss is weighted (the seed's: not at all)
 * @param dates the dates to train and validate on, read from every fold (a cross-validation split), or null for
 *     the folds {@code folds} and {@code holdout} pick
 */
public record TrainOptions(Path data, Path out, int epochs, int batchSize, double learningRate, double momentum,
    int folds, int holdout, int window, double noise, long seed, String backend, Path plugin, int stepsPerEpoch,
    int replicas, int batchNormGroup, boolean skipCorrupt, boolean resume, int logEvery, String dataOnDevice,
    Path modelFile, java.util.List<String> targets, dev.kiln.io.pipeline.RowFilter rowFilter,
    dev.kiln.io.pipeline.SampleWeight sampleWeight, DateSplit dates) {

  /** The options of a run on the folds {@code folds} and {@code holdout} pick. */
  public TrainOptions(Path data, Path out, int epochs, int batchSize, double learningRate, double momentum, int folds,
      int holdout, int window, double noise, long seed, String backend, Path plugin, int stepsPerEpoch, int replicas,
      int batchNormGroup, boolean skipCorrupt, boolean resume, int logEvery, String dataOnDevice, Path modelFile,
      java.util.List<String> targets, dev.kiln.io.pipeline.RowFilter rowFilter,
      dev.kiln.io.pipeline.SampleWeight sampleWeight) {
    this(data, out, epochs, batchSize, learningRate, momentum, folds, holdout, window, noise, seed, backend, plugin,
        stepsPerEpoch, replicas, batchNormGroup, skipCorrupt, resume, logEvery, dataOnDevice, modelFile, targets,
        rowFilter, sampleWeight, null);
  }

  /** These options for the run of {@code split} in {@code dir}, continuing it when {@code resume}. */
  public TrainOptions forSplit(Path dir, DateSplit split, boolean resume) {
    return new TrainOptions(data, dir, epochs, batchSize, learningRate, momentum, folds, holdout, window, noise, seed,
        backend, plugin, stepsPerEpoch, replicas, batchNormGroup, skipCorrupt, resume, logEvery, dataOnDevice,
        modelFile, targets, rowFilter, sampleWeight, split);
  }

  /** The options with samples unweighted. */
  public TrainOptions(Path data, Path out, int epochs, int batchSize, double learningRate, double momentum, int folds,
      int holdout, int window, double noise, long seed, String backend, Path plugin, int stepsPerEpoch, int replicas,
      int batchNormGroup, boolean skipCorrupt, boolean resume, int logEvery, String dataOnDevice, Path modelFile,
      java.util.List<String> targets, dev.kiln.io.pipeline.RowFilter rowFilter) {
    this(data, out, epochs, batchSize, learningRate, momentum, folds, holdout, window, noise, seed, backend, plugin,
        stepsPerEpoch, replicas, batchNormGroup, skipCorrupt, resume, logEvery, dataOnDevice, modelFile, targets,
        rowFilter, dev.kiln.io.pipeline.SampleWeight.NONE);
  }

  /** The options with every row kept. */
  public TrainOptions(Path data, Path out, int epochs, int batchSize, double learningRate, double momentum, int folds,
      int holdout, int window, double noise, long seed, String backend, Path plugin, int stepsPerEpoch, int replicas,
      int batchNormGroup, boolean skipCorrupt, boolean resume, int logEvery, String dataOnDevice, Path modelFile,
      java.util.List<String> targets) {
    this(data, out, epochs, batchSize, learningRate, momentum, folds, holdout, window, noise, seed, backend, plugin,
        stepsPerEpoch, replicas, batchNormGroup, skipCorrupt, resume, logEvery, dataOnDevice, modelFile, targets,
        dev.kiln.io.pipeline.RowFilter.ALL);
  }

  /** The options with the seed's target, resp. */
  public TrainOptions(Path data, Path out, int epochs, int batchSize, double learningRate, double momentum, int folds,
      int holdout, int window, double noise, long seed, String backend, Path plugin, int stepsPerEpoch, int replicas,
      int batchNormGroup, boolean skipCorrupt, boolean resume, int logEvery, String dataOnDevice, Path modelFile) {
    this(data, out, epochs, batchSize, learningRate, momentum, folds, holdout, window, noise, seed, backend, plugin,
        stepsPerEpoch, replicas, batchNormGroup, skipCorrupt, resume, logEvery, dataOnDevice, modelFile,
        dev.kiln.io.pipeline.Shard.RESP);
  }

  /** The options with the loss read as often as the progress bar redraws. */
  public TrainOptions(Path data, Path out, int epochs, int batchSize, double learningRate, double momentum, int folds,
      int holdout, int window, double noise, long seed, String backend, Path plugin, int stepsPerEpoch, int replicas,
      int batchNormGroup, boolean skipCorrupt, boolean resume) {
    this(data, out, epochs, batchSize, learningRate, momentum, folds, holdout, window, noise, seed, backend, plugin,
        stepsPerEpoch, replicas, batchNormGroup, skipCorrupt, resume, 0, "auto", null);
  }

  /** The options with the seed's model. */
  public TrainOptions(Path data, Path out, int epochs, int batchSize, double learningRate, double momentum, int folds,
      int holdout, int window, double noise, long seed, String backend, Path plugin, int stepsPerEpoch, int replicas,
      int batchNormGroup, boolean skipCorrupt, boolean resume, int logEvery, String dataOnDevice) {
    this(data, out, epochs, batchSize, learningRate, momentum, folds, holdout, window, noise, seed, backend, plugin,
        stepsPerEpoch, replicas, batchNormGroup, skipCorrupt, resume, logEvery, dataOnDevice, null);
  }

  public TrainOptions {
    if (!Double.isFinite(learningRate) || !Double.isFinite(momentum) || !Double.isFinite(noise)) {
      throw new IllegalArgumentException("--lr, --momentum and --noise must be finite numbers, got " + learningRate
          + ", " + momentum + " and " + noise);
    }
    if (epochs < 1) throw new IllegalArgumentException("--epochs must be at least 1, got " + epochs);
    if (batchSize < 1) throw new IllegalArgumentException("--batch-size must be at least 1, got " + batchSize);
    if (!(learningRate > 0)) throw new IllegalArgumentException("--lr must be positive, got " + learningRate);
    if (momentum < 0 || momentum >= 1) throw new IllegalArgumentException("--momentum must be in [0, 1), got " + momentum);
    if (folds < 2) throw new IllegalArgumentException("--folds must be at least 2, got " + folds);
    if (holdout < 0 || holdout >= folds) {
      throw new IllegalArgumentException("--holdout must be in [0, " + (folds - 1) + "], got " + holdout);
    }
    if (window < 1) throw new IllegalArgumentException("--window must be at least 1, got " + window);
    if (noise < 0) throw new IllegalArgumentException("--noise must be >= 0, got " + noise);
    if (stepsPerEpoch < 0) throw new IllegalArgumentException("--steps-per-epoch must be >= 0, got " + stepsPerEpoch);
    if (replicas < 0) throw new IllegalArgumentException("--replicas must be >= 0, got " + replicas);
    if (batchNormGroup < 0) throw new IllegalArgumentException("--bn-group must be >= 0, got " + batchNormGroup);
    if (logEvery < 0) throw new IllegalArgumentException("--log-every must be >= 0, got " + logEvery);
    targets = java.util.List.copyOf(targets);
    if (targets.isEmpty()) throw new IllegalArgumentException("--targets must name at least one column");
    if (new java.util.HashSet<>(targets).size() != targets.size()) {
      throw new IllegalArgumentException("--targets names a column twice: " + String.join(",", targets));
    }
    if (!java.util.List.of("auto", "always", "never").contains(dataOnDevice)) {
      throw new IllegalArgumentException("--data-on-device must be auto, always or never, got " + dataOnDevice);
    }
  }
}
