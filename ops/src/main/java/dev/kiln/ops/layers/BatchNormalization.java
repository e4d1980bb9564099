package dev.kiln.ops.layers;

import dev.kiln.core.Shape;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Ops;
import dev.kiln.ops.Layer;
import dev.kiln.ops.LayerContext;
import dev.kiln.ops.Variable;
import java.util.List;
import java.util.Map;

/**
 * Keras BatchNormalization over the last axis. Training: statistics over every other axis of the (replica's) batch —
 * or of each group of {@link LayerContext#batchNormGroup} samples — biased variance, y = (x − m)·rsqrt(v + ε)·γ + β,
 * and moving = momentum·moving + (1 − momentum)·batch statistic (averaged over groups and replicas, as variable
 * aggregation MEAN does on a TPU). Inference uses the moving statistics.
 */
public record BatchNormalization(String name, int features, double momentum, double epsilon) implements Layer {
  public static BatchNormalization keras(String name, int features) {
    return new BatchNormalization(name, features, 0.99, 1e-3);
  }

  @Override public String className() { return "BatchNormalization"; }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = LayerConfig.base(name);
    c.put("axis", List.of(-1));
    c.put("momentum", momentum);
    c.put("epsilon", epsilon);
    c.put("center", true);
    c.put("scale", true);
    return c;
  }

  @Override
  public List<Variable> variables() {
    return List.of(new Variable(name + "/gamma", Shape.of(features), true, new Variable.Fill(1)),
        new Variable(name + "/beta", Shape.of(features), true, new Variable.Fill(0)),
        new Variable(name + "/moving_mean", Shape.of(features), false, new Variable.Fill(0)),
        new Variable(name + "/moving_variance", Shape.of(features), false, new Variable.Fill(1)));
  }

  @Override public int[] outputShape(List<int[]> in) { return in.get(0); }

  @Override
  public Value apply(LayerContext ctx, List<Value> in) {
    Value x = in.get(0);
    Value gamma = ctx.variable(name + "/gamma"), beta = ctx.variable(name + "/beta");
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
      int[] keep = grouped ? new int[] {0, xs.rank() - 1} : new int[] {xs.rank() - 1};
      mean = Ops.mean(xs, axes);
      Value centered = xs.sub(grouped ? Ops.broadcastInDim(mean, xs.shape().dims(), keep) : mean);
      var = Ops.mean(centered.mul(centered), axes);
      Value scale = Ops.rsqrt(var.add(epsilon));
      Value normed = centered.mul(grouped ? Ops.broadcastInDim(scale, xs.shape().dims(), keep) : scale);
      Value y = Ops.reshape(normed, gdims).mul(gamma).add(beta);
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
    return x.sub(mean).mul(Ops.rsqrt(var.add(epsilon))).mul(gamma).add(beta);
  }
}
