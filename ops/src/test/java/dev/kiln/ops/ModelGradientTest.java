package dev.kiln.ops;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import dev.kiln.core.random.Threefry;
import dev.kiln.ops.metrics.Metrics;
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
    ModelGradientCheck c = new ModelGradientCheck(model);
    Random r = c.random;
    Tracer t = c.tracer;
    int window = model.window(), features = model.features();
    int units = model.units();
    double[] xd = new double[b * window * features], yd = new double[b * units];
    for (int i = 0; i < xd.length; i++) xd[i] = r.nextGaussian();
    for (int i = 0; i < b * units; i++) yd[i] = r.nextBoolean() ? 1 : 0;
    Shape xs = model.takesRows() ? Shape.of(b, features) : Shape.of(b, window, features);
    Value x = t.constant(Tensor.wrap(DType.F64, xs, xd));
    Value y = t.constant(Tensor.wrap(DType.F64, Shape.of(b, units), yd));
    LayerContext ctx = new LayerContext(c.vars, true, Threefry.key(t, 1),
        t.constant(Tensor.wrap(DType.U32, Shape.scalar(), new int[] {3})), 1, batchNormGroup);
    Model.Outputs out = model.forward(ctx, x);
    c.check(dev.kiln.core.op.Ops.mean(Metrics.bceFromLogits(out.logits(), y)), 4);
  }
}
