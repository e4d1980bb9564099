package dev.kiln.core.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * 32-bit integer elementwise kernels in vector lanes, for the draws' words (dropout's uniform from its bits): logical
 * shifts with StableHLO's rule (an amount of 32 or more gives 0) and the exact conversion of U32 to float. Each
 * returns where its whole vectors end; the caller does the rest element by element.
 */
public final class IntKernels {
  private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;

  private IntKernels() {}

  /** o[oo+i] = a[ao+i] << b[bo+i], or 0 where the amount is outside [0, 32). */
  public static int shiftLeft(int[] a, int ao, int[] b, int bo, int[] o, int oo, int n) {
    int end = I.loopBound(n);
    for (int i = 0; i < end; i += I.length()) {
      IntVector y = IntVector.fromArray(I, b, bo + i);
      IntVector.fromArray(I, a, ao + i).lanewise(VectorOperators.LSHL, y).blend(0, outOfRange(y)).intoArray(o, oo + i);
    }
    return end;
  }

  /** o[oo+i] = a[ao+i] >>> b[bo+i], or 0 where the amount is outside [0, 32). */
  public static int shiftRightLogical(int[] a, int ao, int[] b, int bo, int[] o, int oo, int n) {
    int end = I.loopBound(n);
    for (int i = 0; i < end; i += I.length()) {
      IntVector y = IntVector.fromArray(I, b, bo + i);
      IntVector.fromArray(I, a, ao + i).lanewise(VectorOperators.LSHR, y).blend(0, outOfRange(y)).intoArray(o, oo + i);
    }
    return end;
  }

  private static jdk.incubator.vector.VectorMask<Integer> outOfRange(IntVector amount) {
    return amount.and(~31).compare(VectorOperators.NE, 0);
  }

  /**
   * o[oo+i] = the U32 a[ao+i] rounded to float, as (float) Integer.toUnsignedLong would: the high and low 16 bits
   * convert exactly, the high half's scaling by 2^16 is exact, and their sum rounds once.
   */
  public static int unsignedToFloat(int[] a, int ao, float[] o, int oo, int n) {
    int end = I.loopBound(n);
    for (int i = 0; i < end; i += I.length()) {
      IntVector x = IntVector.fromArray(I, a, ao + i);
      FloatVector hi = (FloatVector) x.lanewise(VectorOperators.LSHR, 16).convert(VectorOperators.I2F, 0);
      FloatVector lo = (FloatVector) x.and(0xFFFF).convert(VectorOperators.I2F, 0);
      hi.mul(65536f).add(lo).intoArray(o, oo + i);
    }
    return end;
  }
}
