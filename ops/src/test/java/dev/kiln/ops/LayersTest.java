package dev.kiln.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import dev.kiln.core.random.Threefry;
import dev.kiln.ops.layers.BatchNormalization;
import dev.kiln.ops.layers.GaussianNoise;
import dev.kiln.ops.layers.Normalization;
import dev.kiln.ops.train.Sgd;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Layer and optimizer semantics against float64 recomputations of Keras's formulas. */
class LayersTest {
  private static final JavaBackend BE = new JavaBackend();

  @AfterAll
  static void close() {
    BE.close();
  }

  static Tensor rand(Random r, double scale, int... dims) {
    int n = 1;
    for (int d : dims) n *= d;
    float[] f = new float[n];
    for (int i = 0; i < n; i++) f[i] = (float) (r.nextGaussian() * scale + 0.3);
    return Tensor.of(f, dims);
  }

  @Test
  void batchNormalizationTrainingUsesBiasedBatchStatisticsAndUpdatesMovingOnes() {
    Random r = new Random(3);
    int b = 4, t = 5, c = 3;
    Tensor x = rand(r, 2, b, t, c), gamma = rand(r, 1, c), beta = rand(r, 1, c);
    Tensor mm = rand(r, 1, c), mv = Tensor.of(new float[] {1.5f, 0.5f, 2f}, c);
    Tracer tr = new Tracer();
    Map<String, Value> vars = new HashMap<>();
    vars.put("bn/gamma", tr.constant(gamma));
    vars.put("bn/beta", tr.constant(beta));
    vars.put("bn/moving_mean", tr.constant(mm));
    vars.put("bn/moving_variance", tr.constant(mv));
    LayerContext ctx = new LayerContext(vars, true, null, null, 1);
    BatchNormalization bn = BatchNormalization.keras("bn", c);
    Value y = bn.apply(ctx, List.of(tr.constant(x)));
    List<Tensor> out = BE.evaluate(tr.build(y, ctx.updates().get("bn/moving_mean"), ctx.updates().get("bn/moving_variance")));
    for (int ch = 0; ch < c; ch++) {
      double s = 0, ss = 0;
      for (int i = 0; i < b * t; i++) s += x.floats()[i * c + ch];
      double mean = s / (b * t);
      for (int i = 0; i < b * t; i++) ss += Math.pow(x.floats()[i * c + ch] - mean, 2);
      double var = ss / (b * t);
      for (int i = 0; i < b * t; i++) {
        double want = (x.floats()[i * c + ch] - mean) / Math.sqrt(var + 1e-3) * gamma.floats()[ch] + beta.floats()[ch];
        assertEquals(want, out.get(0).floats()[i * c + ch], 1e-5);
      }
      assertEquals(0.99 * mm.floats()[ch] + 0.01 * mean, out.get(1).floats()[ch], 1e-6);
      assertEquals(0.99 * mv.floats()[ch] + 0.01 * var, out.get(2).floats()[ch], 1e-6);
    }
  }

  @Test
  void normalizationDividesByClampedStandardDeviation() {
    Tracer tr = new Tracer();
    Map<String, Value> vars = Map.of("n/mean", tr.constant(Tensor.of(new float[] {1, -2}, 2)),
        "n/variance", tr.constant(Tensor.of(new float[] {4, 0}, 2)));
    Value y = new Normalization("n", 2).apply(new LayerContext(vars, false, null, null, 1),
        List.of(tr.constant(Tensor.of(new float[] {3, -2, 0, -1}, 2, 2))));
    float[] got = BE.evaluate(tr.build(y)).get(0).floats();
    assertEquals(1f, got[0], 1e-6);
    assertEquals(0f, got[1], 1e-6);
    assertEquals(-0.5f, got[2], 1e-6);
    assertEquals(1e7f, got[3], 1f); // (−1 − −2) / max(0, 1e-7)
  }

  @Test
  void gaussianNoiseIsDrawnInTrainingOnlyWithTheRequestedSpread() {
    Tracer tr = new Tracer();
    Value x = tr.constant(Tensor.zeros(DType.F32, 100, 100));
    Value key = Threefry.key(tr, 42);
    Value step = tr.constant(Tensor.ofUnsigned(new int[] {1}, 1));
    Value c0 = dev.kiln.core.op.Ops.reshape(step);
    GaussianNoise gn = new GaussianNoise("g", 0.1);
    Value train = gn.apply(new LayerContext(Map.of(), true, key, c0, 1), List.of(x));
    Value infer = gn.apply(new LayerContext(Map.of(), false, key, c0, 1), List.of(x));
    List<Tensor> out = BE.evaluate(tr.build(train, infer));
    double ss = 0;
    for (float v : out.get(0).floats()) ss += v * v;
    assertEquals(0.1, Math.sqrt(ss / 10000), 0.005);
    for (float v : out.get(1).floats()) assertEquals(0f, v);
  }

  @Test
  void nesterovSgdMatchesKerasUpdateRule() {
    Tracer tr = new Tracer();
    Value w = tr.parameter("w", DType.F32, 1), g = tr.parameter("g", DType.F32, 1), v = tr.parameter("v", DType.F32, 1);
    Sgd.Update u = new Sgd(0.2, 0.9, true).apply(w, g, v);
    List<Tensor> out = BE.evaluate(tr.build(u.weight(), u.velocity()), Tensor.of(new float[] {1}, 1),
        Tensor.of(new float[] {0.5f}, 1), Tensor.of(new float[] {0.3f}, 1));
    double vNew = 0.9 * 0.3 - 0.2 * 0.5;
    assertEquals(vNew, out.get(1).floats()[0], 1e-7);
    assertEquals(1 + 0.9 * vNew - 0.2 * 0.5, out.get(0).floats()[0], 1e-7);
    assertTrue(out.get(0).floats()[0] < 1.1);
  }

  @Test
  void crossEntropyGradientIsSigmoidMinusLabelIncludingAtZero() {
    Tracer tr = new Tracer();
    Value z = tr.parameter("z", DType.F64, 5);
    double[] zs = {-3, -0.2, 0, 0.2, 3};
    double[] ys = {1, 0, 1, 0.5, 0};
    Value loss = dev.kiln.core.op.Ops.sum(dev.kiln.ops.metrics.Metrics.bceFromLogits(z,
        tr.constant(Tensor.of(ys, 5))));
    double[] g = BE.evaluate(tr.build(dev.kiln.core.graph.Autodiff.grad(loss, List.of(z)).get(0)),
        Tensor.of(zs, 5)).get(0).doubles();
    for (int i = 0; i < 5; i++) assertEquals(1 / (1 + Math.exp(-zs[i])) - ys[i], g[i], 1e-12, "z = " + zs[i]);
  }

  @Test
  void groupedBatchNormalizationNormalizesEachGroupOnItsOwn() {
    Random r = new Random(8);
    int b = 6, t = 4, c = 2, g = 3;
    Tensor x = rand(r, 2, b, t, c);
    Tracer tr = new Tracer();
    Map<String, Value> vars = new HashMap<>();
    vars.put("bn/gamma", tr.constant(Tensor.of(new float[] {1, 1}, c)));
    vars.put("bn/beta", tr.constant(Tensor.of(new float[] {0, 0}, c)));
    vars.put("bn/moving_mean", tr.constant(Tensor.of(new float[] {0, 0}, c)));
    vars.put("bn/moving_variance", tr.constant(Tensor.of(new float[] {1, 1}, c)));
    LayerContext ctx = new LayerContext(vars, true, null, null, 1, g);
    Value y = BatchNormalization.keras("bn", c).apply(ctx, List.of(tr.constant(x)));
    List<Tensor> out = BE.evaluate(tr.build(y, ctx.updates().get("bn/moving_mean")));
    double[] meanOfMeans = new double[c];
    for (int grp = 0; grp < b / g; grp++) {
      for (int ch = 0; ch < c; ch++) {
        double s = 0, ss = 0;
        int n = g * t;
        for (int i = 0; i < n; i++) s += x.floats()[(grp * n + i) * c + ch];
        double m = s / n;
        meanOfMeans[ch] += m / (b / g);
        for (int i = 0; i < n; i++) ss += Math.pow(x.floats()[(grp * n + i) * c + ch] - m, 2);
        double v = ss / n;
        for (int i = 0; i < n; i++) {
          int k = (grp * n + i) * c + ch;
          assertEquals((x.floats()[k] - m) / Math.sqrt(v + 1e-3), out.get(0).floats()[k], 1e-5);
        }
      }
    }
    for (int ch = 0; ch < c; ch++) assertEquals(0.01 * meanOfMeans[ch], out.get(1).floats()[ch], 1e-6);
  }
}
