package dev.kiln.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The single-row GEMM against float64 on the shapes a plan gives it (a row, a window's steps; columns below, at
 * and past a panel; rows read in place with a stride shorter than K, as a convolution's overlapping im2col rows),
 * with one bias row or one per output row, on whichever vector width this test run has (core runs its tests at 256
 * and 512 bits).
 */
class RowGemmTest {
  @Test
  void equalsFloat64OnEveryShapeAPlanGives() {
    Random r = new Random(11);
    int[][] shapes = { // rows, k, n, lda (0: k)
        {1, 130, 384, 0}, {1, 896, 394, 0}, {1, 394, 5, 0}, {1, 1280, 1, 0}, {20, 650, 64, 130}, {20, 320, 64, 64},
        {3, 13, 65, 0}, {5, 7, 63, 2}, {7, 1, 128, 0}, {2, 40, 129, 40}, {9, 33, 17, 11}};
    for (int[] s : shapes) {
      for (boolean perRowBias : new boolean[] {false, true}) check(r, s[0], s[1], s[2], s[3] == 0 ? s[1] : s[3], perRowBias);
    }
  }

  private static void check(Random r, int rows, int k, int n, int lda, boolean perRowBias) {
    float[] a = new float[3 + (rows - 1) * lda + k + 2];
    for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
    float[] b = new float[k * n], bias = new float[(perRowBias ? rows : 1) * n];
    for (int i = 0; i < b.length; i++) b[i] = (float) r.nextGaussian();
    for (int i = 0; i < bias.length; i++) bias[i] = (float) r.nextGaussian();
    RowGemm.Packed p = RowGemm.pack(b, k, n, bias, perRowBias ? rows : 1);
    int ldc = n + 3, cOff = 2;
    float[] c = new float[cOff + rows * ldc];
    java.util.Arrays.fill(c, Float.NaN);
    RowGemm.multiply(a, 3, lda, rows, p, c, cOff, ldc);
    String shape = rows + "×" + k + "×" + n + " lda " + lda + (perRowBias ? " per-row bias" : "");
    for (int m = 0; m < rows; m++) {
      for (int j = 0; j < ldc; j++) {
        float got = c[cOff + m * ldc + j];
        if (j >= n) {
          assertTrue(Float.isNaN(got), shape + ": wrote column " + j + " past n");
          continue;
        }
        double want = bias[(perRowBias ? m : 0) * n + j], mag = Math.abs(want);
        for (int q = 0; q < k; q++) {
          double t = (double) a[3 + m * lda + q] * b[q * n + j];
          want += t;
          mag += Math.abs(t);
        }
        assertEquals(want, got, (k + 1) * 0x1p-24 * mag + 1e-30, shape + " at (" + m + ", " + j + ")");
      }
    }
  }

  /** Rows asked for apart (with their bias rows) equal those rows of the whole product, bit for bit. */
  @Test
  void partOfAProductEqualsThoseRowsOfTheWhole() {
    Random r = new Random(5);
    for (int n : new int[] {3, 64, 100}) {
      int rows = 20, k = 65, lda = 13;
      float[] a = new float[(rows - 1) * lda + k], b = new float[k * n], bias = new float[rows * n];
      for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
      for (int i = 0; i < b.length; i++) b[i] = (float) r.nextGaussian();
      for (int i = 0; i < bias.length; i++) bias[i] = (float) r.nextGaussian();
      RowGemm.Packed p = RowGemm.pack(b, k, n, bias, rows);
      float[] whole = new float[rows * n], part = new float[rows * n];
      RowGemm.multiply(a, 0, lda, rows, p, whole, 0, n);
      boolean[] asked = new boolean[rows];
      for (int[] span : new int[][] {{0, 2}, {2, 3}, {5, 11}, {16, 20}}) {
        RowGemm.multiply(a, span[0] * lda, lda, span[1] - span[0], p, part, span[0] * n, n, span[0]);
        for (int q = span[0]; q < span[1]; q++) asked[q] = true;
      }
      for (int i = 0; i < rows * n; i++) {
        if (asked[i / n]) assertEquals(whole[i], part[i], 0f, "n " + n + " element " + i);
        else assertEquals(0f, part[i], "n " + n + ": row " + i / n + " was not asked for");
      }
    }
  }

  @Test
  void aBiasOfTheWrongRowsIsRefused() {
    RowGemm.Packed p = RowGemm.pack(new float[6], 2, 3, new float[6], 2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RowGemm.multiply(new float[10], 0, 2, 3, p, new float[9], 0, 3));
    assertEquals("3 rows against a bias of 2 rows", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> RowGemm.multiply(new float[10], 0, 2, 2, p, new float[9], 0, 3, 1));
    assertThrows(IllegalArgumentException.class, () -> RowGemm.pack(new float[5], 2, 3, new float[3], 1));
  }
}
