package dev.kiln.ops.layers;

import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Ops;
import dev.kiln.core.random.Threefry;
import dev.kiln.ops.Layer;
import dev.kiln.ops.LayerContext;
import dev.kiln.ops.Variable;
import dev.kiln.ops.infer.RowOp;
import dev.kiln.ops.keras.KerasConfig;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Keras Dropout: in training, each element is kept with probability 1 − rate and scaled by 1 / (1 − rate); identity
 * in inference. The mask comes from Kiln's counter-based RNG (the run's seed, the step, and a stream of the layer's
 * own, derived from its name), so every backend drops the same elements; a Keras {@code seed} is accepted but the
 * run's {@code --seed} decides.
 */
public record Dropout(String name, double rate) implements Layer {
  public static Dropout fromKeras(KerasConfig c, List<int[]> in) {
    c.common();
    double rate = c.getDouble("rate", -1);
    if (!(rate >= 0 && rate < 1)) throw c.error("rate", rate + " is not in [0, 1)");
    c.require("noise_shape", (Object) null);
    c.accept("seed");
    c.finish();
    return new Dropout(c.layer(), rate);
  }

  @Override public String className() { return "Dropout"; }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = LayerConfig.base(name);
    c.put("rate", rate);
    return c;
  }

  @Override public List<Variable> variables() { return List.of(); }
  @Override public int[] outputShape(List<int[]> in) { return in.get(0); }

  @Override
  public Value apply(LayerContext ctx, List<Value> in) {
    Value x = in.get(0);
    if (!ctx.training() || rate == 0) return x;
    Value key = Threefry.derive(ctx.rngKey(), name.hashCode());
    Value u = Threefry.uniform(key, ctx.rngCounter(), x.dtype(), x.shape().dims());
    Value keep = Ops.compare(u, Ops.Cmp.GE, Ops.constantLike(u, rate));
    return Ops.select(keep, x.mul(1.0 / (1.0 - rate)), Ops.zerosLike(x));
  }

  @Override
  public RowOp rowOp(Function<String, float[]> variables, List<int[]> inputShapes) {
    return new RowOp.Identity();
  }
}
