package dev.kiln.core.graph;

import dev.kiln.core.TensorType;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable function in SSA form: its parameters (in declaration order), the nodes that the outputs need (in
 * definition order, so every input precedes its users; unreachable nodes are dropped) and its named outputs. Graphs
 * are what backends compile.
 */
public final class Graph {
  private final List<Value> parameters;
  private final List<Value> nodes;
  private final List<String> outputNames;
  private final List<Value> outputs;
  private final IdentityHashMap<Value, Integer> index = new IdentityHashMap<>();

  Graph(List<Value> parameters, Map<String, Value> namedOutputs) {
    if (namedOutputs.isEmpty()) {
      throw new IllegalArgumentException("a graph needs at least one output");
    }
    this.parameters = List.copyOf(parameters);
    this.outputNames = List.copyOf(namedOutputs.keySet());
    this.outputs = List.copyOf(namedOutputs.values());
    Tracer t = outputs.get(0).tracer();
    List<Value> all = t.nodes();
    BitSet live = new BitSet(all.size());
    for (Value p : parameters) live.set(p.id());
    List<Value> stack = new ArrayList<>(outputs);
    while (!stack.isEmpty()) {
      Value v = stack.remove(stack.size() - 1);
      if (v.tracer() != t) {
        throw new IllegalArgumentException("output " + v + " belongs to another tracer");
      }
      if (!live.get(v.id())) {
        live.set(v.id());
        stack.addAll(v.inputs());
      }
    }
    List<Value> kept = new ArrayList<>();
    for (int i = live.nextSetBit(0); i >= 0; i = live.nextSetBit(i + 1)) {
      Value v = all.get(i);
      index.put(v, kept.size());
      kept.add(v);
    }
    this.nodes = List.copyOf(kept);
  }

  public List<Value> parameters() {
    return parameters;
  }

  public List<Value> nodes() {
    return nodes;
  }

  public List<String> outputNames() {
    return outputNames;
  }

  public List<Value> outputs() {
    return outputs;
  }

  /** Position of a node in {@link #nodes()}, or -1 if it is not part of this graph. */
  public int indexOf(Value v) {
    Integer i = index.get(v);
    return i == null ? -1 : i;
  }

  public List<TensorType> parameterTypes() {
    return parameters.stream().map(Value::type).toList();
  }

  public List<TensorType> outputTypes() {
    return outputs.stream().map(Value::type).toList();
  }

  /** A readable listing, one node per line, for debugging. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    for (Value v : nodes) {
      b.append('%').append(v.id()).append(" = ").append(v.op().name());
      if (!v.op().attributes().isEmpty()) b.append('{').append(v.op().attributes()).append('}');
      b.append('(');
      for (int i = 0; i < v.inputs().size(); i++) {
        if (i > 0) b.append(", ");
        b.append('%').append(v.input(i).id());
      }
      b.append(") : ").append(v.type()).append('\n');
    }
    for (int i = 0; i < outputs.size(); i++) {
      b.append("return ").append(outputNames.get(i)).append(" = %").append(outputs.get(i).id()).append('\n');
    }
    return b.toString();
  }
}
