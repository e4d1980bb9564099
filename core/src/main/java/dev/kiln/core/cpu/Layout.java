package dev.kiln.core.cpu;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;

/**
 * Data-movement kernels shared by transpose, broadcast_in_dim, slice, reverse, pad and concatenate. Each is a
 * strided walk of the output in row-major order with an odometer over the outer dimensions and a tight loop over
 * the innermost one (a bulk copy when both sides are contiguous there).
 */
public final class Layout {
  private Layout() {}

  /**
   * A new array of the output's size where {@code out[i] = src[srcOff + Σ idx_d · srcStrides_d]} for the
   * multi-index {@code idx} of flat position i in {@code outDims}. Strides may be 0 (broadcast) or negative
   * (reverse).
   */
  public static Object gather(CpuContext ctx, DType dtype, Object src, int srcOff, int[] outDims, int[] srcStrides) {
    int rank = outDims.length;
    int n = 1;
    for (int d : outDims) n *= d;
    Object out = Arena.uninitialized(dtype, n);
    if (n == 0) {
      return out;
    }
    if (rank == 0) {
      System.arraycopy(src, srcOff, out, 0, 1);
      return out;
    }
    int inner = outDims[rank - 1];
    int innerStride = srcStrides[rank - 1];
    int rows = n / inner;
    ctx.parallelFor(rows, Math.max(1, 32768 / Math.max(1, inner)), (s, e) -> {
      int[] idx = new int[rank - 1];
      // position the odometer at row s
      int rem = s;
      int off = srcOff;
      for (int d = rank - 2; d >= 0; d--) {
        idx[d] = rem % outDims[d];
        rem /= outDims[d];
        off += idx[d] * srcStrides[d];
      }
      for (int r = s; r < e; r++) {
        copyRow(dtype, src, off, innerStride, out, r * inner, inner);
        for (int d = rank - 2; d >= 0; d--) {
          off += srcStrides[d];
          if (++idx[d] < outDims[d]) break;
          off -= srcStrides[d] * outDims[d];
          idx[d] = 0;
        }
      }
    });
    return out;
  }

  private static void copyRow(DType dtype, Object src, int off, int stride, Object dst, int dOff, int n) {
    if (stride == 1) {
      System.arraycopy(src, off, dst, dOff, n);
      return;
    }
    switch (dtype) {
      case F32 -> {
        float[] s = (float[]) src, d = (float[]) dst;
        if (stride == 0) java.util.Arrays.fill(d, dOff, dOff + n, s[off]);
        else for (int i = 0; i < n; i++) d[dOff + i] = s[off + i * stride];
      }
      case F64 -> {
        double[] s = (double[]) src, d = (double[]) dst;
        if (stride == 0) java.util.Arrays.fill(d, dOff, dOff + n, s[off]);
        else for (int i = 0; i < n; i++) d[dOff + i] = s[off + i * stride];
      }
      case S32, U32 -> {
        int[] s = (int[]) src, d = (int[]) dst;
        for (int i = 0; i < n; i++) d[dOff + i] = s[off + i * stride];
      }
      case PRED -> {
        boolean[] s = (boolean[]) src, d = (boolean[]) dst;
        for (int i = 0; i < n; i++) d[dOff + i] = s[off + i * stride];
      }
    }
  }

  /** Row-major strides of a shape. */
  public static int[] strides(int[] dims) {
    return dev.kiln.core.Shape.of(dims).strides();
  }

  /** The tensor's data with its dimensions in the given order (no copy when they already are). */
  public static Object arranged(CpuContext ctx, Tensor x, int[] order) {
    for (int i = 0; i < order.length; i++) {
      if (order[i] != i) return transpose(ctx, x.dtype(), x.array(), x.shape().dims(), order);
    }
    return x.array();
  }

  /** Transposes: output dim i is input dim perm[i]. */
  public static Object transpose(CpuContext ctx, DType dtype, Object src, int[] inDims, int[] perm) {
    int[] inStrides = strides(inDims);
    int[] outDims = new int[perm.length];
    int[] st = new int[perm.length];
    for (int i = 0; i < perm.length; i++) {
      outDims[i] = inDims[perm[i]];
      st[i] = inStrides[perm[i]];
    }
    return gather(ctx, dtype, src, 0, outDims, st);
  }

  /**
   * Pads: the output (filled with {@code padValue}) receives input element idx at position
   * lo + idx·(interior+1) in each dimension; positions outside the output (negative padding) are dropped.
   */
  public static Object pad(DType dtype, Object src, int[] inDims, Object padValue, int[] lo, int[] interior,
      int[] outDims) {
    int rank = inDims.length;
    int n = 1;
    for (int d : outDims) n *= d;
    Object out = Tensor.newArray(dtype, n);
    fill(dtype, out, padValue);
    int inN = 1;
    for (int d : inDims) inN *= d;
    if (inN == 0 || n == 0) {
      return out;
    }
    int[] outStrides = strides(outDims);
    int[] idx = new int[rank];
    for (int i = 0; i < inN; i++) {
      int pos = 0;
      boolean inside = true;
      for (int d = 0; d < rank; d++) {
        int p = lo[d] + idx[d] * (interior[d] + 1);
        if (p < 0 || p >= outDims[d]) {
          inside = false;
          break;
        }
        pos += p * outStrides[d];
      }
      if (inside) System.arraycopy(src, i, out, pos, 1);
      for (int d = rank - 1; d >= 0; d--) {
        if (++idx[d] < inDims[d]) break;
        idx[d] = 0;
      }
    }
    return out;
  }

  private static void fill(DType dtype, Object out, Object scalar) {
    switch (dtype) {
      case F32 -> java.util.Arrays.fill((float[]) out, ((float[]) scalar)[0]);
      case F64 -> java.util.Arrays.fill((double[]) out, ((double[]) scalar)[0]);
      case S32, U32 -> java.util.Arrays.fill((int[]) out, ((int[]) scalar)[0]);
      case PRED -> java.util.Arrays.fill((boolean[]) out, ((boolean[]) scalar)[0]);
    }
  }

  /** Concatenates arrays of the given shapes along {@code axis}. */
  public static Object concatenate(DType dtype, Object[] srcs, int[][] dims, int axis, int[] outDims) {
    int outer = 1;
    for (int d = 0; d < axis; d++) outer *= outDims[d];
    int innerOut = 1;
    for (int d = axis; d < outDims.length; d++) innerOut *= outDims[d];
    Object out = Tensor.newArray(dtype, outer * innerOut);
    int colOff = 0;
    for (int k = 0; k < srcs.length; k++) {
      int inner = 1;
      for (int d = axis; d < dims[k].length; d++) inner *= dims[k][d];
      for (int o = 0; o < outer; o++) {
        System.arraycopy(srcs[k], o * inner, out, o * innerOut + colOff, inner);
      }
      colOff += inner;
    }
    return out;
  }
}
