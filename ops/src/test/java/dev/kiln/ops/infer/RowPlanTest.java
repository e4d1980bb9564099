package dev.kiln.ops.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.core.graph.Graph;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import dev.kiln.core.random.Threefry;
import dev.kiln.ops.LayerContext;
import dev.kiln.ops.Model;
import dev.kiln.ops.Variable;
import dev.kiln.ops.keras.KerasLayers;
import dev.kiln.ops.keras.KerasModels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The single-row plan against the training graph's inference mode (batch 1, Java backend) on every Keras fixture,
 * whose layers together cover every registered layer class: each output within 1e-5, over several samples in a row
 * (a plan keeps no state between runs), with non-trivial batch-normalization and normalization statistics so that
 * every fold is exercised.
 */
class RowPlanTest {
  static final List<String> FIXTURES = List.of("seed", "deeper", "normalized", "row_mlp", "starter_mlp");

  static Model fixture(String name) throws IOException {
    try (InputStream in = RowPlanTest.class.getResourceAsStream("/keras/" + name + ".json")) {
      if (in == null) throw new AssertionError("missing test resource keras/" + name + ".json");
      return KerasModels.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /** Random values with the statistics a trained model has: positive variances, means and scales away from 0/1. */
  static Map<String, Tensor> variables(Model m, long seed) {
    Random r = new Random(seed);
    Map<String, Tensor> v = new LinkedHashMap<>();
    for (Variable var : m.variables()) {
      float[] a = new float[var.size()];
      String n = var.name();
      for (int i = 0; i < a.length; i++) {
        double g = r.nextGaussian();
        a[i] = (float) (n.endsWith("variance") ? 0.2 + 3 * r.nextDouble()
            : n.endsWith("gamma") ? 1 + 0.3 * g
            : n.endsWith("count") ? 1000
            : n.endsWith("mean") || n.endsWith("beta") || n.endsWith("bias") ? 0.5 * g
            : g / Math.sqrt((double) a.length / var.shape().dims()[var.shape().dims().length - 1]));
      }
      v.put(n, Tensor.wrap(DType.F32, var.shape(), a));
    }
    return v;
  }

  /** The model traced in inference mode at batch 1, as the training graph's evaluation runs it. */
  static float[] graph(JavaBackend backend, Model m, Map<String, Tensor> vars, float[] x) {
    Tracer t = new Tracer();
    Map<String, Value> params = new HashMap<>();
    List<Tensor> inputs = new ArrayList<>();
    for (Variable v : m.variables()) {
      params.put(v.name(), t.parameter(v.name(), new TensorType(DType.F32, v.shape())));
      inputs.add(vars.get(v.name()));
    }
    int[] in = m.inputShape();
    int[] dims = new int[in.length + 1];
    dims[0] = 1;
    System.arraycopy(in, 0, dims, 1, in.length);
    Value xv = t.parameter("x", new TensorType(DType.F32, Shape.of(dims)));
    inputs.add(Tensor.wrap(DType.F32, Shape.of(dims), x.clone()));
    LayerContext ctx = new LayerContext(params, false, Threefry.key(t, 0), t.scalar(0, DType.U32), 1);
    Graph g = t.build(m.forward(ctx, xv).output());
    return backend.evaluate(g, inputs.toArray(Tensor[]::new)).get(0).floats();
  }

  /** A sample: features of either sign, some at the converter's NaN fill of -100. */
  static float[] sample(Random r, int size) {
    float[] x = new float[size];
    for (int i = 0; i < size; i++) x[i] = r.nextInt(17) == 0 ? -100f : (float) (2 * r.nextGaussian());
    return x;
  }

  @Test
  void everyFixtureAnswersAsTheGraphDoes() throws IOException {
    try (JavaBackend backend = new JavaBackend()) {
      for (String f : FIXTURES) {
        Model m = fixture(f);
        Map<String, Tensor> vars = variables(m, f.hashCode());
        Random r = new Random(7);
        try (RowPlan plan = RowPlan.compile(m, vars)) {
          for (int s = 0; s < 4; s++) {
            float[] x = sample(r, m.window() * m.features());
            System.arraycopy(x, 0, plan.input(), plan.inputOffset(), x.length);
            RowOp.Slice out = plan.run();
            float[] want = graph(backend, m, vars, x);
            assertEquals(want.length, out.size(), f);
            for (int i = 0; i < want.length; i++) {
              float got = out.array()[out.offset() + i];
              assertEquals(want[i], got, 1e-5 * Math.max(1, Math.abs(want[i])), f + " sample " + s + " output " + i
                  + " (plan: " + plan + ")");
            }
          }
        }
      }
    }
  }

  /** A window that slides row by row answers as a whole run of the same window, bit for bit, on every fixture. */
  @Test
  void aSlidingWindowAnswersAsAWholeRunBitForBit() throws IOException {
    for (String f : FIXTURES) {
      Model m = fixture(f);
      Map<String, Tensor> vars = variables(m, f.hashCode() + 1);
      Random r = new Random(9);
      int rows = m.window(), features = m.features();
      float[] window = sample(r, rows * features);
      try (RowPlan whole = RowPlan.compile(m, vars); RowPlan sliding = RowPlan.compile(m, vars)) {
        if (rows > 1) assertTrue(sliding.slideSteps() > sliding.describe().size(), f + ": no rows kept on a slide");
        for (int step = 0; step < 3 * rows; step++) {
          if (step > 0) {
            System.arraycopy(window, features, window, 0, (rows - 1) * features);
            System.arraycopy(sample(r, features), 0, window, (rows - 1) * features, features);
          }
          System.arraycopy(window, 0, whole.input(), whole.inputOffset(), window.length);
          System.arraycopy(window, 0, sliding.input(), sliding.inputOffset(), window.length);
          RowOp.Slice a = whole.run(), b = step == 0 ? sliding.run() : sliding.slide();
          for (int i = 0; i < a.size(); i++) {
            assertEquals(Float.floatToIntBits(a.array()[a.offset() + i]), Float.floatToIntBits(b.array()[b.offset() + i]),
                f + " step " + step + " output " + i);
          }
        }
      }
    }
  }

  /** Each head of the supervised autoencoder alone: as the graph of that head, and with no step left to a graph. */
  @Test
  void eachHeadOfTheAutoencoderAnswersAsItsGraphWithoutAGraphStep() throws IOException {
    Model ae = fixture("autoencoder");
    Map<String, Tensor> vars = variables(ae, 5);
    try (JavaBackend backend = new JavaBackend()) {
      for (String head : List.of("action", "ae_action", "decoder")) {
        Model m = ae.withOutput(head);
        try (RowPlan plan = RowPlan.compile(m, vars)) {
          assertEquals(0, plan.graphSteps(), head + ": " + plan);
          float[] x = sample(new Random(3), m.features());
          System.arraycopy(x, 0, plan.input(), plan.inputOffset(), x.length);
          RowOp.Slice out = plan.run();
          float[] want = graph(backend, m, vars, x);
          assertEquals(want.length, out.size(), head);
          for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], out.array()[out.offset() + i], 1e-5 * Math.max(1, Math.abs(want[i])), head + " " + i);
          }
        }
      }
    }
  }

  /** Concatenate's kernel on either feature axis, against the layout of numpy's concatenate. */
  @Test
  void concatenateCopiesEachInputsBlockInTurn() {
    // a [2, 3] and b [2, 2] joined on the last axis; then a [3, 2] and b [2, 2] on the first.
    float[] a = {1, 2, 3, 4, 5, 6}, b = {7, 8, 9, 10};
    RowOp.Slice out = new RowOp.Slice(new float[11], 1, new int[] {2, 5});
    run(new dev.kiln.ops.layers.Concatenate("c", 2), List.of(new int[] {2, 3}, new int[] {2, 2}), a, b, out);
    assertEquals(List.of(0f, 1f, 2f, 3f, 7f, 8f, 4f, 5f, 6f, 9f, 10f), floats(out.array()));
    out = new RowOp.Slice(new float[10], 0, new int[] {5, 2});
    run(new dev.kiln.ops.layers.Concatenate("c", 1), List.of(new int[] {3, 2}, new int[] {2, 2}), a, b, out);
    assertEquals(List.of(1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f), floats(out.array()));
  }

  private static void run(dev.kiln.ops.Layer layer, List<int[]> shapes, float[] a, float[] b, RowOp.Slice out) {
    RowOp.Kernel k = (RowOp.Kernel) layer.rowOp(name -> null, shapes);
    k.run(List.of(new RowOp.Slice(a, 0, shapes.get(0)), new RowOp.Slice(b, 0, shapes.get(1))), out);
  }

  private static List<Float> floats(float[] f) {
    List<Float> l = new ArrayList<>();
    for (float v : f) l.add(v);
    return l;
  }

  @Test
  void theFixturesCoverEveryRegisteredLayer() throws IOException {
    TreeSet<String> covered = new TreeSet<>();
    for (String f : FIXTURES) for (Model.Node n : fixture(f).nodes()) covered.add(n.layer().className());
    TreeSet<String> missing = new TreeSet<>(KerasLayers.supported());
    missing.removeAll(covered);
    assertTrue(missing.isEmpty(), "layer classes no plan fixture exercises: " + missing);
  }

  @Test
  void theSeedAndTheRowMlpFoldEveryNormalizationAndInterpretNothing() throws IOException {
    Model seed = fixture("seed");
    try (RowPlan plan = RowPlan.compile(seed, variables(seed, 1))) {
      assertEquals(0, plan.graphSteps(), plan.toString());
      // conv(skip)+BN, conv+BN+relu, conv+BN, add+relu, dense: the normalization and the four BNs folded away.
      assertEquals(5, plan.describe().size(), plan.toString());
      assertTrue(plan.describe().stream().noneMatch(s -> s.endsWith("(affine)")), plan.toString());
    }
    Model mlp = fixture("row_mlp");
    try (RowPlan plan = RowPlan.compile(mlp, variables(mlp, 2))) {
      // BN folded into the first Dense's inputs, dropout dropped, swish fused: three GEMMs.
      assertEquals(0, plan.graphSteps(), plan.toString());
      assertEquals(3, plan.describe().size(), plan.toString());
      assertTrue(plan.describe().get(0).matches("batch_normalization(_\\d+)?>dense.*"), plan.toString());
    }
    Model starter = fixture("starter_mlp");
    try (RowPlan plan = RowPlan.compile(starter, variables(starter, 3))) {
      // Five GEMMs: the input BN folded into the first, each block's BN into its Dense, swish fused.
      assertEquals(0, plan.graphSteps(), plan.toString());
      assertEquals(5, plan.describe().size(), plan.toString());
    }
  }
}
