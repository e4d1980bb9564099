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

/**
 * {@code stablehlo.convert}: element type conversion. Float to integer truncates toward zero (saturating);
 * U32 converts through its unsigned value; anything to PRED tests for non-zero; PRED becomes 0 or 1.
 */
public record Convert(DType to) implements Primitive {
  @Override public String name() { return "convert"; }
  @Override public String attributes() { return "to=" + to; }

  @Override
  public TensorType inferType(List<TensorType> in) {
    if (in.size() != 1) throw error(in, "expects 1 operand");
    return new TensorType(to, in.get(0).shape());
  }

  @Override
  public List<Value> vjp(Value out, Value g) {
    DType from = out.input(0).dtype();
    return Arrays.asList(from.isFloating() ? Ops.convert(g, from) : null);
  }

  @Override
  public void lower(HloEmitter e, Value out) {
    e.op(out, "convert", "");
  }

  @Override
  public Tensor eval(CpuContext ctx, Tensor[] in, TensorType t) {
    Tensor x = in[0];
    int n = x.size();
    if (x.dtype() == to) {
      return Tensor.wrap(to, t.shape(), x.array());
    }
    Object o = Tensor.newArray(to, n);
    if (x.dtype() == DType.F32 && to == DType.F64) {
      float[] a = x.floats();
      double[] d = (double[]) o;
      for (int i = 0; i < n; i++) d[i] = a[i];
    } else if (x.dtype() == DType.F64 && to == DType.F32) {
      double[] a = x.doubles();
      float[] d = (float[]) o;
      for (int i = 0; i < n; i++) d[i] = (float) a[i];
    } else {
      for (int i = 0; i < n; i++) {
        double v = x.getDouble(i);
        switch (to) {
          case F32 -> ((float[]) o)[i] = x.dtype() == DType.S32 ? (float) x.ints()[i] : (float) v;
          case F64 -> ((double[]) o)[i] = v;
          case S32 -> ((int[]) o)[i] = x.dtype() == DType.U32 ? x.ints()[i] : (int) v;
          case U32 -> ((int[]) o)[i] = x.dtype() == DType.S32 ? x.ints()[i] : toU32(v);
          case PRED -> ((boolean[]) o)[i] = v != 0;
        }
      }
    }
    return Tensor.wrap(to, t.shape(), o);
  }

  /** Float (or U32-as-double) to U32, saturating: NaN and negatives give 0, values ≥ 2^32 give 2^32 − 1. */
  private static int toU32(double v) {
    if (!(v > 0)) return 0;
    if (v >= 4294967295.0) return -1;
    return (int) (long) v;
  }
}
