package dev.kiln.core.op;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.cpu.FloatKernels;
import dev.kiln.core.cpu.IntKernels;
import dev.kiln.core.graph.Primitive;
import dev.kiln.core.graph.Value;
import dev.kiln.core.hlo.HloEmitter;
import java.util.Arrays;
import java.util.List;

/**
 * Elementwise functions of two operands of equal type (broadcasting is done by {@link Ops} with broadcast_in_dim
 * before a binary primitive is applied, as in StableHLO). Integer arithmetic wraps; U32 compares unsigned; shifts
 * by 32 or more give 0, as StableHLO defines them.
 */
public record Binary(Kind kind) implements Elementwise {
  /** The elementwise function and its StableHLO op. */
  public enum Kind {
    ADD("add"), SUBTRACT("subtract"), MULTIPLY("multiply"), DIVIDE("divide"), MAXIMUM("maximum"),
    MINIMUM("minimum"), POWER("power"), AND("and"), OR("or"), XOR("xor"), SHIFT_LEFT("shift_left"),
    SHIFT_RIGHT_LOGICAL("shift_right_logical");

    final String hlo;

    Kind(String hlo) {
      this.hlo = hlo;
    }

    boolean bitwise() {
      return this == AND || this == OR || this == XOR;
    }

    boolean shift() {
      return this == SHIFT_LEFT || this == SHIFT_RIGHT_LOGICAL;
    }
  }

  @Override public String name() { return kind.hlo; }

  @Override
  public TensorType inferType(List<TensorType> in) {
    if (in.size() != 2) throw error(in, "expects 2 operands");
    if (!in.get(0).equals(in.get(1))) throw error(in, "operand types differ");
    DType d = in.get(0).dtype();
    boolean ok;
    if (kind.bitwise()) ok = d.isInteger() || d == DType.PRED;
    else if (kind.shift()) ok = d.isInteger();
    else if (kind == Kind.POWER) ok = d.isFloating();
    else ok = d != DType.PRED;
    if (!ok) throw error(in, "not defined for " + d);
    return in.get(0);
  }

  @Override
  public List<Value> vjp(Value out, Value g) {
    Value a = out.input(0), b = out.input(1);
    return switch (kind) {
      case ADD -> Arrays.asList(g, g);
      case SUBTRACT -> Arrays.asList(g, Ops.neg(g));
      // x·x (a square): one cotangent 2·g·x instead of two g·x terms and their sum.
      case MULTIPLY -> a == b ? Arrays.asList(g.mul(a).mul(2.0), null) : Arrays.asList(g.mul(b), g.mul(a));
      case DIVIDE -> Arrays.asList(g.div(b), Ops.neg(g.mul(out)).div(b));
      case MAXIMUM, MINIMUM -> {
        // Ties split the gradient evenly between the operands.
        Ops.Cmp wins = kind == Kind.MAXIMUM ? Ops.Cmp.GT : Ops.Cmp.LT;
        Value share = Ops.convert(Ops.compare(a, wins, b), a.dtype())
            .add(Ops.convert(Ops.compare(a, Ops.Cmp.EQ, b), a.dtype()).mul(0.5));
        Value ga = g.mul(share);
        yield Arrays.asList(ga, g.sub(ga));
      }
      case POWER -> {
        Value ga = g.mul(b).mul(Ops.pow(a, b.sub(1.0)));
        Value zero = Ops.constantLike(a, 0.0);
        Value gb = Ops.select(Ops.compare(a, Ops.Cmp.EQ, zero), zero, g.mul(out).mul(Ops.log(a)));
        yield Arrays.asList(ga, gb);
      }
      default -> Arrays.asList(null, null);
    };
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
    switch (outType) {
      case F32 -> f32(kind, (float[]) in[0], io[0], (float[]) in[1], io[1], (float[]) out, oo, n);
      case F64 -> f64(kind, (double[]) in[0], io[0], (double[]) in[1], io[1], (double[]) out, oo, n);
      case S32, U32 -> ints(kind, outType == DType.U32, (int[]) in[0], io[0], (int[]) in[1], io[1], (int[]) out, oo, n);
      case PRED -> {
        boolean[] a = (boolean[]) in[0], b = (boolean[]) in[1], o = (boolean[]) out;
        for (int i = 0; i < n; i++) {
          boolean x = a[io[0] + i], y = b[io[1] + i];
          o[oo + i] = switch (kind) {
            case AND, MULTIPLY, MINIMUM -> x & y;
            case OR, ADD, MAXIMUM -> x | y;
            case XOR -> x ^ y;
            default -> throw new IllegalStateException(kind + " on PRED");
          };
        }
      }
    }
  }

  private static void f32(Kind k, float[] a, int ao, float[] b, int bo, float[] o, int oo, int n) {
    FloatKernels.Op op = switch (k) {
      case ADD -> FloatKernels.Op.ADD;
      case SUBTRACT -> FloatKernels.Op.SUBTRACT;
      case MULTIPLY -> FloatKernels.Op.MULTIPLY;
      case DIVIDE -> FloatKernels.Op.DIVIDE;
      case MAXIMUM -> FloatKernels.Op.MAXIMUM;
      case MINIMUM -> FloatKernels.Op.MINIMUM;
      case POWER -> null;
      default -> throw new IllegalStateException(k + " on floats");
    };
    if (op != null) {
      FloatKernels.binary(op, a, ao, b, bo, o, oo, n);
      return;
    }
    for (int i = 0; i < n; i++) o[oo + i] = (float) pow(a[ao + i], b[bo + i]);
  }

  private static void f64(Kind k, double[] a, int ao, double[] b, int bo, double[] o, int oo, int n) {
    int da = ao - oo, db = bo - oo, e = oo + n;
    switch (k) {
      case ADD -> { for (int i = oo; i < e; i++) o[i] = a[i + da] + b[i + db]; }
      case SUBTRACT -> { for (int i = oo; i < e; i++) o[i] = a[i + da] - b[i + db]; }
      case MULTIPLY -> { for (int i = oo; i < e; i++) o[i] = a[i + da] * b[i + db]; }
      case DIVIDE -> { for (int i = oo; i < e; i++) o[i] = a[i + da] / b[i + db]; }
      case MAXIMUM -> { for (int i = oo; i < e; i++) o[i] = Math.max(a[i + da], b[i + db]); }
      case MINIMUM -> { for (int i = oo; i < e; i++) o[i] = Math.min(a[i + da], b[i + db]); }
      case POWER -> { for (int i = oo; i < e; i++) o[i] = pow(a[i + da], b[i + db]); }
      default -> throw new IllegalStateException(k + " on floats");
    }
  }

  /** IEEE/C pow: unlike Math.pow, pow(1, y) = 1 for every y and pow(−1, ±∞) = 1. */
  static double pow(double a, double b) {
    if (a == 1.0 || (a == -1.0 && Double.isInfinite(b))) return 1.0;
    return Math.pow(a, b);
  }

  private static void ints(Kind k, boolean u, int[] a, int ao, int[] b, int bo, int[] o, int oo, int n) {
    int da = ao - oo, db = bo - oo, e = oo + n;
    switch (k) {
      case ADD -> { for (int i = oo; i < e; i++) o[i] = a[i + da] + b[i + db]; }
      case SUBTRACT -> { for (int i = oo; i < e; i++) o[i] = a[i + da] - b[i + db]; }
      case MULTIPLY -> { for (int i = oo; i < e; i++) o[i] = a[i + da] * b[i + db]; }
      case AND -> { for (int i = oo; i < e; i++) o[i] = a[i + da] & b[i + db]; }
      case OR -> { for (int i = oo; i < e; i++) o[i] = a[i + da] | b[i + db]; }
      case XOR -> { for (int i = oo; i < e; i++) o[i] = a[i + da] ^ b[i + db]; }
      // StableHLO: a shift by 32 or more gives 0 (Java would use the amount mod 32).
      case SHIFT_LEFT -> {
        for (int i = oo + IntKernels.shiftLeft(a, ao, b, bo, o, oo, n); i < e; i++) {
          int y = b[i + db];
          o[i] = (y & ~31) != 0 ? 0 : a[i + da] << y;
        }
      }
      case SHIFT_RIGHT_LOGICAL -> {
        for (int i = oo + IntKernels.shiftRightLogical(a, ao, b, bo, o, oo, n); i < e; i++) {
          int y = b[i + db];
          o[i] = (y & ~31) != 0 ? 0 : a[i + da] >>> y;
        }
      }
      default -> {
        for (int i = oo; i < e; i++) {
          int x = a[i + da], y = b[i + db];
          o[i] = switch (k) {
            case DIVIDE -> y == 0 ? -1 : (u ? Integer.divideUnsigned(x, y) : (x == Integer.MIN_VALUE && y == -1 ? x : x / y));
            case MAXIMUM -> u ? (Integer.compareUnsigned(x, y) >= 0 ? x : y) : Math.max(x, y);
            case MINIMUM -> u ? (Integer.compareUnsigned(x, y) <= 0 ? x : y) : Math.min(x, y);
            default -> throw new IllegalStateException(k + " on integers");
          };
        }
      }
    }
  }
}
