package dev.kiln.ops.train;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.TensorType;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Ops;

/**
 * Where a step's batch (x [b, window, features], y [b, targets]) comes from: {@link Fed}, copied from the host
 * every step, or {@link Table}, cut on the device from a dataset uploaded once. A table holds every row's features
 * ({@code <prefix>features} [rows, features]) and every row's labels ({@code <prefix>labels} [rows, targets]: the
 * labels of the window that ends at that row); the step is fed only the windows' start rows ({@code starts}, S32
 * [b]) and gathers the rest, so a step's host-to-device traffic is b integers instead of b·window·features floats.
 */
public sealed interface BatchSource {
  /** Declares the step's batch inputs on {@code b} and returns x and y. */
  default Value[] declare(StatefulStep.Builder b, int localBatch, int window, int features, int targets) {
    return declare(b, localBatch, window, features, targets, false);
  }

  /**
   * As above; with {@code weighted} also each sample's weight [b, 1] (fed as "sample_weight", or gathered from
   * {@code <prefix>sample_weights} [rows, 1]: the weight of the window ending at that row), returned third.
   */
  Value[] declare(StatefulStep.Builder b, int localBatch, int window, int features, int targets, boolean weighted);

  /** x and y fed from the host. */
  record Fed() implements BatchSource {
    @Override
    public Value[] declare(StatefulStep.Builder b, int localBatch, int window, int features, int targets,
        boolean weighted) {
      Value x = b.feed("x", new TensorType(DType.F32, Shape.of(localBatch, window, features)));
      Value y = b.feed("y", new TensorType(DType.F32, Shape.of(localBatch, targets)));
      if (!weighted) return new Value[] {x, y};
      return new Value[] {x, y, b.feed("sample_weight", new TensorType(DType.F32, Shape.of(localBatch, 1)))};
    }
  }

  /** x and y gathered from a resident table of {@code rows} rows named with {@code prefix}. */
  record Table(String prefix, int rows) implements BatchSource {
    public String features() {
      return prefix + "features";
    }

    public String labels() {
      return prefix + "labels";
    }

    public String sampleWeights() {
      return prefix + "sample_weights";
    }

    @Override
    public Value[] declare(StatefulStep.Builder b, int localBatch, int window, int features, int targets,
        boolean weighted) {
      Value table = b.resident(features(), new TensorType(DType.F32, Shape.of(rows, features)));
      Value labels = b.resident(labels(), new TensorType(DType.F32, Shape.of(rows, targets)));
      Value starts = b.feed("starts", new TensorType(DType.S32, Shape.of(localBatch)));
      Value x = Ops.gatherRows(table, starts, window);
      Value last = starts.add(Ops.broadcastTo(starts.tracer().scalar(window - 1, DType.S32), localBatch));
      Value y = Ops.reshape(Ops.gatherRows(labels, last, 1), localBatch, targets);
      if (!weighted) return new Value[] {x, y};
      Value weights = b.resident(sampleWeights(), new TensorType(DType.F32, Shape.of(rows, 1)));
      return new Value[] {x, y, Ops.reshape(Ops.gatherRows(weights, last, 1), localBatch, 1)};
    }
  }
}
