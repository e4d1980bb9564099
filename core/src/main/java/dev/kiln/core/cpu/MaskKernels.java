package dev.kiln.core.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 comparisons and selects with vector masks. As scalar loops they branch on every element, and on a ReLU's
 * mask (true about half the time, at random) the branches mispredict: measured at 2-3x the time of a multiply over
 * the same elements. The results are the scalar loops' exactly (IEEE comparisons; a select copies bits).
 */
public final class MaskKernels {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  private MaskKernels() {}

  /** o[oo+i] = a[ao+i] (op) b[bo+i] for i in [0, n). */
  public static void compare(VectorOperators.Comparison op, float[] a, int ao, float[] b, int bo, boolean[] o, int oo,
      int n) {
    int i = 0;
    for (int end = S.loopBound(n); i < end; i += S.length()) {
      FloatVector.fromArray(S, a, ao + i).compare(op, FloatVector.fromArray(S, b, bo + i)).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = FloatVector.broadcast(S, a[ao + i]).compare(op, b[bo + i]).laneIsSet(0);
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
