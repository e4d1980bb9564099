package dev.kiln.core.op;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.core.graph.Autodiff;
import dev.kiln.core.graph.ShapeException;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The batch_normalize kernel and its closed-form gradient at sizes the conformance specs do not reach: many row
 * blocks (the kernel's parallel partial sums), several slabs (groups), a mean far from zero. The reference is the
 * composite evaluated in float64, and its gradient by Kiln's autodiff of that composite, also in float64.
 */
class BatchNormalizeTest {
  private static List<Tensor> run(boolean primitive, DType d, Tensor x, Tensor w, int[] dims) {
    Tracer t = new Tracer();
    Value xv = t.parameter("x", d, x.shape().dims()), wv = t.parameter("w", d, w.shape().dims());
    Value y = primitive ? Ops.batchNormalize(xv, 1e-3, dims) : BatchNormalize.composite(xv, dims, 1e-3);
    Value loss = Ops.sum(y.mul(wv));
    Value gx = Autodiff.grad(loss, List.of(xv)).get(0);
    try (JavaBackend be = new JavaBackend()) {
      return be.evaluate(t.build(y, gx), x, w);
    }
  }

  private static Tensor draw(Random r, DType d, double offset, int... dims) {
    int n = 1;
    for (int k : dims) n *= k;
    double[] v = new double[n];
    for (int i = 0; i < n; i++) v[i] = offset + 3 * r.nextGaussian();
    if (d == DType.F64) return Tensor.of(v, dims);
    float[] f = new float[n];
    for (int i = 0; i < n; i++) f[i] = (float) v[i];
    return Tensor.of(f, dims);
  }

  private static double maxError(Tensor got, Tensor want) {
    double m = 0;
    double[] w = want.doubles();
    for (int i = 0; i < w.length; i++) {
      double g = got.dtype() == DType.F32 ? got.floats()[i] : got.doubles()[i];
      m = Math.max(m, Math.abs(g - w[i]) / (1 + Math.abs(w[i])));
    }
    return m;
  }

  @Test
  void matchesTheFloat64CompositeAtScale() {
    Random r = new Random(7);
    for (int[][] c : new int[][][] {{{3000, 3, 5}, {0, 1}}, {{4, 700, 2, 6}, {1, 2}}, {{5, 8}, {0}}}) {
      int[] shape = c[0], dims = c[1];
      Tensor x = draw(r, DType.F32, 40, shape), w = draw(r, DType.F32, 0, shape);
      Tensor x64 = Tensor.of(toDoubles(x), shape), w64 = Tensor.of(toDoubles(w), shape);
      List<Tensor> want = run(false, DType.F64, x64, w64, dims);
      List<Tensor> got32 = run(true, DType.F32, x, w, dims), got64 = run(true, DType.F64, x64, w64, dims);
      String what = java.util.Arrays.toString(shape) + " over " + java.util.Arrays.toString(dims);
      assertTrue(maxError(got32.get(0), want.get(0)) < 2e-5, what + ": x̂ " + maxError(got32.get(0), want.get(0)));
      assertTrue(maxError(got32.get(1), want.get(1)) < 2e-4, what + ": dx " + maxError(got32.get(1), want.get(1)));
      assertTrue(maxError(got64.get(0), want.get(0)) < 1e-12, what + ": x̂ in f64");
      assertTrue(maxError(got64.get(1), want.get(1)) < 1e-10, what + ": dx in f64");
    }
  }

  @Test
  void sameNumbersWhateverTheThreadCount() {
    Tensor x = draw(new Random(3), DType.F32, 1, 5000, 4);
    float[] a, b;
    try (JavaBackend one = new JavaBackend(new dev.kiln.core.cpu.CpuContext(1));
        JavaBackend two = new JavaBackend(new dev.kiln.core.cpu.CpuContext(2))) {
      Tracer t = new Tracer();
      Value xv = t.parameter("x", DType.F32, 5000, 4);
      var g = t.build(Ops.batchNormalize(xv, 1e-3, 0));
      a = one.evaluate(g, x).get(0).floats();
      b = two.evaluate(g, x).get(0).floats();
    }
    org.junit.jupiter.api.Assertions.assertArrayEquals(a, b);
  }

  @Test
  void rejectsDimensionsThatAreNotConsecutive() {
    Tracer t = new Tracer();
    Value x = t.parameter("x", DType.F32, 2, 3, 4);
    ShapeException e = assertThrows(ShapeException.class, () -> Ops.batchNormalize(x, 1e-3, 0, 2));
    assertTrue(e.getMessage().contains("consecutive"), e.getMessage());
    assertThrows(ShapeException.class, () -> Ops.batchNormalize(x, 0, 0));
    assertEquals(x.type(), Ops.batchNormalize(x, 1e-3, 1, 2).type());
  }

  private static double[] toDoubles(Tensor t) {
    float[] f = t.floats();
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) d[i] = f[i];
    return d;
  }
}
