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

/** {@code stablehlo.reverse}: reverses the order of elements along the given dimensions. */
public record Reverse(int[] dims) implements Primitive {
  @Override public String name() { return "reverse"; }
  @Override public String attributes() { return "dimensions=" + Arrays.toString(dims); }

  @Override
  public TensorType inferType(List<TensorType> in) {
    if (in.size() != 1) throw error(in, "expects 1 operand");
    for (int d : dims) if (d < 0 || d >= in.get(0).rank()) throw error(in, "dimension out of range");
    return in.get(0);
  }

  @Override
  public List<Value> vjp(Value out, Value g) {
    return Arrays.asList(Ops.reverse(g, dims));
  }

  @Override
  public void lower(HloEmitter e, Value out) {
    e.op(out, "reverse", "dimensions = " + HloEmitter.i64Array(dims));
  }

  @Override
  public Tensor eval(CpuContext ctx, Tensor[] in, TensorType t) {
    Shape s = t.shape();
    int[] st = s.strides();
    int off = 0;
    for (int d : dims) {
      if (s.dim(d) > 0) off += (s.dim(d) - 1) * st[d];
      st[d] = -st[d];
    }
    if (s.size() == 0) return Tensor.wrap(t.dtype(), s, Tensor.newArray(t.dtype(), 0));
    return Tensor.wrap(t.dtype(), s, Layout.gather(ctx, t.dtype(), in[0].array(), off, s.dims(), st));
  }
}
