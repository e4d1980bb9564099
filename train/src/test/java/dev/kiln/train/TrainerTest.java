package dev.kiln.train;

import dev.kiln.train.loop.DivergedException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.core.Tensor;
import dev.kiln.io.dataset.SyntheticMarket;
import dev.kiln.ops.metrics.Metrics;
import dev.kiln.train.report.Plots;
import dev.kiln.train.report.SafeTensors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training command end to end on a small synthetic dataset with the Java backend. */
class TrainerTest {
  @TempDir
  static Path shared;

  static Path data;

  @BeforeAll
  static void makeData() throws IOException {
    data = shared.resolve("data");
    SyntheticMarket.generate(data, new SyntheticMarket.Settings(20, 150, 7, 5, 2, -100f, 1.0, 20), null);
  }

  static TrainOptions options(Path out, int epochs, double lr, boolean resume) {
    return new TrainOptions(data, out, epochs, 64, lr, 0.9, 5, 4, 20, 0.1, 42, "java", null, 4, 0, 0, false, resume);
  }

  static Trainer.Result train(TrainOptions o) throws IOException {
    return new Trainer(o, new PrintStream(new ByteArrayOutputStream())).run();
  }

  @Test
  void writesHistoryMetricsPlotsAndKerasNamedModelFiles(@TempDir Path out) throws IOException {
    Trainer.Result r = train(options(out, 2, 0.02, false));
    JsonNode history = new ObjectMapper().readTree(out.resolve("history.json").toFile());
    for (String k : List.of("loss", "recall", "precision", "auc", "val_loss", "val_recall", "val_precision", "val_auc")) {
      assertEquals(2, history.get(k).size(), "history." + k);
    }
    JsonNode metrics = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
    for (String k : List.of("val_loss", "val_auc", "utility_score", "backend", "samples_per_second", "wall_time_seconds")) {
      assertTrue(metrics.has(k), "metrics.json lacks " + k);
    }
    assertEquals("java", metrics.get("backend").asText());
    for (String f : Plots.FILES) assertTrue(Files.size(out.resolve("plots").resolve(f)) > 1000, f);
    JsonNode model = new ObjectMapper().readTree(out.resolve("model.json").toFile());
    JsonNode layers = model.get("config").get("layers");
    assertEquals("Functional", model.get("class_name").asText());
    assertEquals("input_1", layers.get(0).get("name").asText());
    assertEquals("dense", layers.get(13).get("name").asText());
    assertEquals("batch_normalization", layers.get(10).get("inbound_nodes").get(0).get(0).get(0).asText());
    Map<String, Tensor> weights = SafeTensors.read(out.resolve("model.safetensors"));
    assertEquals(List.of(5, 130, 64), dims(weights.get("conv1d/kernel")));
    assertTrue(weights.containsKey("batch_normalization/moving_mean") && weights.containsKey("normalization/mean"));
    assertEquals(r.history().get("val_auc").get(1), metrics.get("val_auc").asDouble(), 1e-12);
  }

  @Test
  void aMissingPluginFailsBeforeAnyDataIsRead(@TempDir Path out) {
    // The data folder does not exist: an error about it would mean data was touched before the backend.
    Path plugin = out.resolve("no-such-plugin.so");
    TrainOptions o = new TrainOptions(out.resolve("no-such-data"), out.resolve("run"), 1, 64, 0.02, 0.9, 5, 4, 20,
        0.1, 42, "pjrt:cuda", plugin, 4, 0, 0, false, false);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    RuntimeException e = assertThrows(RuntimeException.class, () -> new Trainer(o, new PrintStream(log)).run());
    assertTrue(e.getMessage().contains("no-such-plugin.so"), e.getMessage());
    assertEquals("", log.toString(), "nothing is loaded before the backend opens");
  }

  private static List<Integer> dims(Tensor t) {
    return java.util.Arrays.stream(t.shape().dims()).boxed().toList();
  }

  @Test
  void inGraphValidationMetricsEqualKerasFormulasOnThePredictions(@TempDir Path out) throws IOException {
    Trainer.Result r = train(options(out, 1, 0.02, false));
    Path csv = out.resolve("preds.csv");
    Metrics.Values v = Predictor.run(out, data, 4, csv, "java", null, 64, new PrintStream(new ByteArrayOutputStream()));
    List<String> lines = Files.readAllLines(csv);
    assertEquals("ts_id,date,label,probability", lines.get(0));
    int n = lines.size() - 1;
    float[] thr = Metrics.thresholds();
    double[] tp = new double[thr.length], fp = new double[thr.length];
    double pos = 0, neg = 0, tp05 = 0, fp05 = 0;
    for (String line : lines.subList(1, lines.size())) {
      String[] c = line.split(",");
      float label = Float.parseFloat(c[2]), p = Float.parseFloat(c[3]);
      boolean positive = label > 0; // 0.5 labels count as positives
      if (positive) pos++; else neg++;
      if (p > 0.5f) { if (positive) tp05++; else fp05++; }
      for (int i = 0; i < thr.length; i++) {
        if (p > thr[i]) { if (positive) tp[i]++; else fp[i]++; }
      }
    }
    assertTrue(n > 100, "validation windows: " + n);
    assertEquals(tp05 / pos, v.recall(), 1e-9, "recall");
    assertEquals(tp05 / (tp05 + fp05), v.precision(), 1e-9, "precision");
    assertEquals(Metrics.auc(tp, fp, pos, neg), v.auc(), 1e-9, "auc");
    assertEquals(r.history().get("val_auc").get(0), v.auc(), 1e-9, "predict reproduces validation");
  }

  @Test
  void resumeContinuesFromTheLastCheckpointAndRefusesToOverwriteARun(@TempDir Path out) throws IOException {
    Trainer.Result one = train(options(out, 1, 0.02, false));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> train(options(out, 2, 0.02, false)));
    assertTrue(e.getMessage().contains("--resume"), e.getMessage());
    IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
        () -> train(options(out, 2, 0.05, true)));
    assertTrue(mismatch.getMessage().contains("lr was 0.02, now 0.05"), mismatch.getMessage());
    Trainer.Result two = train(options(out, 2, 0.02, true));
    assertEquals(2, two.history().get("loss").size());
    assertEquals(one.history().get("loss").get(0), two.history().get("loss").get(0));
    assertEquals(one.history().get("val_auc").get(0), two.history().get("val_auc").get(0));
  }

  @Test
  void aDivergingRunStopsWithAClearMessageAndKeepsTheLastGoodCheckpoint(@TempDir Path out) throws IOException {
    train(options(out, 1, 0.02, false));
    // Make the next step's loss NaN: a NaN in the dense layer's bias (the optimizer cannot recover from it).
    Path ckpt = out.resolve("checkpoint.safetensors");
    SafeTensors.Contents c = SafeTensors.readContents(ckpt);
    java.util.LinkedHashMap<String, Tensor> state = new java.util.LinkedHashMap<>(c.tensors());
    state.put("dense/bias", Tensor.of(new float[] {Float.NaN}, 1));
    SafeTensors.write(ckpt, state, c.metadata());
    byte[] good = Files.readAllBytes(ckpt);
    byte[] goodMetrics = Files.readAllBytes(out.resolve("metrics.json"));
    DivergedException e = assertThrows(DivergedException.class, () -> train(options(out, 3, 0.02, true)));
    assertTrue(e.getMessage().contains("NaN at epoch 2, step 1") && e.getMessage().contains("last good checkpoint (epoch 1)"),
        e.getMessage());
    assertTrue(java.util.Arrays.equals(good, Files.readAllBytes(ckpt)), "the checkpoint is left as it was");
    assertTrue(java.util.Arrays.equals(goodMetrics, Files.readAllBytes(out.resolve("metrics.json"))),
        "the completed run's reports are left as they were");
  }

  @Test
  void aCorruptCheckpointFallsBackToThePreviousEpochsWithAWarning(@TempDir Path out) throws IOException {
    Trainer.Result whole = train(options(out.resolve("whole"), 3, 0.02, false));
    Path run = out.resolve("run");
    train(options(run, 2, 0.02, false));
    assertTrue(Files.exists(run.resolve("checkpoint.previous.safetensors")), "the previous epoch's checkpoint is kept");
    byte[] b = Files.readAllBytes(run.resolve("checkpoint.safetensors"));
    b[b.length - 5] ^= 0x01; // a data byte of the last tensor
    Files.write(run.resolve("checkpoint.safetensors"), b);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    Trainer.Result resumed = new Trainer(options(run, 3, 0.02, true), new PrintStream(log)).run();
    String text = log.toString();
    assertTrue(text.contains("warning: " + run.resolve("checkpoint.safetensors") + ": tensor")
        && text.contains("is corrupt") && text.contains("using the previous checkpoint (1 epochs done)"), text);
    assertEquals(whole.history(), resumed.history(), "epochs 2 and 3 are trained again from the previous checkpoint");
  }

  static TrainOptions placed(Path out, String dataOnDevice, int logEvery) {
    return new TrainOptions(data, out, 2, 64, 0.02, 0.9, 5, 4, 20, 0.1, 42, "java", null, 6, 0, 0, false, false,
        logEvery, dataOnDevice);
  }

  @Test
  void dataOnTheDeviceTrainsExactlyAsStreamedBatches(@TempDir Path out) throws IOException {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    Trainer.Result streamed = new Trainer(placed(out.resolve("streamed"), "never", 0), new PrintStream(log)).run();
    assertTrue(log.toString().contains("data: streaming batches from the host (--data-on-device never)"), log.toString());
    log.reset();
    Trainer.Result onDevice = new Trainer(placed(out.resolve("device"), "always", 0), new PrintStream(log)).run();
    assertTrue(log.toString().contains("of rows on each device; steps are fed window start rows only"), log.toString());
    // Same windows in the same order; the gather copies exactly what the host assembly copies.
    assertEquals(streamed.history(), onDevice.history());
    // Reading the loss only every 4th step changes nothing but when the host waits.
    Trainer.Result sparse = train(placed(out.resolve("sparse"), "always", 4));
    assertEquals(onDevice.history(), sparse.history());
  }

  @Test
  void anUnsupportedModelFailsBeforeAnyDataIsRead(@TempDir Path out) throws IOException {
    String json = Files.readString(KerasRoundTripTest.fixture("deeper")).replace("\"class_name\": \"Dropout\"",
        "\"class_name\": \"SpatialDropout1D\"");
    Path model = out.resolve("model.json");
    Files.writeString(model, json);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    TrainOptions o = new TrainOptions(out.resolve("no-such-data"), out.resolve("run"), 1, 64, 0.02, 0.9, 5, 4, 20,
        0.1, 42, "java", null, 4, 0, 0, false, false, 0, "auto", model);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Trainer(o, new PrintStream(log)).run());
    assertTrue(e.getMessage().contains("layer 'dropout': class SpatialDropout1D is not supported"), e.getMessage());
    assertEquals("", log.toString(), "nothing is loaded before the model is checked");
  }
}
