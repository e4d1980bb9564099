package dev.kiln.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.graph.Value;
import dev.kiln.ops.keras.KerasModels;
import dev.kiln.ops.layers.Dense;
import dev.kiln.ops.layers.InputLayer;
import dev.kiln.ops.train.StepGraphs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Models of thousands of layers: building one from Keras JSON does not recurse per layer (a 5,000-layer chain
 * exhausted the Java stack), and the initial training state looks each variable up once (setup was quadratic in
 * the layer count).
 */
class DeepModelTest {
  /**
   * A Keras model.json: input [20, 130], {@code layers} Dense(2) in a chain, Flatten, Dense(1, sigmoid); listed from
   * the output back when {@code reversed}, so each layer's inputs come after it in the file.
   */
  static String chain(int layers, boolean reversed) {
    List<String> list = new ArrayList<>();
    list.add("{\"class_name\": \"InputLayer\", \"name\": \"in\", \"config\": {\"batch_input_shape\": [null, 20, 130], "
        + "\"dtype\": \"float32\", \"name\": \"in\"}, \"inbound_nodes\": []}");
    String prev = "in";
    for (int i = 0; i < layers; i++) {
      list.add(layer("Dense", "d" + i, "\"units\": 2, \"activation\": \"linear\"", prev));
      prev = "d" + i;
    }
    list.add(layer("Flatten", "flat", "\"data_format\": \"channels_last\"", prev));
    list.add(layer("Dense", "out", "\"units\": 1, \"activation\": \"sigmoid\"", "flat"));
    if (reversed) java.util.Collections.reverse(list);
    return "{\"class_name\": \"Functional\", \"config\": {\"name\": \"deep\", \"layers\": [" + String.join(",", list)
        + "], \"input_layers\": [[\"in\", 0, 0]], \"output_layers\": [[\"out\", 0, 0]]}}";
  }

  private static String layer(String cls, String name, String config, String inbound) {
    return "{\"class_name\": \"" + cls + "\", \"name\": \"" + name + "\", \"config\": {\"name\": \"" + name
        + "\", \"trainable\": true, \"dtype\": \"float32\", " + config + "}, \"inbound_nodes\": [[[\"" + inbound
        + "\", 0, 0, {}]]]}";
  }

  @Test
  void aTwentyThousandLayerChainBuildsOnASmallStack() throws InterruptedException {
    String json = chain(20_000, true);
    AtomicReference<Object> result = new AtomicReference<>();
    // Listed output first, each layer's inputs must be built before it: recursion would nest 20,000 deep,
    // and a 256 KiB stack overflows long before that.
    Thread t = new Thread(null, () -> {
      try {
        result.set(KerasModels.fromJson(json));
      } catch (Throwable e) {
        result.set(e);
      }
    }, "small-stack", 256 * 1024);
    t.start();
    t.join();
    assertTrue(result.get() instanceof Model, "built: " + result.get());
    Model m = (Model) result.get();
    assertEquals(20_003, m.nodes().size());
    assertEquals("in", m.nodes().get(0).layer().name());
    assertEquals("d0", m.nodes().get(1).layer().name());
    assertEquals("out", m.kerasOrder().get(0).layer().name(), "the file's order is kept for summary and model.h5");
    assertEquals("out", m.output().layer().name());
  }

  @Test
  void aCycleAndAnUnknownInboundAreStillNamed() {
    String cyclic = chain(3, false).replace("[[[\"in\", 0, 0, {}]]]", "[[[\"d2\", 0, 0, {}]]]");
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> KerasModels.fromJson(cyclic));
    assertTrue(e.getMessage().matches("layer 'd\\d' is part of a cycle"), e.getMessage());
    String unknown = chain(3, false).replace("[[[\"d1\", 0, 0, {}]]]", "[[[\"nope\", 0, 0, {}]]]");
    e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> KerasModels.fromJson(unknown));
    assertEquals("an inbound node names unknown layer 'nope'", e.getMessage());
  }

  /** A Dense that counts how often its variables are asked for. */
  record Counting(Dense d, AtomicLong calls) implements Layer {
    @Override public String name() { return d.name(); }
    @Override public String className() { return d.className(); }
    @Override public Map<String, Object> config() { return d.config(); }
    @Override public int[] outputShape(List<int[]> in) { return d.outputShape(in); }
    @Override public Value apply(LayerContext ctx, List<Value> in) { return d.apply(ctx, in); }

    @Override
    public List<Variable> variables() {
      calls.incrementAndGet();
      return d.variables();
    }
  }

  @Test
  void theInitialStateAsksEachLayerForItsVariablesAFewTimesNotOncePerVariable() {
    int layers = 2000;
    AtomicLong calls = new AtomicLong();
    List<Model.Node> nodes = new ArrayList<>();
    Model.Node prev = new Model.Node(new InputLayer("in", new int[] {4}), List.of(), new int[] {4});
    nodes.add(prev);
    for (int i = 0; i < layers; i++) {
      Model.Node n = new Model.Node(new Counting(new Dense("d" + i, 4, i == layers - 1 ? 1 : 4,
          i == layers - 1 ? "sigmoid" : "linear"), calls), List.of(prev), new int[] {i == layers - 1 ? 1 : 4});
      nodes.add(n);
      prev = n;
    }
    Model m = Model.functional("deep", nodes, prev, nodes, null);
    Map<String, dev.kiln.core.Tensor> s = StepGraphs.initialState(m, 1, Map.of());
    assertEquals(StepGraphs.trainingState(m).keySet(), s.keySet());
    // Linear: a handful of passes over the layers (the state's names, then the look-up), not one per variable.
    assertTrue(calls.get() <= 6L * layers, calls.get() + " calls for " + layers + " layers");
  }
}
