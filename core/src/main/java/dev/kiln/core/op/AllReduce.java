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

/**
 * {@code stablehlo.all_reduce} summing across all replicas of the computation (one replica group). On a single
 * device, as on the Java backend, it is the identity. Its gradient is an all_reduce of the cotangent.
 */
public record AllReduce() implements Primitive {
  @Override public String name() { return "all_reduce"; }

  @Override
  public TensorType inferType(List<TensorType> in) {
    if (in.size() != 1) throw error(in, "expects 1 operand");
    if (in.get(0).dtype() == DType.PRED) throw error(in, "cannot sum PRED");
    return in.get(0);
  }

  @Override
  public List<Value> vjp(Value out, Value g) {
    return Arrays.asList(Ops.allReduceSum(g));
  }

  @Override
  public void lower(HloEmitter e, Value out) {
    int n = e.replicas();
    StringBuilder groups = new StringBuilder("dense<[[");
    for (int i = 0; i < n; i++) groups.append(i == 0 ? "" : ", ").append(i);
    groups.append("]]> : tensor<1x").append(n).append("xi64>");
    Value x = out.input(0);
    e.opWithRegion(out, "all_reduce", List.of(e.name(x)), List.of(x.type().mlir()), e.binaryRegion(x.dtype(), "add"),
        "replica_groups = " + groups);
  }

  @Override
  public Tensor eval(CpuContext ctx, Tensor[] in, TensorType t) {
    return in[0];
  }
}
