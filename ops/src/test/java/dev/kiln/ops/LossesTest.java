package dev.kiln.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.ops.keras.KerasModels;
import dev.kiln.ops.train.Losses;
import dev.kiln.ops.train.Losses.Kind;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which losses a model's outputs take, and every misuse refused in one line naming the output. */
class LossesTest {
  private static Model autoencoder() throws IOException {
    return KerasModels.fromJson(KerasModelsTest.fixture("autoencoder.json"));
  }

  private static Losses.Spec spec(Map<String, Kind> loss) {
    return new Losses.Spec(loss, Map.of(), 0, null);
  }

  private static String error(Model m, Losses.Spec spec, int targets) {
    return assertThrows(IllegalArgumentException.class, () -> Losses.of(m, spec, targets, 130)).getMessage();
  }

  @Test
  void theAutoencoderTrainsWithADecoderLossAndTwoBinaryCrossEntropies() throws IOException {
    Losses l = Losses.of(autoencoder(), new Losses.Spec(Map.of("decoder", Kind.MAE), Map.of("decoder", 0.5), 0.01,
        null), 5, 130);
    assertEquals(List.of(new Losses.Head("decoder", 0, Kind.MAE, 0.5, 130), new Losses.Head("ae_action", 1, Kind.BCE,
        1, 5), new Losses.Head("action", 2, Kind.BCE, 1, 5)), l.heads());
    assertEquals("action", l.action().name(), "the last sigmoid output by default");
    assertEquals("ae_action", Losses.of(autoencoder(), new Losses.Spec(Map.of("decoder", Kind.MSE), Map.of(), 0,
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
        + "the input features", error(m, Losses.Spec.DEFAULT, 5));
    assertEquals("--loss names output 'decoderr', which the model does not have (its outputs: decoder, ae_action, "
        + "action)", error(m, spec(Map.of("decoderr", Kind.MSE)), 5));
    assertEquals("--loss-weights names output 'act', which the model does not have (its outputs: decoder, ae_action, "
        + "action)", error(m, new Losses.Spec(Map.of("decoder", Kind.MSE), Map.of("act", 2.0), 0, null), 5));
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
        + "outputs: [ae_action, action])", error(m, new Losses.Spec(Map.of("decoder", Kind.MSE), Map.of(), 0,
        "decoder"), 5));
    assertEquals("--label-smoothing must be in [0, 1], got 1.5", assertThrows(IllegalArgumentException.class,
        () -> new Losses.Spec(Map.of(), Map.of(), 1.5, null)).getMessage());
    assertEquals("--loss-weights action=-1.0: a weight must be a finite number >= 0", assertThrows(
        IllegalArgumentException.class, () -> new Losses.Spec(Map.of(), Map.of("action", -1.0), 0, null)).getMessage());
  }
}
