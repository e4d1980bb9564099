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
 * metrics on the devices and gives each window's probability. One place for validation in {@code train} and for
 * {@code predict}.
 */
public final class Evaluator {
  /** The metrics, and per window (in order) its probability, label and id. */
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

  /** Evaluates the model state held by the runner on every window of {@code data}. */
  public Result run(WindowedDataset data) {
    runner.put(StepGraphs.zeroMetrics(StepGraphs.EVAL));
    int n = data.windowCount();
    float[] probs = new float[n], labels = new float[n];
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
          if (count > 0) System.arraycopy(runner.read(p.get(r)).floats(), 0, probs, k + r * local, count);
        }
        DeviceRunner.release(results);
        for (int i = 0; i < b.size(); i++) {
          labels[k + i] = b.label(i);
          ids[k + i] = b.windowId(i);
        }
        k += b.size();
      }
    }
    Map<String, Tensor> acc = new LinkedHashMap<>();
    runner.read(StepGraphs.metricNames(StepGraphs.EVAL))
        .forEach((name, t) -> acc.put(name.substring(StepGraphs.EVAL.length()), t));
    return new Result(Metrics.values(acc), probs, labels, ids);
  }
}
