package dev.kiln.core.conformance;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.graph.Primitive;
import dev.kiln.core.graph.Value;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * One conformance case: a small function of random inputs that exercises a primitive. The same specs drive the
 * finite-difference gradient checks (in F64), the Java-vs-PJRT parity suite (in F32, forward and VJP graphs) and
 * {@code kiln check}. Float inputs take the suite's float type; integer and PRED inputs keep theirs.
 *
 * @param fdStep finite-difference step for gradient checks; 0 when the VJP deliberately differs from the
 *     derivative (stop_gradient)
 * @param fdTolerance relative tolerance of gradient checks
 */
public record Spec(String name, Class<? extends Primitive> covers, List<Input> inputs, Function<List<Value>, Value> f,
    boolean differentiable, double fdStep, double fdTolerance) {

  /** How to draw one input. */
  public record Input(int[] dims, Draw draw, double lo, double hi) {
    /** The distribution of an input. */
    public enum Draw { UNIFORM, AWAY_FROM_ZERO, PRED, U32, S32, NON_FINITE }

    public static Input uniform(double lo, double hi, int... dims) {
      return new Input(dims, Draw.UNIFORM, lo, hi);
    }

    /** Magnitude in [lo, hi], random sign: keeps abs/sign/divide away from their kinks. */
    public static Input away(double lo, double hi, int... dims) {
      return new Input(dims, Draw.AWAY_FROM_ZERO, lo, hi);
    }

    /** Uniform in [lo, hi), with about a third of the elements NaN, +Inf or -Inf: for NaN and ±Inf semantics. */
    public static Input nonFinite(double lo, double hi, int... dims) {
      return new Input(dims, Draw.NON_FINITE, lo, hi);
    }

    public static Input pred(int... dims) {
      return new Input(dims, Draw.PRED, 0, 1);
    }

    public static Input u32(int... dims) {
      return new Input(dims, Draw.U32, 0, 0);
    }

    public static Input s32(int lo, int hi, int... dims) {
      return new Input(dims, Draw.S32, lo, hi);
    }

    /** A random tensor; float draws use {@code floatType}. */
    public Tensor make(DType floatType, Random r) {
      int n = Shape.of(dims).size();
      Shape s = Shape.of(dims);
      switch (draw) {
        case PRED -> {
          boolean[] b = new boolean[n];
          for (int i = 0; i < n; i++) b[i] = r.nextBoolean();
          return Tensor.wrap(DType.PRED, s, b);
        }
        case U32 -> {
          int[] a = new int[n];
          for (int i = 0; i < n; i++) a[i] = r.nextInt();
          return Tensor.wrap(DType.U32, s, a);
        }
        case S32 -> {
          int[] a = new int[n];
          for (int i = 0; i < n; i++) a[i] = (int) lo + r.nextInt((int) (hi - lo) + 1);
          return Tensor.wrap(DType.S32, s, a);
        }
        default -> {
          double[] d = new double[n];
          for (int i = 0; i < n; i++) {
            d[i] = lo + (hi - lo) * r.nextDouble();
            if (draw == Draw.AWAY_FROM_ZERO && r.nextBoolean()) d[i] = -d[i];
            if (draw == Draw.NON_FINITE && r.nextInt(3) == 0) d[i] = SPECIAL[r.nextInt(SPECIAL.length)];
          }
          if (floatType == DType.F64) return Tensor.wrap(DType.F64, s, d);
          float[] f = new float[n];
          for (int i = 0; i < n; i++) f[i] = (float) d[i];
          return Tensor.wrap(DType.F32, s, f);
        }
      }
    }
  }

  private static final double[] SPECIAL = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};

  /** A differentiable spec with the default finite-difference settings. */
  public static Spec of(String name, Class<? extends Primitive> covers, Function<List<Value>, Value> f,
      Input... inputs) {
    return new Spec(name, covers, List.of(inputs), f, true, 1e-6, 1e-6);
  }

  /** A spec without gradient (integer, PRED or index-valued results). */
  public static Spec forwardOnly(String name, Class<? extends Primitive> covers, Function<List<Value>, Value> f,
      Input... inputs) {
    return new Spec(name, covers, List.of(inputs), f, false, 0, 0);
  }

  public Spec withFiniteDifference(double step, double tolerance) {
    return new Spec(name, covers, inputs, f, differentiable, step, tolerance);
  }
}
