package dev.kiln.ops.train;

import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Ops;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keras's Adam, and AdamW when {@code weightDecay > 0} (tf_keras's {@code adam.py} / {@code adamw.py}, dense
 * gradients): first the decoupled decay w ← w − w·wd·lr, then with t = iterations + 1,
 * α = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ), m ← m + (g − m)(1 − β₁), v ← v + (g² − v)(1 − β₂), v̂ ← max(v̂, v) when amsgrad,
 * w ← w − m·α/(√v + ε). Slots: {@code m}, {@code v}, and {@code vhat} with amsgrad.
 */
public record Adam(double learningRate, double beta1, double beta2, double epsilon, boolean amsgrad,
    double weightDecay) implements Optimizer {
  /** Keras's defaults: Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7). */
  public static Adam keras() {
    return new Adam(0.001, 0.9, 0.999, 1e-7, false, 0);
  }

  /** Keras's AdamW defaults: weight_decay=0.004, the rest as Adam. */
  public static Adam kerasW() {
    return new Adam(0.001, 0.9, 0.999, 1e-7, false, 0.004);
  }

  public Adam {
    Optimizer.positive("--lr", learningRate);
    Optimizer.check("--beta1", beta1, 0, 1, false);
    Optimizer.check("--beta2", beta2, 0, 1, false);
    Optimizer.positive("--epsilon", epsilon);
    if (!(Double.isFinite(weightDecay) && weightDecay >= 0)) {
      throw new IllegalArgumentException("--weight-decay must be a finite number >= 0, got " + weightDecay);
    }
  }

  @Override
  public String kind() {
    return weightDecay > 0 ? "adamw" : "adam";
  }

  @Override
  public Optimizer withLearningRate(double lr) {
    return new Adam(lr, beta1, beta2, epsilon, amsgrad, weightDecay);
  }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("beta_1", beta1);
    c.put("beta_2", beta2);
    c.put("epsilon", epsilon);
    c.put("amsgrad", amsgrad);
    if (weightDecay > 0) c.put("weight_decay", weightDecay);
    return c;
  }

  @Override
  public List<String> slots() {
    return amsgrad ? List.of("m", "v", "vhat") : List.of("m", "v");
  }

  @Override
  public Update update(Value w, Value g, Map<String, Value> slots, Value lr, Value localStep) {
    if (weightDecay > 0) w = w.sub(w.mul(weightDecay).mul(lr));
    Value b1Power = Ops.pow(Ops.constantLike(localStep, beta1), localStep);
    Value b2Power = Ops.pow(Ops.constantLike(localStep, beta2), localStep);
    Value one = Ops.constantLike(localStep, 1);
    Value alpha = lr.mul(one.sub(b2Power).sqrt()).div(one.sub(b1Power));
    Value m = slots.get("m"), v = slots.get("v");
    Value mNew = m.add(g.sub(m).mul(1 - beta1));
    Value vNew = v.add(g.mul(g).sub(v).mul(1 - beta2));
    Map<String, Value> out = new LinkedHashMap<>();
    out.put("m", mNew);
    out.put("v", vNew);
    Value denomV = vNew;
    if (amsgrad) {
      denomV = slots.get("vhat").max(vNew);
      out.put("vhat", denomV);
    }
    Value wNew = w.sub(mNew.mul(alpha).div(denomV.sqrt().add(epsilon)));
    return new Update(wNew, out);
  }
}
