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
 * one input, layers joined by their inbound nodes, each layer through its {@link KerasLayers registry} reader. A
 * model with one output must end in a sigmoid output of shape [None, k] (a Dense with k units and activation
 * sigmoid, or an Activation('sigmoid') on k units), one unit per binary target. A model with several outputs
 * ({@code output_layers} in Keras's order) may also have linear outputs (a Dense with activation linear: a
 * reconstruction of the input, whose loss the run names), and needs at least one sigmoid output. Everything is
 * checked here, before any data is read; each error names the layer and the field.
 */
public final class KerasModels {
  private KerasModels() {}

  /** Reads {@code file}. */
  public static Model read(Path file) throws IOException {
    return read(file, java.util.Set.of());
  }

  /** As {@link #read(Path)}, with the outputs in {@code logits} trained from logits ({@link #withSigmoidOutputs}). */
  public static Model read(Path file, java.util.Set<String> logits) throws IOException {
    String text;
    try {
      text = Files.readString(file);
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new IllegalArgumentException(file + ": not a model.json: the file is not UTF-8 text", e);
    }
    try {
      return fromJson(text, logits);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /**
   * As {@link #fromJson(String)}, with the outputs in {@code logits} trained from logits: built with a sigmoid on each
   * ({@link #withSigmoidOutputs}), while the model keeps {@code json} as its file ({@link Model#trainedFromLogits}).
   */
  public static Model fromJson(String json, java.util.Set<String> logits) {
    if (logits.isEmpty()) return fromJson(json);
    return fromJson(withSigmoidOutputs(json, logits)).trainedFromLogits(json, logits);
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
    List<String> outputs = outputNames(config.path("output_layers"));
    Map<String, Model.Node> built = new HashMap<>();
    List<Model.Node> order = new ArrayList<>();
    buildAll(byName, built, order);
    Model.Node in = built.get(input);
    if (in == null || !(in.layer() instanceof InputLayer)) {
      throw new IllegalArgumentException("input_layers names '" + input + "', which is not an InputLayer");
    }
    List<Model.Node> outs = new ArrayList<>();
    for (String output : outputs) {
      Model.Node out = built.get(output);
      if (out == null) throw new IllegalArgumentException("output_layers names unknown layer '" + output + "'");
      outs.add(out);
    }
    if (outs.size() == 1) checkOutput(outs.get(0));
    else checkOutputs(outs);
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
    return Model.functional(config.path("name").asText("model"), nodes, outs, kerasOrder, json);
  }

  /** The output layers' names a model.json lists ({@code config.output_layers}), in order. */
  public static List<String> outputNames(String json) {
    try {
      return outputNames(new ObjectMapper().readTree(json).path("config").path("output_layers"));
    } catch (IOException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getMessage());
    }
  }

  /**
   * The model.json with each output in {@code names}, a Dense with a linear activation whose loss takes its logits,
   * given a sigmoid instead: Kiln trains binary labels on a sigmoid output, from its logits, so the loss is Keras's
   * from_logits one, and the model then gives probabilities. Any other layer is refused by name.
   */
  public static String withSigmoidOutputs(String json, java.util.Set<String> names) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getMessage());
    }
    List<String> outputs = outputNames(root.path("config").path("output_layers"));
    for (String name : names) {
      if (!outputs.contains(name)) {
        throw new IllegalArgumentException("'" + name + "' is trained from logits but is not an output of the model "
            + "(its outputs: " + String.join(", ", outputs) + ")");
      }
    }
    for (JsonNode l : root.path("config").path("layers")) {
      String name = l.path("name").asText(l.path("config").path("name").asText());
      if (!names.contains(name)) continue;
      String activation = l.path("config").path("activation").asText("");
      if (!l.path("class_name").asText().equals("Dense") || !activation.equals("linear")) {
        throw new IllegalArgumentException("output '" + name + "' is trained from logits (from_logits=True) but is "
            + l.path("class_name").asText() + (activation.isEmpty() ? "" : " with activation " + activation)
            + "; Kiln takes logits from a Dense output with a linear activation");
      }
      ((com.fasterxml.jackson.databind.node.ObjectNode) l.path("config")).put("activation", "sigmoid");
    }
    return root.toString();
  }

  /** The layers {@code output_layers} names, in order: each [name, 0, 0], no layer twice. */
  private static List<String> outputNames(JsonNode list) {
    if (!list.isArray() || list.isEmpty()) {
      throw new IllegalArgumentException("output_layers must name at least one layer, got " + list);
    }
    List<String> names = new ArrayList<>();
    for (JsonNode ref : list) {
      if (!ref.isArray() || ref.isEmpty() || ref.size() > 1 && (ref.get(1).asInt() != 0 || ref.size() > 2
          && ref.get(2).asInt() != 0)) {
        throw new IllegalArgumentException("output_layers entry " + ref + " is not [layer, 0, 0]");
      }
      String name = ref.get(0).asText();
      if (names.contains(name)) throw new IllegalArgumentException("output_layers names '" + name + "' twice");
      names.add(name);
    }
    return names;
  }

  private static String single(JsonNode list, String what) {
    if (!list.isArray() || list.size() != 1 || !list.get(0).isArray()) {
      throw new IllegalArgumentException(what + " must name exactly one layer, got " + list);
    }
    return list.get(0).get(0).asText();
  }

  /** A layer being built: its name, its inbound layers' names, and how many of those have been visited. */
  private static final class Frame {
    final String name;
    final List<String> inbound;
    int next;

    Frame(String name, List<String> inbound) {
      this.name = name;
      this.inbound = inbound;
    }
  }

  /**
   * Builds every layer after its inbound layers, depth first from each layer in the file's order, with an explicit
   * stack (a chain of thousands of layers would exhaust the Java stack as recursion); {@code order} gets the nodes
   * as they are built.
   */
  private static void buildAll(Map<String, JsonNode> byName, Map<String, Model.Node> built, List<Model.Node> order) {
    Set<String> visiting = new HashSet<>();
    java.util.ArrayDeque<Frame> stack = new java.util.ArrayDeque<>();
    for (String root : byName.keySet()) {
      if (built.containsKey(root)) continue;
      visiting.add(root);
      stack.push(new Frame(root, inboundNames(root, byName.get(root))));
      while (!stack.isEmpty()) {
        Frame f = stack.peek();
        if (f.next < f.inbound.size()) {
          String in = f.inbound.get(f.next++);
          if (built.containsKey(in)) continue;
          if (!byName.containsKey(in)) {
            throw new IllegalArgumentException("an inbound node names unknown layer '" + in + "'");
          }
          if (!visiting.add(in)) throw new IllegalArgumentException("layer '" + in + "' is part of a cycle");
          stack.push(new Frame(in, inboundNames(in, byName.get(in))));
        } else {
          stack.pop();
          Model.Node node = node(f.name, byName.get(f.name), f.inbound.stream().map(built::get).toList());
          built.put(f.name, node);
          order.add(node);
          visiting.remove(f.name);
        }
      }
    }
  }

  /** The names of the layers feeding layer {@code name}, after checking its inbound_nodes' form. */
  private static List<String> inboundNames(String name, JsonNode l) {
    JsonNode nodes = l.path("inbound_nodes");
    List<String> inbound = new ArrayList<>();
    if (!nodes.isArray() || nodes.isEmpty()) return inbound;
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
      inbound.add(ref.get(0).asText());
    }
    return inbound;
  }

  /** The node of layer {@code name}, read through its class's reader, on its (already built) inbound nodes. */
  private static Model.Node node(String name, JsonNode l, List<Model.Node> inbound) {
    String cls = l.path("class_name").asText();
    KerasConfig c = new KerasConfig(cls, name, l.path("config"));
    List<int[]> shapes = inbound.stream().map(Model.Node::shape).toList();
    if (cls.equals("InputLayer")) {
      if (!inbound.isEmpty()) throw new IllegalArgumentException("InputLayer '" + name + "' has inbound nodes");
      InputLayer input = InputLayer.fromKeras(c);
      return new Model.Node(input, inbound, input.shape().clone());
    }
    if (inbound.isEmpty()) throw new IllegalArgumentException("layer '" + name + "' (" + cls + ") has no inputs");
    Layer layer = KerasLayers.reader(cls, name).read(c, shapes);
    return new Model.Node(layer, inbound, layer.outputShape(shapes));
  }

  /**
   * The outputs of a model with several: each flat, each sigmoid or a linear Dense (a reconstruction, checked
   * against its loss when a run names one), at least one sigmoid.
   */
  private static void checkOutputs(List<Model.Node> outs) {
    boolean anySigmoid = false;
    for (Model.Node out : outs) {
      boolean sigmoid = isSigmoid(out);
      boolean linear = out.layer() instanceof Dense d && d.activation().equals("linear");
      if (out.shape().length != 1 || !sigmoid && !linear) {
        throw new IllegalArgumentException("the output layer '" + out.layer().name() + "' (" + out.layer().className()
            + ") gives " + java.util.Arrays.toString(out.shape()) + "; each output of a model with several must be "
            + "of shape [None, k] and either sigmoid (Dense(k, activation='sigmoid') or Activation('sigmoid')) or "
            + "linear (Dense(k), a reconstruction of the input)");
      }
      anySigmoid |= sigmoid;
    }
    if (!anySigmoid) {
      throw new IllegalArgumentException("none of the outputs " + outs.stream().map(o -> o.layer().name()).toList()
          + " is sigmoid; Kiln trains binary labels, so at least one output must be a sigmoid");
    }
  }

  /** Whether {@code out} is a Dense with activation sigmoid or an Activation('sigmoid'). */
  public static boolean isSigmoid(Model.Node out) {
    return out.layer() instanceof Dense d ? d.activation().equals("sigmoid")
        : out.layer() instanceof Activation a && a.activation().equals("sigmoid");
  }

  private static void checkOutput(Model.Node out) {
    boolean flat = out.shape().length == 1;
    boolean sigmoid = out.layer() instanceof Dense d ? d.activation().equals("sigmoid")
        : out.layer() instanceof Activation a && a.activation().equals("sigmoid");
    if (!flat || !sigmoid) {
      throw new IllegalArgumentException("the output layer '" + out.layer().name() + "' (" + out.layer().className()
          + ") gives " + java.util.Arrays.toString(out.shape()) + (sigmoid ? "" : " without a sigmoid")
          + "; training for binary labels needs one sigmoid output of shape [None, k], one unit per target "
          + "(Dense(k, activation='sigmoid') or Activation('sigmoid') on k units)"
          + (flat && out.layer() instanceof Dense d && d.activation().equals("linear") ? "; a linear output trained "
          + "from logits takes --from-logits " + out.layer().name() + " (a compiled model.h5 says so itself)" : ""));
    }
  }
}
