package dev.kiln.core.op;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.graph.Primitive;
import dev.kiln.core.graph.Value;
import dev.kiln.core.hlo.HloEmitter;
import java.util.List;

/** {@code stablehlo.iota}: each element is its index along {@code dimension}. */
public record Iota(TensorType type, int dimension) implements Primitive {
  @Override public String name() { return "iota"; }
  @Override public String attributes() { return "type=" + type + ", iota_dimension=" + dimension; }

  @Override
  public TensorType inferType(List<TensorType> inputs) {
    if (!inputs.isEmpty()) throw error(inputs, "iota takes no inputs");
    if (dimension < 0 || dimension >= type.rank()) throw error(inputs, "iota_dimension out of range");
    if (type.dtype() == DType.PRED) throw error(inputs, "iota of PRED is not supported");
    return type;
  }

  @Override public List<Value> vjp(Value out, Value cotangent) { return List.of(); }

  @Override
  public void lower(HloEmitter e, Value out) {
    e.op(out, "iota", "iota_dimension = " + dimension + " : i64");
  }

  @Override
  public Tensor eval(CpuContext ctx, Tensor[] inputs, TensorType outType) {
    int[] dims = type.shape().dims();
    int n = type.shape().size();
    int inner = 1;
    for (int d = dimension + 1; d < dims.length; d++) inner *= dims[d];
    int len = dims[dimension];
    Object a = Tensor.newArray(type.dtype(), n);
    for (int i = 0; i < n; i++) {
      int v = (i / inner) % len;
      switch (type.dtype()) {
        case F32 -> ((float[]) a)[i] = v;
        case F64 -> ((double[]) a)[i] = v;
        default -> ((int[]) a)[i] = v;
      }
    }
    return Tensor.wrap(type.dtype(), type.shape(), a);
  }
}
