package dev.kiln.core.op;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.core.graph.Graph;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * NaN and ±Inf through the Java backend's ops give what XLA (and so TensorFlow) gives: relu, maximum and minimum
 * propagate NaN, abs and sign keep NaN, ordered comparisons with NaN are false and != is true, a max reduction over a
 * NaN is NaN. Each check runs with and without elementwise fusion, on 67 elements (whole vectors and a scalar tail),
 * with the special values at several positions. The expected values are written out, not taken from another run of
 * the same code: the float64 reference of the conformance suite shares the Java kernels and could not catch them.
 */
class NonFiniteSemanticsTest {
  private static final float NAN = Float.NaN;
  private static final float INF = Float.POSITIVE_INFINITY;
  private static final int N = 67;

  /** x[i] cycles through NaN, +Inf, -Inf, 2, -2, 0.5; y[i] is 1 throughout. */
  private static float[] specials() {
    float[] cycle = {NAN, INF, -INF, 2f, -2f, 0.5f};
    float[] x = new float[N];
    for (int i = 0; i < N; i++) x[i] = cycle[i % cycle.length];
    return x;
  }

  private static float[] run(UnaryOperator<Value> f, float[] x) {
    Tracer t = new Tracer();
    Value p = t.parameter("x", DType.F32, N);
    return evaluate(t.build(f.apply(p)), Tensor.of(x, N));
  }

  private static float[] run(BinaryOperator<Value> f, float[] x, float[] y) {
    Tracer t = new Tracer();
    Value p = t.parameter("x", DType.F32, N);
    Value q = t.parameter("y", DType.F32, N);
    return evaluate(t.build(f.apply(p, q)), Tensor.of(x, N), Tensor.of(y, N));
  }

  /** The graph's one output on the fused and the unfused backend, which must agree bit for bit. */
  private static float[] evaluate(Graph g, Tensor... in) {
    try (CpuContext c1 = new CpuContext(2); CpuContext c2 = new CpuContext(2)) {
      List<Tensor> fused = new JavaBackend(c1, true).evaluate(g, in);
      List<Tensor> plain = new JavaBackend(c2, false).evaluate(g, in);
      double[] a = fused.get(0).toDoubleArray();
      double[] b = plain.get(0).toDoubleArray();
      float[] out = new float[a.length];
      for (int i = 0; i < a.length; i++) {
        assertEquals(Double.doubleToLongBits(b[i]), Double.doubleToLongBits(a[i]), "fused vs plain at " + i);
        out[i] = (float) a[i];
      }
      return out;
    }
  }

  private static void assertElementwise(float[] x, float[] got, UnaryOperator<Float> want, String what) {
    for (int i = 0; i < x.length; i++) {
      float w = want.apply(x[i]);
      assertTrue(Float.isNaN(w) ? Float.isNaN(got[i]) : w == got[i], what + "(" + x[i] + ") = " + got[i] + ", want " + w);
    }
  }

  @Test
  void reluPropagatesNaNAndClampsOnlyOrderedValues() {
    float[] x = specials();
    assertElementwise(x, run(Ops::relu, x), v -> Float.isNaN(v) ? NAN : v > 0 ? v : 0f, "relu");
    // Inside a fused chain as in a layer: relu(x * 1 + 0).
    assertElementwise(x, run((a, b) -> Ops.relu(a.mul(b).add(0.0)), x, ones()), v -> Float.isNaN(v) ? NAN
        : v > 0 ? v : 0f, "relu(x*1+0)");
  }

  @Test
  void maximumAndMinimumPropagateNaNFromEitherSide() {
    float[] x = specials();
    float[] one = ones();
    assertElementwise(x, run(Ops::max, x, one), v -> Float.isNaN(v) ? NAN : Math.max(v, 1f), "max(x, 1)");
    assertElementwise(x, run((a, b) -> Ops.max(b, a), x, one), v -> Float.isNaN(v) ? NAN : Math.max(v, 1f),
        "max(1, x)");
    assertElementwise(x, run(Ops::min, x, one), v -> Float.isNaN(v) ? NAN : Math.min(v, 1f), "min(x, 1)");
    assertElementwise(x, run((a, b) -> Ops.min(b, a), x, one), v -> Float.isNaN(v) ? NAN : Math.min(v, 1f),
        "min(1, x)");
  }

  @Test
  void absAndSignKeepNaNAndHandleInfinities() {
    float[] x = specials();
    assertElementwise(x, run(Ops::abs, x), v -> Float.isNaN(v) ? NAN : v < 0 ? -v : v, "abs");
    assertElementwise(x, run(Ops::sign, x), v -> Float.isNaN(v) ? NAN : v > 0 ? 1f : v < 0 ? -1f : 0f, "sign");
  }

  @Test
  void orderedComparisonsWithNaNAreFalseAndNotEqualIsTrue() {
    float[] x = specials();
    float[] y = specials(); // NaN against NaN at the same positions
    for (Ops.Cmp c : Ops.Cmp.values()) {
      float[] got = run((a, b) -> Ops.convert(Ops.compare(a, c, b), DType.F32), x, y);
      for (int i = 0; i < N; i++) {
        boolean nan = Float.isNaN(x[i]);
        boolean want = nan ? c == Ops.Cmp.NE : c == Ops.Cmp.EQ || c == Ops.Cmp.LE || c == Ops.Cmp.GE;
        assertEquals(want ? 1f : 0f, got[i], c + " at " + i + " (" + x[i] + ")");
      }
    }
  }

  @Test
  void aMaxReductionOverANaNIsNaN() {
    float[] x = new float[N];
    for (int i = 0; i < N; i++) x[i] = i;
    x[41] = NAN;
    Tracer t = new Tracer();
    Value p = t.parameter("x", DType.F32, N);
    float[] got = evaluate(t.build(Ops.reshape(Ops.reduceMax(p, 0), 1)), Tensor.of(x, N));
    assertTrue(Float.isNaN(got[0]), "max over a NaN: " + got[0]);
    x[41] = INF;
    assertEquals(INF, evaluate(t.build(Ops.reshape(Ops.reduceMax(p, 0), 1)), Tensor.of(x, N))[0]);
  }

  private static float[] ones() {
    float[] y = new float[N];
    java.util.Arrays.fill(y, 1f);
    return y;
  }
}
