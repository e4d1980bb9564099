package dev.kiln.ops.train;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.graph.Autodiff;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Ops;
import dev.kiln.core.random.Threefry;
import dev.kiln.ops.LayerContext;
import dev.kiln.ops.Model;
import dev.kiln.ops.Variable;
import dev.kiln.ops.metrics.Metrics;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Builds the two graphs a fit runs, each compiled once. The training step is ONE graph: forward with noise and
 * batch statistics, binary cross-entropy from the logit, gradients, the SGD update, the moving statistics and the
 * metric counts. The evaluation step runs the model in inference mode on a (possibly padded) batch and
 * accumulates the metrics. Both are {@link StatefulStep}s: state (variables, momenta, metric counters) is declared
 * by name and donated to its update, so backends update it in place.
 *
 * <p>With N replicas each graph sees 1/N of the global batch: batch statistics are per replica (as on the seed's
 * TPU), gradients and metric counts are summed across replicas with all_reduce so every replica holds the same
 * state.
 */
public final class StepGraphs {
  private StepGraphs() {}

  /** Names of the optimizer's momentum for a variable. */
  public static String momentum(String variable) {
    return "optimizer/" + variable + "/momentum";
  }

  /** The state a training step carries, in order: model variables, momenta, metric accumulators. */
  public static LinkedHashMap<String, TensorType> trainingState(Model model) {
    LinkedHashMap<String, TensorType> s = new LinkedHashMap<>();
    for (Variable v : model.variables()) s.put(v.name(), new TensorType(DType.F32, v.shape()));
    for (Variable v : model.variables()) {
      if (v.trainable()) s.put(momentum(v.name()), new TensorType(DType.F32, v.shape()));
    }
    Metrics.accumulators().forEach((k, sh) -> s.put(k, new TensorType(DType.F32, sh)));
    return s;
  }

  /** Initial values: Keras initializers from {@code seed}, the adapted normalization, zero momenta and counts. */
  public static LinkedHashMap<String, Tensor> initialState(Model model, long seed, Map<String, Tensor> overrides) {
    LinkedHashMap<String, Tensor> s = new LinkedHashMap<>();
    SplittableRandom r = new SplittableRandom(seed);
    // The variables by name once: a look-up per state entry through model.variables() made setup quadratic.
    Map<String, Variable> byName = new java.util.HashMap<>();
    for (Variable v : model.variables()) byName.put(v.name(), v);
    for (var e : trainingState(model).entrySet()) {
      Tensor t = overrides.get(e.getKey());
      if (t == null) {
        Variable v = byName.get(e.getKey());
        t = v != null ? v.init().create(v.shape(), r.split()) : Tensor.full(e.getValue(), 0);
      }
      if (!t.type().equals(e.getValue())) {
        throw new IllegalArgumentException(e.getKey() + " is " + t.type() + ", expected " + e.getValue());
      }
      s.put(e.getKey(), t);
    }
    return s;
  }

  /** The state a training step with {@code opt} carries: model variables, the optimizer's state, metric counts. */
  public static LinkedHashMap<String, TensorType> trainingState(Model model, Optimization opt) {
    return trainingState(model, opt, Losses.of(model));
  }

  /** As above, with the metric counts of {@code losses} (per output for a model with several). */
  public static LinkedHashMap<String, TensorType> trainingState(Model model, Optimization opt, Losses losses) {
    LinkedHashMap<String, TensorType> s = new LinkedHashMap<>();
    for (Variable v : model.variables()) s.put(v.name(), new TensorType(DType.F32, v.shape()));
    s.putAll(opt.state(model.variables()));
    losses.accumulators().forEach((k, sh) -> s.put(k, new TensorType(DType.F32, sh)));
    return s;
  }

  /** As {@link #initialState(Model, long, Map)}, with {@code opt}'s state (zero slots, its learning rate). */
  public static LinkedHashMap<String, Tensor> initialState(Model model, Optimization opt, long seed,
      Map<String, Tensor> overrides) {
    return initialState(model, opt, seed, overrides, Losses.of(model));
  }

  /** As above, with the metric counts of {@code losses}, zero. */
  public static LinkedHashMap<String, Tensor> initialState(Model model, Optimization opt, long seed,
      Map<String, Tensor> overrides, Losses losses) {
    Map<String, Tensor> base = initialState(model, seed, overrides);
    Map<String, Tensor> optimizer = opt.initialState(model.variables());
    LinkedHashMap<String, Tensor> s = new LinkedHashMap<>();
    for (var e : trainingState(model, opt, losses).entrySet()) {
      String name = e.getKey();
      Tensor t = optimizer.containsKey(name) ? optimizer.get(name) : base.get(name);
      s.put(name, t != null ? t : Tensor.full(e.getValue(), 0));
    }
    return s;
  }

  /**
   * The first global step whose loss was not finite (0: none yet), kept on the device by the training step so the
   * host can read the loss only now and then and still name the exact step that diverged.
   */
  public static final String FIRST_NONFINITE_STEP = "monitor/first_nonfinite_step";

  /** The loss at {@link #FIRST_NONFINITE_STEP} (NaN or ±infinity; 0 while there is none). */
  public static final String FIRST_NONFINITE_LOSS = "monitor/first_nonfinite_loss";

  /** The evaluation step's metric accumulators are the training ones under this prefix. */
  public static final String EVAL = "eval/";

  /**
   * The training step for {@code localBatch} samples per replica. State: the training state and
   * {@link #FIRST_NONFINITE_STEP}; feeds: x [b, window, features] (or [b, 1, features] for a model that takes rows),
   * y [b, k] for the output's k units, step (U32, the global step from 1: the
   * RNG counter); result: "loss", the global batch's mean loss.
   */
  public static StatefulStep training(Model model, int localBatch, int replicas, Sgd sgd, long seed) {
    return training(model, localBatch, replicas, sgd, seed, 0);
  }

  /** As above, with batch normalization over groups of {@code batchNormGroup} samples (0: the whole batch). */
  public static StatefulStep training(Model model, int localBatch, int replicas, Sgd sgd, long seed,
      int batchNormGroup) {
    return training(model, localBatch, replicas, sgd, seed, batchNormGroup, new BatchSource.Fed());
  }

  /** As above, with the batch from {@code source} (fed x and y, or gathered from a resident dataset table). */
  public static StatefulStep training(Model model, int localBatch, int replicas, Sgd sgd, long seed,
      int batchNormGroup, BatchSource source) {
    return training(model, localBatch, replicas, Optimization.constant(sgd), seed, batchNormGroup, source);
  }

  /**
   * As above, updating the variables with {@code opt}; its state ({@link #trainingState(Model, Optimization)}) is
   * the step's too.
   */
  public static StatefulStep training(Model model, int localBatch, int replicas, Optimization opt, long seed,
      int batchNormGroup, BatchSource source) {
    return training(model, localBatch, replicas, opt, seed, batchNormGroup, source, false);
  }

  /**
   * As above; with {@code weighted} each sample's loss is weighted as Keras's {@code sample_weight} (a feed or
   * table column from {@code source}): the loss is Σ w·loss over the global batch divided by its size (Keras's
   * SUM_OVER_BATCH_SIZE, not by Σ w), and so is the training loss the metrics report; the other metrics are not
   * weighted, as Keras's compile metrics.
   */
  public static StatefulStep training(Model model, int localBatch, int replicas, Optimization opt, long seed,
      int batchNormGroup, BatchSource source, boolean weighted) {
    return training(model, localBatch, replicas, opt, seed, batchNormGroup, source, weighted, Losses.of(model));
  }

  /**
   * As above, minimizing {@code losses} (Σ weight × each output's loss, Keras's total); the metric counts are
   * {@code losses}'s, and "loss" is the total.
   */
  public static StatefulStep training(Model model, int localBatch, int replicas, Optimization opt, long seed,
      int batchNormGroup, BatchSource source, boolean weighted, Losses lossFns) {
    StatefulStep.Builder b = StatefulStep.builder(replicas);
    Tracer t = b.tracer();
    Map<String, Value> state = new LinkedHashMap<>();
    trainingState(model, opt, lossFns).forEach((k, ty) ->
        state.put(k, Optimization.resident(k) ? b.resident(k, ty) : b.state(k, ty)));
    Value firstBad = b.state(FIRST_NONFINITE_STEP, new TensorType(DType.U32, Shape.scalar()));
    Value firstBadLoss = b.state(FIRST_NONFINITE_LOSS, new TensorType(DType.F32, Shape.scalar()));
    Value[] xy = batch(b, source, model, localBatch, weighted, lossFns.targets());
    Value x = xy[0], y = xy[1];
    Value step = b.feed("step", new TensorType(DType.U32, Shape.scalar()));
    Value counter = step;
    if (replicas > 1) {
      counter = step.mul(t.scalar(replicas, DType.U32)).add(Ops.replicaId(t));
    }
    Map<String, Value> vars = new HashMap<>();
    for (Variable v : model.variables()) vars.put(v.name(), state.get(v.name()));
    LayerContext ctx = new LayerContext(vars, true, Threefry.key(t, seed), counter, replicas, batchNormGroup);
    List<Model.Outputs> outs = model.forwardAll(ctx, x);
    List<Value> losses = lossFns.elementwise(outs, x, y);
    if (weighted) losses = lossFns.weighted(losses, xy[2]);
    // The global batch's mean (over every unit, as Keras's binary cross-entropy on [b, k]): each replica's sum over
    // the global batch size times k; gradients then sum across replicas. With several outputs, Σ weight × each's.
    Value loss = lossFns.total(losses, (double) localBatch * replicas);
    List<Variable> trainable = model.variables().stream().filter(Variable::trainable).toList();
    List<Value> grads = Autodiff.grad(loss, trainable.stream().map(v -> state.get(v.name())).toList());
    Map<String, Value> next = new LinkedHashMap<>(state);
    next.keySet().removeIf(Optimization::resident);
    Map<String, Value> summed = new LinkedHashMap<>();
    for (int i = 0; i < trainable.size(); i++) {
      summed.put(trainable.get(i).name(), replicas > 1 ? Ops.allReduceSum(grads.get(i)) : grads.get(i));
    }
    next.putAll(opt.apply(t, state, summed, step));
    next.putAll(ctx.updates());
    Value ones = Ops.broadcastTo(t.scalar(1, DType.F32), localBatch, 1);
    List<Model.Outputs> held = outs.stream().map(o -> new Model.Outputs(Ops.stopGradient(o.output()), null)).toList();
    List<Value> heldLosses = losses.stream().map(Ops::stopGradient).toList();
    accumulate(next, state, lossFns.counts(held, x, y, heldLosses, ones), replicas);
    Value reportedLoss = replicas > 1 ? Ops.allReduceSum(loss) : loss;
    next.forEach(b::update);
    // Not finite: NaN (x != x) or infinite (|x| == inf). Only the first such step is kept.
    Value nonFinite = Ops.or(Ops.compare(reportedLoss, Ops.Cmp.NE, reportedLoss),
        Ops.compare(Ops.abs(reportedLoss), Ops.Cmp.EQ, Ops.constantLike(reportedLoss, Double.POSITIVE_INFINITY)));
    Value noneYet = Ops.compare(firstBad, Ops.Cmp.EQ, t.scalar(0, DType.U32));
    Value first = Ops.and(nonFinite, noneYet);
    b.update(FIRST_NONFINITE_STEP, Ops.select(first, step, firstBad));
    b.update(FIRST_NONFINITE_LOSS, Ops.select(first, reportedLoss, firstBadLoss));
    b.result("loss", reportedLoss);
    return b.build();
  }

  /**
   * The evaluation step: the model in inference mode. Resident: the model's variables; state: the metric
   * accumulators under {@link #EVAL}; feeds: x [b, window, features], y [b, k] and weight [b, 1] (0 for padding);
   * result: "probabilities" [b, k].
   */
  public static StatefulStep evaluation(Model model, int localBatch, int replicas) {
    return evaluation(model, localBatch, replicas, new BatchSource.Fed());
  }

  /** As above, with the batch from {@code source}. */
  public static StatefulStep evaluation(Model model, int localBatch, int replicas, BatchSource source) {
    return evaluation(model, localBatch, replicas, source, Losses.of(model));
  }

  /**
   * As above, with the metric counts of {@code losses}; "probabilities" are the action output's, and with several
   * outputs every sigmoid output's are given too, as "probabilities/NAME".
   */
  public static StatefulStep evaluation(Model model, int localBatch, int replicas, BatchSource source,
      Losses lossFns) {
    StatefulStep.Builder b = StatefulStep.builder(replicas);
    Tracer t = b.tracer();
    Map<String, Value> params = new LinkedHashMap<>();
    for (Variable v : model.variables()) params.put(v.name(), b.resident(v.name(), new TensorType(DType.F32, v.shape())));
    Map<String, Value> acc = new LinkedHashMap<>();
    lossFns.accumulators().forEach((k, sh) -> acc.put(k, b.state(EVAL + k, new TensorType(DType.F32, sh))));
    Value[] xy = batch(b, source, model, localBatch, false, lossFns.targets());
    Value x = xy[0], y = xy[1];
    Value w = b.feed("weight", new TensorType(DType.F32, Shape.of(localBatch, 1)));
    LayerContext ctx = new LayerContext(params, false, Threefry.key(t, 0), t.scalar(0, DType.U32), replicas);
    List<Model.Outputs> outs = model.forwardAll(ctx, x);
    List<Value> losses = lossFns.elementwise(outs, x, y);
    Map<String, Value> next = new LinkedHashMap<>();
    accumulate(next, acc, lossFns.counts(outs, x, y, losses, w), replicas);
    next.forEach((k, v) -> b.update(EVAL + k, v));
    b.result("probabilities", outs.get(lossFns.action().index()).output());
    if (lossFns.multi()) {
      for (Losses.Head h : lossFns.heads()) {
        if (h.sigmoid()) b.result("probabilities/" + h.name(), outs.get(h.index()).output());
      }
    }
    return b.build();
  }

  /**
   * The step's batch from {@code source}: windows [b, window, features] of a model that takes windows; for a model
   * that takes rows, windows of one row fed as such and reshaped to [b, features] (the same floats).
   */
  private static Value[] batch(StatefulStep.Builder b, BatchSource source, Model model, int localBatch,
      boolean weighted, int targets) {
    Value[] xy = source.declare(b, localBatch, model.window(), model.features(), targets, weighted);
    if (model.takesRows()) xy[0] = Ops.reshape(xy[0], localBatch, model.features());
    return xy;
  }

  private static void accumulate(Map<String, Value> next, Map<String, Value> state, Map<String, Value> batch,
      int replicas) {
    for (var e : batch.entrySet()) {
      Value c = replicas > 1 ? Ops.allReduceSum(e.getValue()) : e.getValue();
      next.put(e.getKey(), state.get(e.getKey()).add(c));
    }
  }

  /** The monitor's state before any step: no non-finite loss seen. */
  public static Map<String, Tensor> clearedMonitor() {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put(FIRST_NONFINITE_STEP, Tensor.wrap(DType.U32, Shape.scalar(), new int[] {0}));
    m.put(FIRST_NONFINITE_LOSS, Tensor.scalar(0f));
    return m;
  }

  /** Metric accumulators reset to zero, under {@code prefix} ("" for training, {@link #EVAL} for evaluation). */
  public static Map<String, Tensor> zeroMetrics(String prefix) {
    return zeroMetrics(prefix, Metrics.accumulators());
  }

  /** As above, for the accumulators of {@code losses}. */
  public static Map<String, Tensor> zeroMetrics(String prefix, Losses losses) {
    return zeroMetrics(prefix, losses.accumulators());
  }

  private static Map<String, Tensor> zeroMetrics(String prefix, Map<String, Shape> accumulators) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    accumulators.forEach((k, sh) -> m.put(prefix + k, Tensor.full(new TensorType(DType.F32, sh), 0)));
    return m;
  }

  /** The accumulator names under {@code prefix}. */
  public static List<String> metricNames(String prefix) {
    return Metrics.accumulators().keySet().stream().map(k -> prefix + k).toList();
  }

  /** As above, for the accumulators of {@code losses}. */
  public static List<String> metricNames(String prefix, Losses losses) {
    return losses.accumulators().keySet().stream().map(k -> prefix + k).toList();
  }

}
