package dev.kiln.core.cpu;

import dev.kiln.core.DType;

/**
 * Sum and max reductions over any set of dimensions. The input is walked row by row (a row is the innermost
 * dimension); each worker accumulates into its own partial result, in float64 for float sums so that long
 * reductions (batch statistics over 80k rows) keep their precision, and the partials are combined at the end.
 */
public final class Reductions {
  private Reductions() {}

  /** Which reduction. */
  public enum Kind { SUM, MAX }

  /**
   * Reduces {@code src} (shape {@code dims}) over the dimensions flagged in {@code reduced}; the result has the kept
   * dimensions in order.
   */
  public static Object reduce(CpuContext ctx, DType dtype, Kind kind, Object src, int[] dims, boolean[] reduced) {
    int rank = dims.length;
    if (rank == 0) {
      return reduce(ctx, dtype, kind, src, new int[] {1}, new boolean[] {false});
    }
    int outN = 1;
    int[] outStride = new int[rank];
    for (int d = rank - 1; d >= 0; d--) {
      if (!reduced[d]) {
        outStride[d] = outN;
        outN *= dims[d];
      }
    }
    int n = 1;
    for (int d : dims) n *= d;
    if (n == 0) return empty(dtype, kind, outN);
    int rows = n / dims[rank - 1];
    int parts = Math.max(1, Math.min(ctx.parallelism(), rows / 64));
    Walk w = new Walk(dims, outStride, reduced[rank - 1], outN, rows, parts);
    return dtype.isFloating() ? reduceFloats(ctx, dtype, kind, src, w) : reduceInts(ctx, dtype, kind, (int[]) src, w);
  }

  /**
   * How a reduction walks its input: its dimensions, each kept dimension's stride in the output (0 for reduced ones),
   * whether the innermost dimension is reduced, the output's size, and the input's rows split into {@code parts}
   * ranges, each accumulated into its own partial result.
   */
  private record Walk(int[] dims, int[] outStride, boolean innerReduced, int outN, int rows, int parts) {
    int inner() {
      return dims[dims.length - 1];
    }

    /** The first row of {@code part} (the end of part − 1). */
    int firstRow(int part) {
      return (int) ((long) rows * part / parts);
    }
  }

  /** The result of reducing an empty input: every output element is the reduction's initial value. */
  private static Object empty(DType dtype, Kind kind, int outN) {
    if (dtype.isFloating()) {
      double[] r = new double[outN];
      java.util.Arrays.fill(r, floatInit(kind));
      return copyOut(dtype, r, null, outN);
    }
    int[] r = new int[outN];
    if (kind == Kind.MAX) java.util.Arrays.fill(r, intMaxInit(dtype));
    return r;
  }

  private static double floatInit(Kind kind) {
    return kind == Kind.SUM ? 0.0 : Double.NEGATIVE_INFINITY;
  }

  private static int intMaxInit(DType dtype) {
    return dtype == DType.U32 ? 0 : Integer.MIN_VALUE;
  }

  /** A float reduction: float64 partials by part, combined in part order. */
  private static Object reduceFloats(CpuContext ctx, DType dtype, Kind kind, Object src, Walk w) {
    double[][] acc = new double[w.parts()][];
    ctx.parallelFor(w.parts(), 1, (ps, pe) -> {
      for (int part = ps; part < pe; part++) {
        double[] a = new double[w.outN()];
        if (kind == Kind.MAX) java.util.Arrays.fill(a, floatInit(kind));
        walkF(dtype, kind, src, w.dims(), w.outStride(), w.inner(), w.innerReduced(), w.firstRow(part),
            w.firstRow(part + 1), a);
        acc[part] = a;
      }
    });
    double[] r = acc[0];
    for (int p = 1; p < w.parts(); p++) {
      for (int i = 0; i < w.outN(); i++) r[i] = kind == Kind.SUM ? r[i] + acc[p][i] : max(r[i], acc[p][i]);
    }
    return copyOut(dtype, r, null, w.outN());
  }

  /** An integer reduction: partials by part, combined in part order. */
  private static int[] reduceInts(CpuContext ctx, DType dtype, Kind kind, int[] src, Walk w) {
    int[][] acc = new int[w.parts()][];
    ctx.parallelFor(w.parts(), 1, (ps, pe) -> {
      for (int part = ps; part < pe; part++) {
        int[] a = new int[w.outN()];
        if (kind == Kind.MAX) java.util.Arrays.fill(a, intMaxInit(dtype));
        walkI(dtype, kind, src, w.dims(), w.outStride(), w.inner(), w.innerReduced(), w.firstRow(part),
            w.firstRow(part + 1), a);
        acc[part] = a;
      }
    });
    int[] r = acc[0];
    for (int p = 1; p < w.parts(); p++) {
      for (int i = 0; i < w.outN(); i++) {
        r[i] = kind == Kind.SUM ? r[i] + acc[p][i]
            : (dtype == DType.U32 ? (Integer.compareUnsigned(r[i], acc[p][i]) >= 0 ? r[i] : acc[p][i])
                : Math.max(r[i], acc[p][i]));
      }
    }
    return r;
  }

  private static double max(double a, double b) {
    return Math.max(a, b); // NaN-propagating, like StableHLO maximum
  }

  private static Object copyOut(DType dtype, double[] r, int[] ints, int n) {
    return switch (dtype) {
      case F32 -> { float[] o = new float[n]; for (int i = 0; i < n; i++) o[i] = (float) r[i]; yield o; }
      case F64 -> r;
      default -> ints;
    };
  }

  /** Positions the row odometer {@code idx} at input row {@code row}; returns that row's output offset. */
  private static int seek(int row, int[] dims, int[] outStride, int[] idx) {
    int o = 0;
    for (int d = dims.length - 2; d >= 0; d--) {
      idx[d] = row % dims[d];
      row /= dims[d];
      o += idx[d] * outStride[d];
    }
    return o;
  }

  /** Steps the odometer to the next input row; returns the new output offset. */
  private static int advance(int o, int[] dims, int[] outStride, int[] idx) {
    for (int d = dims.length - 2; d >= 0; d--) {
      o += outStride[d];
      if (++idx[d] < dims[d]) break;
      o -= outStride[d] * dims[d];
      idx[d] = 0;
    }
    return o;
  }

  private static void walkF(DType dtype, Kind kind, Object src, int[] dims, int[] outStride, int inner,
      boolean innerReduced, int s, int e, double[] acc) {
    int rank = dims.length;
    int[] idx = new int[rank - 1];
    int o = seek(s, dims, outStride, idx);
    float[] f = dtype == DType.F32 ? (float[]) src : null;
    double[] g = dtype == DType.F64 ? (double[]) src : null;
    boolean sum = kind == Kind.SUM;
    for (int r = s; r < e; r++) {
      int base = r * inner;
      if (innerReduced) {
        double a = acc[o];
        if (f != null) {
          if (sum) for (int j = 0; j < inner; j++) a += f[base + j];
          else for (int j = 0; j < inner; j++) a = max(a, f[base + j]);
        } else {
          if (sum) for (int j = 0; j < inner; j++) a += g[base + j];
          else for (int j = 0; j < inner; j++) a = max(a, g[base + j]);
        }
        acc[o] = a;
      } else {
        if (f != null) {
          if (sum) FloatKernels.addTo(acc, o, f, base, inner);
          else for (int j = 0; j < inner; j++) acc[o + j] = max(acc[o + j], f[base + j]);
        } else {
          if (sum) for (int j = 0; j < inner; j++) acc[o + j] += g[base + j];
          else for (int j = 0; j < inner; j++) acc[o + j] = max(acc[o + j], g[base + j]);
        }
      }
      o = advance(o, dims, outStride, idx);
    }
  }

  private static void walkI(DType dtype, Kind kind, int[] src, int[] dims, int[] outStride, int inner,
      boolean innerReduced, int s, int e, int[] acc) {
    int rank = dims.length;
    int[] idx = new int[rank - 1];
    int o = seek(s, dims, outStride, idx);
    boolean unsigned = dtype == DType.U32;
    for (int r = s; r < e; r++) {
      int base = r * inner;
      for (int j = 0; j < inner; j++) {
        int t = innerReduced ? o : o + j;
        int v = src[base + j];
        if (kind == Kind.SUM) acc[t] += v;
        else if (unsigned ? Integer.compareUnsigned(v, acc[t]) > 0 : v > acc[t]) acc[t] = v;
      }
      o = advance(o, dims, outStride, idx);
    }
  }
}
