package dev.kiln.ops.train;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.TensorType;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Ops;

/**
 * Where a step's batch (x [b, window, features], y [b, targets]) comes from: {@link Fed}, copied from the host every step,
 * or {@link Table}, cut on the device from a dataset uploaded once. A table holds every row's features
 * ({@code <prefix>features} [rows, features]) and every row's labels ({@code <prefix>labels} [rows, targets]: the
 * labels of the window that ends at that row); the step is fed only the windows' start rows ({@code starts}, S32 [b]) and
 * gathers the rest, so a step's host-to-device traffic is b integers instead of b·window·features floats.
 */
public sealed interface BatchSource {
  /** Declares the step's batch inputs on {@code b} and returns x and y. */
  Value[] declare(StatefulStep.Builder b, int localBatch, int window, int features, int targets);

  /** x and y fed from the host. */
  record Fed() implements BatchSource {
    @Override
    public Value[] declare(StatefulStep.Builder b, int localBatch, int window, int features, int targets) {
      Value x = b.feed("x", new TensorType(DType.F32, Shape.of(localBatch, window, features)));
      Value y = b.feed("y", new TensorType(DType.F32, Shape.of(localBatch, targets)));
      return new Value[] {x, y};
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

    @Override
    public Value[] declare(StatefulStep.Builder b, int localBatch, int window, int features, int targets) {
      Value table = b.resident(features(), new TensorType(DType.F32, Shape.of(rows, features)));
      Value labels = b.resident(labels(), new TensorType(DType.F32, Shape.of(rows, targets)));
      Value starts = b.feed("starts", new TensorType(DType.S32, Shape.of(localBatch)));
      Value x = Ops.gatherRows(table, starts, window);
      Value last = starts.add(Ops.broadcastTo(starts.tracer().scalar(window - 1, DType.S32), localBatch));
      Value y = Ops.reshape(Ops.gatherRows(labels, last, 1), localBatch, targets);
      return new Value[] {x, y};
    }
  }
}
