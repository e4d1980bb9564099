package dev.kiln.train;

import dev.kiln.tpu.PluginLocator;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.io.dataset.SyntheticMarket;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Kiln trains, Keras loads: {@code scripts/keras_check.py} (TensorFlow 2.21 + tf_keras 2.21, from the venv
 * {@code scripts/keras-venv.sh} makes) builds the model from Kiln's {@code model.json}, loads {@code model.h5} with
 * {@code load_weights}, makes the holdout windows from Kiln's TFRecords with tf.data as the seed does, and compares
 * its predictions with {@code kiln predict}'s to 1e-5, window by window.
 */
class KerasRoundTripTest {
  static Path python() {
    Path venv = PluginLocator.cacheRoot().resolve("venvs/keras-2.21");
    Path py = venv.resolve("bin/python");
    if (!Files.isRegularFile(venv.resolve(".kiln-complete")) || !Files.isExecutable(py)) {
      throw new AssertionError("the Keras reference venv is missing: " + venv
          + " (make it with scripts/keras-venv.sh; .ci/run does)");
    }
    return py;
  }

  @Test
  void kerasLoadsModelJsonAndModelH5AndPredictsAsKiln(@TempDir Path dir) throws Exception {
    Path py = python();
    Path data = dir.resolve("data");
    SyntheticMarket.generate(data, new SyntheticMarket.Settings(20, 150, 11, 5, 2, -100f, 1.0, 20), null);
    Path run = dir.resolve("run");
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    new Trainer(new TrainOptions(data, run, 1, 64, 0.02, 0.9, 5, 4, 20, 0.1, 42, "java", null, 6, 0, 0, false, false),
        quiet).run();
    assertTrue(Files.size(run.resolve("model.h5")) > 100_000, "model.h5 holds the weights");
    Path csv = dir.resolve("preds.csv");
    Predictor.run(run, data, 4, csv, "java", null, 64, quiet);

    Path repo = Path.of("").toAbsolutePath().getParent();
    Process p = new ProcessBuilder(py.toString(), repo.resolve("scripts/keras_check.py").toString(), "--model",
        run.toString(), "--data", data.toString(), "--fold", "4", "--preds", csv.toString(), "--tol", "1e-5")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int rc = p.waitFor();
    System.out.println(out.lines().filter(l -> l.startsWith("keras_check")).reduce("", (a, b) -> a + b + "\n"));
    assertEquals(0, rc, out);
    assertTrue(out.contains("keras_check: OK") && out.contains("106182 parameters"), out);
  }

  /** The tf_keras-written architectures of the importer's tests (ops' test resources). */
  static Path fixture(String name) {
    return Path.of("").toAbsolutePath().getParent().resolve("ops/src/test/resources/keras").resolve(name + ".json");
  }

  /**
   * {@code train --model} on each tf_keras-written architecture: the model.json written back is the file given, byte
   * for byte, and Keras (model_from_json + load_weights of Kiln's model.h5) predicts every holdout window as
   * {@code kiln predict} does, within 1e-5.
   */
  @Test
  void modelsGivenAsKerasJsonTrainAndComeBackToKeras(@TempDir Path dir) throws Exception {
    Path py = python();
    Path data = dir.resolve("data");
    SyntheticMarket.generate(data, new SyntheticMarket.Settings(20, 150, 13, 5, 2, -100f, 1.0, 20), null);
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    Path repo = Path.of("").toAbsolutePath().getParent();
    for (String name : java.util.List.of("deeper", "normalized")) {
      Path run = dir.resolve(name);
      new Trainer(new TrainOptions(data, run, 1, 64, 0.02, 0.9, 5, 4, 20, 0.1, 42, "java", null, 6, 0, 0, false, false,
          0, "auto", fixture(name)), quiet).run();
      assertEquals(Files.readString(fixture(name)), Files.readString(run.resolve("model.json")), name);
      if (name.equals("deeper")) {
        // Its Normalization layer (named normalization_1 in the file) is adapted on the training folds.
        var w = dev.kiln.train.report.SafeTensors.read(run.resolve("model.safetensors"));
        assertTrue(w.get("normalization_1/count").item() > 1000, "normalization_1 adapted");
      }
      Path csv = dir.resolve(name + ".csv");
      Predictor.run(run, data, 4, csv, "java", null, 64, quiet);
      Process p = new ProcessBuilder(py.toString(), repo.resolve("scripts/keras_check.py").toString(), "--model",
          run.toString(), "--data", data.toString(), "--fold", "4", "--preds", csv.toString(), "--tol", "1e-5")
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int rc = p.waitFor();
      System.out.println(name + ": " + out.lines().filter(l -> l.startsWith("keras_check")).reduce("", (a, b) -> a + b
          + "\n"));
      assertEquals(0, rc, name + ":\n" + out);
      assertTrue(out.contains("keras_check: OK"), out);
    }
  }

  /**
   * The row MLP ([130] in, five sigmoid units) trains on every row on five targets, with the data on the device as
   * well as fed: Keras predicts every holdout row's five probabilities as {@code kiln predict} does (one line per
   * row), within 1e-5.
   */
  @Test
  void aModelThatTakesRowsTrainsOnFiveTargetsAndComesBackToKeras(@TempDir Path dir) throws Exception {
    Path py = python();
    Path data = dir.resolve("data");
    SyntheticMarket.generate(data, new SyntheticMarket.Settings(20, 150, 13, 5, 2, -100f, 1.0, 20), null);
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    Path repo = Path.of("").toAbsolutePath().getParent();
    java.util.List<String> targets = java.util.List.of("resp_1", "resp_2", "resp_3", "resp", "resp_4");
    for (String placement : java.util.List.of("never", "always")) {
      Path run = dir.resolve("rows-" + placement);
      new Trainer(new TrainOptions(data, run, 1, 64, 0.02, 0.9, 5, 4, 1, 0.1, 42, "java", null, 6, 0, 0, false, false,
          0, placement, fixture("row_mlp"), targets), quiet).run();
      Path csv = dir.resolve("rows-" + placement + ".csv");
      String wrong = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> Predictor.run(run, data, 4, csv, "java", null, 64, quiet)).getMessage();
      assertEquals(run + ": the model's output has 5 sigmoid units and --targets names 1 (resp); give one target per "
          + "unit (predict's --targets)", wrong);
      Predictor.run(run, data, 4, csv, "java", null, 64, targets, quiet);
      assertEquals("ts_id,date,label_0,label_1,label_2,label_3,label_4,probability_0,probability_1,probability_2,"
          + "probability_3,probability_4", Files.readAllLines(csv).get(0));
      long rows = dev.kiln.io.pipeline.WindowedDataset.load(data, java.util.List.of(4), 1,
          dev.kiln.io.tfrecord.TFRecordReader.Options.DEFAULT).rowCount();
      assertEquals(rows + 1, Files.readAllLines(csv).size(), "one line per holdout row, after the header");
      Process p = new ProcessBuilder(py.toString(), repo.resolve("scripts/keras_check.py").toString(), "--model",
          run.toString(), "--data", data.toString(), "--fold", "4", "--preds", csv.toString(), "--tol", "1e-5")
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, p.waitFor(), placement + ":\n" + out);
      assertTrue(out.contains("keras_check: OK"), out);
    }
  }
}
