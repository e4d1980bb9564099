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

/**
 * {@code stablehlo.pad(operand, padding_value)}: edge padding low/high (negative values crop) and interior padding
 * between elements.
 */
public record Pad(int[] lo, int[] hi, int[] interior) implements Primitive {
  @Override public String name() { return "pad"; }
  @Override public String attributes() {
    return "edge_padding_low=" + Arrays.toString(lo) + ", edge_padding_high=" + Arrays.toString(hi)
        + ", interior_padding=" + Arrays.toString(interior);
  }

  @Override
  public TensorType inferType(List<TensorType> in) {
    if (in.size() != 2) throw error(in, "expects operand and padding value");
    Shape s = in.get(0).shape();
    if (in.get(1).rank() != 0 || in.get(1).dtype() != in.get(0).dtype()) throw error(in, "padding value must be a scalar of the operand's type");
    if (lo.length != s.rank() || hi.length != s.rank() || interior.length != s.rank()) throw error(in, "one entry per dimension");
    int[] out = new int[s.rank()];
    for (int d = 0; d < s.rank(); d++) {
      if (interior[d] < 0) throw error(in, "negative interior padding");
      int n = s.dim(d);
      out[d] = lo[d] + hi[d] + n + Math.max(0, n - 1) * interior[d];
      if (out[d] < 0) throw error(in, "padding leaves a negative size in dimension " + d);
    }
    return new TensorType(in.get(0).dtype(), Shape.of(out));
  }

  @Override
  public List<Value> vjp(Value out, Value g) {
    int r = lo.length;
    int[] plo = new int[r], phi = new int[r], start = new int[r], limit = new int[r], strides = new int[r];
    boolean crop = false;
    for (int d = 0; d < r; d++) {
      plo[d] = Math.max(-lo[d], 0);
      phi[d] = Math.max(-hi[d], 0);
      crop |= plo[d] > 0 || phi[d] > 0;
    }
    Value gp = crop ? Ops.pad(g, Ops.constantLike(g, 0.0), plo, phi, new int[r]) : g;
    for (int d = 0; d < r; d++) {
      start[d] = Math.max(lo[d], 0);
      limit[d] = gp.dim(d) - Math.max(hi[d], 0);
      strides[d] = interior[d] + 1;
    }
    Value gOperand = Ops.slice(gp, start, limit, strides);
    Value gPad = Ops.sum(g).sub(Ops.sum(gOperand));
    return Arrays.asList(gOperand, gPad);
  }

  @Override
  public void lower(HloEmitter e, Value out) {
    e.op(out, "pad", "edge_padding_low = " + HloEmitter.i64Array(lo) + ", edge_padding_high = "
        + HloEmitter.i64Array(hi) + ", interior_padding = " + HloEmitter.i64Array(interior));
  }

  @Override
  public Tensor eval(CpuContext ctx, Tensor[] in, TensorType t) {
    return Tensor.wrap(t.dtype(), t.shape(), Layout.pad(t.dtype(), in[0].array(), in[0].shape().dims(),
        in[1].array(), lo, interior, t.shape().dims()));
  }
}
