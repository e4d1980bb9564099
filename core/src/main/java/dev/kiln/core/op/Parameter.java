package dev.kiln.core.op;

import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.graph.Primitive;
import dev.kiln.core.graph.Value;
import dev.kiln.core.hlo.HloEmitter;
import java.util.List;

/** A graph input: the index-th argument of the compiled function. Backends bind it; it has no kernel. */
public record Parameter(int index, String name, TensorType type) implements Primitive {
  @Override public String name() { return name; }
  @Override public String attributes() { return "index=" + index + ", name=" + name; }

  @Override
  public TensorType inferType(List<TensorType> inputs) {
    if (!inputs.isEmpty()) throw error(inputs, "a parameter takes no inputs");
    return type;
  }

  @Override public List<Value> vjp(Value out, Value cotangent) { return List.of(); }

  @Override public void lower(HloEmitter e, Value out) {
    // Parameters are the function's arguments; the writer names them %argN.
  }

  @Override
  public Tensor eval(CpuContext ctx, Tensor[] inputs, TensorType outType) {
    throw new IllegalStateException("parameter '" + name + "' is bound by the backend, not evaluated");
  }
}
