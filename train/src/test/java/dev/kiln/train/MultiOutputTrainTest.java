package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.io.dataset.SyntheticMarket;
import dev.kiln.ops.train.Adam;
import dev.kiln.ops.train.LossSpec;
import dev.kiln.ops.train.Losses;
import dev.kiln.ops.train.Optimization;
import dev.kiln.train.loop.EarlyStoppingHook;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervised autoencoder trains end to end: history.json and metrics.json name its logs as Keras does
 * ({@code loss}, {@code decoder_loss}, {@code action_auc}, {@code val_action_auc}, ...), early stopping monitors
 * {@code val_action_auc}, and {@code kiln predict} writes both sigmoid outputs' five probabilities; tf_keras rebuilds
 * the trained model.json, loads model.h5 and predicts every output predict wrote within 1e-5.
 */
class MultiOutputTrainTest {
  static final List<String> FIVE = List.of("resp_1", "resp_2", "resp_3", "resp", "resp_4");

  static Path fixture() {
    return KerasRoundTripTest.fixture("autoencoder");
  }

  @Test
  void theAutoencoderTrainsPredictsAndComesBackToKeras(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    SyntheticMarket.generate(data, new SyntheticMarket.Settings(20, 150, 13, 5, 2, -100f, 1.0, 20), null);
    // Fed from the host, and gathered from the folds held on the device.
    for (String placement : List.of("never", "always")) trainAndCheck(dir.resolve(placement), data, placement);
  }

  /**
   * A run of the autoencoder resumes from its checkpoint (per-output metric state included) with the same losses,
   * and is refused in one line with others.
   */
  @Test
  void aResumeKeepsTheLosses(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    SyntheticMarket.generate(data, new SyntheticMarket.Settings(20, 150, 13, 5, 2, -100f, 1.0, 20), null);
    Path run = dir.resolve("run");
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    LossSpec spec = new LossSpec(Map.of("decoder", Losses.Kind.MAE), Map.of(), 0.01, null);
    new Trainer(options(data, run, 1, false), fit(spec), quiet).run();
    String refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () ->
        new Trainer(options(data, run, 2, true), fit(new LossSpec(Map.of("decoder", Losses.Kind.MSE), Map.of(),
            0.01, null)), quiet).run()).getMessage();
    assertTrue(refused.startsWith("--resume needs the settings the run started with: losses was decoder=mae"),
        refused);
    new Trainer(options(data, run, 2, true), fit(spec), quiet).run();
    JsonNode history = new ObjectMapper().readTree(run.resolve("history.json").toFile());
    assertEquals(2, history.get("val_action_auc").size());
    assertEquals(2, history.get("decoder_loss").size());
  }

  private static TrainOptions options(Path data, Path run, int epochs, boolean resume) {
    return new TrainOptions(data, run, epochs, 64, 0.001, 0, 5, 4, 1, 0.1, 42, "java", null, 6, 0, 0, false, resume, 0,
        "never", fixture(), FIVE);
  }

  private static FitOptions fit(LossSpec spec) {
    return new FitOptions(Optimization.of(Adam.keras(), null), null, null, null, spec, null);
  }

  private static void trainAndCheck(Path dir, Path data, String placement) throws Exception {
    Path run = dir.resolve("run");
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    LossSpec spec = new LossSpec(Map.of("decoder", Losses.Kind.MSE), Map.of("decoder", 0.5), 0.01, null);
    FitOptions fit = new FitOptions(Optimization.of(Adam.keras(), null), new EarlyStoppingHook.Config(
        "val_action_auc", 0, 5, "max", null, false), null, null, spec, null);
    TrainOptions o = new TrainOptions(data, run, 2, 64, 0.001, 0, 5, 4, 1, 0.1, 42, "java", null, 6, 0, 0, false,
        false, 0, placement, fixture(), FIVE);
    new Trainer(o, fit, new PrintStream(log, true, StandardCharsets.UTF_8)).run();
    String printed = log.toString(StandardCharsets.UTF_8);
    assertTrue(printed.contains("Outputs (in order): decoder (None, 130), ae_action (None, 5), action (None, 5)"),
        printed);

    JsonNode history = new ObjectMapper().readTree(run.resolve("history.json").toFile());
    List<String> keys = new ArrayList<>();
    history.fieldNames().forEachRemaining(keys::add);
    assertEquals(List.of("loss", "decoder_loss", "ae_action_loss", "action_loss", "ae_action_recall",
        "ae_action_precision", "ae_action_auc", "action_recall", "action_precision", "action_auc", "val_loss",
        "val_decoder_loss", "val_ae_action_loss", "val_action_loss", "val_ae_action_recall",
        "val_ae_action_precision", "val_ae_action_auc", "val_action_recall", "val_action_precision",
        "val_action_auc"), keys);
    for (String k : keys) assertEquals(2, history.get(k).size(), k);
    for (String prefix : List.of("", "val_")) {
      // The total is Keras's: Σ weight × each output's loss (decoder 0.5, the heads 1).
      for (int e = 0; e < 2; e++) {
        double total = 0.5 * history.get(prefix + "decoder_loss").get(e).asDouble()
            + history.get(prefix + "ae_action_loss").get(e).asDouble()
            + history.get(prefix + "action_loss").get(e).asDouble();
        assertEquals(total, history.get(prefix + "loss").get(e).asDouble(), 1e-5 * total, prefix + "loss " + e);
      }
    }
    JsonNode metrics = new ObjectMapper().readTree(run.resolve("metrics.json").toFile());
    assertEquals("action", metrics.get("action_output").asText());
    assertEquals(history.get("val_action_auc").get(1).asDouble(), metrics.get("val_action_auc").asDouble(), 1e-12);
    assertEquals("val_action_auc", metrics.get("early_stopping").get("monitor").asText());
    assertEquals(Files.readString(fixture()), Files.readString(run.resolve("model.json")));
    for (String plot : dev.kiln.train.report.Plots.FILES) assertTrue(Files.size(run.resolve("plots/" + plot)) > 0);

    Path csv = dir.resolve("preds.csv");
    String wrong = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () ->
        Predictor.run(run, data, 4, csv, "java", null, 64, new PrintStream(new ByteArrayOutputStream()))).getMessage();
    assertEquals(run + ": output 'ae_action' has 5 sigmoid units and --targets names 1; give one target per unit "
        + "(predict's --targets)", wrong);
    assertTrue(Files.notExists(csv), "nothing written");
    Predictor.run(run, data, 4, csv, "java", null, 64, FIVE, new PrintStream(new ByteArrayOutputStream()));
    StringBuilder header = new StringBuilder("ts_id,date");
    for (int j = 0; j < 5; j++) header.append(",label_").append(j);
    for (String out : List.of("ae_action", "action")) {
      for (int j = 0; j < 5; j++) header.append(',').append(out).append("_probability_").append(j);
    }
    List<String> lines = Files.readAllLines(csv);
    assertEquals(header.toString(), lines.get(0));
    assertEquals(2 + 5 + 10, lines.get(1).split(",").length);

    Path py = KerasRoundTripTest.python();
    Path repo = Path.of("").toAbsolutePath().getParent();
    Process p = new ProcessBuilder(py.toString(), repo.resolve("scripts/keras_check.py").toString(), "--model",
        run.toString(), "--data", data.toString(), "--fold", "4", "--preds", csv.toString(), "--tol", "1e-5")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    System.out.println(placement + ": " + out.lines().filter(l -> l.startsWith("keras_check")).toList());
    assertTrue(out.contains("keras_check: OK") && out.contains("10 output unit(s) compared"), out);
  }
}
