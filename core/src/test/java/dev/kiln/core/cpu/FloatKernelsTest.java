package dev.kiln.core.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The vector float arithmetic against Java's scalar operators, bit for bit (signed zeros, infinities and NaNs
 * included), at offsets and lengths that leave a scalar tail.
 */
class FloatKernelsTest {
  private static float[] draw(Random r, int n) {
    float[] v = new float[n];
    float[] special = {Float.NaN, 0f, -0f, 1f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE};
    for (int i = 0; i < n; i++) v[i] = r.nextInt(4) == 0 ? special[r.nextInt(special.length)] : (float) r.nextGaussian();
    return v;
  }

  @Test
  void binaryEqualsTheScalarOperators() {
    Random r = new Random(12);
    for (int n : new int[] {1, 15, 16, 17, 63, 1000}) {
      float[] a = draw(r, n + 3), b = draw(r, n + 5);
      for (FloatKernels.Op op : FloatKernels.Op.values()) {
        float[] got = new float[n + 2], want = new float[n + 2];
        FloatKernels.binary(op, a, 3, b, 5, got, 2, n);
        for (int i = 0; i < n; i++) {
          float x = a[3 + i], y = b[5 + i];
          want[2 + i] = switch (op) {
            case ADD -> x + y;
            case SUBTRACT -> x - y;
            case MULTIPLY -> x * y;
            case DIVIDE -> x / y;
            case MAXIMUM -> Math.max(x, y);
            case MINIMUM -> Math.min(x, y);
          };
        }
        assertArrayEquals(want, got, op + " n=" + n);
      }
    }
  }

  @Test
  void addToWidensAndAddsAsTheScalarLoop() {
    Random r = new Random(13);
    for (int n : new int[] {1, 7, 8, 9, 64, 1000}) {
      float[] f = draw(r, n + 3);
      double[] got = new double[n + 4], want = new double[n + 4];
      for (int i = 0; i < got.length; i++) got[i] = want[i] = r.nextGaussian() * 1e3;
      FloatKernels.addTo(got, 2, f, 3, n);
      for (int i = 0; i < n; i++) want[2 + i] += f[3 + i];
      assertArrayEquals(want, got, "n=" + n);
    }
  }

  @Test
  void batchNormRowKernelsEqualTheScalarLoops() {
    Random r = new Random(14);
    for (int n : new int[] {1, 7, 8, 9, 64, 130}) {
      float[] x = draw(r, n + 3), mean = draw(r, n), scale = draw(r, n);
      double[] got = new double[n + 2], want = new double[n + 2];
      for (int i = 0; i < got.length; i++) got[i] = want[i] = r.nextGaussian();
      FloatKernels.addSquaredDeviations(got, 2, x, 3, mean, n);
      for (int i = 0; i < n; i++) {
        float c = x[3 + i] - mean[i];
        want[2 + i] += c * c;
      }
      assertArrayEquals(want, got, "squared deviations n=" + n);
      float[] y = new float[n + 3], yWant = new float[n + 3];
      FloatKernels.centreAndScale(x, 3, mean, scale, y, n);
      for (int i = 0; i < n; i++) yWant[3 + i] = (x[3 + i] - mean[i]) * scale[i];
      assertArrayEquals(yWant, y, "centre and scale n=" + n);
    }
  }

  /**
   * exp and the logistic in double vector lanes against the scalar double-precision formula rounded to float: the
   * same float but where the vector exponential's last double bit changes the rounding (at most one float ulp), and
   * NaN, infinities, zeros and overflow exactly.
   */
  @Test
  void expAndLogisticMatchTheScalarDoubleFormula() {
    Random r = new Random(15);
    for (int n : new int[] {1, 7, 8, 9, 64, 100_000}) {
      float[] a = draw(r, n + 3);
      for (int i = 0; i < n; i += 5) a[3 + i] = (float) (r.nextGaussian() * 40);
      for (boolean logistic : new boolean[] {false, true}) {
        float[] got = new float[n + 2];
        int end = logistic ? FloatKernels.logistic(a, 3, got, 2, n) : FloatKernels.exp(a, 3, got, 2, n);
        assertTrue(end <= n && n - end < 16, "whole vectors end at " + end + " of " + n);
        for (int i = 0; i < end; i++) {
          double x = a[3 + i];
          float want = (float) (logistic ? 1.0 / (1.0 + Math.exp(-x)) : Math.exp(x));
          float g = got[2 + i];
          boolean same = Float.compare(want, g) == 0
              || (Float.isFinite(want) && want != 0f && Math.abs(Math.nextUp(want) - want) >= Math.abs(g - want));
          assertTrue(same, (logistic ? "logistic(" : "exp(") + x + "): " + g + ", scalar " + want);
        }
      }
    }
  }
}
