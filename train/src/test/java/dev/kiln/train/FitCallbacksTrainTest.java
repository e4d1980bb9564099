package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.core.Tensor;
import dev.kiln.io.dataset.SyntheticMarket;
import dev.kiln.ops.train.Optimization;
import dev.kiln.train.report.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kiln train} with another optimizer, a schedule and Keras's fit callbacks, end to end on the Java backend. */
class FitCallbacksTrainTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path shared;

  static Path data;

  @BeforeAll
  static void makeData() throws IOException {
    data = shared.resolve("data");
    SyntheticMarket.generate(data, new SyntheticMarket.Settings(20, 150, 7, 5, 2, -100f, 1.0, 20), null);
  }

  /** Exit code and error output of {@code kiln train} with the small run's settings and {@code flags}. */
  private static Object[] train(String... flags) {
    List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--batch-size", "64",
        "--steps-per-epoch", "4", "--backend", "java"));
    args.addAll(List.of(flags));
    KilnCli.Result r = KilnCli.run(args);
    return new Object[] {r.code(), r.err()};
  }

  private static void ok(String... flags) {
    Object[] r = train(flags);
    assertEquals(0, r[0], String.valueOf(r[1]));
  }

  private static String fails(String... flags) {
    Object[] r = train(flags);
    assertEquals(1, r[0], String.valueOf(r[1]));
    String err = (String) r[1];
    assertEquals(1, err.lines().count(), err);
    return err;
  }

  @Test
  void adamWithEarlyStoppingStopsRestoresTheBestEpochAndKeepsIt(@TempDir Path out) throws IOException {
    // min_delta 1 on val_loss: only the first epoch improves, so patience 0 stops after the second.
    ok("--out", out.toString(), "--epochs", "5", "--optimizer", "adam", "--lr", "0.01", "--early-stopping-monitor",
        "val_loss", "--early-stopping-min-delta", "1", "--restore-best-weights", "--save-best", "val_loss");
    JsonNode history = JSON.readTree(out.resolve("history.json").toFile());
    JsonNode metrics = JSON.readTree(out.resolve("metrics.json").toFile());
    assertEquals(2, history.get("val_loss").size());
    assertEquals("adam", metrics.get("optimizer").get("optimizer").asText());
    assertEquals(2, metrics.get("early_stopping").get("stopped_epoch").asInt());
    assertEquals(1, metrics.get("early_stopping").get("best_epoch").asInt());
    // The final metrics are the restored (first) epoch's weights evaluated again.
    assertEquals(history.get("val_loss").get(0).asDouble(), metrics.get("val_loss").asDouble(), 1e-12);
    assertNotEquals(history.get("val_loss").get(1).asDouble(), metrics.get("val_loss").asDouble());
    Map<String, Tensor> model = SafeTensors.read(out.resolve("model.safetensors"));
    Map<String, Tensor> ckpt = SafeTensors.read(Checkpoint.dir(out));
    for (var e : model.entrySet()) {
      assertArrayEquals(ckpt.get(Callbacks.BEST_WEIGHTS + e.getKey()).floats(), e.getValue().floats(), e.getKey());
    }
    assertEquals(8, ckpt.get(Optimization.ITERATIONS).ints()[0]);
    assertTrue(ckpt.keySet().stream().anyMatch(k -> k.startsWith("optimizer/") && k.endsWith("/v")), "Adam's v");
    int bestEpoch = history.get("val_loss").get(1).asDouble() < history.get("val_loss").get(0).asDouble() ? 2 : 1;
    assertEquals(bestEpoch, JSON.readTree(out.resolve("best/epoch.json").toFile()).get("epoch").asInt());
    assertTrue(Files.size(out.resolve("best/model.h5")) > 0 && Files.size(out.resolve("best/model.safetensors")) > 0);
    String err = fails("--resume", out.toString(), "--epochs", "6", "--optimizer", "adam", "--lr", "0.01",
        "--early-stopping-monitor", "val_loss", "--early-stopping-min-delta", "1", "--restore-best-weights",
        "--save-best", "val_loss");
    assertTrue(err.contains("ended by early stopping after epoch 2"), err);
  }

  @Test
  void reduceLrOnPlateauAndItsRateSurviveResumeExactly(@TempDir Path dir) throws IOException {
    String[] flags = {"--optimizer", "rmsprop", "--lr", "0.005", "--momentum", "0.5", "--reduce-lr-on-plateau",
        "val_loss:0.5:0", "--reduce-lr-min-delta", "10"};
    Path reference = dir.resolve("reference"), resumed = dir.resolve("resumed");
    ok(concat(flags, "--out", reference.toString(), "--epochs", "3"));
    ok(concat(flags, "--out", resumed.toString(), "--epochs", "2"));
    String err = fails("--resume", resumed.toString(), "--epochs", "3", "--optimizer", "adam");
    assertTrue(err.contains("it was rmsprop, now adam"), err);
    ok(concat(flags, "--resume", resumed.toString(), "--epochs", "3"));
    JsonNode a = JSON.readTree(reference.resolve("history.json").toFile());
    JsonNode b = JSON.readTree(resumed.resolve("history.json").toFile());
    assertEquals(a, b);
    // Only the first epoch improves by 10: the rate halves after each later one (logged before the change).
    assertEquals(List.of(0.005f, 0.005f, 0.0025f), floats(a.get("lr")));
    float lr = SafeTensors.read(Checkpoint.dir(resumed)).get(Optimization.LEARNING_RATE).floats()[0];
    assertEquals(0.00125f, lr);
  }

  @Test
  void aScheduleIsRecordedAndCountsSteps(@TempDir Path out) throws IOException {
    ok("--out", out.toString(), "--epochs", "2", "--lr", "0.05", "--lr-schedule", "piecewise:4:0.05,0.01");
    JsonNode opt = JSON.readTree(out.resolve("metrics.json").toFile()).get("optimizer");
    assertEquals("sgd", opt.get("optimizer").asText());
    assertEquals("PiecewiseConstantDecay", opt.get("lr_schedule").get("class_name").asText());
    Map<String, Tensor> ckpt = SafeTensors.read(Checkpoint.dir(out));
    assertEquals(8, ckpt.get(Optimization.ITERATIONS).ints()[0]);
    assertTrue(!ckpt.containsKey(Optimization.LEARNING_RATE), "a schedule's rate is computed, not stored");
  }

  @Test
  void badOptimizerFlagsAreOneLineErrorsNamingTheFlag(@TempDir Path out) {
    String o = out.toString();
    assertTrue(fails("--out", o, "--optimizer", "adam", "--momentum", "0.5")
        .contains("--momentum does not apply to --optimizer adam"));
    assertTrue(fails("--out", o, "--optimizer", "sgd", "--amsgrad").contains("--amsgrad does not apply"));
    assertTrue(fails("--out", o, "--optimizer", "nadam").contains("--optimizer must be sgd, adam, adamw or rmsprop"));
    assertTrue(fails("--out", o, "--lr", "NaN").contains("--lr must be a finite number > 0"));
    assertTrue(fails("--out", o, "--optimizer", "adam", "--beta2", "1").contains("--beta2 must be"));
    assertTrue(fails("--out", o, "--optimizer", "adamw", "--weight-decay", "-1").contains("--weight-decay must be"));
    assertTrue(fails("--out", o, "--lr-schedule", "cosine:x").contains("--lr-schedule cosine:x"));
    assertTrue(fails("--out", o, "--lr-schedule", "linear:3").contains("--lr-schedule must be"));
    assertTrue(fails("--out", o, "--lr-schedule", "piecewise:5,3:0.1,0.01,0.001").contains("increasing"));
    assertTrue(fails("--out", o, "--lr-schedule", "exponential:10:0.9", "--reduce-lr-on-plateau", "val_loss:0.5:1")
        .contains("--reduce-lr-on-plateau cannot change the rate of an --lr-schedule"));
    assertTrue(fails("--out", o, "--early-stopping-patience", "2").contains("needs --early-stopping-monitor"));
    assertTrue(fails("--out", o, "--early-stopping-monitor", "val_acc").contains("--early-stopping-monitor must be"));
    assertTrue(fails("--out", o, "--reduce-lr-on-plateau", "val_loss:2:1").contains("FACTOR must be in (0, 1)"));
    assertTrue(Files.notExists(out.resolve("checkpoint.safetensors")));
  }

  private static String[] concat(String[] a, String... b) {
    List<String> l = new ArrayList<>(List.of(a));
    l.addAll(List.of(b));
    return l.toArray(String[]::new);
  }

  private static List<Float> floats(JsonNode n) {
    List<Float> l = new ArrayList<>();
    n.forEach(x -> l.add((float) x.asDouble()));
    return l;
  }
}
