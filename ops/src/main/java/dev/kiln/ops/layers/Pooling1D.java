package dev.kiln.ops.layers;

import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Ops;
import dev.kiln.ops.Layer;
import dev.kiln.ops.LayerContext;
import dev.kiln.ops.Variable;
import dev.kiln.ops.keras.KerasConfig;
import java.util.List;
import java.util.Map;

/**
 * Keras MaxPooling1D and AveragePooling1D over non-overlapping windows ('valid', strides equal to pool_size, as
 * their defaults): the steps are cut to a multiple of the pool, reshaped to [batch, steps / pool, pool, channels]
 * and reduced over the pool, so existing primitives give the gradient (max: to the maxima, ties shared).
 */
public record Pooling1D(String name, boolean max, int pool) implements Layer {
  public static Pooling1D fromKeras(KerasConfig c, List<int[]> in) {
    c.common();
    int pool = c.getOne("pool_size", 2);
    int strides = c.getOne("strides", pool);
    if (pool < 1) throw c.error("pool_size", "must be >= 1");
    if (strides != pool) throw c.error("strides", strides + " differs from pool_size " + pool + "; supported: equal");
    c.getChoice("padding", "valid", List.of("valid"));
    c.require("data_format", "channels_last");
    c.finish();
    if (in.get(0).length != 2 || in.get(0)[0] < pool) throw c.error("input", "must be [steps >= pool_size, channels]");
    return new Pooling1D(c.layer(), c.className().equals("MaxPooling1D"), pool);
  }

  @Override public String className() { return max ? "MaxPooling1D" : "AveragePooling1D"; }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = LayerConfig.base(name);
    c.put("strides", List.of(pool));
    c.put("pool_size", List.of(pool));
    c.put("padding", "valid");
    c.put("data_format", "channels_last");
    return c;
  }

  @Override public List<Variable> variables() { return List.of(); }

  @Override
  public int[] outputShape(List<int[]> in) {
    return new int[] {in.get(0)[0] / pool, in.get(0)[1]};
  }

  @Override
  public Value apply(LayerContext ctx, List<Value> in) {
    Value x = in.get(0);
    int b = x.dim(0), steps = x.dim(1) / pool, ch = x.dim(2);
    if (steps * pool != x.dim(1)) x = Ops.sliceAxis(x, 1, 0, steps * pool);
    Value w = Ops.reshape(x, b, steps, pool, ch);
    return max ? Ops.reduceMax(w, 2) : Ops.mean(w, 2);
  }
}
