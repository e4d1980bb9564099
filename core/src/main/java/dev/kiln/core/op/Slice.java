package dev.kiln.core.op;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.cpu.Layout;
import dev.kiln.core.graph.Primitive;
import dev.kiln.core.graph.Value;
import dev.kiln.core.hlo.HloEmitter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** {@code stablehlo.slice}: elements start[d], start[d]+strides[d], ... below limit[d] in each dimension. */
public record Slice(int[] start, int[] limit, int[] strides) implements Primitive {
  @Override public String name() { return "slice"; }
  @Override public String attributes() {
    return "start_indices=" + Arrays.toString(start) + ", limit_indices=" + Arrays.toString(limit) + ", strides="
        + Arrays.toString(strides);
  }

  @Override
  public TensorType inferType(List<TensorType> in) {
    if (in.size() != 1) throw error(in, "expects 1 operand");
    Shape s = in.get(0).shape();
    if (start.length != s.rank() || limit.length != s.rank() || strides.length != s.rank()) {
      throw error(in, "indices must have one entry per dimension");
    }
    int[] out = new int[s.rank()];
    for (int d = 0; d < s.rank(); d++) {
      if (start[d] < 0 || start[d] > limit[d] || limit[d] > s.dim(d) || strides[d] < 1) {
        throw error(in, "bad slice in dimension " + d);
      }
      out[d] = (limit[d] - start[d] + strides[d] - 1) / strides[d];
    }
    return new TensorType(in.get(0).dtype(), Shape.of(out));
  }

  @Override
  public List<Value> vjp(Value out, Value g) {
    Shape s = out.input(0).shape();
    int r = s.rank();
    int[] hi = new int[r], interior = new int[r];
    for (int d = 0; d < r; d++) {
      int n = out.dim(d);
      int last = n == 0 ? start[d] - 1 : start[d] + (n - 1) * strides[d];
      hi[d] = s.dim(d) - 1 - last;
      interior[d] = n == 0 ? 0 : strides[d] - 1;
    }
    int[] lo = start.clone();
    for (int d = 0; d < r; d++) if (out.dim(d) == 0) { lo[d] = 0; hi[d] = s.dim(d); }
    return Arrays.asList(Ops.pad(g, Ops.constantLike(g, 0.0), lo, hi, interior));
  }

  @Override
  public void lower(HloEmitter e, Value out) {
    e.op(out, "slice", "start_indices = " + HloEmitter.i64Array(start) + ", limit_indices = "
        + HloEmitter.i64Array(limit) + ", strides = " + HloEmitter.i64Array(strides));
  }

  @Override
  public Tensor eval(CpuContext ctx, Tensor[] in, TensorType t) {
    int[] st = in[0].shape().strides();
    int off = 0;
    int[] s2 = new int[st.length];
    for (int d = 0; d < st.length; d++) {
      off += start[d] * st[d];
      s2[d] = st[d] * strides[d];
    }
    return Tensor.wrap(t.dtype(), t.shape(), Layout.gather(ctx, t.dtype(), in[0].array(), off, t.shape().dims(), s2));
  }
}
