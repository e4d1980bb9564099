package dev.kiln.train.stream;

import dev.kiln.io.dataset.SyntheticMarket;
import dev.kiln.io.pipeline.Shard;
import dev.kiln.io.pipeline.WindowedDataset;
import dev.kiln.io.tfrecord.TFRecordReader;
import dev.kiln.train.Predictor;
import dev.kiln.train.TrainOptions;
import dev.kiln.train.Trainer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A short training run on a small synthetic dataset, {@code kiln predict}'s probabilities on its holdout fold (by the
 * ts_id of each window's last row), and the holdout written as example_test.csv by {@code kiln export-test}
 * ({@code testCsv}) and by hand with its columns reordered and an extra one added ({@code reorderedCsv}: header
 * names decide), the fill value left empty (missing) in both.
 */
record StreamFixture(Path run, Path testCsv, Path reorderedCsv, Map<Long, Float> predicted) {
  static final int WINDOW = 20;
  static final float FILL = -100f;

  static StreamFixture make(Path dir) throws IOException {
    return make(dir, WINDOW);
  }

  /** As above, for the seed model over windows of {@code window} rows. */
  static StreamFixture make(Path dir, int window) throws IOException {
    Path data = dir.resolve("data");
    SyntheticMarket.generate(data, new SyntheticMarket.Settings(10, 60, 11, 5, 1, FILL, 1.0, window), null);
    Path run = dir.resolve("run");
    TrainOptions o = new TrainOptions(data, run, 1, 32, 0.02, 0.9, 5, 4, window, 0.1, 42, "java", null, 2, 0, 0,
        false, false);
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    new Trainer(o, quiet).run();
    Path preds = dir.resolve("preds.csv");
    Predictor.run(run, data, 4, preds, "java", null, 64, quiet);
    Map<Long, Float> predicted = new HashMap<>();
    List<String> lines = Files.readAllLines(preds);
    for (String line : lines.subList(1, lines.size())) {
      String[] c = line.split(",");
      predicted.put(Long.parseLong(c[0]), Float.parseFloat(c[3]));
    }
    Path testCsv = dir.resolve("example_test.csv"), reordered = dir.resolve("test.csv");
    cli("export-test", "--data", data.toString(), "--out", testCsv.toString());
    writeTestCsv(WindowedDataset.load(data, List.of(4), window, TFRecordReader.Options.DEFAULT).shards(), reordered);
    return new StreamFixture(run, testCsv, reordered, predicted);
  }

  static void writeTestCsv(List<Shard> shards, Path csv) throws IOException {
    StringBuilder s = new StringBuilder("ts_id,extra");
    for (String n : TestSchema.required(130)) if (!n.equals("ts_id")) s.append(',').append(n);
    s.append('\n');
    for (Shard sh : shards) {
      for (int r = 0; r < sh.rows(); r++) {
        s.append(sh.tsId(r)).append(",x,").append((int) sh.date(r)).append(',').append(sh.weight(r));
        for (int j = 0; j < 130; j++) {
          float v = sh.features()[r * 130 + j];
          s.append(',').append(v == FILL ? "" : Float.toString(v));
        }
        s.append('\n');
      }
    }
    Files.writeString(csv, s);
  }

  /**
   * The row MLP fixture (input [130], five sigmoid units) trained through {@code kiln train --model} on five targets
   * and predicted with {@code kiln predict}: ts_id → its five probabilities, flattened in {@code units} order.
   */
  static StreamFixture rows(Path dir, Map<Long, float[]> units) throws IOException {
    Trained t = trainOnFive(dir, "row_mlp");
    units.putAll(t.probabilities(7));
    return new StreamFixture(t.run(), t.testCsv(), t.testCsv(), Map.of());
  }

  /**
   * The supervised autoencoder fixture (input [130]; outputs decoder, ae_action, action) trained through
   * {@code kiln train --model} on five targets and predicted with {@code kiln predict}: for each sigmoid output,
   * ts_id → its five probabilities, read from predict's {@code NAME_probability_j} columns.
   */
  static StreamFixture autoencoder(Path dir, Map<String, Map<Long, float[]>> byOutput) throws IOException {
    Trained t = trainOnFive(dir, "autoencoder", "--loss", "decoder=mse");
    List<String> header = List.of(t.predictions().get(0).split(","));
    for (String out : List.of("ae_action", "action")) {
      byOutput.put(out, t.probabilities(header.indexOf(out + "_probability_0")));
    }
    return new StreamFixture(t.run(), t.testCsv(), t.testCsv(), Map.of());
  }

  /** A run, predict's lines on its holdout, and the holdout as example_test.csv. */
  private record Trained(Path run, List<String> predictions, Path testCsv) {
    /** ts_id → the five probabilities in predict's columns from {@code first} on. */
    Map<Long, float[]> probabilities(int first) {
      Map<Long, float[]> units = new java.util.HashMap<>();
      for (String line : predictions.subList(1, predictions.size())) {
        String[] c = line.split(",");
        float[] p = new float[5];
        for (int j = 0; j < 5; j++) p[j] = Float.parseFloat(c[first + j]);
        units.put(Long.parseLong(c[0]), p);
      }
      return units;
    }
  }

  /** Ops' Keras fixture {@code model} trained for an epoch on five targets (with {@code flags}), then predicted. */
  private static Trained trainOnFive(Path dir, String model, String... flags) throws IOException {
    Path data = dir.resolve("data");
    SyntheticMarket.generate(data, new SyntheticMarket.Settings(6, 60, 13, 5, 1, FILL, 1.0, 1), null);
    Path run = dir.resolve("run"), preds = dir.resolve("preds.csv");
    String file = java.nio.file.Path.of("").toAbsolutePath().getParent()
        .resolve("ops/src/test/resources/keras/" + model + ".json").toString();
    String five = "resp_1,resp_2,resp_3,resp,resp_4";
    List<String> train = new java.util.ArrayList<>(List.of("train", "--data", data.toString(), "--out",
        run.toString(), "--model", file, "--targets", five, "--epochs", "1", "--batch-size", "32"));
    train.addAll(List.of(flags));
    cli(train.toArray(String[]::new));
    cli("predict", "--model", run.toString(), "--data", data.toString(), "--out", preds.toString(), "--targets", five);
    Path testCsv = dir.resolve("example_test.csv");
    cli("export-test", "--data", data.toString(), "--out", testCsv.toString());
    return new Trained(run, Files.readAllLines(preds), testCsv);
  }

  private static void cli(String... args) {
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cl = dev.kiln.train.Main.commandLine();
    cl.setErr(new java.io.PrintWriter(err, true));
    cl.setOut(new java.io.PrintWriter(new java.io.StringWriter(), true));
    int code = cl.execute(args);
    if (code != 0) throw new AssertionError("kiln " + String.join(" ", args) + ": exit " + code + ": " + err);
  }

  StreamPredictor open() throws IOException {
    return StreamPredictor.open(run, StreamPredictor.Options.defaults());
  }
}
