package dev.kiln.core.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.core.DType;
import dev.kiln.core.Rand;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.core.backend.Executable;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.core.op.Binary;
import dev.kiln.core.op.Convolution;
import dev.kiln.core.op.Ops;
import dev.kiln.core.op.Primitives;
import dev.kiln.core.op.Reduce;
import dev.kiln.core.op.Unary;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every VJP against central finite differences in float64 on fresh random inputs: the loss is
 * Σ f(x)·r for a random cotangent r, its gradient comes from {@link Autodiff}, and each checked element is
 * compared with (L(x+h) − L(x−h)) / 2h.
 */
class GradCheckTest {
  private static final Rand R = new Rand();
  private static final JavaBackend BACKEND = new JavaBackend();

  /** One gradient check: the primitive it covers, its inputs, the function of them, step and tolerance. */
  record Case(String name, Class<? extends Primitive> covers, List<Tensor> inputs, Function<List<Value>, Value> f,
      double h, double tol) {}

  static Case c(String name, Class<? extends Primitive> covers, Function<List<Value>, Value> f, Tensor... in) {
    return new Case(name, covers, List.of(in), f, 1e-6, 1e-6);
  }

  static List<Case> cases() {
    List<Case> cs = new ArrayList<>();
    for (Unary.Kind k : Unary.Kind.values()) {
      if (k == Unary.Kind.NOT) continue;
      Tensor x = switch (k) {
        case LOG, SQRT, RSQRT -> R.f64(0.5, 3, 3, 5);
        case LOG1P -> R.f64(-0.5, 2, 3, 5);
        case ABS, SIGN -> Tensor.wrap(DType.F64, Shape.of(3, 5), R.awayFromZero(15, 0.1, 2));
        default -> R.f64(-2, 2, 3, 5);
      };
      cs.add(c("unary " + k, Unary.class, v -> v.get(0).tracer().apply(new Unary(k), v.get(0)), x));
    }
    for (Binary.Kind k : List.of(Binary.Kind.ADD, Binary.Kind.SUBTRACT, Binary.Kind.MULTIPLY, Binary.Kind.DIVIDE,
        Binary.Kind.MAXIMUM, Binary.Kind.MINIMUM, Binary.Kind.POWER)) {
      Tensor a = k == Binary.Kind.POWER ? R.f64(0.5, 2, 4, 3) : R.f64(-2, 2, 4, 3);
      Tensor b = k == Binary.Kind.DIVIDE ? Tensor.wrap(DType.F64, Shape.of(4, 3), R.awayFromZero(12, 0.5, 2))
          : R.f64(-2, 2, 4, 3);
      cs.add(c("binary " + k, Binary.class, v -> v.get(0).tracer().apply(new Binary(k), v.get(0), v.get(1)), a, b));
    }
    cs.add(c("broadcasting add [3,1] + [4]", Binary.class, v -> v.get(0).add(v.get(1)),
        R.f64(-1, 1, 3, 1), R.f64(-1, 1, 4)));
    cs.add(c("select", dev.kiln.core.op.Select.class, v -> Ops.select(v.get(0), v.get(1), v.get(2)),
        R.pred(3, 4), R.f64(-1, 1, 3, 4), R.f64(-1, 1, 3, 4)));
    cs.add(new Case("convert f64->f32->f64", dev.kiln.core.op.Convert.class, List.of(R.f64(-1, 1, 3, 3)),
        v -> Ops.convert(Ops.convert(v.get(0), DType.F32), DType.F64), 1e-2, 1e-3));
    cs.add(c("broadcast_in_dim [5,2]->[2,3,5] dims [2,0]", dev.kiln.core.op.BroadcastInDim.class,
        v -> Ops.broadcastInDim(v.get(0), new int[] {2, 3, 5}, new int[] {2, 0}), R.f64(-1, 1, 5, 2)));
    cs.add(c("broadcast_in_dim [3,1]->[2,3,4] dims [1,2]", dev.kiln.core.op.BroadcastInDim.class,
        v -> Ops.broadcastInDim(v.get(0), new int[] {2, 3, 4}, new int[] {1, 2}), R.f64(-1, 1, 3, 1)));
    cs.add(c("reshape", dev.kiln.core.op.Reshape.class, v -> Ops.reshape(v.get(0), 12, 5), R.f64(-1, 1, 3, 4, 5)));
    cs.add(c("transpose", dev.kiln.core.op.Transpose.class, v -> Ops.transpose(v.get(0), 2, 0, 1),
        R.f64(-1, 1, 2, 3, 4)));
    cs.add(c("slice strided", dev.kiln.core.op.Slice.class,
        v -> Ops.slice(v.get(0), new int[] {1, 2}, new int[] {6, 9}, new int[] {2, 3}), R.f64(-1, 1, 7, 9)));
    cs.add(c("pad interior and negative edge", dev.kiln.core.op.Pad.class,
        v -> Ops.pad(v.get(0), v.get(1), new int[] {1, -1}, new int[] {2, 1}, new int[] {1, 0}),
        R.f64(-1, 1, 3, 4), R.f64(-1, 1)));
    cs.add(c("concatenate", dev.kiln.core.op.Concatenate.class,
        v -> Ops.concatenate(1, v), R.f64(-1, 1, 2, 3), R.f64(-1, 1, 2, 1), R.f64(-1, 1, 2, 4)));
    cs.add(c("reverse", dev.kiln.core.op.Reverse.class, v -> Ops.reverse(v.get(0), 0, 2), R.f64(-1, 1, 3, 4, 2)));
    cs.add(c("reduce sum [0,2]", Reduce.class, v -> Ops.sum(v.get(0), 0, 2), R.f64(-1, 1, 3, 4, 5)));
    cs.add(c("reduce max [1]", Reduce.class, v -> Ops.reduceMax(v.get(0), 1), R.f64(-1, 1, 4, 6)));
    cs.add(c("all_reduce (one replica)", dev.kiln.core.op.AllReduce.class, v -> Ops.allReduceSum(v.get(0)),
        R.f64(-1, 1, 3)));
    // Convolutions: the seed's 'same' Conv1D, strides, 2-d dilations, groups, channels-first, negative padding.
    Convolution.Dims nwc = Convolution.Dims.channelsLast(1);
    cs.add(c("conv1d same (seed layer)", Convolution.class,
        v -> Ops.convolution(v.get(0), v.get(1), Convolution.of(new int[] {1}, new int[] {2}, new int[] {2}, nwc)),
        R.f64(-1, 1, 2, 9, 3), R.f64(-1, 1, 5, 3, 4)));
    cs.add(c("conv1d stride 2", Convolution.class,
        v -> Ops.convolution(v.get(0), v.get(1), Convolution.of(new int[] {2}, new int[] {1}, new int[] {0}, nwc)),
        R.f64(-1, 1, 2, 10, 3), R.f64(-1, 1, 3, 3, 2)));
    cs.add(c("conv2d strides, padding, lhs and rhs dilation", Convolution.class,
        v -> Ops.convolution(v.get(0), v.get(1), new Convolution(new int[] {2, 1}, new int[] {1, 0},
            new int[] {0, 2}, new int[] {1, 2}, new int[] {2, 1}, Convolution.Dims.channelsLast(2), 1)),
        R.f64(-1, 1, 1, 6, 7, 2), R.f64(-1, 1, 3, 2, 2, 3)));
    cs.add(c("conv1d feature groups 2", Convolution.class,
        v -> Ops.convolution(v.get(0), v.get(1), new Convolution(new int[] {1}, new int[] {1}, new int[] {1},
            new int[] {1}, new int[] {1}, nwc, 2)),
        R.f64(-1, 1, 2, 8, 4), R.f64(-1, 1, 3, 2, 6)));
    Convolution.Dims ncw = new Convolution.Dims(0, 1, new int[] {2}, 1, 0, new int[] {2}, 0, 1, new int[] {2});
    cs.add(c("conv1d channels-first", Convolution.class,
        v -> Ops.convolution(v.get(0), v.get(1), Convolution.of(new int[] {1}, new int[] {1}, new int[] {1}, ncw)),
        R.f64(-1, 1, 2, 3, 9), R.f64(-1, 1, 4, 3, 3)));
    cs.add(c("conv1d negative padding", Convolution.class,
        v -> Ops.convolution(v.get(0), v.get(1), Convolution.of(new int[] {1}, new int[] {-1}, new int[] {1}, nwc)),
        R.f64(-1, 1, 2, 7, 2), R.f64(-1, 1, 3, 2, 3)));
    cs.add(c("matmul", dev.kiln.core.op.DotGeneral.class, v -> Ops.matmul(v.get(0), v.get(1)),
        R.f64(-1, 1, 3, 4), R.f64(-1, 1, 4, 5)));
    cs.add(c("dot_general batched", dev.kiln.core.op.DotGeneral.class,
        v -> Ops.dotGeneral(v.get(0), v.get(1), new int[] {0}, new int[] {0}, new int[] {2}, new int[] {1}),
        R.f64(-1, 1, 2, 3, 4), R.f64(-1, 1, 2, 4, 5)));
    cs.add(c("dot_general permuted batch and two contracting dims", dev.kiln.core.op.DotGeneral.class,
        v -> Ops.dotGeneral(v.get(0), v.get(1), new int[] {1}, new int[] {1}, new int[] {0, 3}, new int[] {2, 0}),
        R.f64(-1, 1, 3, 2, 4, 5), R.f64(-1, 1, 5, 2, 3, 6)));
    return cs;
  }

  @AfterAll
  static void close() {
    BACKEND.close();
  }

  @Test
  void everyDifferentiablePrimitiveHasAGradientCheck() {
    Set<Class<?>> covered = new HashSet<>();
    for (Case c : cases()) covered.add(c.covers());
    for (Class<?> p : Primitives.DIFFERENTIABLE) {
      assertTrue(covered.contains(p), "no gradient check covers " + p.getSimpleName());
    }
  }

  @TestFactory
  Stream<DynamicTest> vjpMatchesCentralDifferences() {
    return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
  }

  private static void check(Case c) {
    Tracer t = new Tracer();
    List<Value> xs = new ArrayList<>();
    for (int i = 0; i < c.inputs().size(); i++) xs.add(t.parameter("x" + i, c.inputs().get(i).type()));
    Value y = c.f().apply(xs);
    Tensor r = R.f64(-1, 1, y.shape().dims());
    Value loss = Ops.sum(y.mul(t.constant(r)));
    List<Value> wrt = xs.stream().filter(v -> v.dtype() == DType.F64).toList();
    List<Value> grads = Autodiff.grad(loss, wrt);
    List<Value> outs = new ArrayList<>(grads);
    Graph g = t.build(outs.toArray(new Value[0]));
    List<Tensor> analytic = BACKEND.evaluate(g, c.inputs().toArray(new Tensor[0]));
    Graph lossGraph = t.build(loss);
    try (Executable exe = BACKEND.compile(lossGraph)) {
      int gi = 0;
      for (int i = 0; i < xs.size(); i++) {
        if (xs.get(i).dtype() != DType.F64) continue;
        Tensor an = analytic.get(gi++);
        double[] x = c.inputs().get(i).doubles();
        int n = x.length;
        int checks = Math.min(n, 24);
        for (int s = 0; s < checks; s++) {
          int j = n <= 24 ? s : R.random.nextInt(n);
          double fd = (lossAt(exe, c, i, j, +c.h()) - lossAt(exe, c, i, j, -c.h())) / (2 * c.h());
          double a = an.doubles()[j];
          if (!(Math.abs(fd - a) <= c.tol() * (1 + Math.abs(fd)))) {
            fail(c.name() + ": d loss / d x" + i + "[" + j + "] analytic " + a + " vs finite difference " + fd
                + R.tag());
          }
        }
      }
      assertEquals(gi, analytic.size());
    }
  }

  private static double lossAt(Executable exe, Case c, int input, int element, double delta) {
    List<DeviceArray> args = new ArrayList<>();
    for (int i = 0; i < c.inputs().size(); i++) {
      Tensor x = c.inputs().get(i);
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
