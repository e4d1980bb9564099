package dev.kiln.core.op;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.graph.Primitive;
import dev.kiln.core.graph.Value;
import dev.kiln.core.hlo.HloEmitter;
import java.util.Arrays;
import java.util.List;

/** {@code stablehlo.compare}: elementwise comparison giving PRED; floats compare as IEEE (NaN is unordered). */
public record Compare(Ops.Cmp direction) implements Primitive {
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
    int n = t.shape().size();
    boolean[] o = new boolean[n];
    DType d = in[0].dtype();
    if (d.isFloating() || d == DType.U32) {
      // U32 is compared through its unsigned value; floats through double (exact for F32).
      boolean f32 = d == DType.F32;
      float[] fa = f32 ? in[0].floats() : null, fb = f32 ? in[1].floats() : null;
      ctx.parallelFor(n, 1 << 15, (s, e) -> {
        for (int i = s; i < e; i++) {
          double x = f32 ? fa[i] : in[0].getDouble(i), y = f32 ? fb[i] : in[1].getDouble(i);
          o[i] = test(x, y);
        }
      });
    } else {
      for (int i = 0; i < n; i++) {
        o[i] = test(in[0].getDouble(i), in[1].getDouble(i));
      }
    }
    return Tensor.wrap(DType.PRED, t.shape(), o);
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
