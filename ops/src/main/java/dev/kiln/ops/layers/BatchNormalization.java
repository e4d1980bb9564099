package dev.kiln.ops.layers;

import dev.kiln.core.Shape;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.BatchNormalize;
import dev.kiln.core.op.Ops;
import dev.kiln.ops.Layer;
import dev.kiln.ops.LayerContext;
import dev.kiln.ops.Variable;
import dev.kiln.ops.infer.RowOp;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Keras BatchNormalization over the last axis. Training: statistics over every other axis of the (replica's) batch —
 * or of each group of {@link LayerContext#batchNormGroup} samples — biased variance, y = (x − m)·rsqrt(v + ε)·γ + β,
 * and moving = momentum·moving + (1 − momentum)·batch statistic (averaged over groups and replicas, as variable
 * aggregation MEAN does on a TPU). Inference uses the moving statistics.
 */
public record BatchNormalization(String name, int features, double momentum, double epsilon, boolean center,
    boolean scale) implements Layer {
  public static BatchNormalization keras(String name, int features) {
    return new BatchNormalization(name, features, 0.99, 1e-3, true, true);
  }

  /** Reads Keras's config (every field honoured or rejected); only the last (feature) axis is supported. */
  public static BatchNormalization fromKeras(dev.kiln.ops.keras.KerasConfig c, List<int[]> in) {
    c.common();
    LayerConfig.lastAxisAffine(c, in);
    double momentum = c.getDouble("momentum", 0.99), epsilon = c.getDouble("epsilon", 1e-3);
    boolean center = c.getBool("center", true), scale = c.getBool("scale", true);
    c.require("moving_mean_initializer", "Zeros");
    c.require("moving_variance_initializer", "Ones");
    c.require("renorm", false);
    c.require("virtual_batch_size", (Object) null);
    c.require("adjustment", (Object) null);
    c.require("fused", (Object) null, true, false);
    c.require("synchronized", false);
    c.accept("renorm_clipping");
    c.accept("renorm_momentum");
    c.finish();
    int[] s = in.get(0);
    return new BatchNormalization(c.layer(), s[s.length - 1], momentum, epsilon, center, scale);
  }

  @Override public String className() { return "BatchNormalization"; }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = LayerConfig.base(name);
    c.put("axis", List.of(-1));
    c.put("momentum", momentum);
    c.put("epsilon", epsilon);
    c.put("center", center);
    c.put("scale", scale);
    return c;
  }

  @Override
  public List<Variable> variables() {
    List<Variable> v = LayerConfig.affineVariables(name, features, center, scale);
    v.add(new Variable(name + "/moving_mean", Shape.of(features), false, new Variable.Fill(0)));
    v.add(new Variable(name + "/moving_variance", Shape.of(features), false, new Variable.Fill(1)));
    return v;
  }

  @Override public int[] outputShape(List<int[]> in) { return in.get(0); }

  @Override
  public Value apply(LayerContext ctx, List<Value> in) {
    Value x = in.get(0);
    Value gamma = scale ? ctx.variable(name + "/gamma") : null, beta = center ? ctx.variable(name + "/beta") : null;
    Value mean, var;
    if (ctx.training()) {
      int b = x.dim(0), g = ctx.batchNormGroup();
      boolean grouped = g > 0 && g < b;
      if (grouped && b % g != 0) {
        throw new IllegalArgumentException(name + ": a batch of " + b + " does not split into groups of " + g);
      }
      // Statistics over every axis but the features; with groups, per group of g samples.
      int[] gdims = x.shape().dims();
      Value xs = x;
      if (grouped) {
        int[] d = new int[gdims.length + 1];
        d[0] = b / g;
        d[1] = g;
        System.arraycopy(gdims, 1, d, 2, gdims.length - 1);
        xs = Ops.reshape(x, d);
      }
      int first = grouped ? 1 : 0;
      int[] axes = new int[xs.rank() - 1 - first];
      for (int i = 0; i < axes.length; i++) axes[i] = first + i;
      // The normalization is one primitive with a closed-form gradient; the statistics for the moving averages are
      // computed beside it without gradient (XLA merges them with the primitive's own; the Java backend pays two
      // extra passes over x).
      Value[] moments = BatchNormalize.moments(xs, axes);
      mean = moments[0];
      var = moments[1];
      Value normed = Ops.batchNormalize(xs, epsilon, axes);
      Value y = affine(Ops.reshape(normed, gdims), gamma, beta);
      // The moving statistics take the mean of the groups' (and replicas') batch statistics.
      Value mBatch = Ops.stopGradient(grouped ? Ops.mean(mean, 0) : mean);
      Value vBatch = Ops.stopGradient(grouped ? Ops.mean(var, 0) : var);
      if (ctx.replicas() > 1) {
        mBatch = Ops.allReduceSum(mBatch).div(ctx.replicas());
        vBatch = Ops.allReduceSum(vBatch).div(ctx.replicas());
      }
      String mm = name + "/moving_mean", mv = name + "/moving_variance";
      ctx.update(mm, ctx.variable(mm).mul(momentum).add(mBatch.mul(1 - momentum)));
      ctx.update(mv, ctx.variable(mv).mul(momentum).add(vBatch.mul(1 - momentum)));
      return y;
    }
    mean = ctx.variable(name + "/moving_mean");
    var = ctx.variable(name + "/moving_variance");
    return affine(x.sub(mean).mul(Ops.rsqrt(var.add(epsilon))), gamma, beta);
  }

  private static Value affine(Value x, Value gamma, Value beta) {
    Value y = gamma == null ? x : x.mul(gamma);
    return beta == null ? y : y.add(beta);
  }

  /** From the moving statistics: scale γ/√(v + ε), shift β − m·scale. */
  @Override
  public RowOp rowOp(Function<String, float[]> variables, List<int[]> inputShapes) {
    float[] m = variables.apply(name + "/moving_mean"), v = variables.apply(name + "/moving_variance");
    float[] g = scale ? variables.apply(name + "/gamma") : null, b = center ? variables.apply(name + "/beta") : null;
    double[] s = new double[features], t = new double[features];
    for (int i = 0; i < features; i++) {
      s[i] = (g == null ? 1 : g[i]) / Math.sqrt(v[i] + epsilon);
      t[i] = (b == null ? 0 : b[i]) - m[i] * s[i];
    }
    return new RowOp.Affine(s, t);
  }
}
