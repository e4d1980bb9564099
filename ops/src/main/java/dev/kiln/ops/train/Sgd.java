package dev.kiln.ops.train;

import dev.kiln.core.graph.Value;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keras's SGD with momentum μ and optional Nesterov: v ← μ·v − lr·g; w ← w + μ·v − lr·g (Nesterov, with the new v)
 * or w ← w + v (classic). Its slot is the velocity, {@code optimizer/<variable>/momentum}.
 */
public record Sgd(double learningRate, double momentum, boolean nesterov) implements Optimizer {
  public Sgd {
    Optimizer.positive("--lr", learningRate);
    Optimizer.check("--momentum", momentum, 0, 1, false);
  }

  /** The updated weight and velocity for one variable. */
  public record Update(Value weight, Value velocity) {}

  /** One step with the learning rate as a constant of the graph (the seed's step). */
  public Update apply(Value w, Value g, Value v) {
    return apply(w, g, v, g.tracer().scalar(learningRate, g.dtype()));
  }

  private Update apply(Value w, Value g, Value v, Value lr) {
    Value lrG = g.mul(lr);
    Value vNew = v.mul(momentum).sub(lrG);
    Value wNew = nesterov ? w.add(vNew.mul(momentum)).sub(lrG) : w.add(vNew);
    return new Update(wNew, vNew);
  }

  @Override
  public String kind() {
    return "sgd";
  }

  @Override
  public Optimizer withLearningRate(double lr) {
    return new Sgd(lr, momentum, nesterov);
  }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("momentum", momentum);
    c.put("nesterov", nesterov);
    return c;
  }

  @Override
  public List<String> slots() {
    return List.of("momentum");
  }

  @Override
  public Optimizer.Update update(Value w, Value g, Map<String, Value> slots, Value lr, Value localStep) {
    Update u = apply(w, g, slots.get("momentum"), lr);
    return new Optimizer.Update(u.weight(), Map.of("momentum", u.velocity()));
  }
}
