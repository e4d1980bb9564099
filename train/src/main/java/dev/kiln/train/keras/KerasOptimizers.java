package dev.kiln.train.keras;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.ops.train.Adam;
import dev.kiln.ops.train.LrSchedule;
import dev.kiln.ops.train.Optimization;
import dev.kiln.ops.train.Optimizer;
import dev.kiln.ops.train.RmsProp;
import dev.kiln.ops.train.Sgd;

/**
 * A saved Keras optimizer ({@code training_config.optimizer_config}, tf_keras's optimizers) as Kiln's: Adam, AdamW
 * (Adam's decoupled {@code weight_decay}), RMSprop and SGD with their settings, the learning rate a number or an
 * ExponentialDecay, CosineDecay or PiecewiseConstantDecay. Gradient clipping, EMA of the weights and the legacy
 * optimizers are refused by field.
 */
final class KerasOptimizers {
  private KerasOptimizers() {}

  static Optimization read(JsonNode config, String path) {
    JsonFields top = new JsonFields(config, path);
    String cls = top.text("class_name");
    if (cls == null) throw new IllegalArgumentException(top.path("class_name") + " is missing");
    cls = cls.startsWith("Custom>") ? cls.substring("Custom>".length()) : cls;
    top.accept("module", "registered_name");
    JsonFields c = new JsonFields(top.get("config"), top.path("config"));
    top.finish();
    c.accept("name", "jit_compile", "ema_momentum", "ema_overwrite_frequency");
    for (String clip : new String[] {"clipnorm", "global_clipnorm", "clipvalue"}) c.require(clip, "gradient clipping is not supported");
    c.require("use_ema", "an exponential moving average of the weights is not supported", false);
    c.require("is_legacy_optimizer", "the legacy optimizers are not supported", false);
    Rate rate = rate(c.get("learning_rate"), c.path("learning_rate"));
    Optimizer o = switch (cls) {
      case "Adam", "AdamW" -> new Adam(rate.initial, c.number("beta_1", 0.9), c.number("beta_2", 0.999),
          c.number("epsilon", 1e-7), c.bool("amsgrad", false), c.number("weight_decay", cls.equals("AdamW") ? 0.004 : 0));
      case "RMSprop" -> {
        c.require("weight_decay", "Kiln's RMSprop has no weight decay", 0, 0.0);
        yield new RmsProp(rate.initial, c.number("rho", 0.9), c.number("momentum", 0), c.number("epsilon", 1e-7),
            c.bool("centered", false));
      }
      case "SGD" -> {
        c.require("weight_decay", "Kiln's SGD has no weight decay", 0, 0.0);
        yield new Sgd(rate.initial, c.number("momentum", 0), c.bool("nesterov", false));
      }
      default -> throw new IllegalArgumentException(top.path("class_name") + " is " + cls
          + "; supported: Adam, AdamW, RMSprop, SGD");
    };
    c.finish();
    return Optimization.of(o, rate.schedule);
  }

  /** The initial rate and the schedule (null: constant). */
  private record Rate(double initial, LrSchedule schedule) {}

  private static Rate rate(JsonNode lr, String path) {
    if (lr == null) return new Rate(0.001, null);
    if (lr.isNumber()) return new Rate(lr.doubleValue(), null);
    JsonFields top = new JsonFields(lr, path);
    String cls = top.text("class_name");
    top.accept("module", "registered_name");
    JsonFields c = new JsonFields(top.get("config"), top.path("config"));
    top.finish();
    c.accept("name");
    Rate r = switch (String.valueOf(cls)) {
      case "ExponentialDecay" -> new Rate(c.number("initial_learning_rate", Double.NaN),
          new LrSchedule.Exponential(steps(c, "decay_steps"), c.number("decay_rate", Double.NaN), c.bool("staircase", false)));
      case "CosineDecay" -> {
        double initial = c.number("initial_learning_rate", Double.NaN);
        JsonNode target = c.get("warmup_target");
        long warmup = (long) c.number("warmup_steps", 0);
        yield new Rate(initial, new LrSchedule.Cosine(steps(c, "decay_steps"), c.number("alpha", 0), warmup,
            target == null ? null : target.doubleValue()));
      }
      case "PiecewiseConstantDecay" -> {
        JsonNode b = c.get("boundaries"), v = c.get("values");
        if (b == null || v == null || !b.isArray() || !v.isArray() || v.size() != b.size() + 1) {
          throw new IllegalArgumentException(c.path("values") + " must be one more than the boundaries");
        }
        long[] bs = new long[b.size()];
        double[] vs = new double[v.size()];
        for (int i = 0; i < bs.length; i++) bs[i] = b.get(i).asLong();
        for (int i = 0; i < vs.length; i++) vs[i] = v.get(i).asDouble();
        yield new Rate(vs[0], new LrSchedule.Piecewise(bs, vs));
      }
      default -> throw new IllegalArgumentException(top.path("class_name") + " is " + cls
          + "; supported: ExponentialDecay, CosineDecay, PiecewiseConstantDecay");
    };
    c.finish();
    return r;
  }

  private static long steps(JsonFields c, String field) {
    double v = c.number(field, Double.NaN);
    if (!(v >= 1) || v != Math.rint(v)) throw new IllegalArgumentException(c.path(field) + " must be a whole number >= 1");
    return (long) v;
  }
}
