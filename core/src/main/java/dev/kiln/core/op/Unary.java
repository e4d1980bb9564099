package dev.kiln.core.op;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.cpu.FloatKernels;
import dev.kiln.core.graph.Primitive;
import dev.kiln.core.graph.Value;
import dev.kiln.core.hlo.HloEmitter;
import java.util.Arrays;
import java.util.List;

/** Elementwise functions of one operand; {@link Kind} names each and its StableHLO op. */
public record Unary(Kind kind) implements Elementwise {
  /** The elementwise function. */
  public enum Kind {
    NEGATE("negate", true), EXP("exponential", false), LOG("log", false), LOG1P("log_plus_one", false),
    ABS("abs", true), SIGN("sign", true), SQRT("sqrt", false), RSQRT("rsqrt", false),
    LOGISTIC("logistic", false), TANH("tanh", false), COSINE("cosine", false), SINE("sine", false),
    NOT("not", true);

    final String hlo;
    final boolean integerToo;

    Kind(String hlo, boolean integerToo) {
      this.hlo = hlo;
      this.integerToo = integerToo;
    }
  }

  @Override public String name() { return kind.hlo; }

  @Override
  public TensorType inferType(List<TensorType> in) {
    if (in.size() != 1) throw error(in, "expects 1 operand");
    DType d = in.get(0).dtype();
    boolean ok = switch (kind) {
      case NOT -> d.isInteger() || d == DType.PRED;
      case NEGATE, ABS, SIGN -> d.isFloating() || d == DType.S32;
      default -> d.isFloating();
    };
    if (!ok) throw error(in, "not defined for " + d);
    return in.get(0);
  }

  @Override
  public List<Value> vjp(Value out, Value g) {
    Value x = out.input(0);
    Value gx = switch (kind) {
      case NEGATE -> Ops.neg(g);
      case EXP -> g.mul(out);
      case LOG -> g.div(x);
      case LOG1P -> g.div(x.add(1.0));
      case ABS -> g.mul(Ops.sign(x));
      case SIGN, NOT -> null;
      case SQRT -> g.mul(0.5).div(out);
      case RSQRT -> g.mul(-0.5).mul(out).mul(out).mul(out);
      case LOGISTIC -> g.mul(out).mul(Ops.constantLike(out, 1.0).sub(out));
      case TANH -> g.mul(Ops.constantLike(out, 1.0).sub(out.mul(out)));
      case COSINE -> g.mul(Ops.neg(Ops.sin(x)));
      case SINE -> g.mul(Ops.cos(x));
    };
    return Arrays.asList(gx);
  }

  @Override
  public void lower(HloEmitter e, Value out) {
    e.op(out, kind.hlo, "");
  }

  @Override
  public Tensor eval(CpuContext ctx, Tensor[] in, TensorType t) {
    return Elementwise.evalAll(this, ctx, in, t);
  }

  @Override
  public void evalRange(Object[] in, int[] io, DType[] inTypes, Object out, int oo, int n, DType outType) {
    int ao = io[0];
    switch (outType) {
      case F32 -> f32(kind, (float[]) in[0], ao, (float[]) out, oo, n);
      case F64 -> f64(kind, (double[]) in[0], ao, (double[]) out, oo, n);
      case S32, U32 -> {
        int[] a = (int[]) in[0], o = (int[]) out;
        for (int i = 0; i < n; i++) {
          int x = a[ao + i];
          o[oo + i] = switch (kind) {
            case NEGATE -> -x;
            case ABS -> Math.abs(x);
            case SIGN -> Integer.signum(x);
            case NOT -> ~x;
            default -> throw new IllegalStateException(kind + " on integers");
          };
        }
      }
      case PRED -> {
        boolean[] a = (boolean[]) in[0], o = (boolean[]) out;
        for (int i = 0; i < n; i++) o[oo + i] = !a[ao + i];
      }
    }
  }

  private static void f32(Kind k, float[] a, int ao, float[] o, int oo, int n) {
    int d = ao - oo, e = oo + n;
    switch (k) {
      case NEGATE -> { for (int i = oo; i < e; i++) o[i] = -a[i + d]; }
      case EXP -> {
        for (int i = oo + FloatKernels.exp(a, ao, o, oo, n); i < e; i++) o[i] = (float) Math.exp(a[i + d]);
      }
      case LOG -> { for (int i = oo; i < e; i++) o[i] = (float) Math.log(a[i + d]); }
      case LOG1P -> { for (int i = oo; i < e; i++) o[i] = (float) Math.log1p(a[i + d]); }
      case ABS -> { for (int i = oo; i < e; i++) o[i] = Math.abs(a[i + d]); }
      case SIGN -> { for (int i = oo; i < e; i++) o[i] = Math.signum(a[i + d]); }
      case SQRT -> { for (int i = oo; i < e; i++) o[i] = (float) Math.sqrt(a[i + d]); }
      case RSQRT -> { for (int i = oo; i < e; i++) o[i] = (float) (1.0 / Math.sqrt(a[i + d])); }
      case LOGISTIC -> {
        for (int i = oo + FloatKernels.logistic(a, ao, o, oo, n); i < e; i++) {
          o[i] = (float) (1.0 / (1.0 + Math.exp(-a[i + d])));
        }
      }
      case TANH -> { for (int i = oo; i < e; i++) o[i] = (float) Math.tanh(a[i + d]); }
      case COSINE -> { for (int i = oo; i < e; i++) o[i] = (float) Math.cos(a[i + d]); }
      case SINE -> { for (int i = oo; i < e; i++) o[i] = (float) Math.sin(a[i + d]); }
      case NOT -> throw new IllegalStateException("not on floats");
    }
  }

  private static void f64(Kind k, double[] a, int ao, double[] o, int oo, int n) {
    int d = ao - oo, e = oo + n;
    switch (k) {
      case NEGATE -> { for (int i = oo; i < e; i++) o[i] = -a[i + d]; }
      case EXP -> { for (int i = oo; i < e; i++) o[i] = Math.exp(a[i + d]); }
      case LOG -> { for (int i = oo; i < e; i++) o[i] = Math.log(a[i + d]); }
      case LOG1P -> { for (int i = oo; i < e; i++) o[i] = Math.log1p(a[i + d]); }
      case ABS -> { for (int i = oo; i < e; i++) o[i] = Math.abs(a[i + d]); }
      case SIGN -> { for (int i = oo; i < e; i++) o[i] = Math.signum(a[i + d]); }
      case SQRT -> { for (int i = oo; i < e; i++) o[i] = Math.sqrt(a[i + d]); }
      case RSQRT -> { for (int i = oo; i < e; i++) o[i] = 1.0 / Math.sqrt(a[i + d]); }
      case LOGISTIC -> { for (int i = oo; i < e; i++) o[i] = 1.0 / (1.0 + Math.exp(-a[i + d])); }
      case TANH -> { for (int i = oo; i < e; i++) o[i] = Math.tanh(a[i + d]); }
      case COSINE -> { for (int i = oo; i < e; i++) o[i] = Math.cos(a[i + d]); }
      case SINE -> { for (int i = oo; i < e; i++) o[i] = Math.sin(a[i + d]); }
      case NOT -> throw new IllegalStateException("not on floats");
    }
  }
}
