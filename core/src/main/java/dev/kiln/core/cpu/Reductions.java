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
    boolean isF = dtype.isFloating();
    double init = kind == Kind.SUM ? 0.0 : Double.NEGATIVE_INFINITY;
    if (rank == 0) {
      return reduce(ctx, dtype, kind, src, new int[] {1}, new boolean[] {false});
    }
    if (n == 0) {
      // Empty input: every output element is the init value.
      if (isF) {
        double[] r = new double[outN];
        java.util.Arrays.fill(r, init);
        return copyOut(dtype, r, null, outN);
      }
      int[] r = new int[outN];
      if (kind == Kind.MAX) java.util.Arrays.fill(r, dtype == DType.U32 ? 0 : Integer.MIN_VALUE);
      return r;
    }
    int inner = dims[rank - 1];
    boolean innerReduced = reduced[rank - 1];
    int rows = inner == 0 ? 0 : n / inner;
    int parts = Math.max(1, Math.min(ctx.parallelism(), rows / 64));
    double[][] accD = new double[parts][];
    int[][] accI = new int[parts][];
    final int fOutN = outN;
    ctx.parallelFor(parts, 1, (ps, pe) -> {
      for (int part = ps; part < pe; part++) {
        int s = (int) ((long) rows * part / parts);
        int e = (int) ((long) rows * (part + 1) / parts);
        if (isF) {
          double[] acc = new double[fOutN];
          if (kind == Kind.MAX) java.util.Arrays.fill(acc, init);
          walkF(dtype, kind, src, dims, outStride, inner, innerReduced, s, e, acc);
          accD[part] = acc;
        } else {
          int[] acc = new int[fOutN];
          if (kind == Kind.MAX) java.util.Arrays.fill(acc, dtype == DType.U32 ? 0 : Integer.MIN_VALUE);
          walkI(dtype, kind, (int[]) src, dims, outStride, inner, innerReduced, s, e, acc);
          accI[part] = acc;
        }
      }
    });
    if (isF) {
      double[] r = accD[0];
      for (int p = 1; p < parts; p++) {
        for (int i = 0; i < outN; i++) r[i] = kind == Kind.SUM ? r[i] + accD[p][i] : max(r[i], accD[p][i]);
      }
      return copyOut(dtype, r, null, outN);
    }
    int[] r = accI[0];
    for (int p = 1; p < parts; p++) {
      for (int i = 0; i < outN; i++) {
        r[i] = kind == Kind.SUM ? r[i] + accI[p][i]
            : (dtype == DType.U32 ? (Integer.compareUnsigned(r[i], accI[p][i]) >= 0 ? r[i] : accI[p][i])
                : Math.max(r[i], accI[p][i]));
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
