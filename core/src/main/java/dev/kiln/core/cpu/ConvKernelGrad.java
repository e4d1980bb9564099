package dev.kiln.core.cpu;

import java.util.stream.IntStream;

/**
 * The kernel gradient of a 1-D convolution with stride 1 and no dilation whose input and output have the same
 * length (the seed's 'same' Conv1D), computed as patchesᵀ·dy without forming the patches.
 *
 * <p>Autodiff writes that gradient as a convolution with the batch and feature roles swapped, dw[k, c, f] =
 * Σ_{n,o} x[n, o+k−pad, c]·dy[n, o, f]. Run as a general convolution it transposes x and dy and copies x five times
 * into im2col patches. Here x [N, S, C] and dy [N, S, F] are read where they lie: flattened to R = N·S rows, tap k
 * pairs dy row r with x row r + k − pad, so all taps are one GEMM, (K·C × R)·(R × F), whose A is x seen transposed
 * and shifted by one row per C rows of A (a strided view, no copy). Over the flattened rows some of those pairs cross
 * from one sample into the next: they are taken back out afterwards, and the edge rows the GEMM range left out are
 * added in, with one small GEMM per tap over the gathered edge rows (about 6 rows per sample for the seed).
 */
public final class ConvKernelGrad {
  private ConvKernelGrad() {}

  /**
   * dw [K, C, F] (row-major) for x [N, S, C] and dy [N, S, F] (row-major), taps k reading x at o + k − padLo.
   */
  public static float[] compute(CpuContext ctx, float[] x, float[] dy, int n, int s, int c, int f, int taps,
      int padLo) {
    int rows = n * s;
    int dMin = -padLo, dMax = taps - 1 - padLo;
    int lo = Math.max(0, -dMin), hi = Math.max(lo, Math.min(rows, rows - dMax));
    float[] dw = new float[taps * c * f];
    if (hi > lo) {
      // A(i = k·C + c, p) = x[(lo + p + k − pad)·C + c] = x[(lo − pad)·C + i + p·C]
      Gemm.sgemm(ctx, taps * c, f, hi - lo, new Gemm.F32(x, (lo + dMin) * c, 1, c),
          new Gemm.F32(dy, lo * f, f, 1), dw, 0, f);
    }
    // Per tap: rows to add (a valid pair outside [lo, hi)) or take back (an invalid pair inside it), gathered with
    // their sign into small matrices and applied with one GEMM each. Only rows within edgeL of a sample's start or
    // edgeR of its end can be either: the same positions o in every sample.
    int edgeL = Math.min(s, Math.max(0, -dMin)), edgeR = Math.min(s, Math.max(0, dMax));
    int[] edges = IntStream.concat(IntStream.range(0, edgeL),
        IntStream.range(Math.max(edgeL, s - edgeR), s)).toArray();
    float[] tmp = new float[c * f];
    int[] pick = new int[n * edges.length];
    boolean[] negative = new boolean[pick.length];
    for (int k = 0; k < taps; k++) {
      int d = k + dMin;
      int count = 0;
      for (int b = 0; b < n; b++) {
        for (int o : edges) {
          int r = b * s + o;
          boolean valid = o + d >= 0 && o + d < s, inGemm = r >= lo && r < hi;
          if (valid == inGemm) continue;
          pick[count] = r;
          negative[count++] = inGemm;
        }
      }
      if (count == 0) continue;
      float[] xs = new float[count * c], ds = new float[count * f];
      for (int q = 0; q < count; q++) {
        int r = pick[q];
        float sign = negative[q] ? -1f : 1f;
        int xr = (r + d) * c;
        for (int j = 0; j < c; j++) xs[q * c + j] = sign * x[xr + j];
        System.arraycopy(dy, r * f, ds, q * f, f);
      }
      Gemm.sgemm(ctx, c, f, count, new Gemm.F32(xs, 0, 1, c), Gemm.F32.rowMajor(ds, 0, f), tmp, 0, f);
      int base = k * c * f;
      for (int i = 0; i < c * f; i++) dw[base + i] += tmp[i];
    }
    return dw;
  }
}
