package dev.kiln.ops.layers;

import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Ops;
import dev.kiln.ops.Layer;
import dev.kiln.ops.LayerContext;
import dev.kiln.ops.Variable;
import dev.kiln.ops.infer.RowOp;
import dev.kiln.ops.keras.KerasConfig;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Keras Concatenate along {@code axis} (of the batched tensor; −1 is the last), the other sizes equal. */
public record Concatenate(String name, int axis) implements Layer {
  public static Concatenate fromKeras(KerasConfig c, List<int[]> in) {
    c.common();
    int rank = in.get(0).length + 1;
    int axis = c.getInt("axis", -1);
    int a = axis < 0 ? axis + rank : axis;
    if (a < 1 || a >= rank) throw c.error("axis", axis + " is not a feature axis of rank " + rank + " inputs");
    c.finish();
    if (in.size() < 2) throw c.error("inputs", "must be at least two");
    for (int[] s : in) {
      if (s.length != rank - 1) throw c.error("inputs", "differ in rank");
      for (int d = 0; d < s.length; d++) {
        if (d != a - 1 && s[d] != in.get(0)[d]) throw c.error("inputs", "differ in dimension " + (d + 1));
      }
    }
    return new Concatenate(c.layer(), a);
  }

  @Override public String className() { return "Concatenate"; }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = LayerConfig.base(name);
    c.put("axis", axis);
    return c;
  }

  @Override public List<Variable> variables() { return List.of(); }

  @Override
  public int[] outputShape(List<int[]> in) {
    int[] out = in.get(0).clone();
    out[axis - 1] = 0;
    for (int[] s : in) out[axis - 1] += s[axis - 1];
    return out;
  }

  @Override
  public Value apply(LayerContext ctx, List<Value> in) {
    return Ops.concatenate(axis, in);
  }

  /**
   * Row-major copies: for each index before the axis, each input's block (its sizes from the axis on) in turn.
   * Nothing is allocated per run.
   */
  @Override
  public RowOp rowOp(Function<String, float[]> variables, List<int[]> inputShapes) {
    int outer = 1;
    for (int d = 0; d < axis - 1; d++) outer *= inputShapes.get(0)[d];
    int[] block = new int[inputShapes.size()];
    for (int i = 0; i < block.length; i++) {
      int[] s = inputShapes.get(i);
      block[i] = 1;
      for (int d = axis - 1; d < s.length; d++) block[i] *= s[d];
    }
    int blocks = outer;
    return (RowOp.Kernel) (in, out) -> {
      int o = out.offset();
      for (int r = 0; r < blocks; r++) {
        for (int i = 0; i < block.length; i++) {
          RowOp.Slice s = in.get(i);
          System.arraycopy(s.array(), s.offset() + r * block[i], out.array(), o, block[i]);
          o += block[i];
        }
      }
    };
  }
}
