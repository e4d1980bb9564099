package dev.kiln.core.cpu;

import java.util.Arrays;
import java.util.Random;

/**
 * The GEMM's check mode: runs one problem through two paths, or one path and a float64 loop, on the same inputs, and
 * compares C element by element; a difference is an {@link IllegalStateException} naming the problem and the element.
 *
 * <p>What is compared: every path computes each element of C as the sum of its K blocks ({@link Gemm#kBlock}), each
 * one FMA per step of K in K's order, added to C; the matrix-vector loop (n = 1, A a matrix) is the same on every path.
 * So two paths that split K into the same blocks, or both take the matrix-vector loop, must agree bit for bit. Else
 * each is within {@link #bound} of the exact sum, and the two within twice that. Outside its m × n block, C (given
 * with a wider leading dimension) must be untouched.
 */
final class GemmCheck {
  /** How A and B are laid out; A_WINDOWS gives A's rows as overlapping windows of one array (as sgemmRows). */
  enum Layout { ROW_MAJOR, A_TRANSPOSED, B_TRANSPOSED, A_WINDOWS }

  /** An m × n × k product with inputs uniform in [-1, 1) drawn from {@code seed}. */
  record Problem(int m, int n, int k, Layout layout, long seed) {
    @Override
    public String toString() {
      return m + "x" + n + "x" + k + " " + layout;
    }
  }

  private static final int A_OFF = 5, B_OFF = 2, C_OFF = 3, C_PAD = 4;
  private static final float OUTSIDE = 7f;

  private GemmCheck() {}

  /** Runs {@code p} on paths x and y and compares them as the class says; returns whether bits had to agree. */
  static boolean paths(CpuContext ctx, Problem p, GemmPath x, GemmPath y) {
    boolean identical = sameOperations(p, x, y);
    compare(p, run(ctx, p, x, false), run(ctx, p, y, false), identical, x + " vs " + y);
    return identical;
  }

  /** Runs {@code p} on {@code path}'s kernel against the matrix-vector loop (n = 1, A not as windows). */
  static void matrixVector(CpuContext ctx, Problem p, GemmPath path) {
    if (p.n() != 1 || p.layout() == Layout.A_WINDOWS) throw new IllegalArgumentException(p + " is not a gemv");
    compare(p, run(ctx, p, path, false), run(ctx, p, path, true), false, "gemv vs " + path + "'s kernel");
  }

  /** Runs {@code p} on {@code path} and checks each element against the float64 sum within {@link #bound}. */
  static void againstFloat64(CpuContext ctx, Problem p, GemmPath path) {
    float[] got = run(ctx, p, path, false);
    Inputs in = new Inputs(p);
    for (int i = 0; i < p.m(); i++) {
      for (int j = 0; j < p.n(); j++) {
        double exact = 0, scale = 0;
        for (int q = 0; q < p.k(); q++) {
          double term = (double) in.a(i, q) * in.b(q, j);
          exact += term;
          scale += Math.abs(term);
        }
        float g = got[i * p.n() + j];
        double tolerance = bound(p.k()) * scale;
        if (!(Math.abs(g - exact) <= tolerance)) {
          throw mismatch(p, path + " vs float64", i, j, g + " against " + exact + " (bound " + tolerance + ")");
        }
      }
    }
  }

  /**
   * The relative error bound of a float32 element against the exact sum, as a share of the sum of its terms'
   * magnitudes: each rounding errs by at most 2⁻²⁴ of a partial sum, and an element sees at most k + k/KC + 3L + 2 of
   * them (one per FMA, one per K block's add into C and the scratch tile, and the matrix-vector loop's lane sum and
   * its tail's multiply-adds).
   */
  static double bound(int k) {
    return 1.01 * (k + k / Gemm.KC + 3 * GemmKernels.L + 2) * 0x1p-24;
  }

  /** Whether x and y must agree bit for bit on {@code p}: both on the matrix-vector loop, or the same K blocks. */
  static boolean sameOperations(Problem p, GemmPath x, GemmPath y) {
    if (p.n() == 1 && p.layout() != Layout.A_WINDOWS) return true;
    boolean directA = p.layout() != Layout.A_TRANSPOSED;
    return Gemm.kBlock(x, p.n(), p.k(), directA) == Gemm.kBlock(y, p.n(), p.k(), directA);
  }

  /** C's m × n block from {@code path} (its kernel even for n = 1 when {@code tiled}), after checking C's padding. */
  static float[] run(CpuContext ctx, Problem p, GemmPath path, boolean tiled) {
    Inputs in = new Inputs(p);
    int m = p.m(), n = p.n(), ldc = n + C_PAD;
    float[] c = new float[C_OFF + m * ldc + C_PAD];
    Arrays.fill(c, OUTSIDE);
    if (tiled) {
      Gemm.tiled(path, ctx, m, n, p.k(), in.a, in.rowStart, in.b, c, C_OFF, ldc);
    } else {
      Gemm.sgemm(path, ctx, m, n, p.k(), in.a, in.rowStart, in.b, c, C_OFF, ldc);
    }
    float[] out = new float[m * n];
    for (int idx = 0; idx < c.length; idx++) {
      int rel = idx - C_OFF, i = Math.floorDiv(rel, ldc), j = Math.floorMod(rel, ldc);
      if (i >= 0 && i < m && j < n) {
        out[i * n + j] = c[idx];
      } else if (c[idx] != OUTSIDE) {
        throw new IllegalStateException("sgemm " + p + " on " + path + " wrote C[" + idx + "], outside its block");
      }
    }
    return out;
  }

  /** Compares two results of {@code p}: bit for bit when {@code identical}, else within twice {@link #bound}. */
  static void compare(Problem p, float[] x, float[] y, boolean identical, String what) {
    double bound = 2 * bound(p.k());
    Inputs in = identical ? null : new Inputs(p);
    for (int i = 0; i < p.m(); i++) {
      for (int j = 0; j < p.n(); j++) {
        float u = x[i * p.n() + j], v = y[i * p.n() + j];
        if (identical) {
          if (Float.floatToRawIntBits(u) != Float.floatToRawIntBits(v)) {
            throw mismatch(p, what, i, j, u + " vs " + v + ", where the same operations must agree bit for bit");
          }
        } else if (!(Math.abs(u - v) <= bound * in.scale(i, j))) {
          throw mismatch(p, what, i, j, u + " vs " + v + " (bound " + bound * in.scale(i, j) + ")");
        }
      }
    }
  }

  private static IllegalStateException mismatch(Problem p, String what, int i, int j, String detail) {
    return new IllegalStateException("sgemm " + p + ", " + what + ": C(" + i + ", " + j + ") is " + detail);
  }

  /** A problem's operands as the GEMM sees them, at offsets, with the strides of its layout. */
  private static final class Inputs {
    final Gemm.F32 a, b;
    final int[] rowStart;
    final int k;

    Inputs(Problem p) {
      Random r = new Random(p.seed());
      int m = p.m(), n = p.n();
      k = p.k();
      if (p.layout() == Layout.A_WINDOWS) {
        int step = Math.max(1, k / 3);
        rowStart = new int[m];
        for (int i = 0; i < m; i++) rowStart[i] = A_OFF + i * step;
        a = new Gemm.F32(floats(r, A_OFF + (m - 1) * step + k), 0, 0, 1);
      } else {
        rowStart = null;
        float[] ad = floats(r, A_OFF + m * k);
        a = p.layout() == Layout.A_TRANSPOSED ? new Gemm.F32(ad, A_OFF, 1, m) : new Gemm.F32(ad, A_OFF, k, 1);
      }
      float[] bd = floats(r, B_OFF + k * n);
      b = p.layout() == Layout.B_TRANSPOSED ? new Gemm.F32(bd, B_OFF, 1, k) : new Gemm.F32(bd, B_OFF, n, 1);
    }

    float a(int i, int q) {
      return rowStart != null ? a.data()[rowStart[i] + q] : a.data()[a.off() + i * a.rs() + q * a.cs()];
    }

    float b(int q, int j) {
      return b.data()[b.off() + q * b.rs() + j * b.cs()];
    }

    private static float[] floats(Random r, int length) {
      float[] f = new float[length];
      for (int i = 0; i < length; i++) f[i] = 2 * r.nextFloat() - 1;
      return f;
    }

    /** The sum of the magnitudes of C(i, j)'s terms. */
    double scale(int i, int j) {
      double s = 0;
      for (int q = 0; q < k; q++) s += Math.abs((double) a(i, q) * b(q, j));
      return s;
    }
  }
}
