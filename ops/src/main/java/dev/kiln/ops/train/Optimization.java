package dev.kiln.ops.train;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import dev.kiln.ops.Variable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a training step updates the trainable variables: an {@link Optimizer}'s rule and, optionally, a
 * {@link LrSchedule}. Its state, declared by name beside the model's variables: each variable's slots
 * ({@code optimizer/<variable>/<slot>}), Keras's {@link #ITERATIONS} counter ({@code counter}) and, with
 * {@code rateInput}, the {@link #LEARNING_RATE}: read by the step but not replaced by it (a resident input), so a
 * callback can change it between steps without recompiling. Otherwise the rate is a constant of the graph, or the
 * schedule's value.
 *
 * <p>The {@linkplain #constant(Sgd) constant} form is the seed's step as Kiln always built it: the learning rate is a
 * constant of the graph, there is no counter, and the state is only the variables' velocities.
 */
public record Optimization(Optimizer rule, LrSchedule schedule, boolean counter, boolean rateInput) {
  public Optimization {
    if (rateInput && (schedule != null || !counter)) {
      throw new IllegalArgumentException("a learning rate given as an input excludes a schedule");
    }
  }

  /** The steps taken so far (Keras's {@code optimizer.iterations}), U32. */
  public static final String ITERATIONS = "optimizer/iterations";

  /** The learning rate the next step uses (F32), present when there is no schedule. */
  public static final String LEARNING_RATE = "optimizer/learning_rate";

  /** {@code rule} with its slots and the counter in the step, the rate from {@code schedule} or a constant. */
  public static Optimization of(Optimizer rule, LrSchedule schedule) {
    return new Optimization(rule, schedule, true, false);
  }

  /** The seed's step: {@code sgd}'s learning rate folded into the graph, no counter. */
  public static Optimization constant(Sgd sgd) {
    return new Optimization(sgd, null, false, false);
  }

  /** The same with the learning rate a step input ({@link #LEARNING_RATE}); there must be no schedule. */
  public Optimization withRateInput() {
    if (schedule != null) {
      throw new IllegalArgumentException("the learning rate of an --lr-schedule cannot be changed (Keras refuses "
          + "to set a schedule's rate too)");
    }
    return new Optimization(rule, null, true, true);
  }

  /** Whether the step reads {@code name} without replacing it (the learning rate). */
  public static boolean resident(String name) {
    return name.equals(LEARNING_RATE);
  }


  /**
   * The optimizer's state, in order: each trainable variable's slots, then the counter and the learning rate (the
   * last {@linkplain #resident(String) resident}: checkpointed with the state, never an output of the step).
   */
  public LinkedHashMap<String, TensorType> state(List<Variable> variables) {
    LinkedHashMap<String, TensorType> s = new LinkedHashMap<>();
    for (String slot : rule.slots()) {
      for (Variable v : variables) {
        if (v.trainable()) s.put(Optimizer.slot(v.name(), slot), new TensorType(DType.F32, v.shape()));
      }
    }
    if (counter) s.put(ITERATIONS, new TensorType(DType.U32, Shape.scalar()));
    if (rateInput) s.put(LEARNING_RATE, new TensorType(DType.F32, Shape.scalar()));
    return s;
  }

  /** The state before the first step: zero slots and counter, the initial learning rate. */
  public LinkedHashMap<String, Tensor> initialState(List<Variable> variables) {
    LinkedHashMap<String, Tensor> s = new LinkedHashMap<>();
    state(variables).forEach((k, t) -> s.put(k, Tensor.full(t, 0)));
    if (rateInput) s.put(LEARNING_RATE, Tensor.scalar((float) rule.learningRate()));
    return s;
  }

  /**
   * The updates of one step: for each trainable variable (with its summed gradient) the new value and slots, and the
   * counter's increment. {@code fedStep} (the global step from 1) is Keras's local step where there is no counter.
   */
  public Map<String, Value> apply(Tracer t, Map<String, Value> state, Map<String, Value> gradients, Value fedStep) {
    Map<String, Value> next = new LinkedHashMap<>();
    Value iterations = counter ? state.get(ITERATIONS) : fedStep.sub(t.scalar(1, DType.U32));
    Value localStep = iterations.add(t.scalar(1, DType.U32)).convert(DType.F32);
    Value lr = schedule != null ? schedule.at(rule.learningRate(), iterations)
        : rateInput ? state.get(LEARNING_RATE) : t.scalar(rule.learningRate(), DType.F32);
    for (var e : gradients.entrySet()) {
      String name = e.getKey();
      Map<String, Value> slots = new LinkedHashMap<>();
      for (String s : rule.slots()) slots.put(s, state.get(Optimizer.slot(name, s)));
      Optimizer.Update u = rule.update(state.get(name), e.getValue(), slots, lr, localStep);
      next.put(name, u.weight());
      u.slots().forEach((s, v) -> next.put(Optimizer.slot(name, s), v));
    }
    if (counter) next.put(ITERATIONS, iterations.add(t.scalar(1, DType.U32)));
    return next;
  }

  /** The settings for metrics.json and the checkpoint: the rule, its learning rate, its config and the schedule. */
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("optimizer", rule.kind());
    m.put("learning_rate", rule.learningRate());
    m.putAll(rule.config());
    if (schedule != null) m.put("lr_schedule", new LinkedHashMap<>(schedule.config()));
    return m;
  }

}
