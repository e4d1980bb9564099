package dev.kiln.train.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.io.dataset.SyntheticMarket;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln cv} on a small synthetic dataset (20 dates): a folder per split with everything {@code kiln train}
 * writes, cv.json's figures equal to each split's own, a second run skipping finished splits and training the one
 * missing, and each misuse one line before any training.
 */
class CvCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path shared;

  static Path data;

  @BeforeAll
  static void makeData() throws IOException {
    data = shared.resolve("data");
    SyntheticMarket.generate(data, new SyntheticMarket.Settings(20, 150, 7, 5, 2, -100f, 1.0, 20), null);
  }

  /** Exit code, standard output and error output of {@code kiln cv} on the small dataset with {@code flags}. */
  private static Object[] cv(String... flags) {
    List<String> args = new ArrayList<>(List.of("cv", "--data", data.toString(), "--batch-size", "64",
        "--steps-per-epoch", "2", "--backend", "java"));
    args.addAll(List.of(flags));
    if (!args.contains("--epochs")) args.addAll(List.of("--epochs", "1"));
    dev.kiln.train.KilnCli.Result r = dev.kiln.train.KilnCli.run(args);
    return new Object[] {r.code(), r.out(), r.err()};
  }

  private static String ok(String... flags) {
    Object[] r = cv(flags);
    assertEquals(0, r[0], r[1] + "\n" + r[2]);
    return (String) r[1];
  }

  @Test
  void eachSplitIsATrainingRunAndCvJsonHoldsTheirFigures(@TempDir Path out) throws IOException {
    String log = ok("--out", out.toString(), "--splits", "2", "--gap", "1", "--weights", "1,3");
    // 20 dates in 3 blocks of 6 (from date 8); training stops one date short of each validation block.
    assertTrue(log.contains("split-0: training dates 0..6 (7), validation dates 8..13 (6): training into"), log);
    assertTrue(log.contains("split-1: training dates 0..12 (13), validation dates 14..19 (6): training into"), log);
    assertTrue(log.contains("loading dates 0..6 (training) and 8..13 (validation)"), log);
    for (int k = 0; k < 2; k++) {
      for (String f : List.of("history.json", "metrics.json", "model.json", "model.safetensors", "model.h5",
          "checkpoint.safetensors", "plots/loss.png")) {
        assertTrue(Files.isRegularFile(out.resolve("split-" + k).resolve(f)), "split-" + k + "/" + f);
      }
    }
    JsonNode cv = JSON.readTree(out.resolve("cv.json").toFile());
    assertEquals(2, cv.get("splits").asInt());
    assertEquals(1, cv.get("gap").asInt());
    double[] auc = new double[2];
    for (int k = 0; k < 2; k++) {
      JsonNode s = cv.get("per_split").get(k);
      JsonNode history = JSON.readTree(out.resolve("split-" + k + "/history.json").toFile());
      JsonNode metrics = JSON.readTree(out.resolve("split-" + k + "/metrics.json").toFile());
      assertEquals(1, s.get("epoch").asInt());
      assertEquals("last", s.get("epoch_kind").asText());
      for (String m : List.of("val_loss", "val_auc", "val_precision", "val_recall")) {
        assertEquals(history.get(m).get(0).asDouble(), s.get(m).asDouble(), m);
      }
      assertEquals(metrics.get("utility_score").asDouble(), s.get("utility_score").asDouble());
      auc[k] = s.get("val_auc").asDouble();
    }
    assertEquals("[8,13]", cv.get("per_split").get(0).get("valid_dates").toString());
    assertEquals("[0,12]", cv.get("per_split").get(1).get("train_dates").toString());
    assertEquals((auc[0] + auc[1]) / 2, cv.get("mean").get("val_auc").asDouble(), 1e-15);
    assertEquals(Math.abs(auc[0] - auc[1]) / 2, cv.get("std").get("val_auc").asDouble(), 1e-15);
    assertEquals((auc[0] + 3 * auc[1]) / 4, cv.get("weighted_mean").get("val_auc").asDouble(), 1e-15);
    assertTrue(log.contains("weighted mean"), log);

    // Again, with split-1 lost (say it never ran): split-0 is skipped untouched, split-1 trained as before.
    byte[] checkpoint0 = Files.readAllBytes(out.resolve("split-0/checkpoint.safetensors"));
    dev.kiln.io.AtomicFiles.deleteTree(out.resolve("split-1"));
    String again = ok("--out", out.toString(), "--splits", "2", "--gap", "1", "--weights", "1,3");
    assertTrue(again.contains("split-0: training dates 0..6 (7), validation dates 8..13 (6): finished in "
        + out.resolve("split-0") + ", skipped"), again);
    assertTrue(again.contains("split-1: training dates 0..12 (13), validation dates 14..19 (6): training into"), again);
    assertFalse(again.contains("loading dates 0..6"), "split-0 is not trained again: " + again);
    assertArrayEquals(checkpoint0, Files.readAllBytes(out.resolve("split-0/checkpoint.safetensors")));
    JsonNode cv2 = JSON.readTree(out.resolve("cv.json").toFile());
    assertEquals(cv.get("per_split"), cv2.get("per_split"), "the same seed and data: the same figures");

    // A third time with one more epoch: both splits are unfinished and resume from their checkpoints.
    String more = ok("--out", out.toString(), "--splits", "2", "--gap", "1", "--epochs", "2");
    assertTrue(more.contains("split-0: training dates 0..6 (7), validation dates 8..13 (6): resuming"), more);
    assertTrue(more.contains("resuming after epoch 1"), more);
    assertEquals(2, JSON.readTree(out.resolve("cv.json").toFile()).get("per_split").get(1).get("epoch").asInt());
  }

  /** The supervised autoencoder: each split's figures are the total loss and the action output's metrics. */
  @Test
  void aModelWithSeveralOutputsReportsItsActionOutput(@TempDir Path out) throws IOException {
    String model = Path.of("").toAbsolutePath().getParent().resolve("ops/src/test/resources/keras/autoencoder.json")
        .toString();
    String log = ok("--out", out.toString(), "--splits", "2", "--gap", "1", "--model", model, "--targets",
        "resp_1,resp_2,resp_3,resp,resp_4", "--loss", "decoder=mse");
    assertTrue(log.contains("val_auc, val_precision and val_recall are those of output 'action'"), log);
    JsonNode cv = JSON.readTree(out.resolve("cv.json").toFile());
    assertEquals("action", cv.get("action_output").asText());
    for (int k = 0; k < 2; k++) {
      JsonNode s = cv.get("per_split").get(k);
      JsonNode metrics = JSON.readTree(out.resolve("split-" + k + "/metrics.json").toFile());
      assertEquals(metrics.get("val_loss").asDouble(), s.get("val_loss").asDouble());
      for (String m : List.of("auc", "precision", "recall")) {
        assertEquals(metrics.get("val_action_" + m).asDouble(), s.get("val_" + m).asDouble(), m);
      }
      assertEquals(metrics.get("utility_score").asDouble(), s.get("utility_score").asDouble());
    }
  }

  @Test
  void earlyStoppingReportsTheRestoredBestEpochAndEndsTheSplit(@TempDir Path out) throws IOException {
    // min_delta 1 on val_loss with patience 0: the first epoch without an improvement of 1 stops the split.
    String[] flags = {"--out", out.toString(), "--splits", "2", "--gap", "1", "--epochs", "6", "--optimizer", "adam",
        "--lr", "0.01", "--early-stopping-monitor", "val_loss", "--early-stopping-min-delta", "1",
        "--restore-best-weights"};
    ok(flags);
    JsonNode cv = JSON.readTree(out.resolve("cv.json").toFile());
    for (int k = 0; k < 2; k++) {
      JsonNode s = cv.get("per_split").get(k);
      JsonNode history = JSON.readTree(out.resolve("split-" + k + "/history.json").toFile());
      JsonNode es = JSON.readTree(out.resolve("split-" + k + "/metrics.json").toFile()).get("early_stopping");
      int best = es.get("best_epoch").asInt();
      assertEquals(history.get("val_loss").size(), es.get("stopped_epoch").asInt(), "split-" + k + " stopped");
      assertTrue(history.get("val_loss").size() < 6);
      assertEquals(best, s.get("epoch").asInt());
      assertEquals("best", s.get("epoch_kind").asText());
      assertEquals(history.get("val_loss").get(best - 1).asDouble(), s.get("val_loss").asDouble(), 1e-12);
    }
    // Ended by early stopping: finished, though fewer epochs than --epochs ran.
    String again = ok(flags);
    assertTrue(again.contains("(6): finished in " + out.resolve("split-1") + ", skipped"), again);
    assertFalse(again.contains("resuming"), again);
  }

  @Test
  void aFinishedSplitWithOtherSettingsIsRefused(@TempDir Path out) {
    ok("--out", out.toString(), "--splits", "2", "--gap", "1");
    Object[] r = cv("--out", out.toString(), "--splits", "2", "--gap", "1", "--seed", "3");
    assertEquals(1, r[0]);
    assertEquals("kiln cv: error: " + out.resolve("split-0") + " holds a finished split run with other settings (seed "
        + "was 42, now 3); use another --out or the same flags", ((String) r[2]).strip());
  }

  private static String fails(Path out, String... flags) {
    List<String> args = new ArrayList<>(List.of("--out", out.toString()));
    args.addAll(List.of(flags));
    Object[] r = cv(args.toArray(String[]::new));
    String err = ((String) r[2]).strip();
    assertEquals(1, r[0], err);
    assertEquals(1, err.lines().count(), err);
    assertFalse(Files.exists(out.resolve("split-0")), "nothing trained: " + err);
    return err;
  }

  @Test
  void misuseIsOneLineBeforeAnyTraining(@TempDir Path out) {
    assertEquals("kiln cv: error: --splits must be at least 2, got 1", fails(out, "--splits", "1"));
    assertEquals("kiln cv: error: --gap must be 0 or more dates, got -2", fails(out, "--gap", "-2"));
    assertEquals("kiln cv: error: --weights gives 2 weight(s) for 3 splits",
        fails(out, "--splits", "3", "--gap", "0", "--weights", "1,2"));
    assertEquals("kiln cv: error: --weights must be finite and non-negative, got -1",
        fails(out, "--splits", "2", "--weights", "1,-1"));
    assertEquals("kiln cv: error: too few dates: with 20 distinct dates, --splits 5 (3 validation dates each) and "
        + "--gap 31 leave the first split no training date", fails(out, "--splits", "5"));
    assertEquals("kiln cv: error: too few dates: 20 distinct dates cannot make 21 blocks for --splits 20",
        fails(out, "--splits", "20", "--gap", "0"));
  }
}
