package dev.kiln.ops.train;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.backend.CompileOptions;
import dev.kiln.core.graph.Autodiff;
import dev.kiln.core.graph.Graph;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Ops;
import dev.kiln.core.random.Threefry;
import dev.kiln.ops.LayerContext;
import dev.kiln.ops.Model;
import dev.kiln.ops.Variable;
import dev.kiln.ops.metrics.Metrics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Builds the two graphs a fit runs, each compiled once. The training step is ONE graph: forward with noise and
 * batch statistics, binary cross-entropy from the logit, gradients, the SGD update, the moving statistics and the
 * metric counts. The evaluation step runs the model in inference mode on a (possibly padded) batch and
 * accumulates the metrics. State (variables, momenta, metric counters) goes in and comes out under the same names,
 * and every state input is donated to its output so backends update it in place.
 *
 * <p>With N replicas each graph sees 1/N of the global batch: batch statistics are per replica (as on the seed's
 * TPU), gradients and metric counts are summed across replicas with all_reduce so every replica holds the same
 * state.
 */
public final class StepGraphs {
  private StepGraphs() {}

  /** A built step: its graph, the names of its inputs (in parameter order) and its compile options. */
  public record Step(Graph graph, List<String> inputs, List<String> state, CompileOptions options) {}

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
    for (var e : trainingState(model).entrySet()) {
      Tensor t = overrides.get(e.getKey());
      if (t == null) {
        Variable v = model.variables().stream().filter(x -> x.name().equals(e.getKey())).findFirst().orElse(null);
        t = v != null ? v.init().create(v.shape(), r.split()) : Tensor.full(e.getValue(), 0);
      }
      if (!t.type().equals(e.getValue())) {
        throw new IllegalArgumentException(e.getKey() + " is " + t.type() + ", expected " + e.getValue());
      }
      s.put(e.getKey(), t);
    }
    return s;
  }

  /**
   * The training step for {@code localBatch} samples per replica. Inputs: the training state, then x [b, window,
   * features], y [b, 1], step (U32: the RNG counter). Outputs: the new state, then the batch's mean loss.
   */
  public static Step training(Model model, int localBatch, int replicas, Sgd sgd, long seed) {
    return training(model, localBatch, replicas, sgd, seed, 0);
  }

  /** As above, with batch normalization over groups of {@code batchNormGroup} samples (0: the whole batch). */
  public static Step training(Model model, int localBatch, int replicas, Sgd sgd, long seed, int batchNormGroup) {
    Tracer t = new Tracer();
    LinkedHashMap<String, TensorType> stateTypes = trainingState(model);
    Map<String, Value> state = new LinkedHashMap<>();
    stateTypes.forEach((k, ty) -> state.put(k, t.parameter(k, ty)));
    int[] in = model.inputShape();
    Value x = t.parameter("x", DType.F32, localBatch, in[0], in[1]);
    Value y = t.parameter("y", DType.F32, localBatch, 1);
    Value step = t.parameter("step", DType.U32);
    Value counter = step;
    if (replicas > 1) {
      counter = step.mul(t.scalar(replicas, DType.U32)).add(Ops.replicaId(t));
    }
    Map<String, Value> vars = new HashMap<>();
    for (Variable v : model.variables()) vars.put(v.name(), state.get(v.name()));
    LayerContext ctx = new LayerContext(vars, true, Threefry.key(t, seed), counter, replicas, batchNormGroup);
    Model.Outputs out = model.forward(ctx, x);
    Value losses = Metrics.bceFromLogits(out.logits(), y);
    // The global batch's mean: each replica's sum over the global batch size; gradients then sum across replicas.
    Value loss = Ops.sum(losses).div((double) localBatch * replicas);
    List<Variable> trainable = model.variables().stream().filter(Variable::trainable).toList();
    List<Value> grads = Autodiff.grad(loss, trainable.stream().map(v -> state.get(v.name())).toList());
    Map<String, Value> next = new LinkedHashMap<>(state);
    for (int i = 0; i < trainable.size(); i++) {
      String name = trainable.get(i).name();
      Value g = replicas > 1 ? Ops.allReduceSum(grads.get(i)) : grads.get(i);
      Sgd.Update u = sgd.apply(state.get(name), g, state.get(momentum(name)));
      next.put(name, u.weight());
      next.put(momentum(name), u.velocity());
    }
    next.putAll(ctx.updates());
    Value ones = Ops.broadcastTo(t.scalar(1, DType.F32), localBatch, 1);
    accumulate(next, state, Metrics.batchCounts(Ops.stopGradient(out.output()), y, Ops.stopGradient(losses), ones),
        replicas);
    Value reportedLoss = replicas > 1 ? Ops.allReduceSum(loss) : loss;
    return finish(t, next, List.of("loss"), List.of(reportedLoss), List.of("x", "y", "step"), stateTypes, replicas);
  }

  /**
   * The evaluation step: the model in inference mode. Inputs: model variables, metric accumulators, then
   * x [b, window, features], y [b, 1] and weight [b, 1] (0 for padding). Outputs: the new accumulators, then the
   * probabilities [b, 1].
   */
  public static Step evaluation(Model model, int localBatch, int replicas) {
    Tracer t = new Tracer();
    LinkedHashMap<String, TensorType> types = new LinkedHashMap<>();
    for (Variable v : model.variables()) types.put(v.name(), new TensorType(DType.F32, v.shape()));
    Metrics.accumulators().forEach((k, sh) -> types.put(k, new TensorType(DType.F32, sh)));
    Map<String, Value> params = new LinkedHashMap<>();
    types.forEach((k, ty) -> params.put(k, t.parameter(k, ty)));
    int[] in = model.inputShape();
    Value x = t.parameter("x", DType.F32, localBatch, in[0], in[1]);
    Value y = t.parameter("y", DType.F32, localBatch, 1);
    Value w = t.parameter("weight", DType.F32, localBatch, 1);
    LayerContext ctx = new LayerContext(params, false, Threefry.key(t, 0), t.scalar(0, DType.U32), replicas);
    Model.Outputs out = model.forward(ctx, x);
    Value losses = Metrics.bceFromLogits(out.logits(), y);
    Map<String, Value> next = new LinkedHashMap<>();
    for (String k : Metrics.accumulators().keySet()) next.put(k, params.get(k));
    accumulate(next, params, Metrics.batchCounts(out.output(), y, losses, w), replicas);
    LinkedHashMap<String, TensorType> state = new LinkedHashMap<>();
    Metrics.accumulators().forEach((k, sh) -> state.put(k, new TensorType(DType.F32, sh)));
    List<String> inputs = new ArrayList<>(types.keySet());
    inputs.addAll(List.of("x", "y", "weight"));
    Map<String, Value> outs = new LinkedHashMap<>();
    for (String k : state.keySet()) outs.put(k, next.get(k));
    outs.put("probabilities", out.output());
    Graph g = t.build(outs);
    Map<Integer, Integer> donate = new HashMap<>();
    List<String> stateNames = new ArrayList<>(state.keySet());
    for (int o = 0; o < stateNames.size(); o++) donate.put(inputs.indexOf(stateNames.get(o)), o);
    return new Step(g, inputs, stateNames, new CompileOptions(replicas, donate));
  }

  private static void accumulate(Map<String, Value> next, Map<String, Value> state, Map<String, Value> batch,
      int replicas) {
    for (var e : batch.entrySet()) {
      Value c = replicas > 1 ? Ops.allReduceSum(e.getValue()) : e.getValue();
      next.put(e.getKey(), state.get(e.getKey()).add(c));
    }
  }

  private static Step finish(Tracer t, Map<String, Value> next, List<String> extraNames, List<Value> extras,
      List<String> batchInputs, LinkedHashMap<String, TensorType> stateTypes, int replicas) {
    Map<String, Value> outs = new LinkedHashMap<>();
    for (String k : stateTypes.keySet()) outs.put(k, next.get(k));
    for (int i = 0; i < extras.size(); i++) outs.put(extraNames.get(i), extras.get(i));
    Graph g = t.build(outs);
    List<String> inputs = new ArrayList<>(stateTypes.keySet());
    inputs.addAll(batchInputs);
    Map<Integer, Integer> donate = new HashMap<>();
    for (int i = 0; i < stateTypes.size(); i++) donate.put(i, i);
    return new Step(g, inputs, new ArrayList<>(stateTypes.keySet()), new CompileOptions(replicas, donate));
  }

  /** Metric accumulators reset to zero. */
  public static Map<String, Tensor> zeroMetrics() {
    Map<String, Tensor> m = new LinkedHashMap<>();
    Metrics.accumulators().forEach((k, sh) -> m.put(k, Tensor.full(new TensorType(DType.F32, sh), 0)));
    return m;
  }

}
