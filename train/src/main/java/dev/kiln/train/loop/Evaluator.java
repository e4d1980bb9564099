package dev.kiln.train.loop;

import dev.kiln.core.Tensor;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.io.pipeline.Batch;
import dev.kiln.io.pipeline.BatchStream;
import dev.kiln.io.pipeline.WindowedDataset;
import dev.kiln.ops.metrics.Metrics;
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
   * The metrics, and per window (in order) its probabilities and labels (k each, one per output unit, window after
   * window) and its id.
   */
  public record Result(Metrics.Values values, float[] probabilities, float[] labels, long[] windowIds) {}

  private final DeviceRunner runner;
  private final StatefulStep eval;
  private final int local;

  public Evaluator(DeviceRunner runner, StatefulStep eval, int localBatch) {
    this.runner = runner;
    this.eval = eval;
    this.local = localBatch;
    runner.compile(eval);
  }

  /**
   * Evaluates on every window of a dataset held on the devices (the step must read {@code table}'s source): only
   * the windows' start rows and weights are sent.
   */
  public Result run(DeviceDataset table) {
    runner.put(StepGraphs.zeroMetrics(StepGraphs.EVAL));
    long[] order = table.data().index().order();
    int n = order.length, global = local * runner.replicas(), t = table.data().targets();
    float[] probs = new float[n * t], labels = new float[n * t];
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
      List<DeviceArray> p = results.get("probabilities");
      for (int r = 0; r < runner.replicas(); r++) {
        int count = Math.min(local, size - r * local);
        if (count > 0) System.arraycopy(runner.read(p.get(r)).floats(), 0, probs, (k + r * local) * t, count * t);
      }
      DeviceRunner.release(results);
    }
    return new Result(metrics(), probs, labels, order);
  }

  private Metrics.Values metrics() {
    Map<String, Tensor> acc = new LinkedHashMap<>();
    runner.read(StepGraphs.metricNames(StepGraphs.EVAL))
        .forEach((name, t) -> acc.put(name.substring(StepGraphs.EVAL.length()), t));
    return Metrics.values(acc);
  }

  /** Evaluates the model state held by the runner on every window of {@code data}. */
  public Result run(WindowedDataset data) {
    runner.put(StepGraphs.zeroMetrics(StepGraphs.EVAL));
    int n = data.windowCount(), t = data.targets();
    float[] probs = new float[n * t], labels = new float[n * t];
    long[] ids = new long[n];
    int k = 0;
    try (BatchStream vs = data.validation(local * runner.replicas(), 2)) {
      while (vs.hasNext()) {
        Batch b = vs.next();
        Map<String, List<DeviceArray>> feeds = BatchFeeds.evaluation(runner, b, local);
        Map<String, List<DeviceArray>> results = runner.run(eval, feeds);
        BatchFeeds.close(feeds);
        List<DeviceArray> p = results.get("probabilities");
        for (int r = 0; r < runner.replicas(); r++) {
          int count = Math.min(local, b.size() - r * local);
          if (count > 0) System.arraycopy(runner.read(p.get(r)).floats(), 0, probs, (k + r * local) * t, count * t);
        }
        DeviceRunner.release(results);
        for (int i = 0; i < b.size(); i++) {
          for (int u = 0; u < t; u++) labels[(k + i) * t + u] = b.label(i, u);
          ids[k + i] = b.windowId(i);
        }
        k += b.size();
      }
    }
    return new Result(metrics(), probs, labels, ids);
  }
}
