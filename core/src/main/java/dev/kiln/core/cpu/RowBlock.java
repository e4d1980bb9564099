package dev.kiln.core.cpu;

import static dev.kiln.core.cpu.GemmKernels.MR;
import static dev.kiln.core.cpu.GemmKernels.NR;

import java.util.Arrays;

/**
 * One GEMM call's A and C as its row blocks see them: {@link #multiply} runs one block of rows of C over one K block
 * against packed B, tile by tile on {@code path}'s kernel, with A read in place ({@code directA}: unit column stride;
 * rows at {@code rowStart}, or at A's row stride) or packed first.
 */
record RowBlock(GemmPath path, Gemm.F32 a, int[] rowStart, boolean directA, float[] c, int ldc) {
  /** Zeroes C's block of mc rows × nc columns at {@code cBlock}. */
  void clear(int cBlock, int mc, int nc) {
    for (int i = 0; i < mc; i++) Arrays.fill(c, cBlock + i * ldc, cBlock + i * ldc + nc, 0f);
  }

  /**
   * C[ic:ic+mc, :nc] (at {@code cBlock}) += A[ic:ic+mc, pc:pc+kc] · (B's K block packed at bBase), with A read in
   * place or packed into {@code aPack} first.
   */
  void multiply(int ic, int mc, int pc, int kc, int nc, float[] aPack, float[] bPack, int bBase, int cBlock) {
    if (directA) {
      direct(mc, nc, kc, ic, pc, aPack, bPack, bBase, cBlock);
    } else {
      GemmPacking.packA(path, a, null, ic, mc, pc, kc, aPack);
      packed(mc, nc, kc, aPack, bPack, bBase, cBlock);
    }
  }

  private void packed(int mc, int nc, int kc, float[] aPack, float[] bPack, int bBase, int cOff) {
    int r = path.panelRow(kc), step = path.panelStep();
    for (int j0 = 0; j0 < nc; j0 += NR) {
      int nr = Math.min(NR, nc - j0);
      int bOff = bBase + j0 * kc;
      for (int i0 = 0; i0 < mc; i0 += MR) {
        int mr = Math.min(MR, mc - i0);
        int a0 = i0 * kc;
        GemmKernels.tile(path, kc, aPack, a0, a0 + r, a0 + 2 * r, a0 + 3 * r, a0 + 4 * r, a0 + 5 * r, step, bPack,
            bOff, c, cOff + i0 * ldc + j0, ldc, mr, nr);
      }
    }
  }

  /**
   * As {@link #packed} with A read in place (unit column stride; row stride {@code a.rs()}, or rows at
   * {@code rowStart}); a partial last tile of rows is packed with zero padding into {@code tail} first.
   */
  private void direct(int mc, int nc, int kc, int ic, int pc, float[] tail, float[] bPack, int bBase, int cOff) {
    int full = mc / MR * MR;
    if (full < mc) {
      GemmPacking.packA(path, a, rowStart, ic + full, mc - full, pc, kc, tail);
    }
    int r = path.panelRow(kc), step = path.panelStep();
    for (int j0 = 0; j0 < nc; j0 += NR) {
      int nr = Math.min(NR, nc - j0);
      int bOff = bBase + j0 * kc;
      for (int i0 = 0; i0 < full; i0 += MR) {
        directTile(kc, ic + i0, pc, bPack, bOff, cOff + i0 * ldc + j0, nr);
      }
      if (full < mc) {
        GemmKernels.tile(path, kc, tail, 0, r, 2 * r, 3 * r, 4 * r, 5 * r, step, bPack, bOff, c,
            cOff + full * ldc + j0, ldc, mc - full, nr);
      }
    }
  }

  /** One full tile of rows from A's row {@code row}, read in place from column {@code pc}. */
  private void directTile(int kc, int row, int pc, float[] bPack, int bOff, int cTile, int nr) {
    float[] ad = a.data();
    if (rowStart != null) {
      GemmKernels.tile(path, kc, ad, rowStart[row] + pc, rowStart[row + 1] + pc, rowStart[row + 2] + pc,
          rowStart[row + 3] + pc, rowStart[row + 4] + pc, rowStart[row + 5] + pc, 1, bPack, bOff, c, cTile, ldc, MR,
          nr);
    } else {
      int lda = a.rs(), a0 = a.off() + row * lda + pc;
      GemmKernels.tile(path, kc, ad, a0, a0 + lda, a0 + 2 * lda, a0 + 3 * lda, a0 + 4 * lda, a0 + 5 * lda, 1, bPack,
          bOff, c, cTile, ldc, MR, nr);
    }
  }
}
