package dev.kiln.core.op;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.graph.Primitive;
import dev.kiln.core.graph.Value;
import dev.kiln.core.hlo.HloEmitter;
import java.util.Arrays;
import java.util.List;

/** {@code stablehlo.select(pred, onTrue, onFalse)}; pred is PRED of the operands' shape, or a PRED scalar. */
public record Select() implements Primitive {
  @Override public String name() { return "select"; }

  @Override
  public TensorType inferType(List<TensorType> in) {
    if (in.size() != 3) throw error(in, "expects pred, on_true, on_false");
    TensorType p = in.get(0);
    if (p.dtype() != DType.PRED) throw error(in, "pred must be PRED");
    if (!in.get(1).equals(in.get(2))) throw error(in, "on_true and on_false types differ");
    if (p.rank() != 0 && !p.shape().equals(in.get(1).shape())) throw error(in, "pred shape must match or be scalar");
    return in.get(1);
  }

  @Override
  public List<Value> vjp(Value out, Value g) {
    Value p = out.input(0);
    Value zero = Ops.zerosLike(g);
    return Arrays.asList(null, Ops.select(p, g, zero), Ops.select(p, zero, g));
  }

  @Override
  public void lower(HloEmitter e, Value out) {
    e.op(out, "select", "");
  }

  @Override
  public Tensor eval(CpuContext ctx, Tensor[] in, TensorType t) {
    boolean[] p = in[0].bools();
    boolean scalar = p.length == 1 && in[0].shape().rank() == 0;
    int n = t.shape().size();
    Object a = in[1].array(), b = in[2].array();
    Object o = Tensor.newArray(t.dtype(), n);
    if (scalar) {
      System.arraycopy(p[0] ? a : b, 0, o, 0, n);
    } else if (t.dtype() == DType.F32) {
      float[] fa = (float[]) a, fb = (float[]) b, fo = (float[]) o;
      for (int i = 0; i < n; i++) fo[i] = p[i] ? fa[i] : fb[i];
    } else {
      for (int i = 0; i < n; i++) System.arraycopy(p[i] ? a : b, i, o, i, 1);
    }
    return Tensor.wrap(t.dtype(), t.shape(), o);
  }
}
