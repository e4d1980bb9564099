package dev.kiln.core.graph;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.op.Constant;
import dev.kiln.core.op.Parameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records a graph as ops are called on symbolic {@link Value}s: declare parameters, call ops (see
 * {@link dev.kiln.core.op.Ops}), take gradients with {@link Autodiff}, then {@link #build} a {@link Graph} whose
 * named outputs are the values you want. A tracer is single-threaded and grows only by appending.
 */
public final class Tracer {
  private final List<Value> nodes = new ArrayList<>();
  private final List<Value> parameters = new ArrayList<>();

  /** Declares the next graph input. Names must be unique; they are the names of the compiled function's inputs. */
  public Value parameter(String name, TensorType type) {
    for (Value p : parameters) {
      if (((Parameter) p.op()).name().equals(name)) {
        throw new IllegalArgumentException("parameter '" + name + "' is already declared");
      }
    }
    Value v = apply(new Parameter(parameters.size(), name, type));
    parameters.add(v);
    return v;
  }

  public Value parameter(String name, DType dtype, int... dims) {
    return parameter(name, new TensorType(dtype, Shape.of(dims)));
  }

  /** A constant baked into the graph. */
  public Value constant(Tensor value) {
    return apply(new Constant(value));
  }

  /** A scalar constant of the given dtype. */
  public Value scalar(double v, DType dtype) {
    return constant(Tensor.full(new TensorType(dtype, Shape.scalar()), v));
  }

  /** Applies a primitive to inputs of this tracer, inferring the result type. */
  public Value apply(Primitive op, Value... inputs) {
    List<TensorType> types = new ArrayList<>(inputs.length);
    for (Value in : inputs) {
      if (in.tracer() != this) {
        throw new IllegalArgumentException(op.name() + ": input " + in + " belongs to another tracer");
      }
      types.add(in.type());
    }
    TensorType t = op.inferType(types);
    Value v = new Value(this, nodes.size(), op, List.copyOf(Arrays.asList(inputs)), t);
    nodes.add(v);
    return v;
  }

  /** Builds an immutable graph computing the given named outputs (in map order) from all declared parameters. */
  public Graph build(Map<String, Value> outputs) {
    return new Graph(parameters, new LinkedHashMap<>(outputs));
  }

  /** Builds a graph with one output per value, named {@code out0, out1, ...}. */
  public Graph build(Value... outputs) {
    Map<String, Value> m = new LinkedHashMap<>();
    for (int i = 0; i < outputs.length; i++) {
      m.put("out" + i, outputs[i]);
    }
    return build(m);
  }

  List<Value> nodes() {
    return nodes;
  }
}
