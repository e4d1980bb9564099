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
import dev.kiln.core.cpu.Reductions;

/**
 * {@code stablehlo.reduce} with an add or max body over {@code dims}; the result keeps the other dimensions in
 * order. The init value (0 or −∞ / the type's minimum) is part of the primitive, not an operand.
 */
public record Reduce(Reductions.Kind kind, int[] dims) implements Primitive {
  @Override public String name() { return kind == Reductions.Kind.SUM ? "reduce_sum" : "reduce_max"; }
  @Override public String attributes() { return "dimensions=" + Arrays.toString(dims); }

  @Override
  public TensorType inferType(List<TensorType> in) {
    if (in.size() != 1) throw error(in, "expects 1 operand");
    Shape s = in.get(0).shape();
    if (in.get(0).dtype() == DType.PRED) throw error(in, "cannot reduce PRED");
    boolean[] red = new boolean[s.rank()];
    for (int d : dims) {
      if (d < 0 || d >= s.rank() || red[d]) throw error(in, "bad or repeated dimension " + d);
      red[d] = true;
    }
    int[] out = new int[s.rank() - dims.length];
    for (int d = 0, k = 0; d < s.rank(); d++) if (!red[d]) out[k++] = s.dim(d);
    return new TensorType(in.get(0).dtype(), Shape.of(out));
  }

  /** The operand dimensions that survive, in order. */
  int[] keptDims(int rank) {
    boolean[] red = new boolean[rank];
    for (int d : dims) red[d] = true;
    int[] kept = new int[rank - dims.length];
    for (int d = 0, k = 0; d < rank; d++) if (!red[d]) kept[k++] = d;
    return kept;
  }

  @Override
  public List<Value> vjp(Value out, Value g) {
    Value x = out.input(0);
    int[] kept = keptDims(x.rank());
    Value gb = Ops.broadcastInDim(g, x.shape().dims(), kept);
    if (kind == Reductions.Kind.SUM) return Arrays.asList(gb);
    // max: the gradient goes to the arg-max elements, shared evenly among ties.
    Value mask = Ops.convert(Ops.compare(x, Ops.Cmp.EQ, Ops.broadcastInDim(out, x.shape().dims(), kept)), x.dtype());
    Value count = Ops.broadcastInDim(Ops.sum(mask, dims), x.shape().dims(), kept);
    return Arrays.asList(gb.mul(mask).div(count));
  }

  @Override
  public void lower(HloEmitter e, Value out) {
    Value x = out.input(0);
    DType d = x.dtype();
    double init = kind == Reductions.Kind.SUM ? 0
        : d.isFloating() ? Double.NEGATIVE_INFINITY : d == DType.U32 ? 0 : Integer.MIN_VALUE;
    String initName = e.scalarConstant(d, init);
    String t = "tensor<" + d.mlirName() + ">";
    e.opWithRegion(out, "reduce", List.of(e.name(x), initName), List.of(x.type().mlir(), t),
        e.binaryRegion(d, kind == Reductions.Kind.SUM ? "add" : "maximum"),
        "dimensions = " + HloEmitter.i64Array(dims));
  }

  @Override
  public Tensor eval(CpuContext ctx, Tensor[] in, TensorType t) {
    boolean[] red = new boolean[in[0].shape().rank()];
    for (int d : dims) red[d] = true;
    return Tensor.wrap(t.dtype(), t.shape(),
        Reductions.reduce(ctx, t.dtype(), kind, in[0].array(), in[0].shape().dims(), red));
  }
}
