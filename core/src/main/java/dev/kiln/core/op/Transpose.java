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

/** {@code stablehlo.transpose}: output dimension i is operand dimension permutation[i]. */
public record Transpose(int[] permutation) implements Primitive {
  @Override public String name() { return "transpose"; }
  @Override public String attributes() { return "permutation=" + Arrays.toString(permutation); }

  @Override
  public TensorType inferType(List<TensorType> in) {
    if (in.size() != 1) throw error(in, "expects 1 operand");
    Shape s = in.get(0).shape();
    if (permutation.length != s.rank()) throw error(in, "permutation length differs from rank");
    boolean[] seen = new boolean[s.rank()];
    int[] out = new int[s.rank()];
    for (int i = 0; i < permutation.length; i++) {
      int p = permutation[i];
      if (p < 0 || p >= s.rank() || seen[p]) throw error(in, "not a permutation");
      seen[p] = true;
      out[i] = s.dim(p);
    }
    return new TensorType(in.get(0).dtype(), Shape.of(out));
  }

  /** The inverse permutation. */
  public static int[] inverse(int[] perm) {
    int[] inv = new int[perm.length];
    for (int i = 0; i < perm.length; i++) inv[perm[i]] = i;
    return inv;
  }

  @Override
  public List<Value> vjp(Value out, Value g) {
    return Arrays.asList(Ops.transpose(g, inverse(permutation)));
  }

  @Override
  public void lower(HloEmitter e, Value out) {
    e.op(out, "transpose", "permutation = " + HloEmitter.i64Array(permutation));
  }

  @Override
  public Tensor eval(CpuContext ctx, Tensor[] in, TensorType t) {
    return Tensor.wrap(t.dtype(), t.shape(),
        Layout.transpose(ctx, t.dtype(), in[0].array(), in[0].shape().dims(), permutation));
  }
}
