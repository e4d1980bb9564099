package dev.kiln.train.example;

import dev.kiln.tpu.Backends;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.backend.Backend;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.core.graph.Autodiff;
import dev.kiln.core.graph.Graph;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Ops;
import dev.kiln.ops.Layer;
import dev.kiln.ops.LayerContext;
import dev.kiln.ops.Model;
import dev.kiln.ops.Variable;
import dev.kiln.ops.keras.KerasConfig;
import dev.kiln.ops.keras.KerasLayers;
import dev.kiln.ops.keras.KerasModels;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The README's "Adding a layer" worked example, kept honest by running it: Keras's LeakyReLU as one class (config
 * reader, shape, traced function) and one registry line; a model.json using it builds, its gradient matches finite
 * differences in float64, and its graph runs on pjrt:cpu as on the Java backend.
 */
class AddingALayerTest {
  /** Keras LeakyReLU: x for x ≥ 0, alpha·x below. */
  record LeakyReLU(String name, double alpha) implements Layer {
    static LeakyReLU fromKeras(KerasConfig c, List<int[]> in) {
      c.common();                                  // name, trainable, dtype
      double alpha = c.getDouble("alpha", 0.3);    // honoured
      c.finish();                                  // any other field is an error naming it
      return new LeakyReLU(c.layer(), alpha);
    }

    @Override public String className() { return "LeakyReLU"; }
    @Override public Map<String, Object> config() { return Map.of("name", name, "alpha", alpha); }
    @Override public List<Variable> variables() { return List.of(); }
    @Override public int[] outputShape(List<int[]> in) { return in.get(0); }

    @Override
    public Value apply(LayerContext ctx, List<Value> in) {
      Value x = in.get(0);
      return Ops.select(Ops.compare(x, Ops.Cmp.GE, Ops.zerosLike(x)), x, x.mul(alpha));
    }
  }

  static {
    KerasLayers.register("LeakyReLU", LeakyReLU::fromKeras); // the registry line
  }

  static final String JSON = """
      {"class_name": "Functional", "config": {"name": "leaky", "layers": [
        {"class_name": "InputLayer", "name": "input_1", "inbound_nodes": [],
         "config": {"batch_input_shape": [null, 4, 3], "dtype": "float32", "name": "input_1"}},
        {"class_name": "LeakyReLU", "name": "leaky_re_lu", "inbound_nodes": [[["input_1", 0, 0, {}]]],
         "config": {"name": "leaky_re_lu", "trainable": true, "dtype": "float32", "alpha": 0.2}},
        {"class_name": "Flatten", "name": "flatten", "inbound_nodes": [[["leaky_re_lu", 0, 0, {}]]],
         "config": {"name": "flatten", "trainable": true, "dtype": "float32", "data_format": "channels_last"}},
        {"class_name": "Dense", "name": "dense", "inbound_nodes": [[["flatten", 0, 0, {}]]],
         "config": {"name": "dense", "trainable": true, "dtype": "float32", "units": 1, "activation": "sigmoid"}}],
        "input_layers": [["input_1", 0, 0]], "output_layers": [["dense", 0, 0]]}}
      """;

  static final double[] XS = {-2, -0.5, -1e-3, 0.25, 1, 3};

  @Test
  void aModelJsonWithTheNewLayerBuilds() {
    Model m = KerasModels.fromJson(JSON);
    assertEquals(new LeakyReLU("leaky_re_lu", 0.2), m.kerasOrder().get(1).layer());
    assertEquals(13, m.parameterCounts()[0]); // dense: 12 weights + 1 bias
  }

  @Test
  void itsGradientMatchesFiniteDifferences() {
    LeakyReLU layer = new LeakyReLU("l", 0.2);
    try (JavaBackend be = new JavaBackend()) {
      Tracer t = new Tracer();
      Value x = t.parameter("x", DType.F64, XS.length);
      Value loss = Ops.sum(layer.apply(null, List.of(x)).mul(x)); // x·f(x): a gradient that depends on x
      double[] grad = be.evaluate(t.build(Autodiff.grad(loss, List.of(x)).get(0)), Tensor.of(XS, XS.length)).get(0)
          .doubles();
      Graph l = t.build(loss);
      for (int i = 0; i < XS.length; i++) {
        double h = 1e-6;
        double[] up = XS.clone(), down = XS.clone();
        up[i] += h;
        down[i] -= h;
        double fd = (be.evaluate(l, Tensor.of(up, XS.length)).get(0).item()
            - be.evaluate(l, Tensor.of(down, XS.length)).get(0).item()) / (2 * h);
        assertEquals(fd, grad[i], 1e-6 * (1 + Math.abs(fd)), "gradient at x = " + XS[i]);
      }
    }
  }

  @Test
  void itRunsOnPjrtCpuAsOnJava() {
    float[] xs = {-2f, -0.5f, 0.25f, 3f};
    Tracer t = new Tracer();
    Value x = t.parameter("x", DType.F32, xs.length);
    Value y = new LeakyReLU("l", 0.2).apply(null, List.of(x));
    Graph g = t.build(y, Autodiff.grad(Ops.sum(y.mul(x)), List.of(x)).get(0));
    try (Backend java = new JavaBackend(); Backend pjrt = Backends.open("pjrt:cpu", null, Map.of())) {
      List<Tensor> a = java.evaluate(g, Tensor.of(xs, xs.length)), b = pjrt.evaluate(g, Tensor.of(xs, xs.length));
      for (int i = 0; i < a.size(); i++) {
        assertTrue(Tensor.allClose(b.get(i), a.get(i), 1e-6, 1e-7), "output " + i + ": " + b.get(i) + " vs " + a.get(i));
      }
    }
  }
}
