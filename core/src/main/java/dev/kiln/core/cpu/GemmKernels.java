package dev.kiln.core.cpu;

import dev.kiln.core.Flags;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The GEMM's register-blocked micro-kernels: C tile (MR × NR) += A (MR rows, kc steps) · a packed B panel (kc × NR),
 * with MR × 2 vector accumulators and one fused multiply-add per step of K per element, in K's order. Each kernel's
 * loop is written out by hand and must stay as it is: how C2 allocates registers for it follows its exact shape
 * (docs/benchmarks.md, GEMM). The rows of A come as six int offsets {@code a0…a5}, which C2 keeps in registers.
 */
final class GemmKernels {
  /**
   * The widest float vectors, or those of {@code -Dkiln.gemm.vectorBits=N}: the build sets 512 on any CPU so that the
   * AVX-512 tile and blocking stay correct under test on AVX2-only machines too (the Vector API then runs 512-bit
   * vectors in plain Java: correct and slow, for tests only).
   */
  static final VectorSpecies<Float> S = species(Flags.GEMM_VECTOR_BITS.intValue());
  static final int L = S.length();
  /**
   * Rows of the tile, on every vector width: 12 accumulators, two B vectors and two broadcasts fill AVX2's 16
   * registers only as {@link #microKernelRows} compiles (docs/benchmarks.md, GEMM).
   */
  static final int MR = 6;
  /** Columns of the tile: two vectors. */
  static final int NR = 2 * L;
  /**
   * Steps of K per chunk in {@link #microKernelRowsChunked}: Gemm's K block, so a packed block is one chunk
   * (docs/benchmarks.md, GEMM).
   */
  static final int K_CHUNK = Gemm.KC;

  private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[MR * NR]);

  private GemmKernels() {}

  private static VectorSpecies<Float> species(int bits) {
    return bits > 0 ? VectorSpecies.of(float.class, VectorShape.forBitSize(bits)) : FloatVector.SPECIES_PREFERRED;
  }

  /**
   * C tile (mr × nr) += A · Bpanel on {@code path}'s kernel: a full tile straight into C, a partial one (the last rows
   * or columns) through a zeroed MR × NR scratch tile, so that the kernels have no branch (a one-sided branch there
   * made C2 deoptimize and recompile them when the first partial tile came).
   */
  static void tile(GemmPath path, int kc, float[] ap, int a0, int a1, int a2, int a3, int a4, int a5, int ps,
      float[] bp, int bOff, float[] c, int cOff, int ldc, int mr, int nr) {
    if (mr == MR && nr == NR) {
      kernel(path, kc, ap, a0, a1, a2, a3, a4, a5, ps, bp, bOff, c, cOff, ldc);
      return;
    }
    float[] t = TILE.get();
    Arrays.fill(t, 0f);
    kernel(path, kc, ap, a0, a1, a2, a3, a4, a5, ps, bp, bOff, t, 0, NR);
    for (int i = 0; i < mr; i++) {
      int row = cOff + i * ldc;
      for (int j = 0; j < nr; j++) c[row + j] += t[i * NR + j];
    }
  }

  /** The kernel of {@code path} (A's element (r, p) at {@code ap[a_r + p·ps]}; the row kernels need ps = 1). */
  private static void kernel(GemmPath path, int kc, float[] ap, int a0, int a1, int a2, int a3, int a4, int a5, int ps,
      float[] bp, int bOff, float[] c, int cOff, int ldc) {
    if (!path.rowPanels) microKernel(kc, ap, a0, a1, a2, a3, a4, a5, ps, bp, bOff, c, cOff, ldc);
    else if (path.kChunks) microKernelRowsChunked(kc, ap, a0, a1, a2, a3, a4, a5, bp, bOff, c, cOff, ldc);
    else microKernelRows(kc, ap, a0, a1, a2, a3, a4, a5, bp, bOff, c, cOff, ldc);
  }

  /**
   * C tile (MR × NR) += A · Bpanel over kc steps with MR × 2 vector accumulators; A's element (r, p) is
   * {@code ap[a_r + p·ps]} (packed: a_r = panel + r, ps = MR; in place: a_r = the row's start, ps = 1). The AVX-512
   * path's kernel: with 32 registers it is bound by its FMAs, not by the variable stride's address arithmetic.
   */
  static void microKernel(int kc, float[] ap, int a0, int a1, int a2, int a3, int a4, int a5, int ps,
      float[] bp, int bOff, float[] c, int cOff, int ldc) {
    FloatVector z = FloatVector.zero(S);
    FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z;
    FloatVector c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
    int b = bOff;
    for (int p = 0, q = 0; p < kc; p++, q += ps, b += NR) {
      FloatVector b0 = FloatVector.fromArray(S, bp, b);
      FloatVector b1 = FloatVector.fromArray(S, bp, b + L);
      FloatVector x = FloatVector.broadcast(S, ap[a0 + q]);
      c00 = b0.fma(x, c00);
      c01 = b1.fma(x, c01);
      x = FloatVector.broadcast(S, ap[a1 + q]);
      c10 = b0.fma(x, c10);
      c11 = b1.fma(x, c11);
      x = FloatVector.broadcast(S, ap[a2 + q]);
      c20 = b0.fma(x, c20);
      c21 = b1.fma(x, c21);
      x = FloatVector.broadcast(S, ap[a3 + q]);
      c30 = b0.fma(x, c30);
      c31 = b1.fma(x, c31);
      x = FloatVector.broadcast(S, ap[a4 + q]);
      c40 = b0.fma(x, c40);
      c41 = b1.fma(x, c41);
      x = FloatVector.broadcast(S, ap[a5 + q]);
      c50 = b0.fma(x, c50);
      c51 = b1.fma(x, c51);
    }
    addRow(c, cOff, c00, c01);
    addRow(c, cOff + ldc, c10, c11);
    addRow(c, cOff + 2 * ldc, c20, c21);
    addRow(c, cOff + 3 * ldc, c30, c31);
    addRow(c, cOff + 4 * ldc, c40, c41);
    addRow(c, cOff + 5 * ldc, c50, c51);
  }

  /**
   * {@link #microKernel} with every A row at unit stride ({@link GemmPath#rowPanels}), the one form of the 6-row tile
   * that fits AVX2's 16 registers in C2's code; every way tried to shorten its loop made C2 spill (docs/benchmarks.md,
   * GEMM).
   */
  static void microKernelRows(int kc, float[] ap, int a0, int a1, int a2, int a3, int a4, int a5, float[] bp,
      int bOff, float[] c, int cOff, int ldc) {
    FloatVector z = FloatVector.zero(S);
    FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z;
    FloatVector c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
    int b = bOff;
    for (int p = 0; p < kc; p++, b += NR) {
      FloatVector b0 = FloatVector.fromArray(S, bp, b);
      FloatVector b1 = FloatVector.fromArray(S, bp, b + L);
      FloatVector x = FloatVector.broadcast(S, ap[a0 + p]);
      c00 = b0.fma(x, c00);
      c01 = b1.fma(x, c01);
      x = FloatVector.broadcast(S, ap[a1 + p]);
      c10 = b0.fma(x, c10);
      c11 = b1.fma(x, c11);
      x = FloatVector.broadcast(S, ap[a2 + p]);
      c20 = b0.fma(x, c20);
      c21 = b1.fma(x, c21);
      x = FloatVector.broadcast(S, ap[a3 + p]);
      c30 = b0.fma(x, c30);
      c31 = b1.fma(x, c31);
      x = FloatVector.broadcast(S, ap[a4 + p]);
      c40 = b0.fma(x, c40);
      c41 = b1.fma(x, c41);
      x = FloatVector.broadcast(S, ap[a5 + p]);
      c50 = b0.fma(x, c50);
      c51 = b1.fma(x, c51);
    }
    addRow(c, cOff, c00, c01);
    addRow(c, cOff + ldc, c10, c11);
    addRow(c, cOff + 2 * ldc, c20, c21);
    addRow(c, cOff + 3 * ldc, c30, c31);
    addRow(c, cOff + 4 * ldc, c40, c41);
    addRow(c, cOff + 5 * ldc, c50, c51);
  }

  /**
   * {@link #microKernelRows} with K taken in chunks of {@link #K_CHUNK} steps, an outer loop around the same inner
   * one, for JVMs that do not strip-mine loops ({@link GemmPath#kChunks}); same operations in the same order.
   */
  static void microKernelRowsChunked(int kc, float[] ap, int a0, int a1, int a2, int a3, int a4, int a5, float[] bp,
      int bOff, float[] c, int cOff, int ldc) {
    FloatVector z = FloatVector.zero(S);
    FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z;
    FloatVector c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
    int b = bOff;
    for (int p0 = 0; p0 < kc; p0 += K_CHUNK) {
      int pEnd = Math.min(p0 + K_CHUNK, kc);
      for (int p = p0; p < pEnd; p++, b += NR) {
        FloatVector b0 = FloatVector.fromArray(S, bp, b);
        FloatVector b1 = FloatVector.fromArray(S, bp, b + L);
        FloatVector x = FloatVector.broadcast(S, ap[a0 + p]);
        c00 = b0.fma(x, c00);
        c01 = b1.fma(x, c01);
        x = FloatVector.broadcast(S, ap[a1 + p]);
        c10 = b0.fma(x, c10);
        c11 = b1.fma(x, c11);
        x = FloatVector.broadcast(S, ap[a2 + p]);
        c20 = b0.fma(x, c20);
        c21 = b1.fma(x, c21);
        x = FloatVector.broadcast(S, ap[a3 + p]);
        c30 = b0.fma(x, c30);
        c31 = b1.fma(x, c31);
        x = FloatVector.broadcast(S, ap[a4 + p]);
        c40 = b0.fma(x, c40);
        c41 = b1.fma(x, c41);
        x = FloatVector.broadcast(S, ap[a5 + p]);
        c50 = b0.fma(x, c50);
        c51 = b1.fma(x, c51);
      }
    }
    addRow(c, cOff, c00, c01);
    addRow(c, cOff + ldc, c10, c11);
    addRow(c, cOff + 2 * ldc, c20, c21);
    addRow(c, cOff + 3 * ldc, c30, c31);
    addRow(c, cOff + 4 * ldc, c40, c41);
    addRow(c, cOff + 5 * ldc, c50, c51);
  }

  private static void addRow(float[] c, int off, FloatVector v0, FloatVector v1) {
    FloatVector.fromArray(S, c, off).add(v0).intoArray(c, off);
    FloatVector.fromArray(S, c, off + L).add(v1).intoArray(c, off + L);
  }
}
