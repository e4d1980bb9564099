package dev.kiln.ops;

import dev.kiln.core.graph.Value;
import dev.kiln.ops.layers.Activation;
import dev.kiln.ops.layers.Add;
import dev.kiln.ops.layers.BatchNormalization;
import dev.kiln.ops.layers.Conv1D;
import dev.kiln.ops.layers.Dense;
import dev.kiln.ops.layers.Flatten;
import dev.kiln.ops.layers.GaussianNoise;
import dev.kiln.ops.layers.InputLayer;
import dev.kiln.ops.layers.Normalization;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A functional model: a graph of layers from one input to one or more outputs (in Keras's order of
 * {@code output_layers}), built with {@link Builder} which names
 * layers as Keras does ({@code conv1d}, {@code conv1d_1}, ...). Tracing it ({@link #forward}) records primitives;
 * its variables, config and summary describe it for training and for the files Kiln writes.
 */
public final class Model {
  /** A layer applied to inbound nodes, with its output shape (batch excluded). */
  public record Node(Layer layer, List<Node> inbound, int[] shape) {}

  private final String name;
  private final List<Node> nodes;
  private final Node output;
  private final List<Node> outputs;
  private final List<Node> order;
  private final String json;
  private final Set<String> logitOutputs;

  private Model(String name, List<Node> nodes, List<Node> outputs, List<Node> order, String json) {
    this(name, nodes, outputs, order, json, Set.of());
  }

  private Model(String name, List<Node> nodes, List<Node> outputs, List<Node> order, String json,
      Set<String> logitOutputs) {
    if (outputs.isEmpty()) throw new IllegalArgumentException("a model needs at least one output");
    if (new java.util.HashSet<>(outputs.stream().map(n -> n.layer().name()).toList()).size() != outputs.size()) {
      throw new IllegalArgumentException("a layer is named twice among the outputs");
    }
    this.name = name;
    this.nodes = List.copyOf(nodes);
    this.outputs = List.copyOf(outputs);
    this.output = outputs.get(0);
    this.order = order == null ? null : List.copyOf(order);
    this.json = json;
    this.logitOutputs = Set.copyOf(logitOutputs);
  }

  /**
   * A model read from a Keras {@code model.json}: its nodes (the input first, each after its inputs), the output,
   * the layers in the file's order (Keras's {@code model.layers}, used by summary and model.h5) and the file's text,
   * which is what Kiln writes back as the trained model's {@code model.json}.
   */
  public static Model functional(String name, List<Node> nodes, Node output, List<Node> kerasOrder, String json) {
    return new Model(name, nodes, List.of(output), kerasOrder, json);
  }

  /** As above, with several outputs in the order of the file's {@code output_layers}. */
  public static Model functional(String name, List<Node> nodes, List<Node> outputs, List<Node> kerasOrder,
      String json) {
    return new Model(name, nodes, outputs, kerasOrder, json);
  }

  /**
   * The part of this model that computes output {@code outputName} alone: its ancestors, in this model's order (so
   * answering one head does not compute the others). It has no Keras JSON of its own.
   */
  public Model withOutput(String outputName) {
    Node out = outputs.stream().filter(o -> o.layer().name().equals(outputName)).findFirst().orElseThrow(() ->
        new IllegalArgumentException("no output '" + outputName + "'; the outputs are " + outputNames()));
    Set<Node> keep = Collections.newSetFromMap(new IdentityHashMap<>());
    ArrayDeque<Node> todo = new ArrayDeque<>(List.of(out));
    while (!todo.isEmpty()) {
      Node n = todo.pop();
      if (keep.add(n)) todo.addAll(n.inbound());
    }
    return new Model(name, nodes.stream().filter(keep::contains).toList(), List.of(out),
        order == null ? null : order.stream().filter(keep::contains).toList(), null,
        logitOutputs.contains(outputName) ? Set.of(outputName) : Set.of());
  }

  /**
   * This model as trained from the logits of the outputs {@code names}: its nodes give those outputs a sigmoid (the
   * probabilities Kiln trains and answers on), while {@code json}, the Keras file it was given as, keeps them linear;
   * that file is what Kiln writes back, so Keras loading it gets logits, as from the model it was given.
   */
  public Model trainedFromLogits(String json, Set<String> names) {
    for (String n : names) {
      if (!outputNames().contains(n)) throw new IllegalArgumentException("'" + n + "' is not an output of the model");
    }
    return new Model(name, nodes, outputs, order, json, names);
  }

  /** The outputs trained from their logits ({@link #trainedFromLogits}); empty for most models. */
  public Set<String> logitOutputs() {
    return logitOutputs;
  }

  /** The Keras JSON this model was read from, or null for a model built in Java (such as {@link #seed}). */
  public String sourceJson() {
    return json;
  }

  public String name() {
    return name;
  }

  /** Nodes in creation order (the input first). */
  public List<Node> nodes() {
    return nodes;
  }

  /** The output; of a model with several outputs, the first (see {@link #outputs}). */
  public Node output() {
    return output;
  }

  /** Every output, in Keras's order (that of {@code output_layers}); one for most models. */
  public List<Node> outputs() {
    return outputs;
  }

  /** The outputs' layer names, in order: Keras names each output's loss and metrics after them. */
  public List<String> outputNames() {
    return outputs.stream().map(n -> n.layer().name()).toList();
  }

  public int[] inputShape() {
    return nodes.get(0).shape().clone();
  }

  /** Whether the model takes rows ([features]: every row a sample) rather than windows ([window, features]). */
  public boolean takesRows() {
    return nodes.get(0).shape().length == 1;
  }

  /** Rows per sample: 1 for a model that takes rows, else its input's window. */
  public int window() {
    return takesRows() ? 1 : nodes.get(0).shape()[0];
  }

  /** Output units: one probability per target (of the first output, for a model with several). */
  public int units() {
    return output.shape()[output.shape().length - 1];
  }

  /** Features per row: the input's last dimension. */
  public int features() {
    int[] in = nodes.get(0).shape();
    return in[in.length - 1];
  }

  /**
   * The nodes in the order Keras lists a functional model's layers (summary, {@code model.json}): by decreasing
   * depth (the longest path to the output), ties broken by the order a depth-first walk from the output first meets
   * them, inputs before outputs of each node in inbound order.
   */
  public List<Node> kerasOrder() {
    if (order != null) return order;
    Map<Node, Integer> depth = new IdentityHashMap<>();
    Map<Node, Integer> seen = new IdentityHashMap<>();
    java.util.ArrayDeque<Node> stack = new java.util.ArrayDeque<>();
    for (int i = outputs.size() - 1; i >= 0; i--) stack.push(outputs.get(i));
    while (!stack.isEmpty()) {
      Node n = stack.pop();
      if (seen.containsKey(n)) continue;
      seen.put(n, seen.size());
      for (int i = n.inbound().size() - 1; i >= 0; i--) stack.push(n.inbound().get(i));
    }
    for (Node o : outputs) depth.put(o, 0);
    for (int i = nodes.size() - 1; i >= 0; i--) {
      Node n = nodes.get(i);
      int d = depth.getOrDefault(n, 0);
      for (Node in : n.inbound()) depth.merge(in, d + 1, Math::max);
    }
    List<Node> order = new ArrayList<>(nodes);
    order.sort((a, b) -> depth.get(a).equals(depth.get(b)) ? Integer.compare(seen.get(a), seen.get(b))
        : Integer.compare(depth.get(b), depth.get(a)));
    return order;
  }

  /** Every variable, in layer order. */
  public List<Variable> variables() {
    List<Variable> v = new ArrayList<>();
    for (Node n : nodes) v.addAll(n.layer().variables());
    return v;
  }

  /** The layer with this name. */
  public Layer layer(String layerName) {
    for (Node n : nodes) if (n.layer().name().equals(layerName)) return n.layer();
    throw new IllegalArgumentException("no layer '" + layerName + "' in model " + name);
  }

  /**
   * The traced output and, when the output is a Dense or an Activation('sigmoid'), its pre-activation (the loss
   * takes the logits, as Keras rewrites sigmoid + binary cross-entropy).
   */
  public record Outputs(Value output, Value logits) {}

  /** Traces the model on a [batch, ...input shape] value: its (first) output. */
  public Outputs forward(LayerContext ctx, Value x) {
    return forwardAll(ctx, x).get(0);
  }

  /**
   * Traces the model on a [batch, ...input shape] value: every output in {@link #outputs}'s order, each with its
   * logits when it is a Dense or an Activation('sigmoid') (else null).
   */
  public List<Outputs> forwardAll(LayerContext ctx, Value x) {
    Map<Node, Value> vals = new IdentityHashMap<>();
    Map<Node, Value> logits = new IdentityHashMap<>();
    java.util.Set<Node> outs = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    outs.addAll(outputs);
    for (Node n : nodes) {
      if (n.inbound().isEmpty()) {
        vals.put(n, x);
        continue;
      }
      List<Value> in = n.inbound().stream().map(vals::get).toList();
      if (outs.contains(n) && n.layer() instanceof Dense d) {
        Value z = d.logits(ctx, in.get(0));
        logits.put(n, z);
        vals.put(n, new Activation("output_activation", d.activation()).apply(ctx, List.of(z)));
      } else if (outs.contains(n) && n.layer() instanceof Activation a && a.activation().equals("sigmoid")) {
        logits.put(n, in.get(0));
        vals.put(n, n.layer().apply(ctx, in));
      } else {
        vals.put(n, n.layer().apply(ctx, in));
      }
    }
    return outputs.stream().map(o -> new Outputs(vals.get(o), logits.get(o))).toList();
  }

  /** Parameter counts: total, trainable, non-trainable. */
  public long[] parameterCounts() {
    long total = 0, trainable = 0;
    for (Variable v : variables()) {
      total += v.size();
      if (v.trainable()) trainable += v.size();
    }
    return new long[] {total, trainable, total - trainable};
  }

  /** A Keras-like summary table with output shapes, parameter counts and connections. */
  public String summary() {
    String rule = "_".repeat(98);
    StringBuilder b = new StringBuilder();
    b.append("Model: \"").append(name).append("\"\n").append(rule).append('\n');
    b.append(String.format("%-32s%-21s%-12s%-33s%n", "Layer (type)", "Output Shape", "Param #", "Connected to"));
    b.append("=".repeat(98)).append('\n');
    List<Node> order = kerasOrder();
    for (int i = 0; i < order.size(); i++) {
      Node n = order.get(i);
      StringBuilder shape = new StringBuilder("(None");
      for (int d : n.shape()) shape.append(", ").append(d);
      shape.append(')');
      String shapeText = n.inbound().isEmpty() ? "[" + shape + "]" : shape.toString();
      long params = n.layer().variables().stream().mapToLong(Variable::size).sum();
      List<String> conn = n.inbound().stream().map(p -> p.layer().name() + "[0][0]").toList();
      String first = conn.isEmpty() ? "" : conn.get(0);
      row(b, n.layer().name() + " (" + n.layer().className() + ")", shapeText, Long.toString(params), first);
      for (int k = 1; k < conn.size(); k++) b.append(String.format("%65s%s%n", "", conn.get(k)));
      b.append(i == order.size() - 1 ? "=".repeat(98) : rule).append('\n');
    }
    long[] c = parameterCounts();
    b.append(String.format("Total params: %,d%nTrainable params: %,d%nNon-trainable params: %,d%n", c[0], c[1], c[2]));
    b.append(rule).append('\n');
    if (outputs.size() > 1) {
      b.append("Outputs (in order): ").append(String.join(", ", outputs.stream().map(o ->
          o.layer().name() + " " + shapeText(o.shape())).toList())).append('\n');
    }
    return b.toString().replaceAll("(?m)[ \t]+$", "");
  }

  private static String shapeText(int[] shape) {
    StringBuilder t = new StringBuilder("(None");
    for (int d : shape) t.append(", ").append(d);
    return t.append(')').toString();
  }

  /** Column ends of the summary, as Keras's for a functional model at 98 characters. */
  private static final int[] COLUMNS = {32, 53, 65, 98};

  /**
   * One summary row. As Keras's {@code print_row}: a field longer than its column (less two spaces between columns)
   * is cut there, or after a "),"-like break inside that, and continues on the next line in the same column, so
   * columns stay aligned however long a layer name is.
   */
  static void row(StringBuilder b, String... fields) {
    String[] left = fields.clone();
    do {
      StringBuilder line = new StringBuilder();
      for (int col = 0; col < left.length; col++) {
        int start = col == 0 ? 0 : COLUMNS[col - 1];
        int cutoff = Math.min(left[col].length(), COLUMNS[col] - start - (col == COLUMNS.length - 1 ? 0 : 2));
        String fit = left[col].substring(0, cutoff);
        for (String brk : new String[] {"),", "},", "],", "',"}) {
          int at = fit.indexOf(brk);
          if (at >= 0) cutoff = Math.min(cutoff, at + brk.length());
        }
        line.append(left[col], 0, cutoff);
        line.append(" ".repeat(Math.max(0, COLUMNS[col] - line.length())));
        left[col] = left[col].substring(cutoff);
      }
      b.append(line.toString().stripTrailing()).append('\n');
    } while (java.util.Arrays.stream(left).anyMatch(f -> !f.isEmpty()));
  }

  /** Builds a model layer by layer, naming layers the Keras way. */
  public static final class Builder {
    private final String name;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Integer> counters = new HashMap<>();

    public Builder(String name) {
      this.name = name;
    }

    private String next(String base) {
      int k = counters.merge(base, 1, Integer::sum) - 1;
      return k == 0 ? base : base + "_" + k;
    }

    private Node add(Layer layer, Node... inbound) {
      List<int[]> shapes = new ArrayList<>();
      for (Node n : inbound) shapes.add(n.shape());
      Node node = new Node(layer, List.of(inbound), layer.outputShape(shapes));
      nodes.add(node);
      return node;
    }

    public Node input(int... shape) {
      if (!nodes.isEmpty()) throw new IllegalStateException("a model has one input, declared first");
      // Keras numbers inputs from 1 (input_1) while other layers start unnumbered (conv1d, conv1d_1, ...).
      return add(new InputLayer("input_" + counters.merge("input", 1, Integer::sum), shape.clone()));
    }

    public Node normalization(Node x) {
      return add(new Normalization(next("normalization"), last(x)), x);
    }

    public Node gaussianNoise(Node x, double stddev) {
      return add(new GaussianNoise(next("gaussian_noise"), stddev), x);
    }

    public Node conv1d(Node x, int filters, int kernelSize, String padding) {
      if (!padding.equals("same") && !padding.equals("valid")) {
        throw new IllegalArgumentException("Conv1D padding must be 'same' or 'valid', got '" + padding + "'");
      }
      return add(new Conv1D(next("conv1d"), last(x), filters, kernelSize, padding.equals("same")), x);
    }

    public Node batchNormalization(Node x) {
      return add(BatchNormalization.keras(next("batch_normalization"), last(x)), x);
    }

    public Node activation(Node x, String activation) {
      return add(new Activation(next("activation"), activation), x);
    }

    public Node add(Node a, Node b) {
      if (!java.util.Arrays.equals(a.shape(), b.shape())) {
        throw new IllegalArgumentException("Add needs equal shapes, got " + java.util.Arrays.toString(a.shape())
            + " and " + java.util.Arrays.toString(b.shape()));
      }
      return add(new Add(next("add")), a, b);
    }

    public Node flatten(Node x) {
      return add(new Flatten(next("flatten")), x);
    }

    public Node dense(Node x, int units, String activation) {
      if (x.shape().length != 1) throw new IllegalArgumentException("Dense expects a flat input; Flatten first");
      return add(new Dense(next("dense"), x.shape()[0], units, activation), x);
    }

    private static int last(Node x) {
      return x.shape()[x.shape().length - 1];
    }

    public Model build(Node output) {
      return build(List.of(output));
    }

    /** The model with these outputs, in this order (Keras's {@code outputs=[...]}). */
    public Model build(List<Node> outputs) {
      if (nodes.isEmpty() || !nodes.get(0).inbound().isEmpty()) throw new IllegalStateException("declare the input first");
      return new Model(name, nodes, outputs, null, null);
    }
  }

  /**
   * The seed notebook's model: Normalization → GaussianNoise → {Conv1D → BN} + {Conv1D → BN → ReLU → Conv1D → BN}
   * → Add → ReLU → Flatten → Dense(1, sigmoid), with layers created in the notebook's order.
   */
  public static Model seed(int window, int features, double noise) {
    Builder m = new Builder("model");
    Node inputs = m.input(window, features);
    Node flow = m.normalization(inputs);
    flow = m.gaussianNoise(flow, noise);
    Node skip = m.conv1d(flow, 64, 5, "same");
    skip = m.batchNormalization(skip);
    flow = m.conv1d(flow, 64, 5, "same");
    flow = m.batchNormalization(flow);
    flow = m.activation(flow, "relu");
    flow = m.conv1d(flow, 64, 5, "same");
    flow = m.batchNormalization(flow);
    flow = m.add(skip, flow);
    flow = m.activation(flow, "relu");
    flow = m.flatten(flow);
    Node outputs = m.dense(flow, 1, "sigmoid");
    return m.build(outputs);
  }
}
