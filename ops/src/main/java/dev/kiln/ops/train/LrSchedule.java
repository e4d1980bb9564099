package dev.kiln.ops.train;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Ops;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Keras learning-rate schedule (tf_keras's {@code optimizers/schedules/learning_rate_schedule.py}), computed in the
 * step graph from the optimizer's {@code iterations} (before this step's increment), as Keras calls
 * {@code schedule(iterations)} at the start of {@code apply_gradients}. The initial rate is the optimizer's.
 */
public sealed interface LrSchedule {
  /** The learning rate (F32 scalar) at {@code iterations} (U32 scalar), starting from {@code initial}. */
  Value at(double initial, Value iterations);

  /** The settings, as Keras's {@code get_config} names them. */
  Map<String, Object> config();

  /** ExponentialDecay: lr₀ · rate^(t / decay_steps), the exponent floored when {@code staircase}. */
  record Exponential(long decaySteps, double decayRate, boolean staircase) implements LrSchedule {
    public Exponential {
      if (decaySteps < 1) throw new IllegalArgumentException("exponential: DECAY_STEPS must be >= 1, got " + decaySteps);
      Optimizer.positive("exponential: RATE", decayRate);
    }

    @Override
    public Value at(double initial, Value iterations) {
      Value p = staircase
          ? Ops.div(iterations, Ops.constantLike(iterations, decaySteps)).convert(DType.F32)
          : iterations.convert(DType.F32).div(f32(iterations, decaySteps));
      return Ops.pow(f32(iterations, decayRate), p).mul(initial);
    }

    @Override
    public Map<String, Object> config() {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("class_name", "ExponentialDecay");
      c.put("decay_steps", decaySteps);
      c.put("decay_rate", decayRate);
      c.put("staircase", staircase);
      return c;
    }
  }

  /**
   * CosineDecay: lr₀ · ((1 − α) · ½(1 + cos(π · min(t, decay_steps) / decay_steps)) + α). With a warmup (target not
   * null) the rate first moves linearly from lr₀ to the target over {@code warmupSteps}, then decays from the target.
   */
  record Cosine(long decaySteps, double alpha, long warmupSteps, Double warmupTarget) implements LrSchedule {
    public Cosine(long decaySteps, double alpha) {
      this(decaySteps, alpha, 0, null);
    }

    public Cosine {
      if (decaySteps < 1) throw new IllegalArgumentException("cosine: DECAY_STEPS must be >= 1, got " + decaySteps);
      Optimizer.check("cosine: ALPHA", alpha, 0, 1, true);
      if (warmupTarget != null) {
        if (warmupSteps < 1) throw new IllegalArgumentException("cosine: WARMUP_STEPS must be >= 1, got " + warmupSteps);
        Optimizer.positive("cosine: WARMUP_TARGET", warmupTarget);
      }
    }

    @Override
    public Value at(double initial, Value iterations) {
      Value step = iterations.convert(DType.F32);
      if (warmupTarget == null) {
        return decay(Ops.min(step, f32(iterations, decaySteps)), f32(iterations, initial));
      }
      Value warmup = f32(iterations, warmupSteps);
      step = Ops.min(step, f32(iterations, decaySteps + warmupSteps));
      Value delta = f32(iterations, warmupTarget).sub(f32(iterations, initial));
      Value warming = delta.mul(step.div(warmup)).add(f32(iterations, initial));
      Value decaying = decay(step.sub(warmup), f32(iterations, warmupTarget));
      return Ops.select(Ops.compare(step, Ops.Cmp.LT, warmup), warming, decaying);
    }

    private Value decay(Value step, Value from) {
      Value fraction = step.div(f32(step, decaySteps));
      Value cosine = Ops.cos(f32(step, Math.PI).mul(fraction)).add(1.0).mul(0.5);
      return from.mul(cosine.mul(1 - alpha).add(alpha));
    }

    @Override
    public Map<String, Object> config() {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("class_name", "CosineDecay");
      c.put("decay_steps", decaySteps);
      c.put("alpha", alpha);
      if (warmupTarget != null) {
        c.put("warmup_steps", warmupSteps);
        c.put("warmup_target", warmupTarget);
      }
      return c;
    }
  }

  /**
   * PiecewiseConstantDecay: values[0] while t ≤ boundaries[0], values[i] while boundaries[i−1] < t ≤ boundaries[i],
   * the last value after the last boundary. The initial rate is not used.
   */
  record Piecewise(long[] boundaries, double[] values) implements LrSchedule {
    public Piecewise {
      if (boundaries.length < 1 || values.length != boundaries.length + 1) {
        throw new IllegalArgumentException("piecewise: needs one more value than boundaries, got "
            + boundaries.length + " boundaries and " + values.length + " values");
      }
      for (int i = 0; i < boundaries.length; i++) {
        if (boundaries[i] < 0 || boundaries[i] > Integer.MAX_VALUE || (i > 0 && boundaries[i] <= boundaries[i - 1])) {
          throw new IllegalArgumentException("piecewise: boundaries must be increasing steps >= 0, got "
              + Arrays.toString(boundaries));
        }
      }
      for (double v : values) Optimizer.positive("piecewise: each value", v);
      boundaries = boundaries.clone();
      values = values.clone();
    }

    @Override
    public Value at(double initial, Value iterations) {
      Value lr = f32(iterations, values[values.length - 1]);
      for (int i = boundaries.length - 1; i >= 0; i--) {
        Value b = iterations.tracer().constant(Tensor.wrap(DType.U32, dev.kiln.core.Shape.scalar(),
            new int[] {(int) boundaries[i]}));
        lr = Ops.select(Ops.compare(iterations, Ops.Cmp.LE, b), f32(iterations, values[i]), lr);
      }
      return lr;
    }

    @Override
    public Map<String, Object> config() {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("class_name", "PiecewiseConstantDecay");
      c.put("boundaries", Arrays.stream(boundaries).boxed().toList());
      c.put("values", Arrays.stream(values).boxed().toList());
      return c;
    }
  }

  private static Value f32(Value like, double v) {
    return like.tracer().scalar(v, DType.F32);
  }
}
