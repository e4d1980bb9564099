package dev.kiln.train.loop;

import dev.kiln.core.Tensor;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.io.pipeline.Batch;
import dev.kiln.io.pipeline.BatchStream;
import dev.kiln.io.pipeline.WindowedDataset;
import dev.kiln.ops.metrics.Metrics;
import dev.kiln.ops.train.Losses;
import dev.kiln.ops.train.StatefulStep;
import dev.kiln.ops.train.StepGraphs;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluation over every window of a dataset in the seed's validation order: the evaluation step accumulates the
 * metrics on the devices and gives each window's probability, from batches fed from the host or from a dataset held
 * on the devices. One place for validation in {@code train} and for {@code predict}.
 */
public final class Evaluator {
  /**
   * The metrics (of the action output), and per window (in order) its probabilities and labels (k each, one per
   * output unit, window after window) and its id; the logs under Keras's names without {@code val_} (every output's
   * with several), and with several outputs every sigmoid output's probabilities by name (else none).
   */
  public record Result(Metrics.Values values, float[] probabilities, float[] labels, long[] windowIds,
      Map<String, Double> logs, Map<String, float[]> outputs) {
    /** A result of one output: its logs are the seed's four. */
    public Result(Metrics.Values values, float[] probabilities, float[] labels, long[] windowIds) {
      this(values, probabilities, labels, windowIds, seedLogs(values), Map.of());
    }

    private static Map<String, Double> seedLogs(Metrics.Values v) {
      Map<String, Double> logs = new LinkedHashMap<>();
      logs.put("loss", v.loss());
      logs.put("recall", v.recall());
      logs.put("precision", v.precision());
      logs.put("auc", v.auc());
      return logs;
    }
  }

  private final DeviceRunner runner;
  private final StatefulStep eval;
  private final int local;
  private final Losses losses;

  /** An evaluator of a step keeping the seed's metric counts (one output). */
  public Evaluator(DeviceRunner runner, StatefulStep eval, int localBatch) {
    this(runner, eval, localBatch, null);
  }

  /** An evaluator of a step built with {@code losses} (null: the seed's metric counts). */
  public Evaluator(DeviceRunner runner, StatefulStep eval, int localBatch, Losses losses) {
    this.runner = runner;
    this.eval = eval;
    this.local = localBatch;
    this.losses = losses;
    runner.compile(eval);
  }

  private Map<String, dev.kiln.core.Tensor> zero() {
    return losses == null ? StepGraphs.zeroMetrics(StepGraphs.EVAL) : StepGraphs.zeroMetrics(StepGraphs.EVAL, losses);
  }

  /** The names of the per-output probabilities the step gives ("probabilities/NAME"), none for one output. */
  private List<String> outputNames() {
    if (losses == null || !losses.multi()) return List.of();
    return losses.heads().stream().filter(Losses.Head::sigmoid).map(Losses.Head::name).toList();
  }

  /** Copies each replica's rows of {@code results}' probabilities into {@code into} from window {@code first}. */
  private void copy(Map<String, List<DeviceArray>> results, String key, float[] into, int first, int size, int t) {
    List<DeviceArray> p = results.get(key);
    for (int r = 0; r < runner.replicas(); r++) {
      int count = Math.min(local, size - r * local);
      if (count > 0) System.arraycopy(runner.read(p.get(r)).floats(), 0, into, (first + r * local) * t, count * t);
    }
  }

  /**
   * Evaluates on every window of a dataset held on the devices (the step must read {@code table}'s source): only
   * the windows' start rows and weights are sent.
   */
  public Result run(DeviceDataset table) {
    runner.put(zero());
    long[] order = table.data().index().order();
    int n = order.length, global = local * runner.replicas(), t = table.data().targets();
    float[] probs = new float[n * t], labels = new float[n * t];
    Map<String, float[]> outputs = new LinkedHashMap<>();
    for (String o : outputNames()) outputs.put(o, new float[n * t]);
    for (int k = 0; k < n; k += global) {
      int size = Math.min(global, n - k);
      List<Tensor> starts = new java.util.ArrayList<>(), weights = new java.util.ArrayList<>();
      for (int r = 0; r < runner.replicas(); r++) {
        int[] s = new int[local];
        float[] w = new float[local];
        for (int i = 0; i < local; i++) {
          int j = r * local + i;
          if (j < size) {
            s[i] = table.start(order[k + j]);
            w[i] = 1f;
            for (int u = 0; u < t; u++) labels[(k + j) * t + u] = table.label(order[k + j], u);
          }
        }
        starts.add(Tensor.of(s, local));
        weights.add(Tensor.of(w, local, 1));
      }
      Map<String, List<DeviceArray>> feeds = new LinkedHashMap<>();
      feeds.put("starts", runner.scatter(starts));
      feeds.put("weight", runner.scatter(weights));
      Map<String, List<DeviceArray>> results = runner.run(eval, feeds);
      DeviceRunner.release(feeds);
      copy(results, "probabilities", probs, k, size, t);
      for (var o : outputs.entrySet()) copy(results, "probabilities/" + o.getKey(), o.getValue(), k, size, t);
      DeviceRunner.release(results);
    }
    return result(probs, labels, order, outputs);
  }

  private Result result(float[] probs, float[] labels, long[] ids, Map<String, float[]> outputs) {
    Map<String, Tensor> acc = new LinkedHashMap<>();
    runner.read(losses == null ? StepGraphs.metricNames(StepGraphs.EVAL)
        : StepGraphs.metricNames(StepGraphs.EVAL, losses))
        .forEach((name, t) -> acc.put(name.substring(StepGraphs.EVAL.length()), t));
    if (losses == null) return new Result(Metrics.values(acc), probs, labels, ids);
    return new Result(losses.values(acc), probs, labels, ids, losses.logs(acc), outputs);
  }

  /** Evaluates the model state held by the runner on every window of {@code data}. */
  public Result run(WindowedDataset data) {
    runner.put(zero());
    int n = data.windowCount(), t = data.targets();
    float[] probs = new float[n * t], labels = new float[n * t];
    Map<String, float[]> outputs = new LinkedHashMap<>();
    for (String o : outputNames()) outputs.put(o, new float[n * t]);
    long[] ids = new long[n];
    int k = 0;
    try (BatchStream vs = data.validation(local * runner.replicas(), 2)) {
      while (vs.hasNext()) {
        Batch b = vs.next();
        Map<String, List<DeviceArray>> feeds = BatchFeeds.evaluation(runner, b, local);
        Map<String, List<DeviceArray>> results = runner.run(eval, feeds);
        BatchFeeds.close(feeds);
        copy(results, "probabilities", probs, k, b.size(), t);
        for (var o : outputs.entrySet()) copy(results, "probabilities/" + o.getKey(), o.getValue(), k, b.size(), t);
        DeviceRunner.release(results);
        for (int i = 0; i < b.size(); i++) {
          for (int u = 0; u < t; u++) labels[(k + i) * t + u] = b.label(i, u);
          ids[k + i] = b.windowId(i);
        }
        k += b.size();
      }
    }
    return result(probs, labels, ids, outputs);
  }
}
