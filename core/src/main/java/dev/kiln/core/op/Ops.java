package dev.kiln.core.op;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.cpu.Reductions;
import dev.kiln.core.graph.Primitive;
import dev.kiln.core.graph.ShapeException;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import java.util.Arrays;
import java.util.List;

/**
 * The tracing API: one static method per primitive, plus conveniences (numpy-style broadcasting of elementwise
 * operands, scalar constants, sums and means over axes). Every method records primitives on its operands' tracer.
 */
public final class Ops {
  private Ops() {}

  /** Comparison directions of {@link Compare}. */
  public enum Cmp { EQ, NE, LT, LE, GT, GE }

  /** Applies a primitive to values of one tracer. */
  public static Value apply(Primitive p, Value... inputs) {
    if (inputs.length == 0) {
      throw new IllegalArgumentException(p.name() + ": use Tracer.apply for ops without operands");
    }
    return inputs[0].tracer().apply(p, inputs);
  }

  // ---- constants ----

  /** A scalar constant with {@code like}'s dtype. */
  public static Value constantLike(Value like, double v) {
    return like.tracer().scalar(v, like.dtype());
  }

  /** Zeros of {@code like}'s type. */
  public static Value zerosLike(Value like) {
    return broadcastTo(constantLike(like, 0.0), like.shape().dims());
  }

  public static Value iota(Tracer t, TensorType type, int dimension) {
    return t.apply(new Iota(type, dimension));
  }

  public static Value constant(Tracer t, Tensor value) {
    return t.constant(value);
  }

  // ---- broadcasting ----

  /** The numpy broadcast of two shapes (trailing dimensions aligned, 1 stretches). */
  public static int[] broadcastShape(Shape a, Shape b) {
    int r = Math.max(a.rank(), b.rank());
    int[] out = new int[r];
    for (int i = 0; i < r; i++) {
      int da = i < r - a.rank() ? 1 : a.dim(i - (r - a.rank()));
      int db = i < r - b.rank() ? 1 : b.dim(i - (r - b.rank()));
      if (da != db && da != 1 && db != 1) {
        throw new IllegalArgumentException("shapes " + a + " and " + b + " do not broadcast");
      }
      out[i] = da == 1 ? db : da;
    }
    return out;
  }

  /** Broadcasts numpy-style (trailing alignment) to {@code dims}; no-op when the shape already matches. */
  public static Value broadcastTo(Value x, int... dims) {
    if (Arrays.equals(x.shape().dims(), dims)) return x;
    int off = dims.length - x.rank();
    if (off < 0) throw new IllegalArgumentException("cannot broadcast " + x.shape() + " to " + Arrays.toString(dims));
    int[] bd = new int[x.rank()];
    for (int i = 0; i < bd.length; i++) bd[i] = off + i;
    return broadcastInDim(x, dims, bd);
  }

  public static Value broadcastInDim(Value x, int[] outDims, int[] dims) {
    return apply(new BroadcastInDim(Shape.of(outDims), dims.clone()), x);
  }

  private static Value binary(Binary.Kind k, Value a, Value b) {
    if (a.dtype() != b.dtype()) {
      throw new ShapeException(k.hlo, List.of(a.type(), b.type()), "", "operand dtypes differ");
    }
    if (!a.shape().equals(b.shape())) {
      int[] s = broadcastShape(a.shape(), b.shape());
      a = broadcastTo(a, s);
      b = broadcastTo(b, s);
    }
    return apply(new Binary(k), a, b);
  }

  // ---- elementwise ----

  public static Value add(Value a, Value b) { return binary(Binary.Kind.ADD, a, b); }
  public static Value sub(Value a, Value b) { return binary(Binary.Kind.SUBTRACT, a, b); }
  public static Value mul(Value a, Value b) { return binary(Binary.Kind.MULTIPLY, a, b); }
  public static Value div(Value a, Value b) { return binary(Binary.Kind.DIVIDE, a, b); }
  public static Value max(Value a, Value b) { return binary(Binary.Kind.MAXIMUM, a, b); }
  public static Value min(Value a, Value b) { return binary(Binary.Kind.MINIMUM, a, b); }
  public static Value pow(Value a, Value b) { return binary(Binary.Kind.POWER, a, b); }
  public static Value and(Value a, Value b) { return binary(Binary.Kind.AND, a, b); }
  public static Value or(Value a, Value b) { return binary(Binary.Kind.OR, a, b); }
  public static Value xor(Value a, Value b) { return binary(Binary.Kind.XOR, a, b); }
  public static Value shiftLeft(Value a, Value b) { return binary(Binary.Kind.SHIFT_LEFT, a, b); }
  public static Value shiftRightLogical(Value a, Value b) { return binary(Binary.Kind.SHIFT_RIGHT_LOGICAL, a, b); }

  private static Value unary(Unary.Kind k, Value x) {
    return apply(new Unary(k), x);
  }

  public static Value neg(Value x) { return unary(Unary.Kind.NEGATE, x); }
  public static Value exp(Value x) { return unary(Unary.Kind.EXP, x); }
  public static Value log(Value x) { return unary(Unary.Kind.LOG, x); }
  public static Value log1p(Value x) { return unary(Unary.Kind.LOG1P, x); }
  public static Value abs(Value x) { return unary(Unary.Kind.ABS, x); }
  public static Value sign(Value x) { return unary(Unary.Kind.SIGN, x); }
  public static Value sqrt(Value x) { return unary(Unary.Kind.SQRT, x); }
  public static Value rsqrt(Value x) { return unary(Unary.Kind.RSQRT, x); }
  public static Value logistic(Value x) { return unary(Unary.Kind.LOGISTIC, x); }
  public static Value tanh(Value x) { return unary(Unary.Kind.TANH, x); }
  public static Value cos(Value x) { return unary(Unary.Kind.COSINE, x); }
  public static Value sin(Value x) { return unary(Unary.Kind.SINE, x); }
  public static Value not(Value x) { return unary(Unary.Kind.NOT, x); }

  /**
   * max(x, 0) as TensorFlow's relu: written x <= 0 ? 0 : x, so its gradient at 0 is 0 (TensorFlow's), and a NaN,
   * for which every ordered comparison is false, comes out NaN as XLA's maximum gives it (x > 0 ? x : 0 would give 0,
   * hiding a NaN input behind a finite model).
   */
  public static Value relu(Value x) {
    Value zero = constantLike(x, 0.0);
    return select(compare(x, Cmp.LE, zero), zero, x);
  }

  public static Value compare(Value a, Cmp direction, Value b) {
    if (!a.shape().equals(b.shape())) {
      int[] s = broadcastShape(a.shape(), b.shape());
      a = broadcastTo(a, s);
      b = broadcastTo(b, s);
    }
    return apply(new Compare(direction), a, b);
  }

  /** Elementwise {@code pred ? onTrue : onFalse}; the branches are broadcast to the predicate's shape. */
  public static Value select(Value pred, Value onTrue, Value onFalse) {
    if (pred.rank() > 0) {
      onTrue = broadcastTo(onTrue, pred.shape().dims());
      onFalse = broadcastTo(onFalse, pred.shape().dims());
    }
    return apply(new Select(), pred, onTrue, onFalse);
  }

  public static Value convert(Value x, DType to) {
    return x.dtype() == to ? x : apply(new Convert(to), x);
  }

  // ---- layout ----

  public static Value reshape(Value x, int... dims) {
    return Arrays.equals(x.shape().dims(), dims) ? x : apply(new Reshape(Shape.of(dims)), x);
  }

  public static Value transpose(Value x, int... perm) {
    return apply(new Transpose(perm.clone()), x);
  }

  public static Value slice(Value x, int[] start, int[] limit, int[] strides) {
    return apply(new Slice(start.clone(), limit.clone(), strides.clone()), x);
  }

  /** Elements [start, end) along one axis, everything along the others. */
  public static Value sliceAxis(Value x, int axis, int start, int end) {
    int[] s = new int[x.rank()], l = x.shape().dims(), st = new int[x.rank()];
    Arrays.fill(st, 1);
    s[axis] = start;
    l[axis] = end;
    return slice(x, s, l, st);
  }

  public static Value pad(Value x, Value padValue, int[] lo, int[] hi, int[] interior) {
    return apply(new Pad(lo.clone(), hi.clone(), interior.clone()), x, padValue);
  }

  public static Value concatenate(int axis, List<Value> xs) {
    return xs.size() == 1 ? xs.get(0) : apply(new Concatenate(axis), xs.toArray(new Value[0]));
  }

  public static Value reverse(Value x, int... dims) {
    return apply(new Reverse(dims.clone()), x);
  }

  // ---- reductions ----

  private static int[] axesOrAll(Value x, int[] axes) {
    if (axes.length > 0) return axes;
    int[] all = new int[x.rank()];
    for (int i = 0; i < all.length; i++) all[i] = i;
    return all;
  }

  /** Sum over the given axes (all axes when none are given). */
  public static Value sum(Value x, int... axes) {
    return apply(new Reduce(Reductions.Kind.SUM, axesOrAll(x, axes).clone()), x);
  }

  /** Max over the given axes (all axes when none are given). */
  public static Value reduceMax(Value x, int... axes) {
    return apply(new Reduce(Reductions.Kind.MAX, axesOrAll(x, axes).clone()), x);
  }

  /** Mean over the given axes (all axes when none are given). */
  /** (x − mean)·rsqrt(variance + ε) over the consecutive {@code dims}: see {@link BatchNormalize}. */
  public static Value batchNormalize(Value x, double epsilon, int... dims) {
    return apply(new BatchNormalize(dims, epsilon), x);
  }

  public static Value mean(Value x, int... axes) {
    int[] a = axesOrAll(x, axes);
    long n = 1;
    for (int d : a) n *= x.dim(d);
    return sum(x, a).div((double) n);
  }

  // ---- contractions ----

  public static Value dotGeneral(Value a, Value b, int[] lhsBatch, int[] rhsBatch, int[] lhsContract,
      int[] rhsContract) {
    return apply(new DotGeneral(lhsBatch.clone(), rhsBatch.clone(), lhsContract.clone(), rhsContract.clone()), a, b);
  }

  /** [m,k] · [k,n]. */
  public static Value matmul(Value a, Value b) {
    return dotGeneral(a, b, new int[0], new int[0], new int[] {a.rank() - 1}, new int[] {0});
  }

  /** Windows of {@code window} consecutive rows of {@code x} [N, ...] starting at each S32 index: [B, window, ...]. */
  public static Value gatherRows(Value x, Value startIndices, int window) {
    return apply(new Gather(window), x, startIndices);
  }

  public static Value convolution(Value x, Value w, Convolution conv) {
    return apply(conv, x, w);
  }

  // ---- replicas and autodiff control ----

  public static Value allReduceSum(Value x) {
    return apply(new AllReduce(), x);
  }

  public static Value replicaId(Tracer t) {
    return t.apply(new ReplicaId());
  }

  public static Value stopGradient(Value x) {
    return apply(new StopGradient(), x);
  }
}
