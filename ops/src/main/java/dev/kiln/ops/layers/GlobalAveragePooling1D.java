package dev.kiln.ops.layers;

import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Ops;
import dev.kiln.ops.Layer;
import dev.kiln.ops.LayerContext;
import dev.kiln.ops.Variable;
import dev.kiln.ops.keras.KerasConfig;
import java.util.List;
import java.util.Map;

/** Keras GlobalAveragePooling1D: the mean over the steps, [batch, steps, channels] → [batch, channels] (or keepdims). */
public record GlobalAveragePooling1D(String name, boolean keepDims) implements Layer {
  public static GlobalAveragePooling1D fromKeras(KerasConfig c, List<int[]> in) {
    c.common();
    c.require("data_format", "channels_last");
    boolean keep = c.getBool("keepdims", false);
    c.finish();
    if (in.get(0).length != 2) throw c.error("input", "must be [steps, channels]");
    return new GlobalAveragePooling1D(c.layer(), keep);
  }

  @Override public String className() { return "GlobalAveragePooling1D"; }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = LayerConfig.base(name);
    c.put("data_format", "channels_last");
    c.put("keepdims", keepDims);
    return c;
  }

  @Override public List<Variable> variables() { return List.of(); }

  @Override
  public int[] outputShape(List<int[]> in) {
    return keepDims ? new int[] {1, in.get(0)[1]} : new int[] {in.get(0)[1]};
  }

  @Override
  public Value apply(LayerContext ctx, List<Value> in) {
    Value m = Ops.mean(in.get(0), 1);
    return keepDims ? Ops.reshape(m, m.dim(0), 1, m.dim(1)) : m;
  }
}
