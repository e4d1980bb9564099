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
 * Elementwise functions of two operands of equal type (broadcasting is done by {@link Ops} with broadcast_in_dim
 * before a binary primitive is applied, as in StableHLO). Integer arithmetic wraps; U32 compares unsigned; shifts
 * by 32 or more give 0, as StableHLO defines them.
 */
public record Binary(Kind kind) implements Primitive {
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
      case MULTIPLY -> Arrays.asList(g.mul(b), g.mul(a));
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
    int n = t.shape().size();
    Object r = Tensor.newArray(t.dtype(), n);
    switch (t.dtype()) {
      case F32 -> {
        float[] a = in[0].floats(), b = in[1].floats(), o = (float[]) r;
        ctx.parallelFor(n, 1 << 15, (s, e) -> f32(kind, a, b, o, s, e));
      }
      case F64 -> {
        double[] a = in[0].doubles(), b = in[1].doubles(), o = (double[]) r;
        ctx.parallelFor(n, 1 << 15, (s, e) -> f64(kind, a, b, o, s, e));
      }
      case S32, U32 -> {
        int[] a = in[0].ints(), b = in[1].ints(), o = (int[]) r;
        boolean u = t.dtype() == DType.U32;
        ctx.parallelFor(n, 1 << 15, (s, e) -> ints(kind, u, a, b, o, s, e));
      }
      case PRED -> {
        boolean[] a = in[0].bools(), b = in[1].bools(), o = (boolean[]) r;
        for (int i = 0; i < n; i++) {
          o[i] = switch (kind) {
            case AND, MULTIPLY, MINIMUM -> a[i] & b[i];
            case OR, ADD, MAXIMUM -> a[i] | b[i];
            case XOR -> a[i] ^ b[i];
            default -> throw new IllegalStateException(kind + " on PRED");
          };
        }
      }
    }
    return Tensor.wrap(t.dtype(), t.shape(), r);
  }

  private static void f32(Kind k, float[] a, float[] b, float[] o, int s, int e) {
    switch (k) {
      case ADD -> { for (int i = s; i < e; i++) o[i] = a[i] + b[i]; }
      case SUBTRACT -> { for (int i = s; i < e; i++) o[i] = a[i] - b[i]; }
      case MULTIPLY -> { for (int i = s; i < e; i++) o[i] = a[i] * b[i]; }
      case DIVIDE -> { for (int i = s; i < e; i++) o[i] = a[i] / b[i]; }
      case MAXIMUM -> { for (int i = s; i < e; i++) o[i] = Math.max(a[i], b[i]); }
      case MINIMUM -> { for (int i = s; i < e; i++) o[i] = Math.min(a[i], b[i]); }
      case POWER -> { for (int i = s; i < e; i++) o[i] = (float) pow(a[i], b[i]); }
      default -> throw new IllegalStateException(k + " on floats");
    }
  }

  private static void f64(Kind k, double[] a, double[] b, double[] o, int s, int e) {
    switch (k) {
      case ADD -> { for (int i = s; i < e; i++) o[i] = a[i] + b[i]; }
      case SUBTRACT -> { for (int i = s; i < e; i++) o[i] = a[i] - b[i]; }
      case MULTIPLY -> { for (int i = s; i < e; i++) o[i] = a[i] * b[i]; }
      case DIVIDE -> { for (int i = s; i < e; i++) o[i] = a[i] / b[i]; }
      case MAXIMUM -> { for (int i = s; i < e; i++) o[i] = Math.max(a[i], b[i]); }
      case MINIMUM -> { for (int i = s; i < e; i++) o[i] = Math.min(a[i], b[i]); }
      case POWER -> { for (int i = s; i < e; i++) o[i] = pow(a[i], b[i]); }
      default -> throw new IllegalStateException(k + " on floats");
    }
  }

  /** IEEE/C pow: unlike Math.pow, pow(1, y) = 1 for every y and pow(−1, ±∞) = 1. */
  static double pow(double a, double b) {
    if (a == 1.0 || (a == -1.0 && Double.isInfinite(b))) return 1.0;
    return Math.pow(a, b);
  }

  private static void ints(Kind k, boolean u, int[] a, int[] b, int[] o, int s, int e) {
    for (int i = s; i < e; i++) {
      int x = a[i], y = b[i];
      o[i] = switch (k) {
        case ADD -> x + y;
        case SUBTRACT -> x - y;
        case MULTIPLY -> x * y;
        case DIVIDE -> y == 0 ? -1 : (u ? Integer.divideUnsigned(x, y) : (x == Integer.MIN_VALUE && y == -1 ? x : x / y));
        case MAXIMUM -> u ? (Integer.compareUnsigned(x, y) >= 0 ? x : y) : Math.max(x, y);
        case MINIMUM -> u ? (Integer.compareUnsigned(x, y) <= 0 ? x : y) : Math.min(x, y);
        case AND -> x & y;
        case OR -> x | y;
        case XOR -> x ^ y;
        case SHIFT_LEFT -> Integer.toUnsignedLong(y) >= 32 ? 0 : x << y;
        case SHIFT_RIGHT_LOGICAL -> Integer.toUnsignedLong(y) >= 32 ? 0 : x >>> y;
        case POWER -> throw new IllegalStateException("power on integers");
      };
    }
  }
}
