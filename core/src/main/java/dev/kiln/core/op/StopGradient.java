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

/** The identity with a zero gradient. It has no StableHLO op: the writer lowers it to its operand. */
public record StopGradient() implements Primitive {
  @Override public String name() { return "stop_gradient"; }

  @Override
  public TensorType inferType(List<TensorType> in) {
    if (in.size() != 1) throw error(in, "expects 1 operand");
    return in.get(0);
  }

  @Override
  public List<Value> vjp(Value out, Value g) {
    return Arrays.asList((Value) null);
  }

  @Override
  public void lower(HloEmitter e, Value out) {
    e.alias(out, out.input(0));
  }

  @Override
  public Tensor eval(CpuContext ctx, Tensor[] in, TensorType t) {
    return in[0];
  }
}
