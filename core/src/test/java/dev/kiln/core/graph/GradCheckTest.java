package dev.kiln.core.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.core.DType;
import dev.kiln.core.Rand;
import dev.kiln.core.Tensor;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.core.backend.Executable;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.core.op.Ops;
import dev.kiln.core.conformance.Spec;
import dev.kiln.core.conformance.Specs;
import dev.kiln.core.op.Primitives;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every VJP against central finite differences in float64 on fresh random inputs: for each differentiable
 * conformance {@link Spec}, the loss is Σ f(x)·r for a random cotangent r, its gradient comes from
 * {@link Autodiff}, and each checked element is compared with (L(x+h) − L(x−h)) / 2h.
 */
class GradCheckTest {
  private static final Rand R = new Rand();
  private static final JavaBackend BACKEND = new JavaBackend();

  @AfterAll
  static void close() {
    BACKEND.close();
  }

  @Test
  void everyDifferentiablePrimitiveHasAGradientCheck() {
    Set<Class<?>> covered = new HashSet<>();
    for (Spec c : Specs.all()) if (c.differentiable()) covered.add(c.covers());
    for (Class<?> p : Primitives.DIFFERENTIABLE) {
      assertTrue(covered.contains(p), "no gradient check covers " + p.getSimpleName());
    }
  }

  @TestFactory
  Stream<DynamicTest> vjpMatchesCentralDifferences() {
    return Specs.all().stream().filter(c -> c.differentiable() && c.fdStep() > 0)
        .map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
  }

  @Test
  void stopGradientBlocksTheGradientThroughItsOperand() {
    Tracer t = new Tracer();
    Value x = t.parameter("x", DType.F64, 4);
    Value loss = Ops.sum(x.mul(Ops.stopGradient(x)));
    Tensor in = Tensor.of(new double[] {1, -2, 3, 0.5}, 4);
    Tensor g = BACKEND.evaluate(t.build(Autodiff.grad(loss, List.of(x)).get(0)), in).get(0);
    assertEquals(List.of(1.0, -2.0, 3.0, 0.5), java.util.Arrays.stream(g.doubles()).boxed().toList(),
        "d/dx of x * stop_gradient(x) is stop_gradient(x), not 2x");
  }

  private static void check(Spec c) {
    List<Tensor> inputs = new ArrayList<>();
    for (Spec.Input in : c.inputs()) inputs.add(in.make(DType.F64, R.random));
    Tracer t = new Tracer();
    List<Value> xs = new ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) xs.add(t.parameter("x" + i, inputs.get(i).type()));
    Value y = c.f().apply(xs);
    Tensor r = R.f64(-1, 1, y.shape().dims());
    Value loss = Ops.sum(y.mul(t.constant(r)));
    List<Value> wrt = xs.stream().filter(v -> v.dtype() == DType.F64).toList();
    List<Value> grads = Autodiff.grad(loss, wrt);
    List<Value> outs = new ArrayList<>(grads);
    Graph g = t.build(outs.toArray(new Value[0]));
    List<Tensor> analytic = BACKEND.evaluate(g, inputs.toArray(new Tensor[0]));
    Graph lossGraph = t.build(loss);
    try (Executable exe = BACKEND.compile(lossGraph)) {
      int gi = 0;
      for (int i = 0; i < xs.size(); i++) {
        if (xs.get(i).dtype() != DType.F64) continue;
        Tensor an = analytic.get(gi++);
        double[] x = inputs.get(i).doubles();
        int n = x.length;
        int checks = Math.min(n, 24);
        for (int s = 0; s < checks; s++) {
          int j = n <= 24 ? s : R.random.nextInt(n);
          double h = c.fdStep();
          double fd = (lossAt(exe, inputs, i, j, +h) - lossAt(exe, inputs, i, j, -h)) / (2 * h);
          double a = an.doubles()[j];
          if (!(Math.abs(fd - a) <= c.fdTolerance() * (1 + Math.abs(fd)))) {
            fail(c.name() + ": d loss / d x" + i + "[" + j + "] analytic " + a + " vs finite difference " + fd
                + R.tag());
          }
        }
      }
      assertEquals(gi, analytic.size());
    }
  }

  private static double lossAt(Executable exe, List<Tensor> inputs, int input, int element, double delta) {
    List<DeviceArray> args = new ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) {
      Tensor x = inputs.get(i);
      if (i == input) {
        double[] d = x.doubles().clone();
        d[element] += delta;
        x = Tensor.wrap(DType.F64, x.shape(), d);
      }
      args.add(BACKEND.put(x));
    }
    return BACKEND.get(exe.run(args).get(0)).item();
  }

}
