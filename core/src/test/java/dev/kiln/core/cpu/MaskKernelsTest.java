package dev.kiln.core.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import jdk.incubator.vector.VectorOperators;
import org.junit.jupiter.api.Test;

/**
 * The vector compare and select against Java's scalar operators, over NaNs, signed zeros and equal values, at
 * offsets and lengths that leave a scalar tail.
 */
class MaskKernelsTest {
  private static float[] draw(Random r, int n) {
    float[] v = new float[n];
    float[] special = {Float.NaN, 0f, -0f, 1f, Float.POSITIVE_INFINITY};
    for (int i = 0; i < n; i++) v[i] = r.nextInt(4) == 0 ? special[r.nextInt(special.length)] : r.nextInt(5) - 2;
    return v;
  }

  @Test
  void compareAndSelectEqualTheScalarOperators() {
    Random r = new Random(11);
    for (int n : new int[] {1, 15, 16, 17, 63, 1000}) {
      float[] a = draw(r, n + 3), b = draw(r, n + 5);
      VectorOperators.Comparison[] ops = {VectorOperators.EQ, VectorOperators.NE, VectorOperators.LT,
          VectorOperators.LE, VectorOperators.GT, VectorOperators.GE};
      for (int k = 0; k < ops.length; k++) {
        boolean[] got = new boolean[n + 2], want = new boolean[n + 2];
        MaskKernels.compare(ops[k], a, 3, b, 5, got, 2, n);
        for (int i = 0; i < n; i++) {
          float x = a[3 + i], y = b[5 + i];
          want[2 + i] = switch (k) {
            case 0 -> x == y;
            case 1 -> x != y;
            case 2 -> x < y;
            case 3 -> x <= y;
            case 4 -> x > y;
            default -> x >= y;
          };
        }
        assertArrayEquals(want, got, ops[k] + " n=" + n);
      }
      boolean[] p = new boolean[n + 1];
      for (int i = 0; i < p.length; i++) p[i] = r.nextBoolean();
      float[] got = new float[n + 4], want = new float[n + 4];
      MaskKernels.select(p, 1, a, 3, b, 5, got, 4, n);
      for (int i = 0; i < n; i++) want[4 + i] = p[1 + i] ? a[3 + i] : b[5 + i];
      assertArrayEquals(want, got, "select n=" + n);
    }
  }
}
