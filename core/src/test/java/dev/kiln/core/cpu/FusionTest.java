package dev.kiln.core.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Rand;
import dev.kiln.core.Tensor;
import dev.kiln.core.graph.Autodiff;
import dev.kiln.core.graph.Graph;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Ops;
import dev.kiln.core.random.Threefry;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Elementwise fusion changes where intermediates live, not what is computed: fused and unfused evaluation of the
 * same graphs (chains with fan-out, scalar and trailing broadcasts, compare/select/convert, integer RNG rounds,
 * several results, sizes that are not multiples of the chunk, sums taken as their operand's region runs) give
 * bit-identical results.
 */
class FusionTest {
  private static final Rand R = new Rand();
  private static boolean warmUp;

  /** Regions here run their compiled loops at once, not after a warm-up: the tests compare those loops' results. */
  @BeforeAll
  static void loopsAtOnce() {
    warmUp = RegionLoop.warmUp;
    RegionLoop.warmUp = false;
  }

  @AfterAll
  static void restoreWarmUp() {
    RegionLoop.warmUp = warmUp;
  }

  @Test
  void aLoopIsReadyOnceItsWarmUpSeesItRunCompiled() throws InterruptedException {
    Tracer t = new Tracer();
    Value x = t.parameter("x", DType.F32, 300, 64);
    Graph g = t.build(x.mul(2.0).sub(x).div(x.add(3.0)));
    boolean[] out = new boolean[g.nodes().size()];
    for (Value o : g.outputs()) out[g.indexOf(o)] = true;
    RegionLoop.warmUp = true;
    RegionLoop loop;
    try {
      loop = Fusion.plan(g, out).regions().get(0).loop();
    } finally {
      RegionLoop.warmUp = false;
    }
    assertTrue(loop != null && !loop.ready(), "a new loop waits for its warm-up");
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!loop.ready() && System.nanoTime() < deadline) Thread.sleep(20);
    assertTrue(loop.ready(), "the warm-up saw the loop run at compiled speed within 60 s");
  }

  private static void assertSameWithAndWithoutFusion(Graph g, Tensor... in) {
    try (CpuContext c1 = new CpuContext(2); CpuContext c2 = new CpuContext(2)) {
      List<Tensor> fused = new JavaBackend(c1, true).evaluate(g, in);
      List<Tensor> plain = new JavaBackend(c2, false).evaluate(g, in);
      assertEquals(plain.size(), fused.size());
      for (int i = 0; i < plain.size(); i++) {
        assertEquals(plain.get(i).type(), fused.get(i).type());
        assertArrayEquals(plain.get(i).toDoubleArray(), fused.get(i).toDoubleArray(), 0.0, "output " + i + R.tag());
      }
    }
  }

  @Test
  void regionsPlanAsExpectedOnABatchNormLikeGraph() {
    Tracer t = new Tracer();
    Value x = t.parameter("x", DType.F32, 37, 11, 64);
    Value gamma = t.parameter("gamma", DType.F32, 64);
    Value m = Ops.mean(x, 0, 1);
    Value c = x.sub(m);
    Value y = c.mul(Ops.rsqrt(Ops.mean(c.mul(c), 0, 1).add(1e-3))).mul(gamma).add(1.0);
    Graph g = t.build(Ops.relu(y), c);
    boolean[] out = new boolean[g.nodes().size()];
    for (Value o : g.outputs()) out[g.indexOf(o)] = true;
    Fusion.Plan p = Fusion.plan(g, out);
    int virtual = 0;
    for (boolean v : p.virtual()) if (v) virtual++;
    assertTrue(virtual >= 3, "broadcasts of the mean, the scale and gamma are read in place: " + virtual);
    assertTrue(p.regions().stream().anyMatch(r -> r.members().length >= 4), "the normalize-scale-shift-relu chain fuses");
    // The variance's square is summed as its region runs (a sink), in the same order as the plain reduction: the
    // bit-identity below covers it, over 407 rows split in two parts.
    assertTrue(p.regions().stream().anyMatch(Fusion.Region::hasSinks), "the variance's sum is a sink");
    int sunk = 0;
    for (boolean b : p.sunk()) if (b) sunk++;
    assertTrue(sunk >= 1, "sunk reductions: " + sunk);
    assertSameWithAndWithoutFusion(g, R.f32(-2, 2, 37, 11, 64), R.f32(0.5, 1.5, 64));
  }

  @Test
  void aRegionIsDescribedForTheProfileByItsOpsResultsAndSums() {
    Tracer t = new Tracer();
    Value x = t.parameter("x", DType.F32, 301, 64);
    Value a = x.mul(2.0).add(1.0);
    Graph g = t.build(Ops.sum(a, 0), Ops.reshape(a, 64, 301));
    boolean[] out = new boolean[g.nodes().size()];
    for (Value o : g.outputs()) out[g.indexOf(o)] = true;
    Fusion.Plan p = Fusion.plan(g, out);
    assertEquals(1, p.regions().size(), "one region: " + p.regions());
    assertEquals("fused multiply add F32[301, 64]: 1 out, 1 sum", p.regions().get(0).describe(g.nodes()));
  }

  @Test
  void aSumOfAValueThatOthersAlsoReadIsTakenAsItsRegionRuns() {
    Tracer t = new Tracer();
    Value x = t.parameter("x", DType.F32, 301, 64);
    Value a = x.mul(2.0).add(1.0);
    Value s = Ops.sum(a, 0); // the sink
    Value outside = Ops.reshape(a, 64, 301); // a non-elementwise reader: a is written out as well
    Value inside = a.mul(a); // a reader in the region
    Graph g = t.build(s, outside, Ops.sum(inside, 0));
    boolean[] out = new boolean[g.nodes().size()];
    for (Value o : g.outputs()) out[g.indexOf(o)] = true;
    Fusion.Plan p = Fusion.plan(g, out);
    int ai = g.indexOf(a);
    Fusion.Region r = p.regions().get(p.regionOf()[ai]);
    int k = java.util.Arrays.binarySearch(r.members(), ai);
    assertTrue(r.sink()[k] >= 0 && r.root()[k], "a is summed as the region runs and also written out");
    assertSameWithAndWithoutFusion(g, R.f32(-2, 2, 301, 64));
  }

  @Test
  void siblingRegionsRunAsOnePass() {
    // A batch norm's backward: the masked upstream gradient, its product with γ, and both multiplied by x̂, each
    // summed. Each would be a region of its own (the select has a reduction among its readers); they read the same
    // arrays and need nothing computed after the first, so they run as one region.
    Tracer t = new Tracer();
    Value y = t.parameter("y", DType.F32, 301, 64);
    Value dy = t.parameter("dy", DType.F32, 301, 64);
    Value xhat = t.parameter("xhat", DType.F32, 301, 64);
    Value gamma = t.parameter("gamma", DType.F32, 64);
    Value h = y.mul(2.0).add(1.0);
    Value relu = Ops.relu(h); // its zero is a constant defined after h's region
    Value mask = Ops.compare(h, Ops.Cmp.GT, Ops.constantLike(h, 0.0));
    Value g = Ops.select(mask, dy, Ops.constantLike(dy, 0.0));
    Value gg = g.mul(Ops.broadcastTo(gamma, 301, 64));
    Graph graph = t.build(Ops.reshape(relu, 64, 301), Ops.reshape(mask, 64, 301), Ops.sum(g, 0),
        Ops.sum(gg, 0), Ops.sum(g.mul(xhat), 0), Ops.sum(gg.mul(xhat), 0), Ops.reshape(gg, 64, 301));
    boolean[] out = new boolean[graph.nodes().size()];
    for (Value o : graph.outputs()) out[graph.indexOf(o)] = true;
    Fusion.Plan p = Fusion.plan(graph, out);
    int region = p.regionOf()[graph.indexOf(g)];
    assertTrue(region >= 0 && p.regionOf()[graph.indexOf(gg)] == region, "the select and the product with gamma");
    Fusion.Region r = p.regions().get(region);
    int sinks = 0;
    for (int k : r.sink()) if (k >= 0) sinks++;
    assertEquals(4, sinks, "the four sums are taken in the one pass");
    assertEquals(p.regionOf()[graph.indexOf(h)], p.regionOf()[graph.indexOf(relu)], "the ReLU joins h's pass");
    assertSameWithAndWithoutFusion(graph, R.f32(-2, 2, 301, 64), R.f32(-1, 1, 301, 64), R.f32(-2, 2, 301, 64),
        R.f32(0.5, 1.5, 64));
  }

  @Test
  void periodicOperandsAreReadAtEveryChunksPhase() {
    // A period that does not divide the chunk (the seed's 130 features: every chunk starts at another phase) and one
    // longer than a chunk (a chunk then wraps past the period's end, or reads the operand in place).
    for (int period : new int[] {130, Fusion.CHUNK + 1807}) {
      int rows = 3 * Fusion.CHUNK / period + 5;
      Tracer t = new Tracer();
      Value x = t.parameter("x", DType.F32, rows, period);
      Value m = t.parameter("m", DType.F32, period);
      Value s = t.parameter("s", DType.F32, period);
      Value y = x.sub(Ops.broadcastTo(m, rows, period)).div(Ops.broadcastTo(s, rows, period)).mul(x).add(1.0);
      // The second result is summed as the region runs (a sink), its chunks split over rows as a reduction splits them.
      Graph g = t.build(y, Ops.sum(y.mul(Ops.broadcastTo(m, rows, period)), 0));
      assertSameWithAndWithoutFusion(g, R.f32(-2, 2, rows, period), R.f32(-1, 1, period), R.f32(0.5, 1.5, period));
    }
  }

  @Test
  void compiledRegionLoopsGiveTheKernelsBitsForEveryOperation() {
    // 13 columns: sums over rows are left to the interpreter (a vector would cross a period); 64: the loop takes them.
    for (int cols : new int[] {13, 64}) compiledRegionLoopsMatch(1031, cols);
  }

  private static void compiledRegionLoopsMatch(int rows, int cols) {
    // Every operation a region's loop compiles (the six float ops, the six comparisons, selects from a member's and
    // from an outside mask), with NaNs and signed zeros, periodic and scalar operands, results written out (floats
    // and a mask), sums taken as the region runs, and a length that leaves a tail after the last whole vector. The
    // unfused graph runs each op's own kernel; the two must agree bit for bit.
    Tracer t = new Tracer();
    Value x = t.parameter("x", DType.F32, rows, cols);
    Value y = t.parameter("y", DType.F32, rows, cols);
    Value b = t.parameter("b", DType.F32, cols);
    Value mask = t.parameter("mask", DType.PRED, rows, cols);
    Value bias = Ops.broadcastTo(b, rows, cols);
    Value a = x.add(bias).mul(y).sub(x).div(y.add(0.5));
    Value mx = Ops.max(a, y), mn = Ops.min(x, bias);
    Value sel = Ops.select(Ops.compare(mx, Ops.Cmp.GT, mn), mx, mn);
    Value sel2 = Ops.select(mask, sel, x);
    List<Value> outs = new java.util.ArrayList<>(List.of(sel2, Ops.compare(a, Ops.Cmp.EQ, x), Ops.sum(sel.mul(x), 0)));
    for (Ops.Cmp c : Ops.Cmp.values()) outs.add(Ops.select(Ops.compare(x, c, y), x.sub(y), y.mul(2.0)));
    Graph g = t.build(outs.toArray(new Value[0]));
    boolean[] isOut = new boolean[g.nodes().size()];
    for (Value o : g.outputs()) isOut[g.indexOf(o)] = true;
    Fusion.Plan plan = Fusion.plan(g, isOut);
    long looped = plan.regions().stream().filter(r -> r.loop() != null).count();
    assertTrue(looped >= 1 && looped == plan.regions().size(), "every region compiles to a loop: " + looped + " of "
        + plan.regions().size());
    boolean loopSums = plan.regions().stream().anyMatch(r -> {
      for (int k = 0; k < r.members().length; k++) if (r.loop().sums(k)) return true;
      return false;
    });
    assertEquals(cols % RegionLoop.LANES == 0, loopSums, "the loop takes the sum with " + cols + " columns");

    float[] xs = R.f32(-2, 2, rows, cols).floats(), ys = R.f32(-2, 2, rows, cols).floats();
    // NaNs, infinities and zeros of both signs where max, min, divide and the comparisons treat them specially.
    float[] special = {Float.NaN, -0f, 0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1f};
    for (int i = 0; i < xs.length; i += 7) xs[i] = special[(i / 7) % special.length];
    for (int i = 3; i < ys.length; i += 11) ys[i] = special[(i / 11 + 2) % special.length];
    for (int i = 0; i < xs.length; i += 97) ys[i] = xs[i];
    boolean[] ms = new boolean[rows * cols];
    for (int i = 0; i < ms.length; i++) ms[i] = (i * 7919) % 3 != 0;
    Tensor[] in = {Tensor.wrap(DType.F32, dev.kiln.core.Shape.of(rows, cols), xs),
        Tensor.wrap(DType.F32, dev.kiln.core.Shape.of(rows, cols), ys), R.f32(-1, 1, cols),
        Tensor.wrap(DType.PRED, dev.kiln.core.Shape.of(rows, cols), ms)};
    try (CpuContext c1 = new CpuContext(2); CpuContext c2 = new CpuContext(2)) {
      List<Tensor> fused = new JavaBackend(c1, true).evaluate(g, in);
      List<Tensor> plain = new JavaBackend(c2, false).evaluate(g, in);
      for (int o = 0; o < plain.size(); o++) {
        double[] p = plain.get(o).toDoubleArray(), f = fused.get(o).toDoubleArray();
        assertEquals(p.length, f.length);
        for (int i = 0; i < p.length; i++) {
          // A NaN's sign and payload depend on which operand the instruction took it from (C2 may swap the operands
          // of an add or multiply), and Java leaves them unspecified: any NaN matches a NaN, all else bit for bit.
          if (Double.isNaN(p[i]) && Double.isNaN(f[i])) continue;
          assertEquals(Double.doubleToRawLongBits(p[i]), Double.doubleToRawLongBits(f[i]),
              "output " + o + " element " + i + ": " + p[i] + " against " + f[i] + R.tag());
        }
      }
    }
  }

  @Test
  void threefryNormalDrawsAreIdenticalFused() {
    Tracer t = new Tracer();
    Value counter = t.parameter("step", DType.U32);
    Value z = Threefry.normal(Threefry.key(t, 42), counter, DType.F32, 3, 5003);
    Value bits = Threefry.bits(Threefry.key(t, 7), counter, 10001);
    assertSameWithAndWithoutFusion(t.build(z, bits), Tensor.wrap(DType.U32, dev.kiln.core.Shape.scalar(), new int[] {9}));
  }

  @Test
  void selectsComparesConvertsAndGradientsAreIdenticalFused() {
    Tracer t = new Tracer();
    Value a = t.parameter("a", DType.F32, 4099, 3);
    Value b = t.parameter("b", DType.F32, 3);
    Value p = Ops.compare(a, Ops.Cmp.GT, Ops.broadcastTo(b, 4099, 3));
    Value s = Ops.select(p, Ops.exp(a), Ops.neg(a).mul(2.0));
    Value i = Ops.convert(Ops.convert(s.mul(100.0), DType.S32), DType.F32);
    Value loss = Ops.sum(s.mul(i).add(Ops.tanh(a)));
    List<Value> g = Autodiff.grad(loss, List.of(a, b));
    assertSameWithAndWithoutFusion(t.build(s, i, loss, g.get(0), g.get(1)), R.f32(-1, 1, 4099, 3), R.f32(-0.5, 0.5, 3));
  }
}
