package dev.kiln.ops;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.core.graph.Autodiff;
import dev.kiln.core.graph.Graph;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A model's variables as float64 parameters of one trace, drawn at random from a fresh seed (replayed with
 * -Dkiln.test.seed=N): a test traces a loss with {@link #vars}, drawing its batch from {@link #random}, then
 * {@link #check}s the gradient of every trainable variable against {@link FiniteDifference} on sampled elements.
 */
final class ModelGradientCheck {
  final long seed = Long.getLong("kiln.test.seed", new Random().nextLong());
  final Random random = new Random(seed);
  final Tracer tracer = new Tracer();
  final Map<String, Value> vars = new LinkedHashMap<>();
  private final Map<String, Tensor> values = new LinkedHashMap<>();
  private final Model model;

  /** Moving variances in [0.5, 1.5), every other variable normal with σ 0.4. */
  ModelGradientCheck(Model model) {
    this.model = model;
    for (Variable v : model.variables()) {
      double[] d = new double[v.size()];
      for (int i = 0; i < d.length; i++) {
        d[i] = v.name().endsWith("variance") ? 0.5 + random.nextDouble() : random.nextGaussian() * 0.4;
      }
      values.put(v.name(), Tensor.wrap(DType.F64, v.shape(), d));
      vars.put(v.name(), tracer.parameter(v.name(), DType.F64, v.shape().dims()));
    }
  }

  /** Checks d loss / d v on {@code samples} random elements of each trainable variable v. */
  void check(Value loss, int samples) {
    List<Variable> trainable = model.variables().stream().filter(Variable::trainable).toList();
    List<Value> grads = Autodiff.grad(loss, trainable.stream().map(v -> vars.get(v.name())).toList());
    Graph g = tracer.build(grads.toArray(new Value[0]));
    Graph lossOnly = tracer.build(loss);
    try (JavaBackend be = new JavaBackend()) {
      Tensor[] args = values.values().toArray(new Tensor[0]);
      List<Tensor> analytic = be.evaluate(g, args);
      FiniteDifference fd = new FiniteDifference(be, be.compile(lossOnly), args);
      List<String> names = new ArrayList<>(values.keySet());
      for (int k = 0; k < trainable.size(); k++) {
        String name = trainable.get(k).name();
        int size = values.get(name).size();
        for (int s = 0; s < samples; s++) {
          int j = random.nextInt(size);
          fd.check(names.indexOf(name), j, analytic.get(k).doubles()[j], name + "[" + j + "] (seed " + seed + ")");
        }
      }
    }
  }
}
