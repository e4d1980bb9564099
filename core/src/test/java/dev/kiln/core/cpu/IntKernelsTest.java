package dev.kiln.core.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The vector integer kernels against the scalar rules, bit for bit, at offsets and lengths that leave a tail: shifts
 * by amounts inside and outside [0, 32), and U32 to float over the whole range (exact below 2^24, rounded to nearest
 * even above, the largest words rounding up to 2^32).
 */
class IntKernelsTest {
  private static int[] words(Random r, int n) {
    int[] special = {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 0xFFFFFF, 0x1000001, 0xFFFFFF80, 0x7FFFFFC0};
    int[] v = new int[n];
    for (int i = 0; i < n; i++) v[i] = r.nextInt(4) == 0 ? special[r.nextInt(special.length)] : r.nextInt();
    return v;
  }

  @Test
  void shiftsFollowStableHlo() {
    Random r = new Random(21);
    for (int n : new int[] {1, 15, 16, 17, 100, 1000}) {
      int[] a = words(r, n + 3), b = new int[n + 5];
      for (int i = 0; i < b.length; i++) b[i] = r.nextInt(3) == 0 ? r.nextInt() : r.nextInt(40);
      for (boolean left : new boolean[] {true, false}) {
        int[] got = new int[n + 2], want = new int[n + 2];
        int end = left ? IntKernels.shiftLeft(a, 3, b, 5, got, 2, n)
            : IntKernels.shiftRightLogical(a, 3, b, 5, got, 2, n);
        for (int i = 0; i < end; i++) {
          int x = a[3 + i], y = b[5 + i];
          want[2 + i] = (y & ~31) != 0 ? 0 : left ? x << y : x >>> y;
        }
        assertArrayEquals(want, got, (left ? "shift left" : "shift right logical") + " n=" + n);
      }
    }
  }

  @Test
  void unsignedToFloatRoundsAsTheLongConversion() {
    Random r = new Random(22);
    for (int n : new int[] {1, 15, 16, 17, 100_000}) {
      int[] a = words(r, n + 3);
      float[] got = new float[n + 2], want = new float[n + 2];
      int end = IntKernels.unsignedToFloat(a, 3, got, 2, n);
      for (int i = 0; i < end; i++) want[2 + i] = (float) Integer.toUnsignedLong(a[3 + i]);
      assertArrayEquals(want, got, "n=" + n);
    }
  }
}
