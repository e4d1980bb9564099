package dev.kiln.core.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 comparisons and selects with vector masks. As scalar loops they branch on every element, and on a ReLU's
 * mask (true about half the time, at random) the branches mispredict (docs/benchmarks.md). The results are the
 * scalar loops' exactly (IEEE comparisons; a select copies bits).
 */
public final class MaskKernels {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  private MaskKernels() {}

  /**
   * o[oo+i] = a[ao+i] (op) b[bo+i] for i in [0, n). The Vector API compiles a comparison to vector instructions only
   * when its operator is a constant where it is called (a variable operator ran the API's scalar fallback: a JFR
   * profile of the seed's step showed this loop in FloatVector.compareTemplate throughout), so each operator has its
   * own constant call site.
   */
  public static void compare(VectorOperators.Comparison op, float[] a, int ao, float[] b, int bo, boolean[] o, int oo,
      int n) {
    int kind = op == VectorOperators.EQ ? 0 : op == VectorOperators.NE ? 1 : op == VectorOperators.LT ? 2
        : op == VectorOperators.LE ? 3 : op == VectorOperators.GT ? 4 : op == VectorOperators.GE ? 5 : -1;
    if (kind < 0) throw new IllegalArgumentException("not a float comparison: " + op);
    int i = 0;
    for (int end = S.loopBound(n); i < end; i += S.length()) {
      FloatVector x = FloatVector.fromArray(S, a, ao + i), y = FloatVector.fromArray(S, b, bo + i);
      VectorMask<Float> m = switch (kind) {
        case 0 -> x.compare(VectorOperators.EQ, y);
        case 1 -> x.compare(VectorOperators.NE, y);
        case 2 -> x.compare(VectorOperators.LT, y);
        case 3 -> x.compare(VectorOperators.LE, y);
        case 4 -> x.compare(VectorOperators.GT, y);
        default -> x.compare(VectorOperators.GE, y);
      };
      m.intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      float x = a[ao + i], y = b[bo + i];
      o[oo + i] = switch (kind) {
        case 0 -> x == y;
        case 1 -> x != y;
        case 2 -> x < y;
        case 3 -> x <= y;
        case 4 -> x > y;
        default -> x >= y;
      };
    }
  }

  /** o[oo+i] = p[po+i] ? a[ao+i] : b[bo+i] for i in [0, n). */
  public static void select(boolean[] p, int po, float[] a, int ao, float[] b, int bo, float[] o, int oo, int n) {
    int i = 0;
    for (int end = S.loopBound(n); i < end; i += S.length()) {
      VectorMask<Float> m = VectorMask.fromArray(S, p, po + i);
      FloatVector.fromArray(S, b, bo + i).blend(FloatVector.fromArray(S, a, ao + i), m).intoArray(o, oo + i);
    }
    for (; i < n; i++) o[oo + i] = p[po + i] ? a[ao + i] : b[bo + i];
  }
}
