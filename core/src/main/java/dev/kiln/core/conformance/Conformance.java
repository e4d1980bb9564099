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
 * on a reference with the same inputs. Float results must agree within the stated tolerance
 * (|a − b| ≤ atol + rtol·|b|), integer and PRED results exactly.
 *
 * <p>A backend is never its own reference. A PJRT backend is checked against the Java backend on the same F32
 * graphs; the Java backend itself is checked against the float64 evaluation of the same graphs ({@link
 * #widenedCases}): the F32 inputs widened exactly to F64, every float computation then done in F64.
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
    return cases(new Draws(floatType, floatType), seed);
  }

  /**
   * The same cases as {@code cases(F32, seed)}, drawn identically, as F64 graphs whose float inputs and constants
   * are the F32 values widened exactly: the float64 reference of the F32 suite, index for index.
   */
  public static List<Case> widenedCases(long seed) {
    return cases(new Draws(DType.F32, DType.F64), seed);
  }

  /** Float draws are made in {@code drawn} precision and then held in {@code held} (F32 widened to F64 exactly). */
  record Draws(DType drawn, DType held) {
    Tensor make(Spec.Input i, Random r) {
      Tensor t = i.make(drawn, r);
      return t.dtype() == held || !t.dtype().isFloating() ? t : Tensor.wrap(held, t.shape(), t.toDoubleArray());
    }
  }

  private static List<Case> cases(Draws d, long seed) {
    Random r = new Random(seed);
    List<Case> out = new ArrayList<>();
    for (Spec s : Specs.all()) {
      List<Tensor> in = new ArrayList<>();
      for (Spec.Input i : s.inputs()) in.add(d.make(i, r));
      out.add(new Case(s.name(), forward(s, in), in));
      if (s.differentiable()) out.add(new Case(s.name() + " (vjp)", vjp(s, in, d, r), in));
    }
    out.add(trainStep(d, r));
    return out;
  }

  /** The graph {@code f(x)}. */
  public static Graph forward(Spec s, List<Tensor> inputs) {
    Tracer t = new Tracer();
    return t.build(s.f().apply(parameters(t, inputs)));
  }

  /** The gradients of Σ f(x)·r with respect to every float input, for a random cotangent r. */
  public static Graph vjp(Spec s, List<Tensor> inputs, DType floatType, Random r) {
    return vjp(s, inputs, new Draws(floatType, floatType), r);
  }

  private static Graph vjp(Spec s, List<Tensor> inputs, Draws d, Random r) {
    Tracer t = new Tracer();
    List<Value> xs = parameters(t, inputs);
    Value y = s.f().apply(xs);
    Spec.Input ct = Spec.Input.uniform(-1, 1, y.shape().dims());
    Value loss = Ops.sum(y.mul(t.constant(d.make(ct, r))));
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
  static Case trainStep(Draws d, Random r) {
    DType ft = d.held();
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
        in.add(d.make(Spec.Input.uniform(-0.5, 0.5, p.shape().dims()), r));
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
    if (candidate == reference) throw new IllegalArgumentException("a backend is never its own reference");
    return run(candidate, cases, reference, cases);
  }

  /**
   * Runs {@code cases} on {@code candidate} and the matching {@code referenceCases} (same inputs, possibly held in
   * a wider float type) on {@code reference}, and compares the outputs index by index.
   */
  public static List<Result> run(Backend candidate, List<Case> cases, Backend reference, List<Case> referenceCases) {
    if (cases.size() != referenceCases.size()) {
      throw new IllegalArgumentException(cases.size() + " cases but " + referenceCases.size() + " reference cases");
    }
    if (candidate == reference && cases == referenceCases) {
      throw new IllegalArgumentException("a backend is never its own reference on the same graphs");
    }
    List<Result> results = new ArrayList<>();
    for (int i = 0; i < cases.size(); i++) {
      results.add(runOne(candidate, cases.get(i), reference, referenceCases.get(i)));
    }
    return results;
  }

  /** The Java backend's F32 suite against its own float64 evaluation of the same graphs. */
  public static List<Result> runAgainstF64(Backend java, long seed) {
    return run(java, cases(DType.F32, seed), java, widenedCases(seed));
  }

  static Result runOne(Backend candidate, Case c, Backend reference, Case rc) {
    List<Tensor> want;
    List<Tensor> got;
    try {
      want = reference.evaluate(rc.graph(), rc.inputs().toArray(new Tensor[0]));
    } catch (RuntimeException e) {
      return new Result(c.name(), false, Double.NaN, "reference backend failed: " + e.getMessage());
    }
    try {
      got = candidate.evaluate(c.graph(), c.inputs().toArray(new Tensor[0]));
    } catch (RuntimeException e) {
      return new Result(c.name(), false, Double.NaN, candidate.name() + " failed: " + e.getMessage());
    }
    double maxErr = 0;
    for (int o = 0; o < want.size(); o++) {
      Tensor w = want.get(o), g = got.get(o);
      boolean widened = w.dtype() == DType.F64 && g.dtype() == DType.F32;
      if (!w.shape().equals(g.shape()) || (w.dtype() != g.dtype() && !widened)) {
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

  /** A plain-text table of results, one line per case and a summary line; {@code versus} names the reference. */
  public static String table(String backend, String versus, List<Result> results) {
    StringBuilder b = new StringBuilder();
    String head = "case (" + backend + " vs " + versus + ")";
    int width = Math.max(head.length(), results.stream().mapToInt(r -> r.name().length()).max().orElse(10));
    b.append(String.format("%-" + width + "s  %-4s  %s%n", head, "ok", "max |error|"));
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
