package dev.kiln.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.backend.Backend;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.core.graph.Value;
import dev.kiln.ops.Variable;
import dev.kiln.ops.train.Adam;
import dev.kiln.ops.train.LrSchedule;
import dev.kiln.ops.train.Optimization;
import dev.kiln.ops.train.Optimizer;
import dev.kiln.ops.train.RmsProp;
import dev.kiln.ops.train.Sgd;
import dev.kiln.ops.train.StatefulStep;
import dev.kiln.tpu.Backends;
import dev.kiln.train.loop.DeviceRunner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each optimizer and schedule against tf_keras 2.21: from the same initial weights and three steps' gradients, Kiln's
 * update (on the Java backend and on pjrt:cpu) leaves the weights Keras's {@code apply_gradients} left, within 1e-6
 * relative (scripts/keras_optimizer_fixtures.py wrote ops/src/test/resources/keras/optimizers.json), with the rate a
 * constant of the graph and as a step input.
 */
class OptimizerKerasTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static Path fixture(String file) {
    return Path.of("").toAbsolutePath().getParent().resolve("ops/src/test/resources/keras").resolve(file);
  }

  @Test
  void everyOptimizerAndScheduleMatchesKerasOnJavaAndPjrtCpu() throws IOException {
    JsonNode cases = JSON.readTree(fixture("optimizers.json").toFile());
    assertTrue(cases.size() >= 15, "fixture cases: " + cases.size());
    try (Backend java = new JavaBackend();
        Backend pjrt = Backends.open("pjrt:cpu", null, Map.of("cpu_device_count", 1L))) {
      for (JsonNode c : cases) {
        Optimization opt = Optimization.of(optimizer(c.get("optimizer"), c.get("learning_rate").asDouble()),
            schedule(c.get("schedule")));
        for (Backend b : List.of(java, pjrt)) {
          check(c, b, opt);
          // The rate as a step input (ReduceLROnPlateau's form) updates the same.
          if (opt.schedule() == null) check(c, b, opt.withRateInput());
        }
      }
    }
  }

  /** The optimizer a fixture case names, with Keras's arguments. */
  static Optimizer optimizer(JsonNode spec, double lr) {
    return switch (spec.get("kind").asText()) {
      case "sgd" -> new Sgd(lr, spec.get("momentum").asDouble(), spec.get("nesterov").asBoolean());
      case "adam" -> new Adam(lr, spec.get("beta_1").asDouble(), spec.get("beta_2").asDouble(),
          spec.get("epsilon").asDouble(), spec.get("amsgrad").asBoolean(), 0);
      case "adamw" -> new Adam(lr, spec.get("beta_1").asDouble(), spec.get("beta_2").asDouble(),
          spec.get("epsilon").asDouble(), spec.get("amsgrad").asBoolean(), spec.get("weight_decay").asDouble());
      case "rmsprop" -> new RmsProp(lr, spec.get("rho").asDouble(), spec.get("momentum").asDouble(),
          spec.get("epsilon").asDouble(), spec.get("centered").asBoolean());
      default -> throw new AssertionError(spec);
    };
  }

  static LrSchedule schedule(JsonNode s) {
    if (s == null || s.isNull()) return null;
    return switch (s.get("class_name").asText()) {
      case "ExponentialDecay" -> new LrSchedule.Exponential(s.get("decay_steps").asLong(),
          s.get("decay_rate").asDouble(), s.get("staircase").asBoolean());
      case "CosineDecay" -> new LrSchedule.Cosine(s.get("decay_steps").asLong(), s.get("alpha").asDouble(),
          s.path("warmup_steps").asLong(0), s.has("warmup_target") ? s.get("warmup_target").asDouble() : null);
      default -> {
        long[] b = new long[s.get("boundaries").size()];
        double[] v = new double[s.get("values").size()];
        for (int i = 0; i < b.length; i++) b[i] = s.get("boundaries").get(i).asLong();
        for (int i = 0; i < v.length; i++) v[i] = s.get("values").get(i).asDouble();
        yield new LrSchedule.Piecewise(b, v);
      }
    };
  }

  private static void check(JsonNode c, Backend backend, Optimization opt) {
    String name = c.get("name").asText() + " on " + backend.name() + (opt.rateInput() ? " (rate input)" : "");
    Map<String, int[]> shapes = new LinkedHashMap<>();
    c.get("shapes").fields().forEachRemaining(e -> shapes.put(e.getKey(),
        JSON.convertValue(e.getValue(), int[].class)));
    StatefulStep step = step(opt, shapes);
    try (DeviceRunner r = new DeviceRunner(backend, 1)) {
      r.compile(step);
      Map<String, Tensor> init = new LinkedHashMap<>();
      shapes.forEach((v, s) -> init.put(v, tensor(c.get("initial").get(v), s)));
      init.putAll(opt.initialState(variables(shapes)));
      r.put(init);
      for (int s = 0; s < 3; s++) {
        Map<String, List<DeviceArray>> feeds = new LinkedHashMap<>();
        int s0 = s;
        shapes.forEach((v, sh) -> feeds.put("grad/" + v, r.onEveryDevice(tensor(c.get("gradients").get(s0).get(v), sh))));
        feeds.put("step", r.onEveryDevice(Tensor.wrap(DType.U32, Shape.scalar(), new int[] {s + 1})));
        DeviceRunner.release(r.run(step, feeds));
        DeviceRunner.release(feeds);
        Map<String, Tensor> got = r.read(new ArrayList<>(shapes.keySet()));
        for (String v : shapes.keySet()) {
          JsonNode want = c.get("after").get(s).get(v);
          float[] g = got.get(v).floats();
          for (int i = 0; i < g.length; i++) {
            double w = want.get(i).asDouble();
            assertEquals(w, g[i], 1e-6 * Math.max(Math.abs(w), 1e-3), name + ": " + v + "[" + i + "] after step "
                + (s + 1));
          }
        }
      }
      assertEquals(3, r.read(List.of(Optimization.ITERATIONS)).get(Optimization.ITERATIONS).ints()[0], name);
    }
  }

  /** A step that applies {@code opt} to two variables with fed gradients {@code grad/<variable>}. */
  private static StatefulStep step(Optimization opt, Map<String, int[]> shapes) {
    StatefulStep.Builder b = StatefulStep.builder(1);
    Map<String, Value> state = new LinkedHashMap<>();
    shapes.forEach((v, s) -> state.put(v, b.state(v, new TensorType(DType.F32, Shape.of(s)))));
    opt.state(variables(shapes)).forEach((k, t) ->
        state.put(k, Optimization.resident(k) ? b.resident(k, t) : b.state(k, t)));
    Map<String, Value> grads = new LinkedHashMap<>();
    shapes.forEach((v, s) -> grads.put(v, b.feed("grad/" + v, new TensorType(DType.F32, Shape.of(s)))));
    Value fed = b.feed("step", new TensorType(DType.U32, Shape.scalar()));
    opt.apply(b.tracer(), state, grads, fed).forEach(b::update);
    return b.build();
  }

  private static List<Variable> variables(Map<String, int[]> shapes) {
    List<Variable> vars = new ArrayList<>();
    shapes.forEach((v, s) -> vars.add(new Variable(v, Shape.of(s), true, new Variable.Fill(0))));
    return vars;
  }

  private static Tensor tensor(JsonNode values, int[] shape) {
    float[] f = new float[values.size()];
    for (int i = 0; i < f.length; i++) f[i] = (float) values.get(i).asDouble();
    return Tensor.wrap(DType.F32, Shape.of(shape), f);
  }
}
