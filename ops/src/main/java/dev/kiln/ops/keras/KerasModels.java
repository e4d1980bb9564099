package dev.kiln.ops.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.ops.Layer;
import dev.kiln.ops.Model;
import dev.kiln.ops.layers.Activation;
import dev.kiln.ops.layers.Dense;
import dev.kiln.ops.layers.InputLayer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds Kiln's {@link Model} from a Keras functional model's {@code to_json()} (the Keras 2 / tf_keras layout):
 * one input, layers joined by their inbound nodes, each layer through its {@link KerasLayers registry} reader. The
 * model must end in one sigmoid output of shape [None, 1] (a Dense with units 1 and activation sigmoid, or an
 * Activation('sigmoid') on one unit), as training for a binary label requires. Everything is checked here, before
 * any data is read; each error names the layer and the field.
 */
public final class KerasModels {
  private KerasModels() {}

  /** Reads {@code file}. */
  public static Model read(Path file) throws IOException {
    String text = Files.readString(file);
    try {
      return fromJson(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /** Builds the model described by {@code json}; the model keeps the text (it is what Kiln writes back). */
  public static Model fromJson(String json) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getMessage());
    }
    String cls = root.path("class_name").asText();
    if (!cls.equals("Functional") && !cls.equals("Model")) {
      throw new IllegalArgumentException("class_name is '" + cls + "'; Kiln builds functional models (Functional), "
          + "as model.to_json() writes them");
    }
    JsonNode config = root.path("config");
    JsonNode layers = config.path("layers");
    if (!layers.isArray() || layers.isEmpty()) throw new IllegalArgumentException("config.layers is missing or empty");
    Map<String, JsonNode> byName = new LinkedHashMap<>();
    for (JsonNode l : layers) {
      String name = l.path("name").asText(l.path("config").path("name").asText());
      if (name.isEmpty()) throw new IllegalArgumentException("a layer has no name");
      if (byName.put(name, l) != null) throw new IllegalArgumentException("two layers are named '" + name + "'");
    }
    String input = single(config.path("input_layers"), "input_layers");
    String output = single(config.path("output_layers"), "output_layers");
    Map<String, Model.Node> built = new HashMap<>();
    List<Model.Node> order = new ArrayList<>();
    for (String name : byName.keySet()) build(name, byName, built, order, new HashSet<>());
    Model.Node in = built.get(input), out = built.get(output);
    if (in == null || !(in.layer() instanceof InputLayer)) {
      throw new IllegalArgumentException("input_layers names '" + input + "', which is not an InputLayer");
    }
    if (out == null) throw new IllegalArgumentException("output_layers names unknown layer '" + output + "'");
    checkOutput(out);
    for (Model.Node n : order) {
      // Kiln adapts Normalization on the training folds' rows, which are the model's input.
      if (n.layer() instanceof dev.kiln.ops.layers.Normalization && (n.inbound().size() != 1 || n.inbound().get(0) != in)) {
        throw new IllegalArgumentException("layer '" + n.layer().name() + "' (Normalization): Kiln adapts it on the "
            + "data's rows, so it must take the model's input directly");
      }
    }
    // The input first (the model traces nodes in order), then the others in the order they were built.
    List<Model.Node> nodes = new ArrayList<>();
    nodes.add(in);
    for (Model.Node n : order) if (n != in) nodes.add(n);
    List<Model.Node> kerasOrder = new ArrayList<>();
    for (String name : byName.keySet()) kerasOrder.add(built.get(name));
    return Model.functional(config.path("name").asText("model"), nodes, out, kerasOrder, json);
  }

  private static String single(JsonNode list, String what) {
    if (!list.isArray() || list.size() != 1 || !list.get(0).isArray()) {
      throw new IllegalArgumentException(what + " must name exactly one layer, got " + list);
    }
    return list.get(0).get(0).asText();
  }

  private static Model.Node build(String name, Map<String, JsonNode> byName, Map<String, Model.Node> built,
      List<Model.Node> order, Set<String> visiting) {
    Model.Node done = built.get(name);
    if (done != null) return done;
    JsonNode l = byName.get(name);
    if (l == null) throw new IllegalArgumentException("an inbound node names unknown layer '" + name + "'");
    if (!visiting.add(name)) throw new IllegalArgumentException("layer '" + name + "' is part of a cycle");
    String cls = l.path("class_name").asText();
    KerasConfig c = new KerasConfig(cls, name, l.path("config"));
    JsonNode nodes = l.path("inbound_nodes");
    List<Model.Node> inbound = new ArrayList<>();
    if (nodes.isArray() && !nodes.isEmpty()) {
      if (nodes.size() != 1) {
        throw new IllegalArgumentException("layer '" + name + "' is called " + nodes.size() + " times; Kiln supports "
            + "layers used once (no shared layers)");
      }
      for (JsonNode ref : nodes.get(0)) {
        if (!ref.isArray() || ref.size() < 3 || ref.get(1).asInt() != 0 || ref.get(2).asInt() != 0) {
          throw new IllegalArgumentException("layer '" + name + "': inbound " + ref + " is not [layer, 0, 0, {}]");
        }
        if (ref.size() > 3 && ref.get(3).isObject() && !ref.get(3).isEmpty()) {
          throw new IllegalArgumentException("layer '" + name + "': call arguments " + ref.get(3) + " are not supported");
        }
        inbound.add(build(ref.get(0).asText(), byName, built, order, visiting));
      }
    }
    Layer layer;
    if (cls.equals("InputLayer")) {
      if (!inbound.isEmpty()) throw new IllegalArgumentException("InputLayer '" + name + "' has inbound nodes");
      layer = InputLayer.fromKeras(c);
    } else {
      if (inbound.isEmpty()) throw new IllegalArgumentException("layer '" + name + "' (" + cls + ") has no inputs");
      List<int[]> shapes = inbound.stream().map(Model.Node::shape).toList();
      layer = KerasLayers.reader(cls, name).read(c, shapes);
    }
    List<int[]> shapes = inbound.stream().map(Model.Node::shape).toList();
    Model.Node node = new Model.Node(layer, inbound, inbound.isEmpty() ? ((InputLayer) layer).shape().clone()
        : layer.outputShape(shapes));
    built.put(name, node);
    order.add(node);
    visiting.remove(name);
    return node;
  }

  private static void checkOutput(Model.Node out) {
    boolean oneUnit = out.shape().length == 1 && out.shape()[0] == 1;
    boolean sigmoid = out.layer() instanceof Dense d ? d.activation().equals("sigmoid")
        : out.layer() instanceof Activation a && a.activation().equals("sigmoid");
    if (!oneUnit || !sigmoid) {
      throw new IllegalArgumentException("the output layer '" + out.layer().name() + "' (" + out.layer().className()
          + ") gives " + java.util.Arrays.toString(out.shape()) + (sigmoid ? "" : " without a sigmoid")
          + "; training for a binary label needs one sigmoid output of shape [None, 1] (Dense(1, activation="
          + "'sigmoid') or Activation('sigmoid') on one unit)");
    }
  }
}
