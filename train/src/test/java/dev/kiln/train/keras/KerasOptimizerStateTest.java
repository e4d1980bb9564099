package dev.kiln.train.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import dev.kiln.ops.Variable;
import dev.kiln.ops.train.Optimization;
import dev.kiln.ops.train.Sgd;
import dev.kiln.train.KilnCli;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The optimizer state of models tf_keras trained for three steps and saved ({@code scripts/keras_saved_fixtures.py}):
 * from it, Kiln's next update from fixed gradients leaves the weights Keras's next {@code apply_gradients} left,
 * within 1e-6 of the weight's magnitude, for Adam (amsgrad, under a schedule), SGD with Nesterov momentum and centered RMSprop with
 * momentum, while the same update from a fresh optimizer does not. A state that is not the optimizer's is refused by
 * name, and {@code kiln train} goes on from the file's state.
 */
class KerasOptimizerStateTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;

  @BeforeAll
  static void writeFixtures() throws Exception {
    KerasSavedModelTest.writeFixtures(dir);
  }

  @Test
  void theNextStepFromTheFileIsKerassNextStep() throws IOException {
    for (String name : List.of("adam_trained", "sgd_trained", "rmsprop_trained")) {
      KerasSavedModel m = KerasSavedModel.read(dir.resolve(name + ".h5"));
      JsonNode keras = JSON.readTree(dir.resolve(name + ".step.json").toFile());
      Optimization opt = m.compile(List.of("action")).optimization();
      assertEquals(3, m.optimizer().iterations(), name);
      List<Variable> trainable = m.model().variables().stream().filter(Variable::trainable).toList();
      assertEquals(keras.get("after").size(), trainable.size(), name);
      Map<String, Tensor> state = new LinkedHashMap<>(opt.initialState(m.model().variables()));
      for (Variable v : trainable) state.put(v.name(), m.weights().get(v.name()));
      Map<String, Tensor> fresh = nextStep(opt, state, keras.get("gradients"), trainable);
      state.putAll(m.optimizer().forKiln(opt, m.model().variables()));
      Map<String, Tensor> next = nextStep(opt, state, keras.get("gradients"), trainable);
      assertEquals(keras.get("iterations").asInt(), next.get(Optimization.ITERATIONS).ints()[0], name);
      double freshMiss = 0;
      for (Variable v : trainable) {
        JsonNode want = keras.get("after").get(v.name());
        float[] got = next.get(v.name()).floats(), afresh = fresh.get(v.name()).floats();
        float[] before = state.get(v.name()).floats();
        for (int i = 0; i < got.length; i++) {
          // Relative to the larger of the weight before and after: the update rounds at its operands' scale.
          double w = want.get(i).asDouble(), scale = Math.max(Math.max(Math.abs(w), Math.abs(before[i])), 1e-3);
          assertEquals(w, got[i], 1e-6 * scale, name + ": " + v.name() + "[" + i + "]");
          freshMiss = Math.max(freshMiss, Math.abs(afresh[i] - w) / scale);
        }
      }
      assertTrue(freshMiss > 1e-3, name + ": a fresh optimizer's step is Keras's too (" + freshMiss + ")");
    }
  }

  @Test
  void aStateThatIsNotTheOptimizersIsRefusedByName() throws IOException {
    KerasSavedModel partial = KerasSavedModel.read(dir.resolve("adam_partial.h5"));
    String msg = assertThrows(IllegalArgumentException.class, () -> partial.compile(List.of("action"))).getMessage();
    assertTrue(msg.matches("optimizer_weights has no Adam/vhat/batch_normalization(_\\d+)?/gamma:0, which Adam keeps; "
        + "save the model with include_optimizer=False to start the optimizer afresh"), msg);
    KerasSavedModel sgd = KerasSavedModel.read(dir.resolve("sgd_trained.h5"));
    msg = assertThrows(IllegalArgumentException.class, () -> sgd.optimizer().forKiln(
        Optimization.of(new Sgd(0.05, 0, false), null), sgd.model().variables())).getMessage();
    assertTrue(msg.matches("optimizer_weights holds SGD/m/\\S+:0, which SGD with these settings does not keep; .*"),
        msg);
    // A legacy optimizer's names are no slots of Kiln's: its compile settings are refused first, by path.
    KerasSavedModel legacy = KerasSavedModel.read(dir.resolve("legacy_trained.h5"));
    msg = assertThrows(IllegalArgumentException.class, () -> legacy.compile(List.of("action"))).getMessage();
    assertTrue(msg.startsWith("training_config.optimizer_config"), msg);
    msg = assertThrows(IllegalArgumentException.class, () -> legacy.optimizer().forKiln(
        Optimization.of(dev.kiln.ops.train.Adam.keras(), null), legacy.model().variables())).getMessage();
    assertTrue(msg.startsWith("optimizer_weights holds Adam/iter:0, which is not <optimizer>/<slot>/<variable>:0"), msg);
    assertTrue(KerasSavedModel.read(dir.resolve("adam.h5")).optimizer().fresh(), "saved before its first step");
    assertTrue(KerasSavedModel.read(dir.resolve("uncompiled.h5")).optimizer().fresh());
  }

  @Test
  void trainGoesOnFromTheFilesOptimizerState() throws IOException {
    Path data = dir.resolve("data"), run = dir.resolve("run");
    dev.kiln.io.dataset.SyntheticMarket.generate(data,
        new dev.kiln.io.dataset.SyntheticMarket.Settings(5, 60, 3, 5, 1, -100f, 1.0, 1), null);
    String five = "resp_1,resp_2,resp_3,resp,resp_4";
    KilnCli.Result r = KilnCli.run("train", "--data", data.toString(), "--out", run.toString(), "--model",
        dir.resolve("adam_trained.h5").toString(), "--targets", five, "--epochs", "1", "--batch-size", "32");
    assertEquals(0, r.code(), r.err() + r.out());
    assertTrue(r.out().contains("the optimizer goes on from the file's state after 3 steps"), r.out());
    KilnCli.Result summary = KilnCli.run("summary", "--model", dir.resolve("adam_trained.h5").toString());
    assertTrue(summary.out().contains("Optimizer state: after 3 steps (kiln train goes on from its slots and step "
        + "count)"), summary.out());
    int steps = JSON.readTree(run.resolve("metrics.json").toFile()).get("steps_per_epoch").asInt();
    Tensor count = dev.kiln.train.report.SafeTensors.read(run.resolve("checkpoint.safetensors"))
        .get(Optimization.ITERATIONS);
    assertEquals(3 + steps, count.ints()[0], "the checkpoint's step count");
    r = KilnCli.run("train", "--data", data.toString(), "--out", dir.resolve("run2").toString(), "--model",
        dir.resolve("adam_partial.h5").toString(), "--targets", five);
    assertEquals(1, r.code());
    assertTrue(r.err().strip().matches("kiln train: error: optimizer_weights has no Adam/vhat/\\S+:0, which Adam "
        + "keeps; save the model with include_optimizer=False to start the optimizer afresh"), r.err());
  }

  /** The state after one update by {@code opt} with Keras's gradients, on the Java backend. */
  private static Map<String, Tensor> nextStep(Optimization opt, Map<String, Tensor> state, JsonNode gradients,
      List<Variable> trainable) {
    Tracer t = new Tracer();
    Map<String, Value> in = new LinkedHashMap<>();
    List<Tensor> args = new ArrayList<>();
    state.forEach((k, v) -> {
      in.put(k, t.parameter(k, v.type()));
      args.add(v);
    });
    Map<String, Value> grads = new LinkedHashMap<>();
    for (Variable v : trainable) {
      JsonNode g = gradients.get(v.name());
      float[] f = new float[g.size()];
      for (int i = 0; i < f.length; i++) f[i] = (float) g.get(i).asDouble();
      grads.put(v.name(), t.constant(Tensor.wrap(DType.F32, v.shape(), f)));
    }
    Map<String, Value> next = opt.apply(t, in, grads, t.scalar(1, DType.U32));
    try (JavaBackend backend = new JavaBackend()) {
      List<Tensor> out = backend.evaluate(t.build(next), args.toArray(new Tensor[0]));
      Map<String, Tensor> named = new LinkedHashMap<>();
      int i = 0;
      for (String k : next.keySet()) named.put(k, out.get(i++));
      return named;
    }
  }
}
