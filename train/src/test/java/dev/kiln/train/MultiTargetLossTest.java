package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.ops.Model;
import dev.kiln.ops.Variable;
import dev.kiln.ops.train.BatchSource;
import dev.kiln.ops.train.LossSpec;
import dev.kiln.ops.train.Losses;
import dev.kiln.ops.train.Optimization;
import dev.kiln.ops.train.Sgd;
import dev.kiln.ops.train.StatefulStep;
import dev.kiln.ops.train.StepGraphs;
import dev.kiln.train.loop.DeviceRunner;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The training step's loss on five targets is Keras's BinaryCrossentropy on [N, 5] (the mean over the units, then
 * over the batch): tf_keras's values on given logits and labels (0, 0.5, 1) are committed in {@code keras/bce5.json}
 * by {@code scripts/keras_fixtures.py}. The step runs a Dense(5, sigmoid) whose kernel is the identity and bias zero,
 * so its logits are the fixture's. With sample weights the loss is Keras's weighted figure.
 */
class MultiTargetLossTest {
  @Test
  void theStepsLossOnFiveUnitsIsKerasBinaryCrossentropy() throws IOException {
    JsonNode f = fixture();
    double loss = stepLoss(f, false);
    // Keras training on a sigmoid output takes its logits too (as Kiln does): the same figure within 1e-6.
    assertEquals(f.get("keras_bce_logits").asDouble(), loss, 1e-6, "from the logits");
    // From the probabilities Keras clips at 1e-7 and takes a float32 log: about 1e-6 from its own logit figure.
    assertEquals(f.get("keras_bce_probabilities").asDouble(), loss, 2e-6, "from the probabilities");
  }

  /** With sample weights: Σ w·loss / N (Keras's SUM_OVER_BATCH_SIZE), not Σ w·loss / Σ w. */
  @Test
  void theWeightedLossIsKerasSumOverBatchSize() throws IOException {
    JsonNode f = fixture();
    double loss = stepLoss(f, true);
    assertEquals(f.get("keras_bce_weighted_logits").asDouble(), loss, 1e-6, "from the logits");
    assertEquals(f.get("keras_bce_weighted").asDouble(), loss, 3e-6, "from the probabilities");
  }

  /**
   * With --label-smoothing 0.1 (one output: the seed's logs and state names stay): Keras's
   * BinaryCrossentropy(label_smoothing=0.1), which it computes from the clipped probabilities here.
   */
  @Test
  void labelSmoothingIsKerasLabelSmoothing() throws IOException {
    JsonNode f = fixture();
    double loss = stepLoss(f, false, 0.1);
    assertEquals(f.get("keras_bce_smoothed").asDouble(), loss, 3e-6, "smoothed");
    assertEquals(f.get("keras_bce_logits").asDouble(), stepLoss(f, false, 0), 1e-6, "not smoothed");
  }

  private static JsonNode fixture() throws IOException {
    return new ObjectMapper().readTree(KerasRoundTripTest.fixture("bce5").toFile());
  }

  /** The loss one training step reports on the fixture's logits and labels (and sample weights if weighted). */
  private static double stepLoss(JsonNode f, boolean weighted) {
    return stepLoss(f, weighted, -1);
  }

  /** As above, with {@code smoothing} (-1: the default losses, built as every run without loss flags). */
  private static double stepLoss(JsonNode f, boolean weighted, double smoothing) {
    int n = f.get("logits").size(), k = f.get("logits").get(0).size();
    float[] z = flat(f.get("logits"), n * k), y = flat(f.get("labels"), n * k);
    Model.Builder b = new Model.Builder("bce");
    Model model = b.build(b.dense(b.input(k), k, "sigmoid"));
    assertEquals(k, model.units());
    Map<String, Tensor> identity = new LinkedHashMap<>();
    for (Variable v : model.variables()) {
      float[] d = new float[v.size()];
      if (v.shape().rank() == 2) for (int i = 0; i < k; i++) d[i * k + i] = 1;
      identity.put(v.name(), Tensor.wrap(DType.F32, v.shape(), d));
    }
    try (JavaBackend be = new JavaBackend(); DeviceRunner r = new DeviceRunner(be, 1)) {
      Losses losses = smoothing < 0 ? Losses.of(model)
          : Losses.of(model, new LossSpec(Map.of(), Map.of(), smoothing, null), k, k);
      assertEquals(Losses.of(model).accumulators(), losses.accumulators(), "one output: the seed's metric state");
      StatefulStep step = StepGraphs.training(model, n, 1, Optimization.constant(new Sgd(0.01, 0, false)), 42, 0,
          new BatchSource.Fed(), weighted, losses);
      r.compile(step);
      r.put(StepGraphs.initialState(model, 42, identity));
      r.put(StepGraphs.clearedMonitor());
      Map<String, List<DeviceArray>> in = new LinkedHashMap<>();
      in.put("x", r.onEveryDevice(Tensor.wrap(DType.F32, Shape.of(n, 1, k), z)));
      in.put("y", r.onEveryDevice(Tensor.wrap(DType.F32, Shape.of(n, k), y)));
      if (weighted) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = (float) f.get("sample_weight").get(i).asDouble();
        in.put("sample_weight", r.onEveryDevice(Tensor.wrap(DType.F32, Shape.of(n, 1), w)));
      }
      in.put("step", r.onEveryDevice(Tensor.wrap(DType.U32, Shape.scalar(), new int[] {1})));
      Map<String, List<DeviceArray>> out = r.run(step, in);
      double loss = r.read(out.get("loss").get(0)).item();
      DeviceRunner.release(out);
      DeviceRunner.release(in);
      return loss;
    }
  }

  private static float[] flat(JsonNode rows, int size) {
    float[] a = new float[size];
    int i = 0;
    for (JsonNode row : rows) for (JsonNode v : row) a[i++] = (float) v.asDouble();
    return a;
  }
}
