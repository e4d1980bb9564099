package dev.kiln.core.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 elementwise arithmetic in vector lanes, for the binary primitive and the fused regions built on it. C2 does
 * not vectorize the plain loop, since each operand has its own offset and the arrays may alias (docs/benchmarks.md).
 * Each operation is the scalar IEEE operation (max and min as Math.max and Math.min, NaN and signed zeros included),
 * so results are the scalar loop's exactly.
 */
public final class FloatKernels {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
  /** Floats as many as {@link #D} has lanes, to widen into one double vector. */
  private static final VectorSpecies<Float> HALF =
      VectorSpecies.of(float.class, VectorShape.forBitSize(D.vectorBitSize() / 2));

  /** The operations this class runs in vector lanes. */
  public enum Op { ADD, SUBTRACT, MULTIPLY, DIVIDE, MAXIMUM, MINIMUM }

  private FloatKernels() {}

  /**
   * o[oo+i] = a[ao+i] (op) b[bo+i] for i in [0, n). The operator is chosen once, outside the loop, and each operator's
   * loop is a method of its own with a constant operator, which the Vector API compiles to instructions (a switch per
   * vector, or six loops in one method, left calls to the API's Java fallback: docs/benchmarks.md).
   */
  public static void binary(Op op, float[] a, int ao, float[] b, int bo, float[] o, int oo, int n) {
    int end = switch (op) {
      case ADD -> add(a, ao, b, bo, o, oo, n);
      case SUBTRACT -> subtract(a, ao, b, bo, o, oo, n);
      case MULTIPLY -> multiply(a, ao, b, bo, o, oo, n);
      case DIVIDE -> divide(a, ao, b, bo, o, oo, n);
      case MAXIMUM -> maximum(a, ao, b, bo, o, oo, n);
      case MINIMUM -> minimum(a, ao, b, bo, o, oo, n);
    };
    for (int i = end; i < n; i++) {
      float x = a[ao + i], y = b[bo + i];
      o[oo + i] = switch (op) {
        case ADD -> x + y;
        case SUBTRACT -> x - y;
        case MULTIPLY -> x * y;
        case DIVIDE -> x / y;
        case MAXIMUM -> Math.max(x, y);
        case MINIMUM -> Math.min(x, y);
      };
    }
  }

  // One method per operator (see binary), each returning where its whole vectors end.
  private static int add(float[] a, int ao, float[] b, int bo, float[] o, int oo, int n) {
    int end = S.loopBound(n);
    for (int i = 0; i < end; i += S.length()) x(a, ao + i).add(x(b, bo + i)).intoArray(o, oo + i);
    return end;
  }

  private static int subtract(float[] a, int ao, float[] b, int bo, float[] o, int oo, int n) {
    int end = S.loopBound(n);
    for (int i = 0; i < end; i += S.length()) x(a, ao + i).sub(x(b, bo + i)).intoArray(o, oo + i);
    return end;
  }

  private static int multiply(float[] a, int ao, float[] b, int bo, float[] o, int oo, int n) {
    int end = S.loopBound(n);
    for (int i = 0; i < end; i += S.length()) x(a, ao + i).mul(x(b, bo + i)).intoArray(o, oo + i);
    return end;
  }

  private static int divide(float[] a, int ao, float[] b, int bo, float[] o, int oo, int n) {
    int end = S.loopBound(n);
    for (int i = 0; i < end; i += S.length()) x(a, ao + i).div(x(b, bo + i)).intoArray(o, oo + i);
    return end;
  }

  private static int maximum(float[] a, int ao, float[] b, int bo, float[] o, int oo, int n) {
    int end = S.loopBound(n);
    for (int i = 0; i < end; i += S.length()) {
      x(a, ao + i).lanewise(VectorOperators.MAX, x(b, bo + i)).intoArray(o, oo + i);
    }
    return end;
  }

  private static int minimum(float[] a, int ao, float[] b, int bo, float[] o, int oo, int n) {
    int end = S.loopBound(n);
    for (int i = 0; i < end; i += S.length()) {
      x(a, ao + i).lanewise(VectorOperators.MIN, x(b, bo + i)).intoArray(o, oo + i);
    }
    return end;
  }

  /**
   * o[oo+i] = (float) exp(a[ao+i]) computed in double, for i from 0 to where whole vectors of {@code n} end (the
   * return value; the caller does the rest): the scalar form's double-precision formula in double vector lanes. The
   * vector exponential may differ from Math.exp in a double's last bit, which after rounding to float agreed on every
   * one of 8 million draws in [−24, 24] (docs/benchmarks.md).
   */
  public static int exp(float[] a, int ao, float[] o, int oo, int n) {
    int end = HALF.loopBound(n);
    for (int i = 0; i < end; i += HALF.length()) {
      narrow(wide(a, ao + i).lanewise(VectorOperators.EXP), o, oo + i);
    }
    return end;
  }

  /** The logistic 1 / (1 + exp(−a)) in double, rounded to float, as {@link #exp}. */
  public static int logistic(float[] a, int ao, float[] o, int oo, int n) {
    int end = HALF.loopBound(n);
    DoubleVector one = DoubleVector.broadcast(D, 1.0);
    for (int i = 0; i < end; i += HALF.length()) {
      narrow(one.div(one.add(wide(a, ao + i).neg().lanewise(VectorOperators.EXP))), o, oo + i);
    }
    return end;
  }

  private static DoubleVector wide(float[] a, int at) {
    return (DoubleVector) FloatVector.fromArray(HALF, a, at).convertShape(VectorOperators.F2D, D, 0);
  }

  private static void narrow(DoubleVector v, float[] o, int at) {
    ((FloatVector) v.convertShape(VectorOperators.D2F, HALF, 0)).intoArray(o, at);
  }

  private static FloatVector x(float[] a, int at) {
    return FloatVector.fromArray(S, a, at);
  }

  /**
   * acc[ao+i] += f[fo+i] (widened to double) for i in [0, n): the float sums' accumulation, one lane per kept
   * element, so each element is summed in the same order as the scalar loop and the result is the same.
   */
  public static void addTo(double[] acc, int ao, float[] f, int fo, int n) {
    int i = 0;
    for (int end = HALF.loopBound(n); i < end; i += HALF.length()) {
      DoubleVector w = (DoubleVector) FloatVector.fromArray(HALF, f, fo + i).convertShape(VectorOperators.F2D, D, 0);
      DoubleVector.fromArray(D, acc, ao + i).add(w).intoArray(acc, ao + i);
    }
    for (; i < n; i++) acc[ao + i] += f[fo + i];
  }

  /**
   * acc[ao+i] += (float) (x[xo+i] − mean[i])² widened to double, for i in [0, n): batch normalization's variance
   * pass, lane per column as {@link #addTo}; the difference and square are float operations, as in the scalar form.
   */
  public static void addSquaredDeviations(double[] acc, int ao, float[] x, int xo, float[] mean, int n) {
    int i = 0;
    for (int end = HALF.loopBound(n); i < end; i += HALF.length()) {
      FloatVector c = FloatVector.fromArray(HALF, x, xo + i).sub(FloatVector.fromArray(HALF, mean, i));
      DoubleVector w = (DoubleVector) c.mul(c).convertShape(VectorOperators.F2D, D, 0);
      DoubleVector.fromArray(D, acc, ao + i).add(w).intoArray(acc, ao + i);
    }
    for (; i < n; i++) {
      float c = x[xo + i] - mean[i];
      acc[ao + i] += c * c;
    }
  }

  /**
   * y[xo+i] = (x[xo+i] − mean[i]) · scale[i] for i in [0, n), in float (y laid out as x): batch normalization's
   * output row.
   */
  public static void centreAndScale(float[] x, int xo, float[] mean, float[] scale, float[] y, int n) {
    int i = 0;
    for (int end = S.loopBound(n); i < end; i += S.length()) {
      FloatVector.fromArray(S, x, xo + i).sub(FloatVector.fromArray(S, mean, i))
          .mul(FloatVector.fromArray(S, scale, i)).intoArray(y, xo + i);
    }
    for (; i < n; i++) y[xo + i] = (x[xo + i] - mean[i]) * scale[i];
  }
}
