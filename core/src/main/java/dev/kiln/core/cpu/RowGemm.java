package dev.kiln.core.cpu;

import java.util.Objects;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The single-row inference kernel: C (rows × n) = A (rows × k) · B + bias, for the few rows one window or one row
 * gives (a Dense on a row, a Conv1D over a window as one GEMM on overlapping rows of its padded input). B is packed
 * once, at load time, into panels of {@link #P} columns (the last one zero-padded); nothing is allocated per call and
 * no thread is involved. Each output element is one chain of fused multiply-adds in K's order, starting from the bias.
 *
 * <p>A's row r starts at {@code a[aOff + r·lda]} and has k contiguous floats, so a Conv1D with stride s reads its
 * im2col rows in place from the padded input (lda = s·channels, k = taps·channels). The bias is one row shared by
 * every output row (biasRows = 1) or one row per output row (a Conv1D whose padded taps see no input shift).
 * Fewer columns than one vector (an output layer's few units) are packed column by column instead and each output is
 * a dot product over K in vectors, rather than a panel of mostly zero columns.
 */
public final class RowGemm {
  private static final VectorSpecies<Float> S = GemmKernels.S;
  private static final int L = S.length();
  /** Columns per packed panel: four vectors. */
  public static final int P = 4 * L;
  /** Rows per register tile: 4 × 4 accumulators with 32 vector registers, 2 × 4 with 16. */
  private static final int MR = L >= 16 ? 4 : 2;

  private RowGemm() {}

  /**
   * B (k × n) packed into ⌈n / P⌉ panels of k × P floats, with its bias rows padded to the panels' width; or, with
   * {@code columns}, B's n columns one after another (k floats each) and the bias as given. {@code tail} is the
   * scratch tile the last, partial panel is stored through (stored in the tile's own method: handing the accumulators
   * to another method boxes them), so a Packed is used by one thread at a time.
   */
  public record Packed(float[] panels, float[] bias, int k, int n, int biasRows, boolean columns, float[] tail) {
    int width() {
      return bias.length / biasRows;
    }
  }

  /**
   * Packs a row-major [k, n] matrix and its bias ([n], or [biasRows, n] row-major) once.
   */
  public static Packed pack(float[] b, int k, int n, float[] bias, int biasRows) {
    Objects.requireNonNull(b, "b");
    if (b.length != (long) k * n) throw new IllegalArgumentException("B has " + b.length + " floats, not " + k + "×" + n);
    if (bias.length != (long) biasRows * n) {
      throw new IllegalArgumentException("bias has " + bias.length + " floats, not " + biasRows + "×" + n);
    }
    if (n < L) {
      float[] cols = new float[n * k];
      for (int p = 0; p < k; p++) for (int j = 0; j < n; j++) cols[j * k + p] = b[p * n + j];
      return new Packed(cols, bias.clone(), k, n, biasRows, true, null);
    }
    int panels = (n + P - 1) / P, width = panels * P;
    float[] out = new float[panels * k * P];
    for (int q = 0; q < panels; q++) {
      int j0 = q * P, cols = Math.min(P, n - j0);
      for (int p = 0; p < k; p++) System.arraycopy(b, p * n + j0, out, (q * k + p) * P, cols);
    }
    float[] padded = new float[biasRows * width];
    for (int r = 0; r < biasRows; r++) System.arraycopy(bias, r * n, padded, r * width, n);
    return new Packed(out, padded, k, n, biasRows, false, new float[MR * P]);
  }

  /**
   * C[cOff + r·ldc + j] = Σ_p A[aOff + r·lda + p] · B[p, j] + bias(r, j), for r < rows and j < n. Columns of C past n
   * are not written.
   */
  public static void multiply(float[] a, int aOff, int lda, int rows, Packed b, float[] c, int cOff, int ldc) {
    if (b.biasRows != 1 && rows != b.biasRows) {
      throw new IllegalArgumentException(rows + " rows against a bias of " + b.biasRows + " rows");
    }
    multiply(a, aOff, lda, rows, b, c, cOff, ldc, 0);
  }

  /**
   * As above for output rows {@code row0 .. row0 + rows} of a product whose bias has one row per output row: row r
   * here takes bias row {@code row0 + r} (a shared bias ignores {@code row0}). Each element is the same chain of
   * multiply-adds whichever rows are asked for together, so part of a product equals those rows of the whole.
   */
  public static void multiply(float[] a, int aOff, int lda, int rows, Packed b, float[] c, int cOff, int ldc,
      int row0) {
    if (b.biasRows != 1 && (row0 < 0 || row0 + rows > b.biasRows)) {
      throw new IllegalArgumentException(rows + " rows from row " + row0 + " against a bias of " + b.biasRows
          + " rows");
    }
    if (b.columns) {
      dots(a, aOff, lda, rows, b, c, cOff, ldc, row0);
      return;
    }
    int k = b.k, panels = b.width() / P, biasStride = b.biasRows == 1 ? 0 : b.width();
    for (int q = 0; q < panels; q++) {
      int j0 = q * P, cols = Math.min(P, b.n - j0), bOff = q * k * P;
      int r = 0;
      for (; r + MR <= rows; r += MR) {
        int bias = (row0 + r) * biasStride + j0, out = cOff + r * ldc + j0, in = aOff + r * lda;
        if (MR == 4) tile4(k, a, in, lda, b.panels, bOff, b.bias, bias, biasStride, c, out, ldc, cols, b.tail);
        else tile2(k, a, in, lda, b.panels, bOff, b.bias, bias, biasStride, c, out, ldc, cols, b.tail);
      }
      for (; r < rows; r++) {
        tile1(k, a, aOff + r * lda, b.panels, bOff, b.bias, (row0 + r) * biasStride + j0, c, cOff + r * ldc + j0, cols,
            b.tail);
      }
    }
  }

  /** Each output a dot product of A's row and B's column, in vectors over K, then the bias. */
  private static void dots(float[] a, int aOff, int lda, int rows, Packed b, float[] c, int cOff, int ldc, int row0) {
    int k = b.k, bound = S.loopBound(k);
    for (int r = 0; r < rows; r++) {
      int in = aOff + r * lda;
      for (int j = 0; j < b.n; j++) {
        int col = j * k;
        FloatVector acc = FloatVector.zero(S);
        int p = 0;
        for (; p < bound; p += L) acc = load(a, in + p).fma(load(b.panels, col + p), acc);
        float sum = acc.reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
        for (; p < k; p++) sum = Math.fma(a[in + p], b.panels[col + p], sum);
        c[cOff + r * ldc + j] = sum + b.bias[(b.biasRows == 1 ? 0 : row0 + r) * b.n + j];
      }
    }
  }

  private static void tile4(int k, float[] a, int a0, int lda, float[] bp, int bOff, float[] bias, int bi, int bs,
      float[] c, int c0, int ldc, int cols, float[] t) {
    int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
    FloatVector c00 = load(bias, bi), c01 = load(bias, bi + L), c02 = load(bias, bi + 2 * L), c03 = load(bias, bi + 3 * L);
    bi += bs;
    FloatVector c10 = load(bias, bi), c11 = load(bias, bi + L), c12 = load(bias, bi + 2 * L), c13 = load(bias, bi + 3 * L);
    bi += bs;
    FloatVector c20 = load(bias, bi), c21 = load(bias, bi + L), c22 = load(bias, bi + 2 * L), c23 = load(bias, bi + 3 * L);
    bi += bs;
    FloatVector c30 = load(bias, bi), c31 = load(bias, bi + L), c32 = load(bias, bi + 2 * L), c33 = load(bias, bi + 3 * L);
    for (int p = 0, o = bOff; p < k; p++, o += P) {
      FloatVector b0 = load(bp, o), b1 = load(bp, o + L), b2 = load(bp, o + 2 * L), b3 = load(bp, o + 3 * L);
      FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
      c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02); c03 = x.fma(b3, c03);
      x = FloatVector.broadcast(S, a[a1 + p]);
      c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12); c13 = x.fma(b3, c13);
      x = FloatVector.broadcast(S, a[a2 + p]);
      c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22); c23 = x.fma(b3, c23);
      x = FloatVector.broadcast(S, a[a3 + p]);
      c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32); c33 = x.fma(b3, c33);
    }
    if (cols == P) { // stored here: passing the accumulators to another method would box them
      int c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
      c00.intoArray(c, c0);
      c01.intoArray(c, c0 + L);
      c02.intoArray(c, c0 + 2 * L);
      c03.intoArray(c, c0 + 3 * L);
      c10.intoArray(c, c1);
      c11.intoArray(c, c1 + L);
      c12.intoArray(c, c1 + 2 * L);
      c13.intoArray(c, c1 + 3 * L);
      c20.intoArray(c, c2);
      c21.intoArray(c, c2 + L);
      c22.intoArray(c, c2 + 2 * L);
      c23.intoArray(c, c2 + 3 * L);
      c30.intoArray(c, c3);
      c31.intoArray(c, c3 + L);
      c32.intoArray(c, c3 + 2 * L);
      c33.intoArray(c, c3 + 3 * L);
      return;
    }
    c00.intoArray(t, 0);
    c01.intoArray(t, L);
    c02.intoArray(t, 2 * L);
    c03.intoArray(t, 3 * L);
    c10.intoArray(t, 1 * P);
    c11.intoArray(t, 1 * P + L);
    c12.intoArray(t, 1 * P + 2 * L);
    c13.intoArray(t, 1 * P + 3 * L);
    c20.intoArray(t, 2 * P);
    c21.intoArray(t, 2 * P + L);
    c22.intoArray(t, 2 * P + 2 * L);
    c23.intoArray(t, 2 * P + 3 * L);
    c30.intoArray(t, 3 * P);
    c31.intoArray(t, 3 * P + L);
    c32.intoArray(t, 3 * P + 2 * L);
    c33.intoArray(t, 3 * P + 3 * L);
    for (int r = 0; r < 4; r++) System.arraycopy(t, r * P, c, c0 + r * ldc, cols);
  }

  private static void tile2(int k, float[] a, int a0, int lda, float[] bp, int bOff, float[] bias, int bi, int bs,
      float[] c, int c0, int ldc, int cols, float[] t) {
    int a1 = a0 + lda;
    FloatVector c00 = load(bias, bi), c01 = load(bias, bi + L), c02 = load(bias, bi + 2 * L), c03 = load(bias, bi + 3 * L);
    bi += bs;
    FloatVector c10 = load(bias, bi), c11 = load(bias, bi + L), c12 = load(bias, bi + 2 * L), c13 = load(bias, bi + 3 * L);
    for (int p = 0, o = bOff; p < k; p++, o += P) {
      FloatVector b0 = load(bp, o), b1 = load(bp, o + L), b2 = load(bp, o + 2 * L), b3 = load(bp, o + 3 * L);
      FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
      c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02); c03 = x.fma(b3, c03);
      x = FloatVector.broadcast(S, a[a1 + p]);
      c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12); c13 = x.fma(b3, c13);
    }
    if (cols == P) {
      int c1 = c0 + ldc;
      c00.intoArray(c, c0);
      c01.intoArray(c, c0 + L);
      c02.intoArray(c, c0 + 2 * L);
      c03.intoArray(c, c0 + 3 * L);
      c10.intoArray(c, c1);
      c11.intoArray(c, c1 + L);
      c12.intoArray(c, c1 + 2 * L);
      c13.intoArray(c, c1 + 3 * L);
      return;
    }
    c00.intoArray(t, 0);
    c01.intoArray(t, L);
    c02.intoArray(t, 2 * L);
    c03.intoArray(t, 3 * L);
    c10.intoArray(t, 1 * P);
    c11.intoArray(t, 1 * P + L);
    c12.intoArray(t, 1 * P + 2 * L);
    c13.intoArray(t, 1 * P + 3 * L);
    for (int r = 0; r < 2; r++) System.arraycopy(t, r * P, c, c0 + r * ldc, cols);
  }

  private static void tile1(int k, float[] a, int a0, float[] bp, int bOff, float[] bias, int bi, float[] c, int c0,
      int cols, float[] t) {
    FloatVector c0v = load(bias, bi), c1v = load(bias, bi + L), c2v = load(bias, bi + 2 * L), c3v = load(bias, bi + 3 * L);
    for (int p = 0, o = bOff; p < k; p++, o += P) {
      FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
      c0v = x.fma(load(bp, o), c0v);
      c1v = x.fma(load(bp, o + L), c1v);
      c2v = x.fma(load(bp, o + 2 * L), c2v);
      c3v = x.fma(load(bp, o + 3 * L), c3v);
    }
    if (cols == P) {
      c0v.intoArray(c, c0);
      c1v.intoArray(c, c0 + L);
      c2v.intoArray(c, c0 + 2 * L);
      c3v.intoArray(c, c0 + 3 * L);
      return;
    }
    c0v.intoArray(t, 0);
    c1v.intoArray(t, L);
    c2v.intoArray(t, 2 * L);
    c3v.intoArray(t, 3 * L);
    System.arraycopy(t, 0, c, c0, cols);
  }

  private static FloatVector load(float[] a, int off) {
    return FloatVector.fromArray(S, a, off);
  }
}
