package dev.kiln.ops.layers;

import dev.kiln.core.Shape;
import dev.kiln.core.graph.Value;
import dev.kiln.ops.Layer;
import dev.kiln.ops.LayerContext;
import dev.kiln.ops.Variable;
import dev.kiln.ops.infer.RowOp;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Keras Add: the elementwise sum of its inputs. */
public record Add(String name) implements Layer {
  /** Reads Keras's config; every input must have the same shape. */
  public static Add fromKeras(dev.kiln.ops.keras.KerasConfig c, List<int[]> in) {
    c.common();
    c.finish();
    Merging.sameShapes(c, in);
    return new Add(c.layer());
  }

  @Override public String className() { return "Add"; }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = LayerConfig.base(name);
    return c;
  }

  @Override public List<Variable> variables() { return List.of(); }
  @Override public int[] outputShape(List<int[]> in) { return in.get(0); }

  @Override
  public Value apply(LayerContext ctx, List<Value> in) {
    Value s = in.get(0);
    for (int i = 1; i < in.size(); i++) s = s.add(in.get(i));
    return s;
  }

  @Override
  public RowOp rowOp(Function<String, float[]> variables, List<int[]> inputShapes) {
    return new RowOp.Merge(false, "linear");
  }
}
