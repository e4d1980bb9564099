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

/**
 * Keras preprocessing.Normalization over the last axis: y = (x − mean) / max(√variance, 1e-7), with mean and
 * population variance set by {@code adapt} over a stream of batches (they are non-trainable variables, as is the
 * sample count).
 */
public record Normalization(String name, int features) implements Layer {
  public static final double EPSILON = 1e-7;

  /** Reads Keras's config: the last axis, not inverted, statistics left to Kiln's adapt. */
  public static Normalization fromKeras(dev.kiln.ops.keras.KerasConfig c, List<int[]> in) {
    c.common();
    int rank = in.get(0).length + 1;
    c.require("axis", List.of(-1), List.of(rank - 1), -1, rank - 1);
    c.require("invert", false);
    if (c.has("mean") || c.has("variance")) {
      throw c.error("mean/variance", "are given; Kiln adapts them on the training folds, so they must be null");
    }
    c.accept("mean");
    c.accept("variance");
    c.finish();
    int[] s = in.get(0);
    return new Normalization(c.layer(), s[s.length - 1]);
  }

  @Override public String className() { return "Normalization"; }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = LayerConfig.base(name);
    c.put("axis", List.of(-1));
    return c;
  }

  @Override
  public List<Variable> variables() {
    return List.of(new Variable(name + "/mean", Shape.of(features), false, new Variable.Fill(0)),
        new Variable(name + "/variance", Shape.of(features), false, new Variable.Fill(1)),
        new Variable(name + "/count", Shape.scalar(), false, new Variable.Fill(0)));
  }

  @Override
  public int[] outputShape(List<int[]> in) {
    return in.get(0);
  }

  @Override
  public Value apply(LayerContext ctx, List<Value> in) {
    Value x = in.get(0);
    Value std = Ops.max(Ops.sqrt(ctx.variable(name + "/variance")), Ops.constantLike(x, EPSILON));
    return x.sub(ctx.variable(name + "/mean")).div(std);
  }

  /** Scale 1 / max(√variance, ε), shift −mean·scale. */
  @Override
  public RowOp rowOp(Function<String, float[]> variables, List<int[]> inputShapes) {
    float[] m = variables.apply(name + "/mean"), v = variables.apply(name + "/variance");
    double[] s = new double[features], t = new double[features];
    for (int i = 0; i < features; i++) {
      s[i] = 1 / Math.max(Math.sqrt(v[i]), EPSILON);
      t[i] = -m[i] * s[i];
    }
    return new RowOp.Affine(s, t);
  }
}
