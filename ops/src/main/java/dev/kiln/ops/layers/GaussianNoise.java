package dev.kiln.ops.layers;

import dev.kiln.core.Shape;
import dev.kiln.core.graph.Value;
import dev.kiln.core.random.Threefry;
import dev.kiln.ops.Layer;
import dev.kiln.ops.LayerContext;
import dev.kiln.ops.Variable;
import dev.kiln.ops.infer.RowOp;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Keras GaussianNoise: adds N(0, stddev²) in training (counter-based draws), identity in inference. */
public record GaussianNoise(String name, double stddev) implements Layer {
  /** Reads Keras's config; a seed is accepted, but draws come from the run's --seed (Kiln's counter-based RNG). */
  public static GaussianNoise fromKeras(dev.kiln.ops.keras.KerasConfig c, List<int[]> in) {
    c.common();
    double stddev = c.getDouble("stddev", -1);
    if (stddev < 0) throw c.error("stddev", "must be >= 0");
    c.accept("seed");
    c.finish();
    return new GaussianNoise(c.layer(), stddev);
  }

  @Override public String className() { return "GaussianNoise"; }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = LayerConfig.base(name);
    c.put("stddev", stddev);
    return c;
  }

  @Override public List<Variable> variables() { return List.of(); }
  @Override public int[] outputShape(List<int[]> in) { return in.get(0); }

  @Override
  public Value apply(LayerContext ctx, List<Value> in) {
    Value x = in.get(0);
    if (!ctx.training() || stddev == 0) return x;
    Value n = Threefry.normal(ctx.rngKey(), ctx.rngCounter(), x.dtype(), x.shape().dims());
    return x.add(n.mul(stddev));
  }

  @Override
  public RowOp rowOp(Function<String, float[]> variables, List<int[]> inputShapes) {
    return new RowOp.Identity();
  }
}
