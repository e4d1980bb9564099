package dev.kiln.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.Rand;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The row-panel micro-kernels one by one, against a float64 loop and each other ({@link GemmPathTest} runs every path's
 * whole GEMM). K runs across the chunk boundary; C has a leading dimension wider than the tile and content of its own,
 * which the kernels add to.
 */
class GemmKernelTest {
  private static final Rand R = new Rand();

  /** A kernel's signature: C tile (MR × NR) += the rows of A at a0..a5 times the packed B panel. */
  private interface RowsKernel {
    void run(int kc, float[] ap, int a0, int a1, int a2, int a3, int a4, int a5, float[] bp, int bOff, float[] c,
        int cOff, int ldc);
  }

  @Test
  void plainLoopMatchesFloat64() {
    check(GemmKernels::microKernelRows, "microKernelRows");
  }

  @Test
  void chunkedLoopMatchesFloat64() {
    check(GemmKernels::microKernelRowsChunked, "microKernelRowsChunked");
  }

  /** Both loops do the same FMAs in the same order, so they agree to the bit. */
  @Test
  void chunkedAndPlainLoopsAgreeBitForBit() {
    for (int kc : new int[] {1, 255, 256, 257, 1024}) {
      Case t = new Case(kc);
      float[] plain = t.c.clone(), chunked = t.c.clone();
      t.run(GemmKernels::microKernelRows, plain);
      t.run(GemmKernels::microKernelRowsChunked, chunked);
      for (int i = 0; i < plain.length; i++) {
        assertEquals(Float.floatToRawIntBits(plain[i]), Float.floatToRawIntBits(chunked[i]),
            "kc " + kc + ", element " + i + ": " + plain[i] + " vs " + chunked[i] + R.tag());
      }
    }
  }

  private static void check(RowsKernel kernel, String name) {
    for (int kc : new int[] {1, 7, 255, 256, 257, 700}) {
      Case t = new Case(kc);
      float[] got = t.c.clone();
      t.run(kernel, got);
      for (int i = 0; i < GemmKernels.MR; i++) {
        for (int j = 0; j < GemmKernels.NR; j++) {
          double ref = t.c[t.cOff + i * t.ldc + j], scale = Math.abs(ref);
          for (int p = 0; p < kc; p++) {
            double term = (double) t.ap[t.rows[i] + p] * t.bp[t.bOff + p * GemmKernels.NR + j];
            ref += term;
            scale += Math.abs(term);
          }
          double g = got[t.cOff + i * t.ldc + j];
          // Recursive summation in float32 errs by at most (kc + 1)·2⁻²⁴ of the terms' magnitudes.
          assertTrue(Math.abs(g - ref) <= (kc + 1) * 0x1p-24 * scale, name + ", kc " + kc + ", C(" + i + ", " + j + ") is " + g
              + ", float64 " + ref + R.tag());
        }
      }
      // Outside the tile C is untouched.
      for (int idx : t.outside()) assertEquals(t.c[idx], got[idx], name + ": C[" + idx + "] outside the tile");
    }
  }

  /** Random A rows at scattered, unequal offsets in one array, a B panel at an offset, and a C with a wide ldc. */
  private static final class Case {
    final int kc;
    final int[] rows = new int[6];
    final float[] ap, bp, c;
    final int bOff = 5, cOff = 3, ldc = GemmKernels.NR + 11;

    Case(int kc) {
      this.kc = kc;
      int at = 2;
      for (int r = 0; r < rows.length; r++) {
        rows[r] = at;
        at += kc + 1 + r;
      }
      ap = floats(at + 3);
      bp = floats(bOff + kc * GemmKernels.NR + 4);
      c = floats(cOff + GemmKernels.MR * ldc);
    }

    void run(RowsKernel k, float[] into) {
      k.run(kc, ap, rows[0], rows[1], rows[2], rows[3], rows[4], rows[5], bp, bOff, into, cOff, ldc);
    }

    List<Integer> outside() {
      List<Integer> out = new ArrayList<>();
      for (int idx = 0; idx < c.length; idx++) {
        int rel = idx - cOff;
        if (rel < 0 || rel % ldc >= GemmKernels.NR) out.add(idx);
      }
      return out;
    }
  }

  /** Uniform in [-1, 1): the backing array of {@link Rand#f32}, read-only by contract and not written here. */
  private static float[] floats(int n) {
    return (float[]) R.f32(-1, 1, n).array();
  }
}
