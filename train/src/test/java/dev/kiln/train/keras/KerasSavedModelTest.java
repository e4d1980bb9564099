package dev.kiln.train.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.core.Tensor;
import dev.kiln.ops.train.Adam;
import dev.kiln.ops.train.LrSchedule;
import dev.kiln.ops.train.Optimization;
import dev.kiln.ops.train.Sgd;
import dev.kiln.tpu.PluginLocator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * model.h5 files written by tf_keras's {@code model.save()} ({@code scripts/keras_saved_fixtures.py}, in the Keras
 * venv): the architecture and every weight as Keras saved them (each weight's sum against Keras's), the compile
 * settings as Kiln's optimizer, schedule and losses, and the settings Kiln does not support refused by their path.
 */
class KerasSavedModelTest {
  @TempDir static Path dir;

  @BeforeAll
  static void writeFixtures() throws Exception {
    writeFixtures(dir);
  }

  /** Runs scripts/keras_saved_fixtures.py into {@code dir}; a missing Keras venv fails, saying so. */
  static void writeFixtures(Path dir) throws Exception {
    Path venv = PluginLocator.cacheRoot().resolve("venvs/keras-2.21");
    Path py = venv.resolve("bin/python");
    if (!Files.isExecutable(py)) {
      throw new AssertionError("the Keras reference venv is missing: " + venv + " (make it with scripts/keras-venv.sh)");
    }
    Path script = Path.of("").toAbsolutePath().getParent().resolve("scripts/keras_saved_fixtures.py");
    Process p = new ProcessBuilder(py.toString(), script.toString(), dir.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
  }

  @Test
  void theArchitectureAndEveryWeightAreKerass() throws IOException {
    KerasSavedModel m = KerasSavedModel.read(dir.resolve("adam.h5"));
    JsonNode sums = new ObjectMapper().readTree(dir.resolve("adam.sums.json").toFile());
    assertEquals(sums.size(), m.weights().size());
    for (Iterator<String> it = sums.fieldNames(); it.hasNext(); ) {
      String keras = it.next();
      Tensor t = m.weights().get(keras.substring(0, keras.length() - 2));
      double sum = 0;
      for (float v : t.floats()) sum += v;
      assertEquals(sums.get(keras).asDouble(), sum, 1e-5 * Math.max(1, Math.abs(sum)), keras);
    }
    assertEquals(2 * 130 + 2 * 130 + 130 * 16 + 16 + 16 * 5 + 5, m.model().parameterCounts()[0]);
  }

  @Test
  void theCompileSettingsBecomeKilns() throws IOException {
    KerasCompile c = KerasSavedModel.read(dir.resolve("adam.h5")).compile(List.of("action"));
    Optimization o = c.optimization();
    assertEquals(new Adam(1e-3, 0.9, 0.999, 1e-6, true, 0), o.rule());
    assertEquals(new LrSchedule.Exponential(100, 0.9, true), o.schedule());
    assertEquals(new KerasCompile.Loss("bce", 0.01, false), c.losses().get("action"));
    KerasCompile sgd = KerasSavedModel.read(dir.resolve("sgd.h5")).compile(List.of("action"));
    assertEquals(new Sgd((float) 0.01, 0.9, true), sgd.optimization().rule()); // saved as its float32 value
    assertNull(sgd.optimization().schedule());
    assertNull(KerasSavedModel.read(dir.resolve("uncompiled.h5")).trainingConfig());
  }

  private static String[] kiln(String... args) {
    dev.kiln.train.KilnCli.Result r = dev.kiln.train.KilnCli.run(args);
    return new String[] {Integer.toString(r.code()), r.err().strip(), r.out()};
  }

  /** train --model FILE.h5: the file's weights to start from, its optimizer and losses; a flag that clashes refused. */
  @Test
  void trainStartsFromTheFileWithItsCompileSettings() throws IOException {
    Path data = dir.resolve("data"), run = dir.resolve("run");
    dev.kiln.io.dataset.SyntheticMarket.generate(data,
        new dev.kiln.io.dataset.SyntheticMarket.Settings(5, 60, 3, 5, 1, -100f, 1.0, 1), null);
    String five = "resp_1,resp_2,resp_3,resp,resp_4", model = dir.resolve("adam.h5").toString();
    String[] r = kiln("train", "--data", data.toString(), "--out", run.toString(), "--model", model, "--targets", five,
        "--epochs", "1", "--batch-size", "32");
    assertEquals("0", r[0], r[1] + r[2]);
    org.junit.jupiter.api.Assertions.assertTrue(r[2].contains("starting from the 8 weights of " + model), r[2]);
    String settings = dev.kiln.train.report.SafeTensors.readMetadata(run.resolve("checkpoint.safetensors")).toString();
    org.junit.jupiter.api.Assertions.assertTrue(settings.contains("adam"), settings);
    r = kiln("train", "--data", data.toString(), "--out", dir.resolve("run2").toString(), "--model", model,
        "--targets", five, "--optimizer", "sgd", "--label-smoothing", "0.1");
    assertEquals("1", r[0]);
    assertEquals("kiln train: error: --optimizer, --label-smoothing: the model.h5 file's training_config sets the "
        + "optimizer and losses; drop the flag, or pass the architecture as a model.json", r[1]);
  }

  /** summary --model FILE.h5 says what kiln train takes from the compile settings, or why it would refuse them. */
  @Test
  void summaryShowsTheCompileSettingsKilnTakes() {
    String adam = kiln("summary", "--model", dir.resolve("adam.h5").toString())[2];
    org.junit.jupiter.api.Assertions.assertTrue(adam.contains("Compile settings: adam {learning_rate=0.001") && adam
        .contains("amsgrad=true") && adam.contains("lr_schedule={") && adam.contains("; losses action=bce;")
        && adam.contains("label smoothing 0.01") && adam.contains("Optimizer state: none (the optimizer starts "
        + "afresh)"), adam);
    assertEquals("Compile settings: kiln train refuses them: training_config.optimizer_config.config.clipnorm is 1.0: "
        + "gradient clipping is not supported", last(kiln("summary", "--model", dir.resolve("clipnorm.h5").toString())));
    assertEquals("Compile settings: none (saved uncompiled; kiln train takes the optimizer and losses from its flags)",
        last(kiln("summary", "--model", dir.resolve("uncompiled.h5").toString())));
  }

  private static String last(String[] r) {
    assertEquals("0", r[0], r[1]);
    String[] lines = r[2].strip().split("\n");
    return lines[lines.length - 1];
  }

  @Test
  void whatKilnDoesNotDoIsRefusedByItsPath() throws IOException {
    KerasSavedModel clip = KerasSavedModel.read(dir.resolve("clipnorm.h5"));
    assertEquals("training_config.optimizer_config.config.clipnorm is 1.0: gradient clipping is not supported",
        assertThrows(IllegalArgumentException.class, () -> clip.compile(List.of("action"))).getMessage());
    KerasSavedModel acc = KerasSavedModel.read(dir.resolve("accuracy.h5"));
    assertEquals("training_config.metrics[0][0] is MeanMetricWrapper 'accuracy'; Kiln reports AUC, Precision and Recall (as auc, "
        + "precision, recall)", assertThrows(IllegalArgumentException.class, () -> acc.compile(List.of("action")))
        .getMessage());
    assertEquals("training_config.loss.nope: no output of that name; the outputs are [action]",
        assertThrows(IllegalArgumentException.class, () -> KerasCompile.read("{\"optimizer_config\": {\"class_name\": "
            + "\"SGD\", \"config\": {}}, \"loss\": {\"nope\": \"mse\"}}", List.of("action"))).getMessage());
    Path weightsOnly = dir.resolve("not-a-model.h5");
    Files.write(weightsOnly, new byte[] {1, 2, 3});
    assertThrows(IOException.class, () -> KerasSavedModel.read(weightsOnly));
  }

  /**
   * The best public solution's autoencoder as its notebook compiled it (a dict of losses, MeanAbsoluteError on the
   * decoder and AUC on each head) trains, reporting the decoder's MAE; a metric on the wrong kind of output is
   * refused by path.
   */
  @Test
  void theAutoencoderTrainsWithItsCompiledMetrics() throws IOException {
    KerasSavedModel m = KerasSavedModel.read(dir.resolve("ae_mlp.h5"));
    KerasCompile c = m.compile(m.model().outputNames());
    assertEquals(java.util.Map.of("decoder", List.of("mae")), c.errors());
    assertEquals(java.util.Map.of("decoder", List.of("mae")), c.spec().errors());
    Path data = dir.resolve("ae-data"), run = dir.resolve("ae-run");
    dev.kiln.io.dataset.SyntheticMarket.generate(data,
        new dev.kiln.io.dataset.SyntheticMarket.Settings(5, 60, 3, 5, 1, -100f, 1.0, 1), null);
    String[] r = kiln("train", "--data", data.toString(), "--out", run.toString(), "--model",
        dir.resolve("ae_mlp.h5").toString(), "--targets", "resp_1,resp_2,resp_3,resp,resp_4", "--epochs", "1",
        "--batch-size", "32");
    assertEquals("0", r[0], r[1] + r[2]);
    JsonNode history = new ObjectMapper().readTree(run.resolve("history.json").toFile());
    for (String k : List.of("decoder_mae", "val_decoder_mae", "action_auc", "val_action_auc")) {
      org.junit.jupiter.api.Assertions.assertTrue(history.path(k).path(0).isNumber(), k + " in " + history);
    }
    // kiln bench times the step the file compiles; a flag that sets what the file sets is refused.
    r = kiln("bench", "--model", dir.resolve("ae_mlp.h5").toString(), "--targets", "resp_1,resp_2,resp_3,resp,resp_4",
        "--modes", "resident", "--steps", "1", "--warmup", "1", "--repeats", "1", "--batch", "64");
    assertEquals("0", r[0], r[1] + r[2]);
    r = kiln("bench", "--model", dir.resolve("ae_mlp.h5").toString(), "--targets", "resp_1,resp_2,resp_3,resp,resp_4",
        "--loss", "decoder=mae");
    assertEquals("kiln bench: error: --loss: the model.h5 file's training_config sets the optimizer and losses; drop "
        + "the flag, or pass the architecture as a model.json", r[1]);
    String head = "{\"optimizer_config\": {\"class_name\": \"SGD\", \"config\": {}}, \"loss\": {\"decoder\": \"mse\", "
        + "\"ae_action\": \"bce\", \"action\": \"bce\"}, \"metrics\": ";
    List<String> outs = List.of("decoder", "ae_action", "action");
    assertEquals("training_config.metrics[0][0] is 'AUC' on output 'decoder', which is no sigmoid output; Kiln "
        + "reports MeanAbsoluteError, MeanSquaredError and RootMeanSquaredError of a reconstruction",
        assertThrows(IllegalArgumentException.class, () -> KerasCompile.read(head + "[[\"AUC\"], [], []]}", outs))
            .getMessage());
    assertEquals("training_config.metrics.action is 'mae' on the sigmoid output 'action'; Kiln reports AUC, "
        + "Precision and Recall there (as auc, precision, recall)", assertThrows(IllegalArgumentException.class,
            () -> KerasCompile.read(head + "{\"action\": \"mae\"}}", outs)).getMessage());
    assertEquals(java.util.Map.of("decoder", List.of("mse", "rmse")), KerasCompile.read(head + "{\"decoder\": "
        + "[\"mse\", {\"class_name\": \"RootMeanSquaredError\", \"config\": {\"name\": \"rmse\"}}]}}", outs).errors());
  }

  /** Each output's BinaryCrossentropy keeps its own label_smoothing; when they agree, one value serves them all. */
  @Test
  void eachOutputKeepsItsLabelSmoothing() {
    String bce = "{\"class_name\": \"BinaryCrossentropy\", \"config\": {\"label_smoothing\": %s}}";
    String opt = "{\"optimizer_config\": {\"class_name\": \"SGD\", \"config\": {}}, \"loss\": {";
    List<String> outs = List.of("decoder", "ae_action", "action");
    KerasCompile differ = KerasCompile.read(opt + "\"decoder\": \"mse\", \"ae_action\": " + bce.formatted("0.05")
        + ", \"action\": " + bce.formatted("0.2") + "}}", outs);
    assertEquals(java.util.Map.of("ae_action", 0.05, "action", 0.2), differ.spec().smoothing());
    KerasCompile agree = KerasCompile.read(opt + "\"decoder\": \"mse\", \"ae_action\": " + bce.formatted("0.01")
        + ", \"action\": " + bce.formatted("0.01") + "}}", outs);
    assertEquals(0.01, agree.spec().labelSmoothing());
    assertEquals(java.util.Map.of(), agree.spec().smoothing());
  }

  /**
   * A linear output compiled with BinaryCrossentropy(from_logits=True): read with a sigmoid, so its answers are the
   * sigmoid of Keras's logits on the same rows, and Kiln's loss on them is Keras's from-logits loss (label smoothing
   * included). Metrics that would read logits as probabilities, and a from-logits output that is not linear, are
   * refused by path.
   */
  @Test
  void anOutputCompiledFromLogitsTrainsOnThemAndAnswersProbabilities() throws Exception {
    KerasSavedModel m = KerasSavedModel.read(dir.resolve("logits.h5"));
    assertEquals(java.util.Set.of("action"), m.logitOutputs());
    org.junit.jupiter.api.Assertions.assertTrue(dev.kiln.ops.keras.KerasModels.isSigmoid(m.model().output()));
    dev.kiln.ops.train.Losses losses = dev.kiln.ops.train.Losses.of(m.model(), m.compile(List.of("action")).spec(),
        5, 130);
    JsonNode check = new ObjectMapper().readTree(dir.resolve("logits.check.json").toFile());
    int n = check.get("x").size();
    dev.kiln.core.graph.Tracer t = new dev.kiln.core.graph.Tracer();
    java.util.Map<String, dev.kiln.core.graph.Value> vars = new java.util.LinkedHashMap<>();
    m.weights().forEach((k, v) -> vars.put(k, t.constant(v)));
    dev.kiln.core.graph.Value x = t.constant(rows(check.get("x"), n, 130));
    dev.kiln.core.graph.Value y = t.constant(rows(check.get("y"), n, 5));
    dev.kiln.core.graph.Value w = t.constant(Tensor.wrap(dev.kiln.core.DType.F32, dev.kiln.core.Shape.of(n, 1),
        filled(n, 1f)));
    dev.kiln.ops.LayerContext ctx = new dev.kiln.ops.LayerContext(vars, false,
        dev.kiln.core.random.Threefry.key(t, 1), t.constant(Tensor.ofUnsigned(new int[] {1}, new int[0])), 1, 0);
    List<dev.kiln.ops.Model.Outputs> outs = m.model().forwardAll(ctx, x);
    dev.kiln.core.graph.Value loss = losses.total(losses.weighted(losses.elementwise(outs, x, y), w), n);
    try (dev.kiln.core.cpu.JavaBackend be = new dev.kiln.core.cpu.JavaBackend()) {
      List<Tensor> got = be.evaluate(t.build(outs.get(0).output(), loss));
      float[] p = got.get(0).floats();
      for (int i = 0; i < n * 5; i++) {
        double logit = check.get("logits").get(i / 5).get(i % 5).asDouble();
        assertEquals(1 / (1 + Math.exp(-logit)), p[i], 1e-5, "probability " + i);
      }
      double want = check.get("loss").asDouble();
      assertEquals(want, got.get(1).item(), 1e-5 * want, "the from-logits loss");
    }
    Path data = dir.resolve("logits-data");
    dev.kiln.io.dataset.SyntheticMarket.generate(data,
        new dev.kiln.io.dataset.SyntheticMarket.Settings(5, 60, 3, 5, 1, -100f, 1.0, 1), null);
    String[] r = kiln("train", "--data", data.toString(), "--out", dir.resolve("logits-run").toString(), "--model",
        dir.resolve("logits.h5").toString(), "--targets", "resp_1,resp_2,resp_3,resp,resp_4", "--epochs", "1",
        "--batch-size", "32");
    assertEquals("0", r[0], r[1] + r[2]);
    org.junit.jupiter.api.Assertions.assertTrue(r[2].contains("output 'action' is trained from logits, as Keras does: "
        + "the model.json this run saves keeps it linear (Keras gets logits), and Kiln's predict, stream and serve "
        + "answer its probabilities"), r[2]);
    // Keras loads the run's model.json and model.h5 and gives logits; their sigmoid is what kiln predict answers.
    Path preds = dir.resolve("logits-preds.csv");
    r = kiln("predict", "--model", dir.resolve("logits-run").toString(), "--data", data.toString(), "--out",
        preds.toString(), "--targets", "resp_1,resp_2,resp_3,resp,resp_4");
    assertEquals("0", r[0], r[1] + r[2]);
    Process p = new ProcessBuilder(PluginLocator.cacheRoot().resolve("venvs/keras-2.21/bin/python").toString(),
        Path.of("").toAbsolutePath()
        .getParent().resolve("scripts/keras_check.py").toString(), "--model", dir.resolve("logits-run").toString(),
        "--data", data.toString(), "--fold", "4", "--preds", preds.toString(), "--tol", "1e-5")
        .redirectErrorStream(true).start();
    String kerasCheck = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), kerasCheck);
    org.junit.jupiter.api.Assertions.assertTrue(kerasCheck.contains("sigmoid of Keras's logits: action")
        && kerasCheck.contains("keras_check: OK"), kerasCheck);
    IllegalArgumentException auc = assertThrows(IllegalArgumentException.class,
        () -> KerasSavedModel.read(dir.resolve("logits_auc.h5")).compile(List.of("action")));
    assertEquals("training_config.metrics[0][0].config.from_logits is false but the outputs are trained from logits; "
        + "Kiln's AUC reads each output's probabilities, as Keras's AUC(from_logits=True) does", auc.getMessage());
    Path relu = dir.resolve("logits_relu.h5");
    assertEquals(relu + ": model_config: output 'action' is trained from logits (from_logits=True) but is Dense with "
        + "activation relu; Kiln takes logits from a Dense output with a linear activation",
        assertThrows(IllegalArgumentException.class, () -> KerasSavedModel.read(relu)).getMessage());
  }

  private static Tensor rows(JsonNode a, int n, int k) {
    float[] f = new float[n * k];
    for (int i = 0; i < n; i++) for (int j = 0; j < k; j++) f[i * k + j] = (float) a.get(i).get(j).asDouble();
    return Tensor.wrap(dev.kiln.core.DType.F32, dev.kiln.core.Shape.of(n, k), f);
  }

  private static float[] filled(int n, float v) {
    float[] f = new float[n];
    java.util.Arrays.fill(f, v);
    return f;
  }

  /**
   * The same model as a model.json (no compile settings) with --from-logits: trained from logits, saved as it was
   * given (linear) and read back by Kiln with its sigmoid; the flag's misuses are one line each.
   */
  @Test
  void fromLogitsFlagTrainsAModelJsonsLinearOutput() throws IOException {
    Path json = dir.resolve("logits.json");
    try (io.jhdf.HdfFile h5 = new io.jhdf.HdfFile(dir.resolve("logits.h5"))) {
      Files.writeString(json, (String) h5.getAttribute("model_config").getData());
    }
    Path data = dir.resolve("flag-data"), run = dir.resolve("flag-run");
    dev.kiln.io.dataset.SyntheticMarket.generate(data,
        new dev.kiln.io.dataset.SyntheticMarket.Settings(5, 60, 3, 5, 1, -100f, 1.0, 1), null);
    String five = "resp_1,resp_2,resp_3,resp,resp_4";
    String[] r = kiln("train", "--data", data.toString(), "--out", run.toString(), "--model", json.toString(),
        "--targets", five, "--from-logits", "action", "--epochs", "1", "--batch-size", "32");
    assertEquals("0", r[0], r[1] + r[2]);
    org.junit.jupiter.api.Assertions.assertTrue(r[2].contains("output 'action' is trained from logits, as Keras does: "
        + "the model.json this run saves keeps it linear (Keras gets logits), and Kiln's predict, stream and serve "
        + "answer its probabilities"), r[2]);
    // The model.json given comes back as it was (the output linear); Kiln reads it back with the sigmoid.
    assertEquals(Files.readString(json), Files.readString(run.resolve("model.json")));
    dev.kiln.ops.Model back = dev.kiln.train.ModelFiles.read(run).model();
    org.junit.jupiter.api.Assertions.assertTrue(dev.kiln.ops.keras.KerasModels.isSigmoid(back.output()), "read back");
    assertEquals(java.util.Set.of("action"), back.logitOutputs());
    r = kiln("train", "--data", data.toString(), "--out", dir.resolve("flag-run2").toString(), "--model",
        json.toString(), "--targets", five, "--from-logits", "dense");
    assertEquals("1", r[0]);
    assertEquals("kiln train: error: " + json + ": 'dense' is trained from logits but is not an output of the model "
        + "(its outputs: action)", r[1]);
    r = kiln("train", "--data", data.toString(), "--out", dir.resolve("flag-run3").toString(), "--model",
        dir.resolve("logits.h5").toString(), "--targets", five, "--from-logits", "action");
    assertEquals("kiln train: error: --from-logits: the model.h5 file's training_config sets the optimizer and "
        + "losses; drop the flag, or pass the architecture as a model.json", r[1]);
    r = kiln("train", "--data", data.toString(), "--out", dir.resolve("flag-run4").toString(), "--from-logits",
        "action");
    assertEquals("kiln train: error: --from-logits needs --model: the seed's output is a sigmoid", r[1]);
  }
}
