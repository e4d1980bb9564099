package dev.kiln.core.op;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.cpu.Layout;
import dev.kiln.core.graph.Primitive;
import dev.kiln.core.graph.Value;
import dev.kiln.core.hlo.HloEmitter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** {@code stablehlo.reshape}: same elements in row-major order, new dimensions (no copy on the Java backend). */
public record Reshape(Shape outShape) implements Primitive {
  @Override public String name() { return "reshape"; }
  @Override public String attributes() { return "shape=" + outShape; }

  @Override
  public TensorType inferType(List<TensorType> in) {
    if (in.size() != 1) throw error(in, "expects 1 operand");
    if (in.get(0).shape().longSize() != outShape.longSize()) throw error(in, "element counts differ");
    return new TensorType(in.get(0).dtype(), outShape);
  }

  @Override
  public List<Value> vjp(Value out, Value g) {
    return Arrays.asList(Ops.reshape(g, out.input(0).shape().dims()));
  }

  @Override
  public void lower(HloEmitter e, Value out) {
    e.op(out, "reshape", "");
  }

  @Override
  public Tensor eval(CpuContext ctx, Tensor[] in, TensorType t) {
    return Tensor.wrap(t.dtype(), outShape, in[0].array());
  }
}
