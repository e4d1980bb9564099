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
 * Keras LayerNormalization over the last axis: each sample's features normalised by their own mean and (biased)
 * variance, y = (x − m)·rsqrt(v + ε)·γ + β, the same in training and inference.
 */
public record LayerNormalization(String name, int features, double epsilon, boolean center, boolean scale)
    implements Layer {
  public static LayerNormalization fromKeras(KerasConfig c, List<int[]> in) {
    c.common();
    LayerConfig.lastAxisAffine(c, in);
    double eps = c.getDouble("epsilon", 1e-3);
    boolean center = c.getBool("center", true), scale = c.getBool("scale", true);
    c.finish();
    int[] s = in.get(0);
    return new LayerNormalization(c.layer(), s[s.length - 1], eps, center, scale);
  }

  @Override public String className() { return "LayerNormalization"; }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = LayerConfig.base(name);
    c.put("axis", List.of(-1));
    c.put("epsilon", epsilon);
    c.put("center", center);
    c.put("scale", scale);
    return c;
  }

  @Override
  public List<Variable> variables() {
    List<Variable> v = LayerConfig.affineVariables(name, features, center, scale);
    return v;
  }

  @Override public int[] outputShape(List<int[]> in) { return in.get(0); }

  @Override
  public Value apply(LayerContext ctx, List<Value> in) {
    Value x = in.get(0);
    int last = x.rank() - 1;
    int[] keep = new int[last];
    for (int i = 0; i < last; i++) keep[i] = i;
    Value mean = Ops.broadcastInDim(Ops.mean(x, last), x.shape().dims(), keep);
    Value centered = x.sub(mean);
    Value var = Ops.broadcastInDim(Ops.mean(centered.mul(centered), last), x.shape().dims(), keep);
    Value y = centered.mul(Ops.rsqrt(var.add(epsilon)));
    if (scale) y = y.mul(ctx.variable(name + "/gamma"));
    if (center) y = y.add(ctx.variable(name + "/beta"));
    return y;
  }
}
