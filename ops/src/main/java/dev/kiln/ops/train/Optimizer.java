package dev.kiln.ops.train;

import dev.kiln.core.graph.Value;
import java.util.List;
import java.util.Map;

/**
 * One of Keras's update rules (tf_keras 2.21's {@code optimizers/}): given a variable, its gradient, its slots
 * (per-variable optimizer state such as Adam's m and v), the learning rate and Keras's {@code local_step}
 * ({@code iterations + 1}), the new variable and slots. The slots live in the training step's named state as
 * {@code optimizer/<variable>/<slot>} (see {@link Optimization}).
 */
public sealed interface Optimizer permits Sgd, Adam, RmsProp {
  /** The name on the command line and in metrics.json: sgd, adam, adamw or rmsprop. */
  String kind();

  /** The learning rate the run starts with (a schedule's initial rate). */
  double learningRate();

  /** The same rule starting from {@code lr}. */
  Optimizer withLearningRate(double lr);

  /** The settings, as Keras's {@code get_config} names them (learning_rate excluded: a schedule may set it). */
  Map<String, Object> config();

  /** The per-variable slots, in the order the state holds them. */
  List<String> slots();

  /** The new variable and slots after one step. */
  Update update(Value w, Value g, Map<String, Value> slots, Value lr, Value localStep);

  /** A variable's new value and its new slots by slot name. */
  record Update(Value weight, Map<String, Value> slots) {}

  /** The state name of {@code variable}'s slot {@code slot}. */
  static String slot(String variable, String slot) {
    return "optimizer/" + variable + "/" + slot;
  }

  /** Checks that {@code v} is a finite number above zero. */
  static double positive(String flag, double v) {
    if (!(Double.isFinite(v) && v > 0)) throw new IllegalArgumentException(flag + " must be a finite number > 0, got " + v);
    return v;
  }

  /** Checks that {@code v} is finite and within [lo, hi) (or [lo, hi] when {@code hiInclusive}). */
  static double check(String flag, double v, double lo, double hi, boolean hiInclusive) {
    boolean ok = Double.isFinite(v) && v >= lo && (hiInclusive ? v <= hi : v < hi);
    if (!ok) {
      throw new IllegalArgumentException(flag + " must be a finite number in [" + lo + ", " + hi
          + (hiInclusive ? "]" : ")") + ", got " + v);
    }
    return v;
  }
}
