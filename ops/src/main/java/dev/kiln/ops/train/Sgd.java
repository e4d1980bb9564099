package dev.kiln.ops.train;

import dev.kiln.core.graph.Value;

/**
 * Keras's SGD with momentum μ and optional Nesterov: v ← μ·v − lr·g; w ← w + μ·v − lr·g (Nesterov, with the new v)
 * or w ← w + v (classic). Constant learning rate, as the seed trains.
 */
public record Sgd(double learningRate, double momentum, boolean nesterov) {
  /** The updated weight and velocity for one variable. */
  public record Update(Value weight, Value velocity) {}

  public Update apply(Value w, Value g, Value v) {
    Value lrG = g.mul(learningRate);
    Value vNew = v.mul(momentum).sub(lrG);
    Value wNew = nesterov ? w.add(vNew.mul(momentum)).sub(lrG) : w.add(vNew);
    return new Update(wNew, vNew);
  }
}
