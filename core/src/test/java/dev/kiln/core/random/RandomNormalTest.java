package dev.kiln.core.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.core.cpu.VectorLog;
import dev.kiln.core.graph.Graph;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import org.junit.jupiter.api.Test;

/**
 * The fused normal draw is the composite it stands for, bit for bit, on the Java backend: same Threefry blocks,
 * same float32 (or float64) operations in the same order; odd sizes exercise the half that has no second word.
 */
class RandomNormalTest {
  static Graph draw(boolean fused, DType dtype, int... shape) {
    Tracer t = new Tracer();
    Value key = t.parameter("key", DType.U32, 2), counter = t.parameter("counter", DType.U32);
    return t.build(fused ? Threefry.normal(key, counter, dtype, shape)
        : Threefry.normalComposite(key, counter, dtype, shape));
  }

  @Test
  void fusedDrawsAreBitIdenticalToTheComposite() {
    try (JavaBackend be = new JavaBackend()) {
      for (DType d : new DType[] {DType.F32, DType.F64}) {
        for (int[] shape : new int[][] {{1}, {3, 7}, {64, 33}, {4096, 3}, {37, 29}, {33}, {999, 131}}) {
          for (int counter : new int[] {0, 1, 77, -5}) {
            Tensor key = Tensor.ofUnsigned(new int[] {0x12345678, (int) 0x9abcdef0L}, 2);
            Tensor c = Tensor.ofUnsigned(new int[] {counter}, new int[0]);
            Tensor fused = be.evaluate(draw(true, d, shape), key, c).get(0);
            Tensor composite = be.evaluate(draw(false, d, shape), key, c).get(0);
            if (d == DType.F32) {
              assertArrayEquals(composite.floats(), fused.floats(), d + " " + java.util.Arrays.toString(shape));
            } else {
              assertArrayEquals(composite.doubles(), fused.doubles(), d + " " + java.util.Arrays.toString(shape));
            }
          }
        }
      }
    }
  }

  /**
   * The draws' logarithms are taken in vector lanes ({@link VectorLog}), which agree with Math.log only to an ulp of
   * a double. Each 23-bit uniform has one argument (1 − u)(1 + u): over all 2^23 of them, the vector logarithm rounds
   * to the same float as {@code (float) Math.log}, the composite's, so the draw stays bit-identical for every word.
   */
  @Test
  void vectorLogarithmRoundsToTheCompositesFloatOnEveryArgument() {
    int n = 1 << 23;
    double[] logs = new double[n];
    for (int b = 0; b < n; b++) logs[b] = RandomNormal.logArgument32(RandomNormal.uniform32(b << 9));
    VectorLog.logInPlace(logs, n);
    int mismatches = 0, first = -1;
    for (int b = 0; b < n; b++) {
      float want = (float) Math.log(RandomNormal.logArgument32(RandomNormal.uniform32(b << 9)));
      if ((float) logs[b] != want) {
        if (first < 0) first = b;
        mismatches++;
      }
    }
    assertEquals(0, mismatches, "vector log rounds differently from Math.log; first at uniform bits " + first);
  }

  @Test
  void drawsLookNormal() {
    try (JavaBackend be = new JavaBackend()) {
      float[] x = be.evaluate(draw(true, DType.F32, 100_000), Tensor.ofUnsigned(new int[] {1, 2}, 2),
          Tensor.ofUnsigned(new int[] {3}, new int[0])).get(0).floats();
      double mean = 0, sq = 0;
      for (float v : x) {
        mean += v;
        sq += (double) v * v;
      }
      mean /= x.length;
      double var = sq / x.length - mean * mean;
      assertTrue(Math.abs(mean) < 0.02 && Math.abs(var - 1) < 0.02, "mean " + mean + ", variance " + var);
    }
  }

  @Test
  void theElementwiseLoweringDrawsTheSameWords() {
    try (JavaBackend be = new JavaBackend()) {
      for (int[] shape : new int[][] {{1}, {3, 7}, {64, 33}}) {
        Tracer t = new Tracer();
        Value key = t.parameter("key", DType.U32, 2), counter = t.parameter("counter", DType.U32);
        Graph g = t.build(Threefry.bitsComposite(key, counter, shape), Threefry.bitsElementwise(key, counter, shape));
        java.util.List<Tensor> out = be.evaluate(g, Tensor.ofUnsigned(new int[] {9, 8}, 2),
            Tensor.ofUnsigned(new int[] {12345}, new int[0]));
        assertArrayEquals(out.get(0).ints(), out.get(1).ints(), java.util.Arrays.toString(shape));
      }
    }
  }
}
