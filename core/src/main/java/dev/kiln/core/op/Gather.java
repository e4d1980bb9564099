package dev.kiln.core.op;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.graph.Primitive;
import dev.kiln.core.graph.Value;
import dev.kiln.core.hlo.HloEmitter;
import java.util.Arrays;
import java.util.List;

/**
 * {@code stablehlo.gather} of row windows: for each start index s of an S32 vector [B], the {@code window}
 * consecutive rows operand[s .. s + window) of an operand [N, d1..dk], giving [B, window, d1..dk]. This is how a
 * step cuts its batch of windows out of a dataset held on the device. As StableHLO's gather does, a start index is
 * clamped to [0, N − window] so the window stays inside the operand.
 *
 * <p>The gradient with respect to the operand sums each cotangent row into the rows it was read from, written as a
 * one-hot [B, window, N] contracted with the cotangent (exact, but O(B·window·N) memory: fine for what is
 * differentiated through a gather, never the dataset itself). The indices are integers and carry no gradient.
 */
public record Gather(int window) implements Primitive {
  @Override public String name() { return "gather"; }
  @Override public String attributes() { return "window=" + window; }

  @Override
  public TensorType inferType(List<TensorType> in) {
    if (in.size() != 2) throw error(in, "expects an operand and start indices");
    TensorType x = in.get(0), idx = in.get(1);
    if (x.rank() < 1) throw error(in, "the operand must have a row dimension");
    if (idx.dtype() != DType.S32 || idx.rank() != 1) throw error(in, "start indices must be S32 [B]");
    if (window < 1 || window > x.dim(0)) throw error(in, "window must be in [1, " + x.dim(0) + "]");
    int[] out = new int[x.rank() + 1];
    out[0] = idx.dim(0);
    out[1] = window;
    for (int d = 1; d < x.rank(); d++) out[d + 1] = x.dim(d);
    return new TensorType(x.dtype(), Shape.of(out));
  }

  /** The start indices as clamped by the gather: min(max(s, 0), N − window). */
  static Value clamped(Value idx, int rows, int window) {
    Value lo = Ops.broadcastTo(idx.tracer().scalar(0, DType.S32), idx.dim(0));
    Value hi = Ops.broadcastTo(idx.tracer().scalar(rows - window, DType.S32), idx.dim(0));
    return Ops.min(Ops.max(idx, lo), hi);
  }

  @Override
  public List<Value> vjp(Value out, Value g) {
    Value x = out.input(0), idx = out.input(1);
    int n = x.dim(0), b = idx.dim(0);
    Value start = clamped(idx, n, window);
    Value pos = Ops.broadcastInDim(start, new int[] {b, window}, new int[] {0})
        .add(Ops.iota(idx.tracer(), new TensorType(DType.S32, Shape.of(b, window)), 1));
    Value rows = Ops.iota(idx.tracer(), new TensorType(DType.S32, Shape.of(b, window, n)), 2);
    Value oneHot = Ops.convert(Ops.compare(Ops.broadcastInDim(pos, new int[] {b, window, n}, new int[] {0, 1}),
        Ops.Cmp.EQ, rows), g.dtype());
    Value dx = Ops.dotGeneral(oneHot, g, new int[0], new int[0], new int[] {0, 1}, new int[] {0, 1});
    return Arrays.asList(dx, null);
  }

  @Override
  public void lower(HloEmitter e, Value out) {
    Value x = out.input(0);
    int[] offsets = new int[x.rank()];
    int[] sizes = x.shape().dims();
    for (int d = 0; d < offsets.length; d++) offsets[d] = d + 1;
    sizes[0] = window;
    e.op(out, "gather", "dimension_numbers = #stablehlo.gather<offset_dims = " + HloEmitter.list(offsets)
        + ", start_index_map = [0], index_vector_dim = 1>, indices_are_sorted = false, slice_sizes = "
        + HloEmitter.i64Array(sizes));
  }

  @Override
  public Tensor eval(CpuContext ctx, Tensor[] in, TensorType t) {
    Object src = in[0].array();
    int[] idx = in[1].ints();
    int n = in[0].shape().dim(0), row = in[0].shape().size() / Math.max(1, n), span = window * row;
    Object dst = Tensor.newArray(t.dtype(), t.shape().size());
    // One contiguous copy per window: the same work as assembling the batch on the host.
    ctx.parallelFor(idx.length, Math.max(1, 65536 / Math.max(1, span)), (s, e) -> {
      for (int b = s; b < e; b++) {
        int start = Math.min(Math.max(idx[b], 0), n - window);
        System.arraycopy(src, start * row, dst, b * span, span);
      }
    });
    return Tensor.wrap(t.dtype(), t.shape(), dst);
  }
}
