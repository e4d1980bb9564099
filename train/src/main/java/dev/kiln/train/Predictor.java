package dev.kiln.train;

import dev.kiln.tpu.Backends;
import dev.kiln.core.backend.Backend;
import dev.kiln.io.AtomicFiles;
import dev.kiln.io.pipeline.Batch;
import dev.kiln.io.pipeline.BatchStream;
import dev.kiln.io.pipeline.WindowedDataset;
import dev.kiln.io.tfrecord.TFRecordReader;
import dev.kiln.ops.metrics.Metrics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import dev.kiln.io.pipeline.Shard;
import dev.kiln.io.pipeline.WindowIndex;
import dev.kiln.ops.train.LossSpec;
import dev.kiln.ops.train.Losses;
import dev.kiln.ops.train.StepGraphs;
import dev.kiln.train.loop.DeviceRunner;
import dev.kiln.train.loop.Evaluator;
import java.util.List;
import java.util.Map;

/**
 * {@code kiln predict}: inference-mode probabilities for every window of a fold, in the validation order, written
 * as CSV (ts_id and date of the window's last row, then its label and probability, or with k targets its k labels
 * and k probabilities).
 */
public final class Predictor {
  private Predictor() {}

  /** Writes the predictions of a model trained on resp and returns the fold's metrics. */
  public static Metrics.Values run(Path modelDir, Path data, int fold, Path csv, String backendName, Path plugin,
      int batchSize, PrintStream log) throws IOException {
    return run(modelDir, data, fold, csv, backendName, plugin, batchSize, Shard.RESP, log);
  }

  /** As above, for a model trained on {@code targets} (one per output unit). */
  public static Metrics.Values run(Path modelDir, Path data, int fold, Path csv, String backendName, Path plugin,
      int batchSize, List<String> targets, PrintStream log) throws IOException {
    ModelFiles.Loaded m = ModelFiles.read(modelDir);
    Losses losses;
    if (m.model().outputs().size() == 1) {
      String problem = Trainer.targetsProblem(m.model(), targets);
      if (problem != null) throw new IllegalArgumentException(modelDir + ": " + problem + " (predict's --targets)");
      losses = Losses.of(m.model());
    } else {
      losses = losses(m.model(), targets, modelDir);
    }
    // The backend (and its plugin) before the data, so a missing plugin fails at once.
    try (Backend backend = Backends.open(backendName, plugin, Map.of())) {
      WindowedDataset ds = WindowedDataset.load(data, List.of(fold), m.window(), TFRecordReader.Options.DEFAULT,
          targets);
      if (ds.windowCount() == 0) throw new IllegalArgumentException("fold " + fold + " of " + data + " has no windows");
      return predict(backend, m, ds, batchSize, csv, log, losses);
    }
  }

  /**
   * The losses predict's metrics use on a model with several outputs: binary cross-entropy of each sigmoid output
   * (no label smoothing), the mean squared error of each linear one against the input; the action is the last sigmoid
   * output.
   */
  private static Losses losses(dev.kiln.ops.Model model, List<String> targets, Path modelDir) {
    Map<String, Losses.Kind> kinds = new java.util.LinkedHashMap<>();
    for (dev.kiln.ops.Model.Node o : model.outputs()) {
      if (!dev.kiln.ops.keras.KerasModels.isSigmoid(o)) kinds.put(o.layer().name(), Losses.Kind.MSE);
    }
    try {
      return Losses.of(model, new LossSpec(kinds, Map.of(), 0, null), targets.size(), Trainer.FEATURES);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(modelDir + ": " + e.getMessage() + " (predict's --targets)", e);
    }
  }

  private static Metrics.Values predict(Backend backend, ModelFiles.Loaded m, WindowedDataset ds, int batchSize,
      Path csv, PrintStream log, Losses losses) throws IOException {
    try (DeviceRunner runner = new DeviceRunner(backend, 1)) {
      runner.put(m.variables());
      Evaluator.Result r = new Evaluator(runner, StepGraphs.evaluation(m.model(), batchSize, 1,
          new dev.kiln.ops.train.BatchSource.Fed(), losses), batchSize, losses).run(ds);
      int k = ds.targets();
      // One output: its probabilities; several: every sigmoid output's, in the model's order.
      List<float[]> columns = r.outputs().isEmpty() ? List.of(r.probabilities()) : List.copyOf(r.outputs().values());
      StringBuilder text = new StringBuilder(r.outputs().isEmpty() ? header(k) : header(k, r.outputs().keySet()));
      List<Shard> shards = ds.shards();
      for (int i = 0; i < r.windowIds().length; i++) {
        long id = r.windowIds()[i];
        Shard s = shards.get(WindowIndex.shardOf(id));
        int row = WindowIndex.startOf(id) + ds.index().window() - 1;
        text.append((long) s.tsId(row)).append(',').append((int) s.date(row));
        for (int j = 0; j < k; j++) text.append(',').append(r.labels()[i * k + j]);
        for (float[] p : columns) for (int j = 0; j < k; j++) text.append(',').append(p[i * k + j]);
        text.append('\n');
      }
      byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
      AtomicFiles.write(csv, out -> out.write(bytes));
      String figures = r.outputs().isEmpty() ? r.values().format("") : String.join(" - ", r.logs().entrySet().stream()
          .map(e -> String.format("%s: %.4f", e.getKey(), e.getValue())).toList());
      log.printf("wrote %,d predictions to %s (%s)%n", ds.windowCount(), csv, figures);
      return r.values();
    }
  }

  /**
   * The CSV header of a model with several outputs: the labels as {@link #header(int)}, then for each sigmoid output
   * NAME_probability (one target) or NAME_probability_j for each of k.
   */
  static String header(int k, java.util.Collection<String> outputs) {
    StringBuilder h = new StringBuilder("ts_id,date");
    if (k == 1) h.append(",label");
    else for (int j = 0; j < k; j++) h.append(",label_").append(j);
    for (String o : outputs) {
      if (k == 1) h.append(',').append(o).append("_probability");
      else for (int j = 0; j < k; j++) h.append(',').append(o).append("_probability_").append(j);
    }
    return h.append('\n').toString();
  }

  /** The CSV header: label and probability for one target; label_j and probability_j for each of k. */
  static String header(int k) {
    if (k == 1) return "ts_id,date,label,probability\n";
    StringBuilder h = new StringBuilder("ts_id,date");
    for (int j = 0; j < k; j++) h.append(",label_").append(j);
    for (int j = 0; j < k; j++) h.append(",probability_").append(j);
    return h.append('\n').toString();
  }
}
