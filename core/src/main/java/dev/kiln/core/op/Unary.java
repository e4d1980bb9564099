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

/** Elementwise functions of one operand; {@link Kind} names each and its StableHLO op. */
public record Unary(Kind kind) implements Primitive {
  /** The elementwise function. */
  public enum Kind {
    NEGATE("negate", true), EXP("exponential", false), LOG("log", false), LOG1P("log_plus_one", false),
    ABS("abs", true), SIGN("sign", true), SQRT("sqrt", false), RSQRT("rsqrt", false),
    LOGISTIC("logistic", false), TANH("tanh", false), NOT("not", true);

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
    };
    return Arrays.asList(gx);
  }

  @Override
  public void lower(HloEmitter e, Value out) {
    e.op(out, kind.hlo, "");
  }

  @Override
  public Tensor eval(CpuContext ctx, Tensor[] in, TensorType t) {
    Tensor x = in[0];
    int n = x.size();
    Object r = Tensor.newArray(t.dtype(), n);
    switch (t.dtype()) {
      case F32 -> { float[] a = x.floats(), o = (float[]) r; ctx.parallelFor(n, 1 << 15, (s, e) -> f32(kind, a, o, s, e)); }
      case F64 -> { double[] a = x.doubles(), o = (double[]) r; ctx.parallelFor(n, 1 << 15, (s, e) -> f64(kind, a, o, s, e)); }
      case S32, U32 -> {
        int[] a = x.ints(), o = (int[]) r;
        for (int i = 0; i < n; i++) {
          o[i] = switch (kind) {
            case NEGATE -> -a[i];
            case ABS -> Math.abs(a[i]);
            case SIGN -> Integer.signum(a[i]);
            case NOT -> ~a[i];
            default -> throw new IllegalStateException(kind + " on integers");
          };
        }
      }
      case PRED -> { boolean[] a = x.bools(), o = (boolean[]) r; for (int i = 0; i < n; i++) o[i] = !a[i]; }
    }
    return Tensor.wrap(t.dtype(), t.shape(), r);
  }

  private static void f32(Kind k, float[] a, float[] o, int s, int e) {
    switch (k) {
      case NEGATE -> { for (int i = s; i < e; i++) o[i] = -a[i]; }
      case EXP -> { for (int i = s; i < e; i++) o[i] = (float) Math.exp(a[i]); }
      case LOG -> { for (int i = s; i < e; i++) o[i] = (float) Math.log(a[i]); }
      case LOG1P -> { for (int i = s; i < e; i++) o[i] = (float) Math.log1p(a[i]); }
      case ABS -> { for (int i = s; i < e; i++) o[i] = Math.abs(a[i]); }
      case SIGN -> { for (int i = s; i < e; i++) o[i] = Math.signum(a[i]); }
      case SQRT -> { for (int i = s; i < e; i++) o[i] = (float) Math.sqrt(a[i]); }
      case RSQRT -> { for (int i = s; i < e; i++) o[i] = (float) (1.0 / Math.sqrt(a[i])); }
      case LOGISTIC -> { for (int i = s; i < e; i++) o[i] = (float) (1.0 / (1.0 + Math.exp(-a[i]))); }
      case TANH -> { for (int i = s; i < e; i++) o[i] = (float) Math.tanh(a[i]); }
      case NOT -> throw new IllegalStateException("not on floats");
    }
  }

  private static void f64(Kind k, double[] a, double[] o, int s, int e) {
    switch (k) {
      case NEGATE -> { for (int i = s; i < e; i++) o[i] = -a[i]; }
      case EXP -> { for (int i = s; i < e; i++) o[i] = Math.exp(a[i]); }
      case LOG -> { for (int i = s; i < e; i++) o[i] = Math.log(a[i]); }
      case LOG1P -> { for (int i = s; i < e; i++) o[i] = Math.log1p(a[i]); }
      case ABS -> { for (int i = s; i < e; i++) o[i] = Math.abs(a[i]); }
      case SIGN -> { for (int i = s; i < e; i++) o[i] = Math.signum(a[i]); }
      case SQRT -> { for (int i = s; i < e; i++) o[i] = Math.sqrt(a[i]); }
      case RSQRT -> { for (int i = s; i < e; i++) o[i] = 1.0 / Math.sqrt(a[i]); }
      case LOGISTIC -> { for (int i = s; i < e; i++) o[i] = 1.0 / (1.0 + Math.exp(-a[i])); }
      case TANH -> { for (int i = s; i < e; i++) o[i] = Math.tanh(a[i]); }
      case NOT -> throw new IllegalStateException("not on floats");
    }
  }
}
