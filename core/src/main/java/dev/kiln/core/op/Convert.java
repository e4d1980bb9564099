package dev.kiln.core.op;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.cpu.IntKernels;
import dev.kiln.core.graph.Primitive;
import dev.kiln.core.graph.Value;
import dev.kiln.core.hlo.HloEmitter;
import java.util.Arrays;
import java.util.List;

/**
 * {@code stablehlo.convert}: element type conversion. Float to integer truncates toward zero (saturating);
 * U32 converts through its unsigned value; anything to PRED tests for non-zero; PRED becomes 0 or 1.
 */
public record Convert(DType to) implements Elementwise {
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
    if (in[0].dtype() == to) {
      return Tensor.wrap(to, t.shape(), in[0].array());
    }
    return Elementwise.evalAll(this, ctx, in, t);
  }

  @Override
  public void evalRange(Object[] in, int[] io, DType[] inTypes, Object out, int oo, int n, DType outType) {
    DType from = inTypes[0];
    Object a = in[0];
    int ao = io[0];
    if (from == to) {
      System.arraycopy(a, ao, out, oo, n);
    } else if (from == DType.F32 && to == DType.F64) {
      float[] x = (float[]) a;
      double[] d = (double[]) out;
      for (int i = 0; i < n; i++) d[oo + i] = x[ao + i];
    } else if (from == DType.F64 && to == DType.F32) {
      double[] x = (double[]) a;
      float[] d = (float[]) out;
      for (int i = 0; i < n; i++) d[oo + i] = (float) x[ao + i];
    } else if (from == DType.U32 && to == DType.F32) {
      int[] x = (int[]) a;
      float[] d = (float[]) out;
      for (int i = IntKernels.unsignedToFloat(x, ao, d, oo, n); i < n; i++) {
        d[oo + i] = (float) Integer.toUnsignedLong(x[ao + i]);
      }
    } else {
      for (int i = 0; i < n; i++) {
        double v = Tensor.elementAsDouble(a, from, ao + i);
        switch (to) {
          case F32 -> ((float[]) out)[oo + i] = from == DType.S32 ? (float) ((int[]) a)[ao + i] : (float) v;
          case F64 -> ((double[]) out)[oo + i] = v;
          case S32 -> ((int[]) out)[oo + i] = from == DType.U32 ? ((int[]) a)[ao + i] : (int) v;
          case U32 -> ((int[]) out)[oo + i] = from == DType.S32 ? ((int[]) a)[ao + i] : toU32(v);
          case PRED -> ((boolean[]) out)[oo + i] = v != 0;
        }
      }
    }
  }

  /** Float (or U32-as-double) to U32, saturating: NaN and negatives give 0, values ≥ 2^32 give 2^32 − 1. */
  private static int toU32(double v) {
    if (!(v > 0)) return 0;
    if (v >= 4294967295.0) return -1;
    return (int) (long) v;
  }
}
