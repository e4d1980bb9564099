package dev.kiln.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import dev.kiln.core.random.Threefry;
import dev.kiln.ops.keras.KerasModels;
import dev.kiln.ops.train.LossSpec;
import dev.kiln.ops.train.Losses;
import dev.kiln.ops.train.Losses.Kind;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Which losses a model's outputs take, and every misuse refused in one line naming the output. */
class LossesTest {
  private static Model autoencoder() throws IOException {
    return KerasModels.fromJson(KerasModelsTest.fixture("autoencoder.json"));
  }

  private static LossSpec spec(Map<String, Kind> loss) {
    return new LossSpec(loss, Map.of(), 0, null);
  }

  private static String error(Model m, LossSpec spec, int targets) {
    return assertThrows(IllegalArgumentException.class, () -> Losses.of(m, spec, targets, 130)).getMessage();
  }

  @Test
  void theAutoencoderTrainsWithADecoderLossAndTwoBinaryCrossEntropies() throws IOException {
    Losses l = Losses.of(autoencoder(), new LossSpec(Map.of("decoder", Kind.MAE), Map.of("decoder", 0.5), 0.01,
        null), 5, 130);
    assertEquals(List.of(new Losses.Head("decoder", 0, Kind.MAE, 0.5, 130, 0, List.of()), new Losses.Head("ae_action",
        1, Kind.BCE, 1, 5, 0.01, List.of()), new Losses.Head("action", 2, Kind.BCE, 1, 5, 0.01, List.of())), l.heads());
    assertEquals("action", l.action().name(), "the last sigmoid output by default");
    assertEquals("ae_action", Losses.of(autoencoder(), new LossSpec(Map.of("decoder", Kind.MSE), Map.of(), 0,
        "ae_action"), 5, 130).action().name());
    assertEquals(List.of("loss", "decoder_loss", "ae_action_loss", "action_loss", "ae_action_recall",
        "ae_action_precision", "ae_action_auc", "action_recall", "action_precision", "action_auc", "val_loss",
        "val_decoder_loss", "val_ae_action_loss", "val_action_loss", "val_ae_action_recall", "val_ae_action_precision",
        "val_ae_action_auc", "val_action_recall", "val_action_precision", "val_action_auc"), l.logNames());
    // One output: the seed's names.
    assertEquals(List.of("loss", "recall", "precision", "auc", "val_loss", "val_recall", "val_precision", "val_auc"),
        Losses.of(Model.seed(3, 4, 0.1)).logNames());
  }

  @Test
  void misusesAreRefusedInOneLine() throws IOException {
    Model m = autoencoder();
    assertEquals("output 'decoder' is linear and has no loss: give --loss decoder=mse (or mae), a reconstruction of "
        + "the input features", error(m, LossSpec.DEFAULT, 5));
    assertEquals("--loss names output 'decoderr', which the model does not have (its outputs: decoder, ae_action, "
        + "action)", error(m, spec(Map.of("decoderr", Kind.MSE)), 5));
    assertEquals("--loss-weights names output 'act', which the model does not have (its outputs: decoder, ae_action, "
        + "action)", error(m, new LossSpec(Map.of("decoder", Kind.MSE), Map.of("act", 2.0), 0, null), 5));
    assertEquals("--loss decoder=bce: output 'decoder' is linear; bce needs a sigmoid output (a linear output takes "
        + "mse or mae against the input features)", error(m, spec(Map.of("decoder", Kind.BCE)), 5));
    assertEquals("--loss action=mse: output 'action' is sigmoid, trained on the targets with bce; mse and mae are for "
        + "a linear output reconstructing the input", error(m, spec(Map.of("decoder", Kind.MSE, "action", Kind.MSE)),
        5));
    assertEquals("output 'ae_action' has 5 sigmoid units and --targets names 1; give one target per unit",
        error(m, spec(Map.of("decoder", Kind.MSE)), 1));
    assertEquals("--loss decoder=mse: output 'decoder' has 130 units; a reconstruction of the input needs 64 (the "
        + "features)", assertThrows(IllegalArgumentException.class, () -> Losses.of(m, spec(Map.of("decoder",
        Kind.MSE)), 5, 64)).getMessage());
    assertEquals("--action-output decoder is not a sigmoid output; the action is taken on probabilities (the sigmoid "
        + "outputs: [ae_action, action])", error(m, new LossSpec(Map.of("decoder", Kind.MSE), Map.of(), 0,
        "decoder"), 5));
    assertEquals("--label-smoothing must be in [0, 1], got 1.5", assertThrows(IllegalArgumentException.class,
        () -> new LossSpec(Map.of(), Map.of(), 1.5, null)).getMessage());
    assertEquals("--loss-weights action=-1.0: a weight must be a finite number >= 0", assertThrows(
        IllegalArgumentException.class, () -> new LossSpec(Map.of(), Map.of("action", -1.0), 0, null)).getMessage());
    assertEquals("output 'action' is sigmoid: its metrics are recall, precision and AUC, not [mae]", error(m,
        errors(Map.of("action", List.of("mae"))), 5));
    assertEquals("error metrics names output 'decoderr', which the model does not have (its outputs: decoder, "
        + "ae_action, action)", error(m, errors(Map.of("decoderr", List.of("mae"))), 5));
    assertEquals("error metric mape of decoder: Kiln computes [mae, mse, rmse]", assertThrows(
        IllegalArgumentException.class, () -> errors(Map.of("decoder", List.of("mape")))).getMessage());
  }

  private static LossSpec errors(Map<String, List<String>> errors) {
    return new LossSpec(Map.of("decoder", Kind.MSE), Map.of(), 0, Map.of(), null, java.util.Set.of(), errors);
  }

  /**
   * Each output's own label smoothing: the heads carry it, and each head's losses are those of a run that gives every
   * output that head's value.
   */
  @Test
  void eachOutputTakesItsOwnLabelSmoothing() throws IOException {
    Model m = autoencoder();
    Map<String, Kind> mse = Map.of("decoder", Kind.MSE);
    Losses each = Losses.of(m, new LossSpec(mse, Map.of(), 0, Map.of("ae_action", 0.05, "action", 0.2), null), 5,
        130);
    assertEquals(List.of(0.0, 0.05, 0.2), each.heads().stream().map(Losses.Head::smoothing).toList());
    List<Tensor> per = elementwise(m, each);
    List<Tensor> five = elementwise(m, Losses.of(m, new LossSpec(mse, Map.of(), 0.05, null), 5, 130));
    List<Tensor> twenty = elementwise(m, Losses.of(m, new LossSpec(mse, Map.of(), 0.2, null), 5, 130));
    assertArrayEquals(five.get(1).doubles(), per.get(1).doubles());
    assertArrayEquals(twenty.get(2).doubles(), per.get(2).doubles());
    assertFalse(Arrays.equals(five.get(2).doubles(), per.get(2).doubles()), "the two smoothings differ");
    assertEquals("label smoothing of action must be in [0, 1], got 1.5", assertThrows(IllegalArgumentException.class,
        () -> new LossSpec(mse, Map.of(), 0, Map.of("action", 1.5), null)).getMessage());
  }

  /** Each output's losses per unit in float64, inference mode, on fixed rows and labels. */
  private static List<Tensor> elementwise(Model m, Losses losses) {
    Tracer t = new Tracer();
    Map<String, Value> vars = new LinkedHashMap<>();
    Random r = new Random(5);
    for (Variable v : m.variables()) {
      double[] d = new double[v.size()];
      for (int i = 0; i < d.length; i++) d[i] = v.name().endsWith("variance") ? 1 : r.nextGaussian() * 0.3;
      vars.put(v.name(), t.constant(Tensor.wrap(DType.F64, v.shape(), d)));
    }
    double[] xd = new double[4 * 130], yd = new double[4 * 5];
    for (int i = 0; i < xd.length; i++) xd[i] = r.nextGaussian();
    for (int i = 0; i < yd.length; i++) yd[i] = r.nextInt(2);
    Value x = t.constant(Tensor.wrap(DType.F64, Shape.of(4, 130), xd));
    Value y = t.constant(Tensor.wrap(DType.F64, Shape.of(4, 5), yd));
    LayerContext ctx = new LayerContext(vars, false, Threefry.key(t, 1),
        t.constant(Tensor.wrap(DType.U32, Shape.scalar(), new int[] {3})), 1, 0);
    try (JavaBackend be = new JavaBackend()) {
      return be.evaluate(t.build(losses.elementwise(m.forwardAll(ctx, x), x, y).toArray(new Value[0])));
    }
  }
}
