package dev.kiln.core.cpu;

import static dev.kiln.core.cpu.GemmKernels.L;
import static dev.kiln.core.cpu.GemmKernels.S;

import dev.kiln.core.cpu.Gemm.F32;
import dev.kiln.core.cpu.Gemm.F64;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/** The GEMM's plain loops, chosen per call by shape and type: the matrix-vector product, and float64. */
final class GemmLoops {
  private GemmLoops() {}

  /**
   * C[m×1] = A·b: one dot product per row, in vector lanes where A's rows and b are contiguous; the tiled kernels'
   * NR-wide panels of B would be all padding (docs/benchmarks.md, GEMM).
   */
  static void gemv(CpuContext ctx, int m, int k, F32 a, F32 b, float[] c, int cOff, int ldc) {
    float[] bv = new float[k];
    for (int p = 0; p < k; p++) bv[p] = b.data()[b.off() + p * b.rs()];
    float[] ad = a.data();
    ctx.parallelFor(m, Math.max(1, 16384 / Math.max(1, k)), (s, e) -> {
      float[] row = a.cs() == 1 ? null : new float[k], lanes = new float[L];
      for (int i = s; i < e; i++) {
        float[] x = ad;
        int xo = a.off() + i * a.rs();
        if (row != null) {
          for (int p = 0; p < k; p++) row[p] = ad[xo + p * a.cs()];
          x = row;
          xo = 0;
        }
        FloatVector acc = FloatVector.zero(S);
        int p = 0;
        for (int end = S.loopBound(k); p < end; p += L) {
          acc = FloatVector.fromArray(S, x, xo + p).fma(FloatVector.fromArray(S, bv, p), acc);
        }
        // The lanes are summed in a fixed order: reduceLanes(ADD) leaves the order to the JIT, and results must not
        // depend on whether the loop was compiled yet (an exact resume compares every float).
        acc.intoArray(lanes, 0);
        float sum = 0f;
        for (float v : lanes) sum += v;
        for (; p < k; p++) sum += x[xo + p] * bv[p];
        c[cOff + i * ldc] = sum;
      }
    });
  }

  /** C[m×n] = A[m×k]·B[k×n] in float64, overwriting C; a plain scalar loop, parallel over rows. */
  static void dgemm(CpuContext ctx, int m, int n, int k, F64 a, F64 b, double[] c, int cOff, int ldc) {
    ctx.parallelFor(m, 16, (s, e) -> {
      double[] ad = a.data(), bd = b.data();
      for (int i = s; i < e; i++) {
        int row = cOff + i * ldc;
        Arrays.fill(c, row, row + n, 0.0);
        for (int p = 0; p < k; p++) {
          double x = ad[a.off() + i * a.rs() + p * a.cs()];
          int bb = b.off() + p * b.rs();
          int bcs = b.cs();
          for (int j = 0; j < n; j++) {
            c[row + j] += x * bd[bb + j * bcs];
          }
        }
      }
    });
  }
}
