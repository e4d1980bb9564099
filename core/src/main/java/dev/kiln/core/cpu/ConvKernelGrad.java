package dev.kiln.core.cpu;

import dev.kiln.core.DType;
import java.util.Arrays;

/**
 * The kernel gradient of a 1-D convolution with stride 1 and no dilation whose input and output have the same
 * length (the seed's 'same' Conv1D), computed as patchesᵀ·dy without forming the patches.
 *
 * <p>Autodiff writes that gradient as a convolution with the batch and feature roles swapped, dw[k, c, f] =
 * Σ_{n,o} x[n, o+k−pad, c]·dy[n, o, f]. Run as a general convolution it transposes x and dy and copies x five times
 * into im2col patches. Here each sample of x [N, S, C] is zero-padded to Sp = S + K − 1 rows and the whole is
 * transposed once to xt [C, N·Sp]; dy [N, S, F] is spread to the same row numbering with zero rows between samples.
 * Tap k then pairs dy row r with xt column r + k, never across samples, so all taps are one GEMM, (K·C × R)·(R × F),
 * whose A row (k, c) is the contiguous run of xt's row c from column k, read in place ({@link Gemm#sgemmRows}). The
 * zero rows add (K − 1)/S of the work; packing A from x's strided columns, with per-tap corrections for the pairs
 * that crossed samples, had cost more than the GEMM itself.
 */
public final class ConvKernelGrad {
  private ConvKernelGrad() {}

  /**
   * dw [K, C, F] (row-major) for x [N, S, C] and dy [N, S, F] (row-major), taps k reading x at o + k − padLo.
   */
  public static float[] compute(CpuContext ctx, float[] x, float[] dy, int n, int s, int c, int f, int taps,
      int padLo) {
    float[] dw = new float[taps * c * f];
    if (n == 0 || s == 0 || c == 0 || f == 0) return dw;
    int sp = s + taps - 1, cols = n * sp, rows = (n - 1) * sp + s;
    // xt's rows are ld floats apart: cols rounded up to whole cache lines, plus one line. With ld = cols the seed's
    // rows were 4096 · 24 floats (384 KiB) apart at batch 4096, so the transpose's 130 row streams, and the GEMM's A
    // rows, all fell in one set of L1 and of L2 and were evicted before the next sample wrote on. The padding past
    // cols is never read.
    int ld = (cols + 15) / 16 * 16 + 16;
    // x[b, o] lands at padded position padLo + o; positions outside [0, Sp) are never read by a valid pair.
    int oLo = Math.max(0, -padLo), oHi = Math.min(s, sp - padLo);
    // Both branches of the seed take a kernel gradient over the same input: the transposed copy is made once a step.
    String what = "ConvKernelGrad xt " + n + "x" + s + "x" + c + " taps " + taps + " pad " + padLo;
    float[] xt = (float[]) Arena.derived(x, what, () -> {
      float[] t = (float[]) Arena.uninitialized(DType.F32, c * ld);
      ctx.parallelFor(n, 16, (b0, b1) -> {
        for (int b = b0; b < b1; b++) {
          int base = b * sp;
          for (int j = 0; j < c; j++) {
            int row = j * ld + base;
            for (int p = 0; p < padLo + oLo; p++) t[row + p] = 0f;
            for (int p = padLo + oHi; p < sp; p++) t[row + p] = 0f;
          }
          // x's rows in order, each spread over the channels' rows of xt.
          for (int o = oLo; o < oHi; o++) {
            int src = (b * s + o) * c, dst = base + padLo + o;
            for (int j = 0; j < c; j++) t[j * ld + dst] = x[src + j];
          }
        }
      });
      return t;
    });
    float[] dyp = (float[]) Arena.uninitialized(DType.F32, rows * f);
    ctx.parallelFor(n, 64, (b0, b1) -> {
      for (int b = b0; b < b1; b++) {
        System.arraycopy(dy, b * s * f, dyp, b * sp * f, s * f);
        if (b < n - 1) Arrays.fill(dyp, (b * sp + s) * f, (b + 1) * sp * f, 0f);
      }
    });
    int[] rowStart = new int[taps * c];
    for (int k = 0; k < taps; k++) {
      for (int j = 0; j < c; j++) rowStart[k * c + j] = j * ld + k;
    }
    Gemm.sgemmRows(ctx, taps * c, f, rows, xt, rowStart, Gemm.F32.rowMajor(dyp, 0, f), dw, 0, f);
    Arena.scratchDone(dyp);
    return dw;
  }
}
