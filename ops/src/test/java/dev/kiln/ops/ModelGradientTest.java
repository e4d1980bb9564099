package dev.kiln.ops;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.core.graph.Autodiff;
import dev.kiln.core.graph.Graph;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import dev.kiln.core.random.Threefry;
import dev.kiln.ops.metrics.Metrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The whole seed model in training mode (noise, batch statistics, residual block, dense, BCE from the logit),
 * traced in float64: the gradient of the loss with respect to every trainable variable matches central finite
 * differences on sampled elements.
 */
class ModelGradientTest {
  @Test
  void seedModelGradientsMatchFiniteDifferences() {
    check(0);
  }

  @Test
  void seedModelGradientsMatchFiniteDifferencesWithBatchNormGroups() {
    check(3);
  }

  private static void check(int batchNormGroup) {
    check(Model.seed(7, 9, 0.1), 6, batchNormGroup);
  }

  /**
   * Checks every trainable variable's gradient of the BCE loss of {@code model} in training mode on a random batch
   * of {@code b}, traced in float64, against central finite differences on sampled elements.
   */
  static void check(Model model, int b, int batchNormGroup) {
    long seed = Long.getLong("kiln.test.seed", new Random().nextLong());
    Random r = new Random(seed);
    int window = model.window(), features = model.features();
    Tracer t = new Tracer();
    Map<String, Value> vars = new LinkedHashMap<>();
    Map<String, Tensor> values = new LinkedHashMap<>();
    for (Variable v : model.variables()) {
      double[] d = new double[v.size()];
      for (int i = 0; i < d.length; i++) {
        d[i] = v.name().endsWith("variance") ? 0.5 + r.nextDouble() : r.nextGaussian() * 0.4;
      }
      values.put(v.name(), Tensor.wrap(DType.F64, v.shape(), d));
      vars.put(v.name(), t.parameter(v.name(), DType.F64, v.shape().dims()));
    }
    int units = model.units();
    double[] xd = new double[b * window * features], yd = new double[b * units];
    for (int i = 0; i < xd.length; i++) xd[i] = r.nextGaussian();
    for (int i = 0; i < b * units; i++) yd[i] = r.nextBoolean() ? 1 : 0;
    Shape xs = model.takesRows() ? Shape.of(b, features) : Shape.of(b, window, features);
    Value x = t.constant(Tensor.wrap(DType.F64, xs, xd));
    Value y = t.constant(Tensor.wrap(DType.F64, Shape.of(b, units), yd));
    LayerContext ctx = new LayerContext(vars, true, Threefry.key(t, 1),
        t.constant(Tensor.wrap(DType.U32, Shape.scalar(), new int[] {3})), 1, batchNormGroup);
    Model.Outputs out = model.forward(ctx, x);
    Value loss = dev.kiln.core.op.Ops.mean(Metrics.bceFromLogits(out.logits(), y));
    List<Variable> trainable = model.variables().stream().filter(Variable::trainable).toList();
    List<Value> grads = Autodiff.grad(loss, trainable.stream().map(v -> vars.get(v.name())).toList());
    Graph g = t.build(grads.toArray(new Value[0]));
    Graph lossOnly = t.build(loss);
    try (JavaBackend be = new JavaBackend()) {
      Tensor[] args = values.values().toArray(new Tensor[0]);
      List<Tensor> analytic = be.evaluate(g, args);
      FiniteDifference fd = new FiniteDifference(be, be.compile(lossOnly), args);
      List<String> names = new ArrayList<>(values.keySet());
      for (int k = 0; k < trainable.size(); k++) {
        String name = trainable.get(k).name();
        int idx = names.indexOf(name);
        double[] base = values.get(name).doubles();
        for (int s = 0; s < 4; s++) {
          int j = r.nextInt(base.length);
          fd.check(idx, j, analytic.get(k).doubles()[j], name + "[" + j + "] (seed " + seed + ")");
        }
      }
    }
  }
}
