package dev.kiln.core.cpu;

import dev.kiln.core.DType;
import java.util.Arrays;

/**
 * A 1-D, undilated, ungrouped float32 convolution as one GEMM over its windows in place. With the input in
 * [N, S, C] layout (zero-padded along S when the convolution pads), the window of output position o of sample b is
 * the taps·C consecutive floats from (b, o·stride): exactly the im2col row, so {@link Gemm#sgemmRows} reads it where
 * it lies and nothing is copied, where im2col would write the input out once per tap (docs/benchmarks.md).
 */
public final class ConvWindows {
  private ConvWindows() {}

  /**
   * Y[N, O, F] = conv(X[N, S, C], W[taps, C, F]) with the given stride and low/high zero padding (both ≥ 0);
   * {@code o} is the output length, floor((S + lo + hi − taps) / stride) + 1.
   */
  public static float[] compute(CpuContext ctx, float[] x, float[] w, int n, int s, int c, int f, int taps, int o,
      int stride, int lo, int hi) {
    int sp = s + lo + hi;
    if (o <= 0 || (o - 1) * stride + taps > sp) {
      throw new IllegalArgumentException("output length " + o + " does not fit " + taps + " taps at stride " + stride
          + " over " + sp + " padded positions");
    }
    float[] xp = lo > 0 || hi > 0 ? padded(ctx, x, n, s, c, lo, hi) : x;
    int[] rowStart = new int[n * o];
    for (int b = 0, r = 0; b < n; b++) {
      for (int j = 0; j < o; j++) rowStart[r++] = (b * sp + j * stride) * c;
    }
    float[] y = (float[]) Arena.uninitialized(DType.F32, n * o * f);
    Gemm.sgemmRows(ctx, n * o, f, taps * c, xp, rowStart, Gemm.F32.rowMajor(w, 0, f), y, 0, f);
    return y;
  }

  /**
   * x [N, S, C] with {@code lo} zero rows before and {@code hi} after each sample, [N, S + lo + hi, C]. It is made
   * once per run for a given input and padding: the seed's two convolutions over its noisy input read the same copy.
   */
  static float[] padded(CpuContext ctx, float[] x, int n, int s, int c, int lo, int hi) {
    int sp = s + lo + hi;
    String what = "ConvWindows padded " + n + "x" + s + "x" + c + " pad " + lo + "," + hi;
    return (float[]) Arena.derived(x, what, () -> {
      float[] p = (float[]) Arena.uninitialized(DType.F32, n * sp * c);
      ctx.parallelFor(n, 64, (b0, b1) -> {
        for (int b = b0; b < b1; b++) {
          int base = b * sp * c;
          Arrays.fill(p, base, base + lo * c, 0f);
          System.arraycopy(x, b * s * c, p, base + lo * c, s * c);
          Arrays.fill(p, base + (lo + s) * c, base + sp * c, 0f);
        }
      });
      return p;
    });
  }
}
