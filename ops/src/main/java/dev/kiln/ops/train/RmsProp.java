package dev.kiln.ops.train;

import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Ops;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keras's RMSprop (tf_keras's {@code rmsprop.py}, dense gradients): velocity ← ρ·velocity + (1 − ρ)·g²; centered:
 * average_gradient ← ρ·average_gradient + (1 − ρ)·g and denominator = velocity − average_gradient² + ε, else
 * velocity + ε; increment = lr·g·rsqrt(denominator); with momentum μ > 0, momentum ← μ·momentum + increment and
 * w ← w − momentum, else w ← w − increment. Slots: {@code velocity}, {@code momentum} (μ > 0) and
 * {@code average_gradient} (centered).
 */
public record RmsProp(double learningRate, double rho, double momentum, double epsilon, boolean centered)
    implements Optimizer {
  /** Keras's defaults: RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False). */
  public static RmsProp keras() {
    return new RmsProp(0.001, 0.9, 0, 1e-7, false);
  }

  public RmsProp {
    Optimizer.positive("--lr", learningRate);
    Optimizer.check("--rho", rho, 0, 1, false);
    Optimizer.check("--momentum", momentum, 0, 1, false);
    Optimizer.positive("--epsilon", epsilon);
  }

  @Override
  public String kind() {
    return "rmsprop";
  }

  @Override
  public Optimizer withLearningRate(double lr) {
    return new RmsProp(lr, rho, momentum, epsilon, centered);
  }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("rho", rho);
    c.put("momentum", momentum);
    c.put("epsilon", epsilon);
    c.put("centered", centered);
    return c;
  }

  @Override
  public List<String> slots() {
    List<String> s = new ArrayList<>(List.of("velocity"));
    if (momentum > 0) s.add("momentum");
    if (centered) s.add("average_gradient");
    return List.copyOf(s);
  }

  @Override
  public Update update(Value w, Value g, Map<String, Value> slots, Value lr, Value localStep) {
    Map<String, Value> out = new LinkedHashMap<>();
    Value velocity = slots.get("velocity").mul(rho).add(g.mul(g).mul(1 - rho));
    out.put("velocity", velocity);
    Value denominator;
    if (centered) {
      Value avg = slots.get("average_gradient").mul(rho).add(g.mul(1 - rho));
      out.put("average_gradient", avg);
      denominator = velocity.sub(avg.mul(avg)).add(epsilon);
    } else {
      denominator = velocity.add(epsilon);
    }
    Value increment = g.mul(lr).mul(Ops.rsqrt(denominator));
    if (momentum > 0) {
      Value mom = slots.get("momentum").mul(momentum).add(increment);
      out.put("momentum", mom);
      return new Update(w.sub(mom), out);
    }
    return new Update(w.sub(increment), out);
  }
}
