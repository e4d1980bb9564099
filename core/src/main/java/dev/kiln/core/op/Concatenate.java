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

/** {@code stablehlo.concatenate}: joins operands of equal shape but for {@code dimension}. */
public record Concatenate(int dimension) implements Primitive {
  @Override public String name() { return "concatenate"; }
  @Override public String attributes() { return "dimension=" + dimension; }

  @Override
  public TensorType inferType(List<TensorType> in) {
    if (in.isEmpty()) throw error(in, "expects at least one operand");
    TensorType f = in.get(0);
    if (dimension < 0 || dimension >= f.rank()) throw error(in, "dimension out of range");
    int[] out = f.shape().dims();
    out[dimension] = 0;
    for (TensorType t : in) {
      if (t.dtype() != f.dtype() || t.rank() != f.rank()) throw error(in, "operands differ in type or rank");
      for (int d = 0; d < f.rank(); d++) {
        if (d != dimension && t.dim(d) != f.dim(d)) throw error(in, "operands differ in dimension " + d);
      }
      out[dimension] += t.dim(dimension);
    }
    return new TensorType(f.dtype(), Shape.of(out));
  }

  @Override
  public List<Value> vjp(Value out, Value g) {
    List<Value> r = new ArrayList<>();
    int off = 0;
    int[] limit = g.shape().dims();
    int[] strides = new int[g.rank()];
    Arrays.fill(strides, 1);
    for (Value x : out.inputs()) {
      int[] start = new int[g.rank()];
      start[dimension] = off;
      limit[dimension] = off + x.dim(dimension);
      r.add(Ops.slice(g, start, limit.clone(), strides));
      off += x.dim(dimension);
    }
    return r;
  }

  @Override
  public void lower(HloEmitter e, Value out) {
    e.op(out, "concatenate", "dimension = " + dimension + " : i64");
  }

  @Override
  public Tensor eval(CpuContext ctx, Tensor[] in, TensorType t) {
    Object[] srcs = new Object[in.length];
    int[][] dims = new int[in.length][];
    for (int i = 0; i < in.length; i++) {
      srcs[i] = in[i].array();
      dims[i] = in[i].shape().dims();
    }
    return Tensor.wrap(t.dtype(), t.shape(), Layout.concatenate(t.dtype(), srcs, dims, dimension, t.shape().dims()));
  }
}
