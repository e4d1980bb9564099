package dev.kiln.ops.layers;

import dev.kiln.core.graph.Value;
import dev.kiln.ops.Layer;
import dev.kiln.ops.LayerContext;
import dev.kiln.ops.Variable;
import dev.kiln.ops.infer.RowOp;
import dev.kiln.ops.keras.KerasConfig;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Keras Multiply: the elementwise product of its inputs (all of one shape). */
public record Multiply(String name) implements Layer {
  public static Multiply fromKeras(KerasConfig c, List<int[]> in) {
    c.common();
    c.finish();
    Merging.sameShapes(c, in);
    return new Multiply(c.layer());
  }

  @Override public String className() { return "Multiply"; }
  @Override public Map<String, Object> config() { return LayerConfig.base(name); }
  @Override public List<Variable> variables() { return List.of(); }
  @Override public int[] outputShape(List<int[]> in) { return in.get(0); }

  @Override
  public Value apply(LayerContext ctx, List<Value> in) {
    Value p = in.get(0);
    for (int i = 1; i < in.size(); i++) p = p.mul(in.get(i));
    return p;
  }

  @Override
  public RowOp rowOp(Function<String, float[]> variables, List<int[]> inputShapes) {
    return new RowOp.Merge(true, "linear");
  }
}
