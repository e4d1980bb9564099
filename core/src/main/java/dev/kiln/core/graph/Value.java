package dev.kiln.core.graph;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.TensorType;
import dev.kiln.core.op.Ops;
import java.util.List;

/**
 * A node of a graph and the symbolic value it produces: a primitive applied to input values, with its inferred
 * type. Values are immutable and created only by a {@link Tracer}; the fluent methods here are shorthand for
 * {@link Ops} so that model code reads like math ({@code x.mul(w).add(b)}).
 */
public final class Value {
  private final Tracer tracer;
  private final int id;
  private final Primitive op;
  private final List<Value> inputs;
  private final TensorType type;

  Value(Tracer tracer, int id, Primitive op, List<Value> inputs, TensorType type) {
    this.tracer = tracer;
    this.id = id;
    this.op = op;
    this.inputs = inputs;
    this.type = type;
  }

  public Tracer tracer() {
    return tracer;
  }

  /** Position of this node in its tracer (definition order, so inputs always have smaller ids). */
  public int id() {
    return id;
  }

  public Primitive op() {
    return op;
  }

  public List<Value> inputs() {
    return inputs;
  }

  public Value input(int i) {
    return inputs.get(i);
  }

  public TensorType type() {
    return type;
  }

  public DType dtype() {
    return type.dtype();
  }

  public Shape shape() {
    return type.shape();
  }

  public int rank() {
    return type.rank();
  }

  public int dim(int axis) {
    return type.dim(axis);
  }

  // ---- fluent shorthand for Ops ----

  public Value add(Value o) { return Ops.add(this, o); }
  public Value add(double c) { return Ops.add(this, Ops.constantLike(this, c)); }
  public Value sub(Value o) { return Ops.sub(this, o); }
  public Value sub(double c) { return Ops.sub(this, Ops.constantLike(this, c)); }
  public Value mul(Value o) { return Ops.mul(this, o); }
  public Value mul(double c) { return Ops.mul(this, Ops.constantLike(this, c)); }
  public Value div(Value o) { return Ops.div(this, o); }
  public Value div(double c) { return Ops.div(this, Ops.constantLike(this, c)); }
  public Value neg() { return Ops.neg(this); }
  public Value exp() { return Ops.exp(this); }
  public Value log() { return Ops.log(this); }
  public Value sqrt() { return Ops.sqrt(this); }
  public Value abs() { return Ops.abs(this); }
  public Value max(Value o) { return Ops.max(this, o); }
  public Value reshape(int... dims) { return Ops.reshape(this, dims); }
  public Value transpose(int... perm) { return Ops.transpose(this, perm); }
  public Value sum(int... axes) { return Ops.sum(this, axes); }
  public Value mean(int... axes) { return Ops.mean(this, axes); }
  public Value convert(DType to) { return Ops.convert(this, to); }

  @Override
  public String toString() {
    return "%" + id + ":" + type;
  }
}
