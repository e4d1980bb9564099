package dev.kiln.core.op;

import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.graph.Primitive;
import dev.kiln.core.graph.Value;
import dev.kiln.core.hlo.DenseFormat;
import dev.kiln.core.hlo.HloEmitter;
import java.util.List;

/** A literal tensor baked into the graph ({@code stablehlo.constant}). */
public record Constant(Tensor value) implements Primitive {
  @Override public String name() { return "constant"; }
  @Override public String attributes() { return "value=" + value; }

  @Override
  public TensorType inferType(List<TensorType> inputs) {
    if (!inputs.isEmpty()) throw error(inputs, "a constant takes no inputs");
    return value.type();
  }

  @Override public List<Value> vjp(Value out, Value cotangent) { return List.of(); }

  @Override
  public void lower(HloEmitter e, Value out) {
    e.op(out, "constant", "value = " + DenseFormat.dense(value));
  }

  @Override
  public Tensor eval(CpuContext ctx, Tensor[] inputs, TensorType outType) {
    return value;
  }
}
