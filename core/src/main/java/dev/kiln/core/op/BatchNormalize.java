package dev.kiln.core.op;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.cpu.Arena;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.cpu.FloatKernels;
import dev.kiln.core.graph.Graph;
import dev.kiln.core.graph.Primitive;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import dev.kiln.core.hlo.HloEmitter;
import java.util.Arrays;
import java.util.List;

/**
 * Batch normalization's core, x̂ = (x − m)·rsqrt(v + ε) with m and v the mean and biased variance of x over the
 * consecutive dimensions {@code dims} (one statistic per element of the other dimensions), as one primitive.
 *
 * <p>Why a primitive and not the composite of reductions and elementwise ops it lowers to: its VJP is the closed form
 * dx = r·(g − mean(g) − x̂·mean(g·x̂)), two reductions and one elementwise pass. Differentiating the composite instead
 * gives reductions through the mean and the variance separately, which XLA neither merges nor fuses into their
 * consumers: on a TPU compile of the seed's step it wrote a full-size array more per batch norm than this form. On the
 * Java backend the kernel computes the statistics and the normalization in three tight passes instead of the
 * composite's dozen. It lowers to the composite ({@link #composite}), which XLA fuses with its neighbours.
 */
public record BatchNormalize(int[] dims, double epsilon) implements Primitive {
  /** Rows of the reduced block summed per task: fixed, so the sums do not depend on the thread count. */
  private static final int BLOCK = 1024;

  @Override public String name() { return "batch_normalize"; }
  @Override public String attributes() { return "dimensions=" + Arrays.toString(dims) + ", epsilon=" + epsilon; }

  @Override
  public TensorType inferType(List<TensorType> in) {
    if (in.size() != 1) throw error(in, "expects 1 operand");
    TensorType x = in.get(0);
    if (!x.dtype().isFloating()) throw error(in, "normalizes floating-point tensors only");
    if (dims.length == 0) throw error(in, "needs at least one dimension to take statistics over");
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] < 0 || dims[i] >= x.shape().rank()) throw error(in, "dimension " + dims[i] + " is out of range");
      if (i > 0 && dims[i] != dims[i - 1] + 1) throw error(in, "the dimensions must be consecutive and ascending");
    }
    if (!(epsilon > 0)) throw error(in, "epsilon must be positive");
    return x;
  }

  /** The dimensions that keep one statistic each, in order. */
  private static int[] kept(int[] dims, int rank) {
    int[] k = new int[rank - dims.length];
    for (int d = 0, j = 0; d < rank; d++) if (d < dims[0] || d > dims[dims.length - 1]) k[j++] = d;
    return k;
  }

  /** A per-statistic value broadcast to {@code like}'s shape. */
  private static Value broadcast(Value stat, Value like, int[] dims) {
    return Ops.broadcastInDim(stat, like.shape().dims(), kept(dims, like.rank()));
  }

  /** The same computation written with other primitives: what this op lowers to, and the reference it is tested by. */
  public static Value composite(Value x, int[] dims, double epsilon) {
    Value[] mv = moments(x, dims);
    return x.sub(broadcast(mv[0], x, dims)).mul(broadcast(rsqrtOf(mv[1], epsilon), x, dims));
  }

  /**
   * The mean and biased variance of x over the consecutive {@code dims}, one each per element of the other
   * dimensions, written with other primitives: what this op normalizes by, and what a layer keeps moving averages of.
   */
  public static Value[] moments(Value x, int[] dims) {
    Value mean = Ops.mean(x, dims);
    Value centered = x.sub(broadcast(mean, x, dims));
    return new Value[] {mean, Ops.mean(centered.mul(centered), dims)};
  }

  /** rsqrt(variance + ε). */
  private static Value rsqrtOf(Value variance, double epsilon) {
    return Ops.rsqrt(variance.add(epsilon));
  }


  @Override
  public List<Value> vjp(Value out, Value g) {
    Value x = out.input(0);
    Value r = broadcast(rsqrtOf(moments(x, dims)[1], epsilon), x, dims);
    Value meanG = broadcast(Ops.mean(g, dims), x, dims), meanGx = broadcast(Ops.mean(g.mul(out), dims), x, dims);
    return Arrays.asList(g.sub(meanG).sub(out.mul(meanGx)).mul(r));
  }

  @Override
  public void lower(HloEmitter e, Value out) {
    Value x = out.input(0);
    Tracer t = new Tracer();
    Value p = t.parameter("x", x.dtype(), x.shape().dims());
    Graph sub = t.build(composite(p, dims, epsilon));
    e.inline(out, sub);
  }

  @Override
  public Tensor eval(CpuContext ctx, Tensor[] in, TensorType t) {
    Shape s = in[0].shape();
    int outer = 1, rows = 1, inner = 1;
    for (int d = 0; d < s.rank(); d++) {
      if (d < dims[0]) outer *= s.dim(d);
      else if (d <= dims[dims.length - 1]) rows *= s.dim(d);
      else inner *= s.dim(d);
    }
    if (t.dtype() == DType.F32) {
      float[] x = in[0].floats(), y = (float[]) Arena.uninitialized(DType.F32, x.length);
      for (int o = 0; o < outer; o++) normalize32(ctx, x, y, o * rows * inner, rows, inner);
      return Tensor.wrap(DType.F32, s, y);
    }
    double[] x = in[0].doubles(), y = new double[x.length];
    for (int o = 0; o < outer; o++) normalize64(ctx, x, y, o * rows * inner, rows, inner);
    return Tensor.wrap(DType.F64, s, y);
  }

  /**
   * One [rows, inner] slab at {@code base}: per column, the mean and then the centred variance (two passes, each
   * summed in double over fixed row blocks, then the blocks in order), then x̂ in float.
   */
  private void normalize32(CpuContext ctx, float[] x, float[] y, int base, int rows, int inner) {
    int blocks = (rows + BLOCK - 1) / BLOCK;
    double[] part = new double[blocks * inner];
    ctx.parallelFor(blocks, 1, (b0, b1) -> {
      for (int b = b0; b < b1; b++) {
        int off = b * inner;
        for (int r = b * BLOCK, end = Math.min(rows, r + BLOCK); r < end; r++) {
          int row = base + r * inner;
          FloatKernels.addTo(part, off, x, row, inner);
        }
      }
    });
    float[] mean = new float[inner];
    double[] sum = combine(part, blocks, inner);
    for (int i = 0; i < inner; i++) mean[i] = (float) (sum[i] / rows);
    Arrays.fill(part, 0);
    ctx.parallelFor(blocks, 1, (b0, b1) -> {
      for (int b = b0; b < b1; b++) {
        int off = b * inner;
        for (int r = b * BLOCK, end = Math.min(rows, r + BLOCK); r < end; r++) {
          FloatKernels.addSquaredDeviations(part, off, x, base + r * inner, mean, inner);
        }
      }
    });
    float[] scale = new float[inner];
    double[] sq = combine(part, blocks, inner);
    for (int i = 0; i < inner; i++) scale[i] = (float) (1.0 / Math.sqrt((float) (sq[i] / rows) + epsilon));
    ctx.parallelFor(rows, 4096 / Math.max(1, inner) + 1, (r0, r1) -> {
      for (int r = r0; r < r1; r++) {
        FloatKernels.centreAndScale(x, base + r * inner, mean, scale, y, inner);
      }
    });
  }

  /** The same in float64 (the reference precision), serially. */
  private void normalize64(CpuContext ctx, double[] x, double[] y, int base, int rows, int inner) {
    double[] mean = new double[inner], sq = new double[inner];
    for (int r = 0; r < rows; r++) for (int i = 0; i < inner; i++) mean[i] += x[base + r * inner + i];
    for (int i = 0; i < inner; i++) mean[i] /= rows;
    for (int r = 0; r < rows; r++) {
      for (int i = 0; i < inner; i++) {
        double c = x[base + r * inner + i] - mean[i];
        sq[i] += c * c;
      }
    }
    for (int r = 0; r < rows; r++) {
      for (int i = 0; i < inner; i++) {
        y[base + r * inner + i] = (x[base + r * inner + i] - mean[i]) / Math.sqrt(sq[i] / rows + epsilon);
      }
    }
  }

  private static double[] combine(double[] part, int blocks, int inner) {
    double[] s = new double[inner];
    for (int b = 0; b < blocks; b++) for (int i = 0; i < inner; i++) s[i] += part[b * inner + i];
    return s;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BatchNormalize b && Arrays.equals(dims, b.dims) && epsilon == b.epsilon;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims) * 31 + Double.hashCode(epsilon);
  }

  @Override
  public String toString() {
    return "BatchNormalize" + attributes();
  }
}
