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
 * Keras BatchNormalization over the last axis. Training: statistics over every other axis of the (replica's) batch,
 * biased variance, y = (x − m)·rsqrt(v + ε)·γ + β, and moving = momentum·moving + (1 − momentum)·batch statistic
 * (averaged over replicas, as variable aggregation MEAN does on a TPU). Inference uses the moving statistics.
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
      int[] axes = new int[x.rank() - 1];
      for (int i = 0; i < axes.length; i++) axes[i] = i;
      mean = Ops.mean(x, axes);
      Value centered = x.sub(mean);
      var = Ops.mean(centered.mul(centered), axes);
      Value mBatch = Ops.stopGradient(mean), vBatch = Ops.stopGradient(var);
      if (ctx.replicas() > 1) {
        mBatch = Ops.allReduceSum(mBatch).div(ctx.replicas());
        vBatch = Ops.allReduceSum(vBatch).div(ctx.replicas());
      }
      String mm = name + "/moving_mean", mv = name + "/moving_variance";
      ctx.update(mm, ctx.variable(mm).mul(momentum).add(mBatch.mul(1 - momentum)));
      ctx.update(mv, ctx.variable(mv).mul(momentum).add(vBatch.mul(1 - momentum)));
      return centered.mul(Ops.rsqrt(var.add(epsilon))).mul(gamma).add(beta);
    }
    mean = ctx.variable(name + "/moving_mean");
    var = ctx.variable(name + "/moving_variance");
    return x.sub(mean).mul(Ops.rsqrt(var.add(epsilon))).mul(gamma).add(beta);
  }
}
