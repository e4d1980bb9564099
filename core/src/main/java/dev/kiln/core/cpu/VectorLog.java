package dev.kiln.core.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The natural logarithm of positive, finite, normal doubles in vector lanes. The argument is split as 2^e·m with m in
 * [√2/2, √2); log m = 2·atanh(s), s = (m − 1)/(m + 1), by the classic minimax polynomial in s² whose error is below
 * 2^-58 (Cody and Waite's reduction, the coefficients of fdlibm's log); log 2 is split in two so that e·log 2 adds
 * no rounding. Every step is an IEEE double operation, so the result does not depend on the vector width.
 *
 * <p>It is within an ulp or so of {@link Math#log}, not equal to it; rounded to float it is what the Java backend's
 * normal draws need, and {@code RandomNormalTest} checks over all 2^23 of their arguments that it rounds to the same
 * float as {@code (float) Math.log}. It exists because calling Math.log per element is far slower (docs/benchmarks.md).
 */
public final class VectorLog {
  private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
  private static final double LG1 = 6.666666666666735130e-01, LG2 = 3.999999999940941908e-01;
  private static final double LG3 = 2.857142874366239149e-01, LG4 = 2.222219843214978396e-01;
  private static final double LG5 = 1.818357216161805012e-01, LG6 = 1.531383769920937332e-01;
  private static final double LG7 = 1.479819860511658591e-01;
  private static final double LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;
  private static final double SQRT2 = 1.4142135623730951;

  private VectorLog() {}

  /** x[i] = log(x[i]) for i in [0, n): x positive, finite and normal (the tail past the last full vector by Math.log). */
  public static void logInPlace(double[] x, int n) {
    int i = 0;
    for (int end = D.loopBound(n); i < end; i += D.length()) {
      DoubleVector v = DoubleVector.fromArray(D, x, i);
      LongVector bits = (LongVector) v.viewAsIntegralLanes();
      // The biased exponent as a double without a long-to-double conversion, which AVX2 lacks (the Vector API's
      // scalar fallback slowed the whole draw there: docs/benchmarks.md): the low mantissa bits of 2^52 + exponent.
      DoubleVector biased = (DoubleVector) bits.lanewise(VectorOperators.LSHR, 52).or(0x4330000000000000L)
          .viewAsFloatingLanes();
      DoubleVector k = biased.sub(0x1p52).sub(1023.0);
      DoubleVector m = (DoubleVector) bits.and(0x000FFFFFFFFFFFFFL).or(0x3FF0000000000000L).viewAsFloatingLanes();
      VectorMask<Double> high = m.compare(VectorOperators.GT, SQRT2);
      m = m.blend(m.mul(0.5), high);
      k = k.blend(k.add(1.0), high);
      DoubleVector f = m.sub(1.0);
      DoubleVector s = f.div(f.add(2.0));
      DoubleVector z = s.mul(s), w = z.mul(z);
      DoubleVector odd = w.mul(w.mul(w.mul(LG6).add(LG4)).add(LG2));
      DoubleVector even = z.mul(w.mul(w.mul(w.mul(LG7).add(LG5)).add(LG3)).add(LG1));
      DoubleVector halfF2 = f.mul(f).mul(0.5);
      DoubleVector r = even.add(odd);
      k.mul(LN2_HI).sub(halfF2.sub(s.mul(halfF2.add(r)).add(k.mul(LN2_LO))).sub(f)).intoArray(x, i);
    }
    for (; i < n; i++) x[i] = Math.log(x[i]);
  }
}
