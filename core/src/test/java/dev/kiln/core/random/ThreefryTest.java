package dev.kiln.core.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Threefry-2x32 against the published known-answer vectors, and the statistics of its draws. */
class ThreefryTest {
  private static final JavaBackend BACKEND = new JavaBackend();

  @AfterAll
  static void close() {
    BACKEND.close();
  }

  private static Value u32(Tracer t, int v) {
    return t.constant(Tensor.wrap(DType.U32, Shape.scalar(), new int[] {v}));
  }

  private static int[] hash(int k0, int k1, int x0, int x1) {
    Tracer t = new Tracer();
    Value[] y = Threefry.hash(u32(t, k0), u32(t, k1), t.constant(Tensor.ofUnsigned(new int[] {x0}, 1)),
        t.constant(Tensor.ofUnsigned(new int[] {x1}, 1)));
    List<Tensor> out = BACKEND.evaluate(t.build(y[0], y[1]));
    return new int[] {out.get(0).ints()[0], out.get(1).ints()[0]};
  }

  @Test
  void matchesRandom123KnownAnswers() {
    assertArrayEquals(new int[] {0x6b200159, 0x99ba4efe}, hash(0, 0, 0, 0));
    assertArrayEquals(new int[] {0x1cb996fc, 0xbb002be7}, hash(-1, -1, -1, -1));
    assertArrayEquals(new int[] {0xc4923a9c, 0x483df7a0}, hash(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3));
  }

  private static Tensor draw(long seed, int counter, boolean normal, int n) {
    Tracer t = new Tracer();
    Value key = Threefry.key(t, seed);
    Value c = u32(t, counter);
    Value v = normal ? Threefry.normal(key, c, DType.F64, n) : Threefry.bits(key, c, n);
    return BACKEND.evaluate(t.build(v)).get(0);
  }

  @Test
  void sameKeyAndCounterGiveTheSameBits() {
    assertArrayEquals(draw(42, 7, false, 1001).ints(), draw(42, 7, false, 1001).ints());
  }

  @Test
  void differentCountersAndSeedsGiveUncorrelatedStreams() {
    int n = 20000;
    int[] a = draw(42, 0, false, n).ints();
    int[] b = draw(42, 1, false, n).ints();
    int[] c = draw(43, 0, false, n).ints();
    for (int[] other : new int[][] {b, c}) {
      int same = 0;
      double sx = 0, sy = 0, sxy = 0, sxx = 0, syy = 0;
      for (int i = 0; i < n; i++) {
        if (a[i] == other[i]) same++;
        double x = Integer.toUnsignedLong(a[i]), y = Integer.toUnsignedLong(other[i]);
        sx += x; sy += y; sxy += x * y; sxx += x * x; syy += y * y;
      }
      double cov = sxy / n - sx / n * sy / n;
      double corr = cov / Math.sqrt((sxx / n - sx / n * sx / n) * (syy / n - sy / n * sy / n));
      assertTrue(same < 3, "streams share " + same + " words");
      assertTrue(Math.abs(corr) < 4 / Math.sqrt(n), "correlation " + corr);
    }
    // bits are balanced: each of the 32 bit positions is set about half the time
    for (int bit = 0; bit < 32; bit++) {
      int ones = 0;
      for (int v : a) ones += (v >>> bit) & 1;
      assertTrue(Math.abs(ones - n / 2.0) < 5 * Math.sqrt(n / 4.0), "bit " + bit + " set " + ones + " of " + n);
    }
  }

  @Test
  void normalDrawsHaveMeanZeroVarianceOneAndNormalTails() {
    int n = 200_000;
    double[] z = draw(7, 3, true, n).doubles();
    double mean = 0, m2 = 0;
    int beyond2 = 0;
    for (double v : z) {
      mean += v;
      m2 += v * v;
      if (Math.abs(v) > 2) beyond2++;
    }
    mean /= n;
    double var = m2 / n - mean * mean;
    assertEquals(0, mean, 4 / Math.sqrt(n), "mean");
    assertEquals(1, var, 0.02, "variance");
    // P(|Z| > 2) = 0.0455
    assertEquals(0.0455, beyond2 / (double) n, 0.003, "two-sigma tail mass");
  }

  @Test
  void normalDrawsAreFiniteAtTheExtremeWordsInFloat32() {
    Tracer t = new Tracer();
    Value bits = t.constant(Tensor.ofUnsigned(new int[] {0, -1, 0x80000000, 0x7FFFFFFF, 511, -512}, 6));
    float[] z = BACKEND.evaluate(t.build(Threefry.normalFromBits(bits, DType.F32))).get(0).floats();
    for (float v : z) assertTrue(Float.isFinite(v) && Math.abs(v) < 6, "normal draw " + v);
    assertTrue(z[0] < -5 && z[1] > 5, "extreme words map to the tails: " + z[0] + ", " + z[1]);
  }

  @Test
  void uniformDrawsCoverTheUnitInterval() {
    Tracer t = new Tracer();
    Value u = Threefry.uniform(Threefry.key(t, 1), u32(t, 0), DType.F32, 100, 100);
    float[] a = BACKEND.evaluate(t.build(u)).get(0).floats();
    int[] bins = new int[10];
    for (float v : a) {
      assertTrue(v >= 0 && v < 1, "uniform draw " + v + " outside [0, 1)");
      bins[(int) (v * 10)]++;
    }
    for (int b : bins) assertEquals(1000, b, 150, "decile count");
  }

  @Test
  void vectorBlocksGiveEachLaneTheScalarBlock() {
    int lanes = Threefry.LANES.length();
    int[] y = new int[2], y0 = new int[lanes], y1 = new int[lanes];
    for (int i0 : new int[] {0, 7, Integer.MAX_VALUE - 2, -5}) {
      Threefry.blocks(0x12345678, 0x9abcdef0, 0x12345678 ^ 0x9abcdef0 ^ Threefry.PARITY, 77, i0, y0, 0, y1, 0);
      for (int l = 0; l < lanes; l++) {
        Threefry.block(0x12345678, 0x9abcdef0, 0x12345678 ^ 0x9abcdef0 ^ Threefry.PARITY, 77, i0 + l, y);
        org.junit.jupiter.api.Assertions.assertEquals(y[0], y0[l], "word 0, block " + (i0 + l));
        org.junit.jupiter.api.Assertions.assertEquals(y[1], y1[l], "word 1, block " + (i0 + l));
      }
    }
  }
}
