package dev.kiln.train.example;

import dev.kiln.tpu.Backends;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.backend.Backend;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.core.graph.Autodiff;
import dev.kiln.core.graph.Graph;
import dev.kiln.core.graph.Primitive;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import dev.kiln.core.hlo.HloEmitter;
import dev.kiln.core.hlo.StableHloWriter;
import dev.kiln.core.op.Ops;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The README's "Adding an op" worked example, kept honest by running it: a composite op (softplus, written with
 * existing primitives, gradient for free) and a new primitive (expm1 = e^x − 1, StableHLO's
 * exponential_minus_one) with its four parts, both checked against finite differences and on pjrt:cpu.
 */
class AddingAnOpTest {
  // ---- 1. A composite op: a Java method over existing primitives. ----

  /** softplus(x) = log(1 + e^x), computed stably as max(x, 0) + log1p(e^−|x|). */
  static Value softplus(Value x) {
    // max splits its gradient at a tie, so the two kinks at 0 add up to the true derivative, 1/2.
    return Ops.max(x, Ops.constantLike(x, 0.0)).add(Ops.log1p(Ops.exp(Ops.neg(Ops.abs(x)))));
  }

  // ---- 2. A new primitive: one class with its four parts. ----

  /** expm1(x) = e^x − 1, accurate near 0. */
  record Expm1() implements Primitive {
    @Override public String name() { return "exponential_minus_one"; }

    @Override
    public TensorType inferType(List<TensorType> in) {
      if (in.size() != 1 || !in.get(0).dtype().isFloating()) throw error(in, "expects one float operand");
      return in.get(0);
    }

    @Override
    public List<Value> vjp(Value out, Value g) {
      return List.of(g.mul(out.add(1.0))); // d/dx (e^x − 1) = e^x = y + 1
    }

    @Override
    public void lower(HloEmitter e, Value out) {
      e.op(out, "exponential_minus_one", "");
    }

    @Override
    public Tensor eval(CpuContext ctx, Tensor[] in, TensorType t) {
      double[] x = in[0].toDoubleArray();
      if (t.dtype() == DType.F64) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = Math.expm1(x[i]);
        return Tensor.wrap(DType.F64, t.shape(), y);
      }
      float[] y = new float[x.length];
      for (int i = 0; i < x.length; i++) y[i] = (float) Math.expm1(x[i]);
      return Tensor.wrap(DType.F32, t.shape(), y);
    }
  }

  static Value expm1(Value x) {
    return x.tracer().apply(new Expm1(), x);
  }

  // ---- Checks ----

  private static final double[] XS = {-3, -0.5, -1e-4, 0, 2e-3, 0.7, 4};

  /** d/dx Σ f(x) by autodiff versus central differences, in float64. */
  private static void checkGradient(java.util.function.UnaryOperator<Value> f) {
    try (JavaBackend be = new JavaBackend()) {
      Tracer t = new Tracer();
      Value x = t.parameter("x", DType.F64, XS.length);
      Value loss = Ops.sum(f.apply(x));
      Graph g = t.build(Autodiff.grad(loss, List.of(x)).get(0));
      double[] grad = be.evaluate(g, Tensor.of(XS, XS.length)).get(0).doubles();
      Graph l = t.build(loss);
      for (int i = 0; i < XS.length; i++) {
        double h = 1e-6;
        double[] up = XS.clone(), down = XS.clone();
        up[i] += h;
        down[i] -= h;
        double fd = (be.evaluate(l, Tensor.of(up, XS.length)).get(0).item()
            - be.evaluate(l, Tensor.of(down, XS.length)).get(0).item()) / (2 * h);
        assertEquals(fd, grad[i], 1e-6 * (1 + Math.abs(fd)), "gradient at x = " + XS[i]);
      }
    }
  }

  @Test
  void compositeSoftplusHasTheRightValuesAndGradient() {
    try (JavaBackend be = new JavaBackend()) {
      Tracer t = new Tracer();
      Value x = t.parameter("x", DType.F64, XS.length);
      double[] y = be.evaluate(t.build(softplus(x)), Tensor.of(XS, XS.length)).get(0).doubles();
      for (int i = 0; i < XS.length; i++) assertEquals(Math.log1p(Math.exp(XS[i])), y[i], 1e-12);
    }
    checkGradient(AddingAnOpTest::softplus);
  }

  @Test
  void newPrimitiveExpm1HasKernelGradientAndStableHlo() {
    checkGradient(AddingAnOpTest::expm1);
    Tracer t = new Tracer();
    Value x = t.parameter("x", DType.F32, 3);
    String mlir = StableHloWriter.write(t.build(expm1(x)));
    assertTrue(mlir.contains("%0 = \"stablehlo.exponential_minus_one\"(%arg0) : (tensor<3xf32>) -> tensor<3xf32>"), mlir);
  }

  @Test
  void bothRunOnPjrtCpuAndAgreeWithTheJavaBackend() {
    float[] xs = {-2f, -1e-3f, 0.5f, 3f};
    Tracer t = new Tracer();
    Value x = t.parameter("x", DType.F32, xs.length);
    Value sp = softplus(x), em = expm1(x);
    List<Value> grads = Autodiff.grad(Ops.sum(sp.add(em)), List.of(x));
    Graph g = t.build(sp, em, grads.get(0));
    try (Backend java = new JavaBackend(); Backend pjrt = Backends.open("pjrt:cpu", null, Map.of())) {
      List<Tensor> a = java.evaluate(g, Tensor.of(xs, xs.length));
      List<Tensor> b = pjrt.evaluate(g, Tensor.of(xs, xs.length));
      for (int i = 0; i < a.size(); i++) {
        assertTrue(Tensor.allClose(b.get(i), a.get(i), 1e-5, 1e-6), "output " + i + ": " + b.get(i) + " vs " + a.get(i));
      }
    }
  }
}
