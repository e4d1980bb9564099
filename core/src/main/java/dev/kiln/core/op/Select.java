package dev.kiln.core.op;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.cpu.MaskKernels;
import dev.kiln.core.graph.Primitive;
import dev.kiln.core.graph.Value;
import dev.kiln.core.hlo.HloEmitter;
import java.util.Arrays;
import java.util.List;

/** {@code stablehlo.select(pred, onTrue, onFalse)}; pred is PRED of the operands' shape, or a PRED scalar. */
public record Select() implements Elementwise {
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
    if (in[0].shape().rank() == 0) {
      Object chosen = in[0].bools()[0] ? in[1].array() : in[2].array();
      return Tensor.wrap(t.dtype(), t.shape(), chosen);
    }
    return Elementwise.evalAll(this, ctx, in, t);
  }

  @Override
  public void evalRange(Object[] in, int[] io, DType[] inTypes, Object out, int oo, int n, DType outType) {
    boolean[] p = (boolean[]) in[0];
    int po = io[0], ao = io[1], bo = io[2];
    if (outType == DType.F32) {
      MaskKernels.select(p, po, (float[]) in[1], ao, (float[]) in[2], bo, (float[]) out, oo, n);
    } else {
      for (int i = 0; i < n; i++) {
        if (p[po + i]) System.arraycopy(in[1], ao + i, out, oo + i, 1);
        else System.arraycopy(in[2], bo + i, out, oo + i, 1);
      }
    }
  }
}
