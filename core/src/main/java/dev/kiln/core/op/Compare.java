package dev.kiln.core.op;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.cpu.MaskKernels;
import dev.kiln.core.graph.Primitive;
import dev.kiln.core.graph.Value;
import dev.kiln.core.hlo.HloEmitter;
import jdk.incubator.vector.VectorOperators;
import java.util.Arrays;
import java.util.List;

/** {@code stablehlo.compare}: elementwise comparison giving PRED; floats compare as IEEE (NaN is unordered). */
public record Compare(Ops.Cmp direction) implements Elementwise {
  @Override public String name() { return "compare"; }
  @Override public String attributes() { return "comparison_direction=" + direction; }

  @Override
  public TensorType inferType(List<TensorType> in) {
    if (in.size() != 2) throw error(in, "expects 2 operands");
    if (!in.get(0).equals(in.get(1))) throw error(in, "operand types differ");
    return new TensorType(DType.PRED, in.get(0).shape());
  }

  @Override public List<Value> vjp(Value out, Value g) { return Arrays.asList(null, null); }

  @Override
  public void lower(HloEmitter e, Value out) {
    DType d = out.input(0).dtype();
    String type = d.isFloating() ? "FLOAT" : d == DType.S32 ? "SIGNED" : "UNSIGNED";
    e.op(out, "compare", "comparison_direction = #stablehlo<comparison_direction " + direction
        + ">, compare_type = #stablehlo<comparison_type " + type + ">");
  }

  @Override
  public Tensor eval(CpuContext ctx, Tensor[] in, TensorType t) {
    return Elementwise.evalAll(this, ctx, in, t);
  }

  @Override
  public void evalRange(Object[] in, int[] io, DType[] inTypes, Object out, int oo, int n, DType outType) {
    boolean[] o = (boolean[]) out;
    if (inTypes[0] == DType.F32) {
      MaskKernels.compare(vectorOp(), (float[]) in[0], io[0], (float[]) in[1], io[1], o, oo, n);
    } else {
      // U32 compares through its unsigned value, PRED as 0/1; both exact in a double.
      for (int i = 0; i < n; i++) {
        o[oo + i] = test(Tensor.elementAsDouble(in[0], inTypes[0], io[0] + i),
            Tensor.elementAsDouble(in[1], inTypes[1], io[1] + i));
      }
    }
  }

  private VectorOperators.Comparison vectorOp() {
    return switch (direction) {
      case EQ -> VectorOperators.EQ;
      case NE -> VectorOperators.NE;
      case LT -> VectorOperators.LT;
      case LE -> VectorOperators.LE;
      case GT -> VectorOperators.GT;
      case GE -> VectorOperators.GE;
    };
  }

  private boolean test(double x, double y) {
    return switch (direction) {
      case EQ -> x == y;
      case NE -> x != y;
      case LT -> x < y;
      case LE -> x <= y;
      case GT -> x > y;
      case GE -> x >= y;
    };
  }
}
