package dev.kiln.core.cpu;

import static dev.kiln.core.cpu.GemmKernels.L;
import static dev.kiln.core.cpu.GemmKernels.MR;
import static dev.kiln.core.cpu.GemmKernels.NR;
import static dev.kiln.core.cpu.GemmKernels.S;

import jdk.incubator.vector.FloatVector;

/**
 * The GEMM's packing: B into NR-wide column panels (kc × NR floats each, k-major), A into MR-tall row panels laid out
 * as the path's kernel reads them ({@link GemmPath#panelStep}, {@link GemmPath#panelRow}), each zero-padded at the end.
 */
final class GemmPacking {
  private static final ThreadLocal<float[]> A_PACK = ThreadLocal.withInitial(() -> new float[Gemm.MC * Gemm.KC]);

  private GemmPacking() {}

  /** This thread's buffer for packed A, of at least {@code size} floats. */
  static float[] aBuffer(int size) {
    float[] p = A_PACK.get();
    if (p.length < size) {
      p = new float[size];
      A_PACK.set(p);
    }
    return p;
  }

  /**
   * Runs a packing of B's panels [0, panels) that copies {@code floats} floats: split over the threads from 64K floats
   * (a long K made a serial copy a visible share of the GEMM), inline below (docs/benchmarks.md, GEMM).
   */
  static void panels(CpuContext ctx, long floats, int panels, CpuContext.RangeBody pack) {
    if (floats >= 1 << 16) {
      ctx.parallelFor(panels, 1, pack);
    } else {
      pack.run(0, panels);
    }
  }

  /**
   * Packs panels [ps, pe) of B[pc:pc+kc, jc:jc+nc] into NR-wide column panels (panel q at out[ob + q·kc·NR]),
   * zero-padding the last panel. Full panels of a B with unit column stride are copied a row of B at a time, in vector
   * lanes, so that B is read in order (docs/benchmarks.md, GEMM).
   */
  static void packB(Gemm.F32 b, int pc, int kc, int jc, int nc, int ps, int pe, float[] out, int ob) {
    float[] d = b.data();
    int rs = b.rs(), cs = b.cs();
    if (cs == 1) {
      int full = Math.min(pe, nc / NR);
      for (int p = 0; p < kc; p++) {
        int row = b.off() + (pc + p) * rs + jc;
        for (int q = ps; q < full; q++) {
          int src = row + q * NR, dst = ob + (q * kc + p) * NR;
          FloatVector.fromArray(S, d, src).intoArray(out, dst);
          FloatVector.fromArray(S, d, src + L).intoArray(out, dst + L);
        }
      }
      ps = Math.max(ps, full);
    }
    int o = ob + ps * kc * NR;
    for (int j0 = ps * NR; j0 < Math.min(nc, pe * NR); j0 += NR) {
      int w = Math.min(NR, nc - j0);
      for (int p = 0; p < kc; p++) {
        int base = b.off() + (pc + p) * rs + (jc + j0) * cs;
        if (cs == 1) {
          System.arraycopy(d, base, out, o, w);
        } else {
          for (int j = 0; j < w; j++) out[o + j] = d[base + j * cs];
        }
        for (int j = w; j < NR; j++) out[o + j] = 0f;
        o += NR;
      }
    }
  }

  /**
   * Packs A[ic:ic+mc, pc:pc+kc] into MR-tall row panels laid out for {@code path}, zero-padding the last one; rows at
   * {@code rowStart} when that is not null.
   */
  static void packA(GemmPath path, Gemm.F32 a, int[] rowStart, int ic, int mc, int pc, int kc, float[] out) {
    float[] d = a.data();
    int rs = a.rs(), cs = a.cs();
    // Element (row i, step p) of a panel goes to i·rowStep + p·step.
    int rowStep = path.panelRow(kc), step = path.panelStep();
    for (int i0 = 0; i0 < mc; i0 += MR) {
      int h = Math.min(MR, mc - i0);
      int panel = i0 * kc;
      for (int i = 0; i < MR; i++) {
        int o = panel + i * rowStep;
        if (i >= h) {
          for (int p = 0; p < kc; p++, o += step) out[o] = 0f;
          continue;
        }
        int base = rowStart != null ? rowStart[ic + i0 + i] + pc : a.off() + (ic + i0 + i) * rs + pc * cs;
        for (int p = 0; p < kc; p++, o += step) out[o] = d[base + p * cs];
      }
    }
  }
}
