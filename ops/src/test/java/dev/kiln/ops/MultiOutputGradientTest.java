package dev.kiln.ops;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import dev.kiln.core.random.Threefry;
import dev.kiln.ops.keras.KerasModels;
import dev.kiln.ops.train.LossSpec;
import dev.kiln.ops.train.Losses;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The supervised autoencoder (three outputs) in training mode, noise and dropout included, traced in float64: the
 * gradient of Keras's total loss (MSE of the decoder against the input, label-smoothed BCE of the two sigmoid heads,
 * loss weights, sample weights) with respect to every trainable variable matches central finite differences on
 * sampled elements, for MSE and for MAE reconstruction.
 */
class MultiOutputGradientTest {
  @Test
  void theTotalLossGradientsMatchFiniteDifferences() throws IOException {
    Model model = KerasModels.fromJson(KerasModelsTest.fixture("autoencoder.json"));
    for (Losses.Kind kind : List.of(Losses.Kind.MSE, Losses.Kind.MAE)) {
      Losses losses = Losses.of(model, new LossSpec(Map.of("decoder", kind),
          Map.of("decoder", 0.7, "ae_action", 1.3), 0.01, null), 5, 130);
      check(model, losses, 5);
    }
  }

  private static void check(Model model, Losses losses, int b) {
    ModelGradientCheck c = new ModelGradientCheck(model);
    Random r = c.random;
    Tracer t = c.tracer;
    int features = model.features(), k = losses.targets();
    double[] xd = new double[b * features], yd = new double[b * k], wd = new double[b];
    for (int i = 0; i < xd.length; i++) xd[i] = r.nextGaussian();
    for (int i = 0; i < yd.length; i++) yd[i] = r.nextInt(3) / 2.0;
    for (int i = 0; i < b; i++) wd[i] = 2 * r.nextDouble();
    Value x = t.constant(Tensor.wrap(DType.F64, Shape.of(b, features), xd));
    Value y = t.constant(Tensor.wrap(DType.F64, Shape.of(b, k), yd));
    Value w = t.constant(Tensor.wrap(DType.F64, Shape.of(b, 1), wd));
    LayerContext ctx = new LayerContext(c.vars, true, Threefry.key(t, 1),
        t.constant(Tensor.wrap(DType.U32, Shape.scalar(), new int[] {3})), 1, 0);
    List<Value> each = losses.weighted(losses.elementwise(model.forwardAll(ctx, x), x, y), w);
    c.check(losses.total(each, b), 3);
  }
}
