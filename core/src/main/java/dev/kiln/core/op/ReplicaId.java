package dev.kiln.core.op;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.graph.Primitive;
import dev.kiln.core.graph.Value;
import dev.kiln.core.hlo.HloEmitter;
import java.util.Arrays;
import java.util.List;

/** {@code stablehlo.replica_id}: this replica's index as a U32 scalar (0 on a single device). */
public record ReplicaId() implements Primitive {
  @Override public String name() { return "replica_id"; }

  @Override
  public TensorType inferType(List<TensorType> in) {
    if (!in.isEmpty()) throw error(in, "takes no operands");
    return new TensorType(DType.U32, Shape.scalar());
  }

  @Override public List<Value> vjp(Value out, Value g) { return List.of(); }

  @Override
  public void lower(HloEmitter e, Value out) {
    e.op(out, "replica_id", "");
  }

  @Override
  public Tensor eval(CpuContext ctx, Tensor[] in, TensorType t) {
    return Tensor.wrap(DType.U32, Shape.scalar(), new int[] {ctx.replica()});
  }
}
