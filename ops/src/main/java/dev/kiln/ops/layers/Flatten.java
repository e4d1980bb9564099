package dev.kiln.ops.layers;

import dev.kiln.core.Shape;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Ops;
import dev.kiln.ops.Layer;
import dev.kiln.ops.LayerContext;
import dev.kiln.ops.Variable;
import dev.kiln.ops.infer.RowOp;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Keras Flatten: [batch, d1, d2, ...] → [batch, d1·d2·...], row-major (index t·channels + c for [B, T, C]). */
public record Flatten(String name) implements Layer {
  /** Reads Keras's config. */
  public static Flatten fromKeras(dev.kiln.ops.keras.KerasConfig c, List<int[]> in) {
    c.common();
    c.require("data_format", "channels_last");
    c.finish();
    return new Flatten(c.layer());
  }

  @Override public String className() { return "Flatten"; }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = LayerConfig.base(name);
    c.put("data_format", "channels_last");
    return c;
  }

  @Override public List<Variable> variables() { return List.of(); }

  @Override
  public int[] outputShape(List<int[]> in) {
    int n = 1;
    for (int d : in.get(0)) n *= d;
    return new int[] {n};
  }

  @Override
  public Value apply(LayerContext ctx, List<Value> in) {
    Value x = in.get(0);
    return Ops.reshape(x, x.dim(0), x.shape().size() / Math.max(1, x.dim(0)));
  }

  @Override
  public RowOp rowOp(Function<String, float[]> variables, List<int[]> inputShapes) {
    return new RowOp.Identity();
  }
}
