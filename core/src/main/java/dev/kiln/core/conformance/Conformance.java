package dev.kiln.core.conformance;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.backend.Backend;
import dev.kiln.core.graph.Autodiff;
import dev.kiln.core.graph.Graph;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Convolution;
import dev.kiln.core.op.Ops;
import dev.kiln.core.random.Threefry;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One conformance suite for every backend: the forward graph of each {@link Specs spec}, the VJP graph of each
 * differentiable one, and a whole training step of a small convolutional model, run on a candidate backend and
 * on a reference (the Java backend) with the same inputs. Float results must agree within the stated tolerance
 * (|a − b| ≤ atol + rtol·|b|), integer and PRED results exactly.
 */
public final class Conformance {
  private Conformance() {}

  /** F32 tolerance: kernels differ in summation order and in the last ulps of transcendental functions. */
  public static final double RTOL = 1e-4;
  public static final double ATOL = 1e-5;

  /** A graph with its inputs. */
  public record Case(String name, Graph graph, List<Tensor> inputs) {}

  /** The outcome of one case. */
  public record Result(String name, boolean passed, double maxAbsError, String detail) {}

  /** Every case, with float inputs of {@code floatType} drawn from {@code seed}. */
  public static List<Case> cases(DType floatType, long seed) {
    Random r = new Random(seed);
    List<Case> out = new ArrayList<>();
    for (Spec s : Specs.all()) {
      List<Tensor> in = new ArrayList<>();
      for (Spec.Input i : s.inputs()) in.add(i.make(floatType, r));
      out.add(new Case(s.name(), forward(s, in), in));
      if (s.differentiable()) out.add(new Case(s.name() + " (vjp)", vjp(s, in, floatType, r), in));
    }
    out.add(trainStep(floatType, r));
    return out;
  }

  /** The graph {@code f(x)}. */
  public static Graph forward(Spec s, List<Tensor> inputs) {
    Tracer t = new Tracer();
    return t.build(s.f().apply(parameters(t, inputs)));
  }

  /** The gradients of Σ f(x)·r with respect to every float input, for a random cotangent r. */
  public static Graph vjp(Spec s, List<Tensor> inputs, DType floatType, Random r) {
    Tracer t = new Tracer();
    List<Value> xs = parameters(t, inputs);
    Value y = s.f().apply(xs);
    Spec.Input ct = Spec.Input.uniform(-1, 1, y.shape().dims());
    Value loss = Ops.sum(y.mul(t.constant(ct.make(floatType, r))));
    List<Value> wrt = xs.stream().filter(v -> v.dtype().isFloating()).toList();
    return t.build(Autodiff.grad(loss, wrt).toArray(new Value[0]));
  }

  private static List<Value> parameters(Tracer t, List<Tensor> inputs) {
    List<Value> xs = new ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) xs.add(t.parameter("x" + i, inputs.get(i).type()));
    return xs;
  }

  /**
   * One SGD step of a small conv model (Gaussian noise from the counter-based RNG, Conv1D 'same', ReLU, Dense,
   * binary cross-entropy on the logit), returning the loss and the updated parameters.
   */
  static Case trainStep(DType ft, Random r) {
    int b = 8, len = 12, cin = 5, cout = 6;
    Tracer t = new Tracer();
    Value w1 = t.parameter("w1", ft, 3, cin, cout);
    Value b1 = t.parameter("b1", ft, cout);
    Value w2 = t.parameter("w2", ft, len * cout, 1);
    Value b2 = t.parameter("b2", ft, 1);
    Value x = t.parameter("x", ft, b, len, cin);
    Value y = t.parameter("y", ft, b, 1);
    Value step = t.parameter("step", DType.U32);
    Value noisy = x.add(Threefry.normal(Threefry.key(t, 42), step, ft, b, len, cin).mul(0.1));
    Value h = Ops.relu(Ops.convolution(noisy, w1,
        Convolution.of(new int[] {1}, new int[] {1}, new int[] {1}, Convolution.Dims.channelsLast(1))).add(b1));
    Value z = Ops.matmul(Ops.reshape(h, b, len * cout), w2).add(b2);
    Value loss = Ops.mean(Ops.relu(z).sub(z.mul(y)).add(Ops.log1p(Ops.exp(Ops.neg(Ops.abs(z))))));
    List<Value> params = List.of(w1, b1, w2, b2);
    List<Value> g = Autodiff.grad(loss, params);
    Value[] outs = new Value[5];
    outs[0] = loss;
    for (int i = 0; i < 4; i++) outs[i + 1] = params.get(i).sub(g.get(i).mul(0.1));
    Graph graph = t.build(outs);
    List<Tensor> in = new ArrayList<>();
    for (Value p : graph.parameters()) {
      if (p.dtype() == DType.U32) {
        in.add(Tensor.wrap(DType.U32, p.shape(), new int[] {3}));
      } else if (p == y) {
        double[] lab = new double[b];
        for (int i = 0; i < b; i++) lab[i] = r.nextBoolean() ? 1 : 0;
        in.add(ft == DType.F64 ? Tensor.wrap(ft, p.shape(), lab) : Tensor.of(toFloat(lab), b, 1));
      } else {
        in.add(Spec.Input.uniform(-0.5, 0.5, p.shape().dims()).make(ft, r));
      }
    }
    return new Case("train step: noise, conv1d, relu, dense, bce, sgd", graph, in);
  }

  private static float[] toFloat(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
    return f;
  }

  /** Runs every case on both backends and compares the outputs. */
  public static List<Result> run(Backend candidate, Backend reference, List<Case> cases) {
    List<Result> results = new ArrayList<>();
    for (Case c : cases) {
      results.add(runOne(candidate, reference, c));
    }
    return results;
  }

  static Result runOne(Backend candidate, Backend reference, Case c) {
    Tensor[] in = c.inputs().toArray(new Tensor[0]);
    List<Tensor> want;
    List<Tensor> got;
    try {
      want = reference.evaluate(c.graph(), in);
    } catch (RuntimeException e) {
      return new Result(c.name(), false, Double.NaN, "reference backend failed: " + e.getMessage());
    }
    try {
      got = candidate.evaluate(c.graph(), in);
    } catch (RuntimeException e) {
      return new Result(c.name(), false, Double.NaN, candidate.name() + " failed: " + e.getMessage());
    }
    double maxErr = 0;
    for (int o = 0; o < want.size(); o++) {
      Tensor w = want.get(o), g = got.get(o);
      if (!w.type().equals(g.type())) {
        return new Result(c.name(), false, Double.NaN, "output " + o + " is " + g.type() + ", expected " + w.type());
      }
      boolean exact = !w.dtype().isFloating();
      for (int i = 0; i < w.size(); i++) {
        double a = g.getDouble(i), b = w.getDouble(i);
        if (a == b || (Double.isNaN(a) && Double.isNaN(b))) continue;
        double err = Math.abs(a - b);
        maxErr = Math.max(maxErr, err);
        if (exact || !(err <= ATOL + RTOL * Math.abs(b))) {
          return new Result(c.name(), false, err, "output " + o + " element " + i + ": " + a + " vs reference " + b);
        }
      }
    }
    return new Result(c.name(), true, maxErr, "");
  }

  /** A plain-text table of results, one line per case and a summary line. */
  public static String table(String backend, List<Result> results) {
    StringBuilder b = new StringBuilder();
    int width = results.stream().mapToInt(r -> r.name().length()).max().orElse(10);
    b.append(String.format("%-" + width + "s  %-4s  %s%n", "case (" + backend + " vs java)", "ok", "max |error|"));
    int passed = 0;
    for (Result r : results) {
      if (r.passed()) passed++;
      b.append(String.format("%-" + width + "s  %-4s  %s%n", r.name(), r.passed() ? "ok" : "FAIL",
          r.passed() ? String.format("%.2e", r.maxAbsError()) : r.detail()));
    }
    b.append(String.format("%d passed, %d failed%n", passed, results.size() - passed));
    return b.toString();
  }
}
