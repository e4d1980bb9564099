package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.backend.Backend;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.core.graph.Autodiff;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Ops;
import dev.kiln.core.random.Threefry;
import dev.kiln.ops.LayerContext;
import dev.kiln.ops.Model;
import dev.kiln.ops.Variable;
import dev.kiln.ops.keras.KerasModels;
import dev.kiln.ops.train.BatchSource;
import dev.kiln.ops.train.LossSpec;
import dev.kiln.ops.train.Losses;
import dev.kiln.ops.train.Optimization;
import dev.kiln.ops.train.Sgd;
import dev.kiln.ops.train.StatefulStep;
import dev.kiln.ops.train.StepGraphs;
import dev.kiln.tpu.Backends;
import dev.kiln.train.loop.DeviceRunner;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The supervised autoencoder's losses are Keras's: {@code keras/autoencoder_losses.json} (written by
 * {@code scripts/keras_fixtures.py} with tf_keras) holds the model without noise and dropout, fixed weights, one
 * batch, and Keras's per-output losses (MSE of the decoder against the input, BinaryCrossentropy with label smoothing
 * 0.01 of the two sigmoid heads) and total with loss_weights, with and without sample weights, in training mode
 * (batch statistics) and inference mode, and the total's gradients. Kiln's training step reports the same total
 * and per-output losses within 1e-6 relative, its evaluation step the inference figures, and the gradients of the
 * same loss functions agree with Keras's.
 */
class MultiOutputLossTest {
  private static final List<String> OUTPUTS = List.of("decoder", "ae_action", "action");

  @Test
  void theTrainingStepsLossesAreKerasLosses() throws IOException {
    JsonNode f = fixture();
    Model model = KerasModels.fromJson(f.get("model").toString());
    Losses losses = losses(f, model);
    // On the Java backend and through StableHLO on XLA's CPU plugin.
    try (Backend java = new JavaBackend();
        Backend pjrt = Backends.open("pjrt:cpu", null, Map.of("cpu_device_count", 1L))) {
      for (Backend be : List.of(java, pjrt)) {
        for (boolean weighted : new boolean[] {true, false}) {
          Map<String, Double> kiln = trainingLosses(be, f, model, losses, weighted);
          JsonNode keras = f.get(weighted ? "training_weighted" : "training");
          for (String name : List.of("loss", "decoder_loss", "ae_action_loss", "action_loss")) {
            double want = keras.get(name).asDouble();
            assertEquals(want, kiln.get(name), 1e-6 * Math.abs(want), be.name() + (weighted ? " weighted " : " ")
                + name);
          }
        }
      }
    }
  }

  @Test
  void theEvaluationStepsLossesAreKerasInferenceLosses() throws IOException {
    JsonNode f = fixture();
    Model model = KerasModels.fromJson(f.get("model").toString());
    Losses losses = losses(f, model);
    Map<String, Double> kiln = evaluationLogs(f, model, losses);
    for (String name : List.of("loss", "decoder_loss", "ae_action_loss", "action_loss")) {
      double want = f.get("inference").get(name).asDouble();
      assertEquals(want, kiln.get(name), 1e-6 * Math.abs(want), name);
    }
    assertEquals(List.of("loss", "decoder_loss", "ae_action_loss", "action_loss", "ae_action_recall",
        "ae_action_precision", "ae_action_auc", "action_recall", "action_precision", "action_auc"),
        new ArrayList<>(kiln.keySet()));
    // MAE of the same decoder: Keras's MeanAbsoluteError.
    Losses mae = Losses.of(model, new LossSpec(Map.of("decoder", Losses.Kind.MAE), Map.of(), 0.01, null), 5, 130);
    double want = f.get("inference").get("decoder_mae").asDouble();
    assertEquals(want, evaluationLogs(f, model, mae).get("decoder_loss"), 1e-6 * want, "decoder_mae");
  }

  /**
   * A reconstruction's compiled error metrics are Keras's compile metrics: unweighted, over every unit, on the outputs
   * of the step's mode. Keras's MeanAbsoluteError is in the fixture; its MeanSquaredError metric is the unweighted
   * MSE loss, and RootMeanSquaredError that loss's root.
   */
  @Test
  void aReconstructionsErrorMetricsAreKerass() throws IOException {
    JsonNode f = fixture();
    Model model = KerasModels.fromJson(f.get("model").toString());
    Losses plain = losses(f, model);
    Losses errors = Losses.of(model, new LossSpec(Map.of("decoder", Losses.Kind.MSE), plain.heads().stream()
        .collect(java.util.stream.Collectors.toMap(Losses.Head::name, Losses.Head::weight)),
        f.get("label_smoothing").asDouble(), Map.of(), null, java.util.Set.of(),
        Map.of("decoder", List.of("mae", "mse", "rmse"))), 5, 130);
    Map<String, Double> eval = evaluationLogs(f, model, errors);
    assertEquals(List.of("loss", "decoder_loss", "ae_action_loss", "action_loss", "decoder_mae", "decoder_mse",
        "decoder_rmse", "ae_action_recall", "ae_action_precision", "ae_action_auc", "action_recall",
        "action_precision", "action_auc"), new ArrayList<>(eval.keySet()));
    checkErrors(f.get("inference"), eval, "inference");
    try (Backend java = new JavaBackend()) {
      // The step weights its losses by the samples' weights; the metrics stay unweighted, as Keras's.
      Map<String, Double> train = trainingLosses(java, f, model, errors, true);
      checkErrors(f.get("training"), train, "training, weighted losses");
      double weighted = f.get("training_weighted").get("decoder_mae").asDouble();
      assertTrue(Math.abs(train.get("decoder_mae") - weighted) > 1e-3 * weighted, "the weighted MAE differs");
    }
  }

  private static void checkErrors(JsonNode keras, Map<String, Double> kiln, String what) {
    double mae = keras.get("decoder_mae").asDouble(), mse = keras.get("decoder_loss").asDouble();
    assertEquals(mae, kiln.get("decoder_mae"), 1e-6 * mae, what + ": decoder_mae");
    assertEquals(mse, kiln.get("decoder_mse"), 1e-6 * mse, what + ": decoder_mse");
    assertEquals(Math.sqrt(mse), kiln.get("decoder_rmse"), 1e-6 * Math.sqrt(mse), what + ": decoder_rmse");
  }

  /** The total's gradient in training mode, weighted, for every trainable variable, against Keras's. */
  @Test
  void theTotalLossGradientsAreKerasGradients() throws IOException {
    JsonNode f = fixture();
    Model model = KerasModels.fromJson(f.get("model").toString());
    Losses losses = losses(f, model);
    int n = f.get("sample_weight").size();
    Tracer t = new Tracer();
    Map<String, Value> vars = new LinkedHashMap<>();
    for (Variable v : model.variables()) vars.put(v.name(), t.constant(weight(f, v)));
    Value x = t.constant(Tensor.wrap(DType.F32, Shape.of(n, 130), flat(f.get("x"))));
    Value y = t.constant(Tensor.wrap(DType.F32, Shape.of(n, 5), flat(f.get("y"))));
    Value w = t.constant(Tensor.wrap(DType.F32, Shape.of(n, 1), flat(f.get("sample_weight"))));
    LayerContext ctx = new LayerContext(vars, true, Threefry.key(t, 1),
        t.constant(Tensor.wrap(DType.U32, Shape.scalar(), new int[] {1})), 1, 0);
    List<Value> each = losses.weighted(losses.elementwise(model.forwardAll(ctx, x), x, y), w);
    List<Variable> trainable = model.variables().stream().filter(Variable::trainable).toList();
    List<Value> grads = Autodiff.grad(losses.total(each, n), trainable.stream().map(v -> vars.get(v.name())).toList());
    try (JavaBackend be = new JavaBackend()) {
      List<Tensor> got = be.evaluate(t.build(grads.toArray(new Value[0])));
      for (int k = 0; k < trainable.size(); k++) {
        String name = trainable.get(k).name();
        float[] want = flat(f.get("gradients").get(name));
        float[] have = got.get(k).floats();
        double scale = 0;
        for (float g : want) scale = Math.max(scale, Math.abs(g));
        for (int j = 0; j < want.length; j++) {
          // float32 sums in a different order: within 1e-4 of each element, or 2e-5 of the variable's largest, or
          // 1e-6 (a gradient that is zero in exact arithmetic, as a bias before a batch-statistics BN's, is
          // rounding in both).
          assertTrue(Math.abs(want[j] - have[j]) <= 1e-6 + 2e-5 * scale + 1e-4 * Math.abs(want[j]),
              name + "[" + j + "]: Kiln " + have[j] + ", Keras " + want[j]);
        }
      }
    }
  }

  static JsonNode fixture() throws IOException {
    return new ObjectMapper().readTree(KerasRoundTripTest.fixture("autoencoder_losses").toFile());
  }

  /** The fixture's losses: decoder MSE, label smoothing and loss weights as Keras compiled them. */
  static Losses losses(JsonNode f, Model model) {
    Map<String, Double> weights = new LinkedHashMap<>();
    for (String o : OUTPUTS) weights.put(o, f.get("loss_weights").get(o).asDouble());
    return Losses.of(model, new LossSpec(Map.of("decoder", Losses.Kind.MSE), weights,
        f.get("label_smoothing").asDouble(), null), 5, 130);
  }

  /** The fixture's weights, moving statistics included, under Kiln's variable names (Keras's). */
  static Map<String, Tensor> weights(JsonNode f, Model model) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (Variable v : model.variables()) m.put(v.name(), weight(f, v));
    return m;
  }

  private static Tensor weight(JsonNode f, Variable v) {
    JsonNode w = f.get("weights").get(v.name());
    if (w == null) throw new AssertionError("the fixture has no weight " + v.name());
    return Tensor.wrap(DType.F32, v.shape(), flat(w));
  }

  /** One training step (SGD, rate 0.01) on the fixture's batch: the total and each output's loss it reports. */
  private static Map<String, Double> trainingLosses(Backend be, JsonNode f, Model model, Losses losses,
      boolean weighted) {
    int n = f.get("sample_weight").size();
    Optimization opt = Optimization.constant(new Sgd(0.01, 0, false));
    try (DeviceRunner r = new DeviceRunner(be, 1)) {
      StatefulStep step = StepGraphs.training(model, n, 1, opt, 42, 0, new BatchSource.Fed(), weighted, losses);
      r.compile(step);
      r.put(StepGraphs.initialState(model, opt, 42, weights(f, model), losses));
      r.put(StepGraphs.clearedMonitor());
      Map<String, List<DeviceArray>> in = feeds(r, f, n);
      if (weighted) {
        in.put("sample_weight", r.onEveryDevice(Tensor.wrap(DType.F32, Shape.of(n, 1), flat(f.get("sample_weight")))));
      }
      in.put("step", r.onEveryDevice(Tensor.wrap(DType.U32, Shape.scalar(), new int[] {1})));
      Map<String, List<DeviceArray>> out = r.run(step, in);
      double total = r.read(out.get("loss").get(0)).item();
      DeviceRunner.release(out);
      DeviceRunner.release(in);
      Map<String, Double> logs = new LinkedHashMap<>(losses.logs(r.read(StepGraphs.metricNames("", losses))));
      assertEquals(total, logs.get("loss"), 1e-6 * total, "the step's loss and its loss metric");
      return logs;
    }
  }

  /** The evaluation step (inference mode) on the fixture's batch, every sample of weight 1: its logs. */
  static Map<String, Double> evaluationLogs(JsonNode f, Model model, Losses losses) {
    int n = f.get("sample_weight").size();
    try (JavaBackend be = new JavaBackend(); DeviceRunner r = new DeviceRunner(be, 1)) {
      StatefulStep step = StepGraphs.evaluation(model, n, 1, new BatchSource.Fed(), losses);
      r.compile(step);
      r.put(weights(f, model));
      r.put(StepGraphs.zeroMetrics(StepGraphs.EVAL, losses));
      Map<String, List<DeviceArray>> in = feeds(r, f, n);
      float[] ones = new float[n];
      java.util.Arrays.fill(ones, 1f);
      in.put("weight", r.onEveryDevice(Tensor.wrap(DType.F32, Shape.of(n, 1), ones)));
      DeviceRunner.release(r.run(step, in));
      DeviceRunner.release(in);
      Map<String, Tensor> acc = new LinkedHashMap<>();
      r.read(StepGraphs.metricNames(StepGraphs.EVAL, losses))
          .forEach((k, v) -> acc.put(k.substring(StepGraphs.EVAL.length()), v));
      return losses.logs(acc);
    }
  }

  private static Map<String, List<DeviceArray>> feeds(DeviceRunner r, JsonNode f, int n) {
    Map<String, List<DeviceArray>> in = new LinkedHashMap<>();
    in.put("x", r.onEveryDevice(Tensor.wrap(DType.F32, Shape.of(n, 1, 130), flat(f.get("x")))));
    in.put("y", r.onEveryDevice(Tensor.wrap(DType.F32, Shape.of(n, 5), flat(f.get("y")))));
    return in;
  }

  static float[] flat(JsonNode a) {
    List<Float> v = new ArrayList<>();
    collect(a, v);
    float[] out = new float[v.size()];
    for (int i = 0; i < out.length; i++) out[i] = v.get(i);
    return out;
  }

  private static void collect(JsonNode a, List<Float> v) {
    if (a.isArray()) for (JsonNode e : a) collect(e, v);
    else v.add((float) a.asDouble());
  }
}
