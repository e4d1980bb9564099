package dev.kiln.ops.train;

import dev.kiln.core.TensorType;
import dev.kiln.core.backend.CompileOptions;
import dev.kiln.core.graph.Graph;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A step graph declared by name rather than by position: its <b>state</b> (each a pair, the input read and the output
 * that replaces it under the same name, donated so backends update it in place), <b>resident</b> inputs read but not
 * replaced (the model's variables in an evaluation step), <b>feeds</b> given each call (the batch, the step number),
 * and named <b>results</b> (the loss, the probabilities). Donations are derived from the state pairs, never written
 * by hand, and a runner matches arrays to parameters by name.
 */
public record StatefulStep(Graph graph, List<String> state, List<String> resident, List<String> feeds,
    List<String> results, int replicas) {

  /** Parameter names in the graph's order (the order a backend takes arguments in). */
  public List<String> inputs() {
    List<String> names = new ArrayList<>();
    for (Value p : graph.parameters()) names.add(((dev.kiln.core.op.Parameter) p.op()).name());
    return names;
  }

  /** Replicas, and every state input donated to the output of the same name. */
  public CompileOptions options() {
    List<String> in = inputs(), out = graph.outputNames();
    Map<Integer, Integer> donate = new HashMap<>();
    for (String s : state) donate.put(in.indexOf(s), out.indexOf(s));
    return new CompileOptions(replicas, donate);
  }

  /** Starts a step for {@code replicas} data-parallel replicas. */
  public static Builder builder(int replicas) {
    return new Builder(replicas);
  }

  /** Declares a step's inputs and outputs by name, then builds it; every state entry must be given an update. */
  public static final class Builder {
    private final Tracer tracer = new Tracer();
    private final int replicas;
    private final LinkedHashMap<String, Value> state = new LinkedHashMap<>();
    private final List<String> resident = new ArrayList<>();
    private final List<String> feeds = new ArrayList<>();
    private final LinkedHashMap<String, Value> updates = new LinkedHashMap<>();
    private final LinkedHashMap<String, Value> results = new LinkedHashMap<>();

    private Builder(int replicas) {
      this.replicas = replicas;
    }

    public Tracer tracer() {
      return tracer;
    }

    /** State read and replaced by the step. */
    public Value state(String name, TensorType type) {
      Value v = tracer.parameter(name, type);
      state.put(name, v);
      return v;
    }

    /** A resident input the step reads and does not replace. */
    public Value resident(String name, TensorType type) {
      resident.add(name);
      return tracer.parameter(name, type);
    }

    /** An input fed with every call. */
    public Value feed(String name, TensorType type) {
      feeds.add(name);
      return tracer.parameter(name, type);
    }

    /** The new value of state {@code name}. */
    public Builder update(String name, Value next) {
      if (!state.containsKey(name)) throw new IllegalArgumentException("'" + name + "' is not declared state");
      if (!next.type().equals(state.get(name).type())) {
        throw new IllegalArgumentException("state '" + name + "' is " + state.get(name).type() + " but its update is "
            + next.type());
      }
      updates.put(name, next);
      return this;
    }

    /** A named result of the step. */
    public Builder result(String name, Value v) {
      if (state.containsKey(name)) throw new IllegalArgumentException("'" + name + "' is state, not a result");
      results.put(name, v);
      return this;
    }

    public StatefulStep build() {
      List<String> missing = new ArrayList<>(state.keySet());
      missing.removeAll(updates.keySet());
      if (!missing.isEmpty()) throw new IllegalStateException("state without an update: " + missing);
      LinkedHashMap<String, Value> outs = new LinkedHashMap<>();
      for (String s : state.keySet()) outs.put(s, updates.get(s));
      outs.putAll(results);
      return new StatefulStep(tracer.build(outs), List.copyOf(state.keySet()), List.copyOf(resident),
          List.copyOf(feeds), List.copyOf(results.keySet()), replicas);
    }
  }
}
