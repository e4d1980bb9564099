package dev.kiln.core.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The patchesᵀ·dy kernel gradient against its definition, dw[k, c, f] = Σ_{n,o} x[n, o+k−pad, c]·dy[n, o, f], summed
 * in float64: 'same' (pad 2 of 5 taps), causal (pad 4 of 5), one tap, and samples shorter than the padding, so that
 * the edge corrections are exercised on both sides and across the GEMM's range.
 */
class ConvKernelGradTest {
  @Test
  void matchesTheDefinitionInFloat64() {
    Random r = new Random(5);
    int[][] cases = {{37, 20, 13, 7, 5, 2}, {9, 20, 6, 4, 5, 4}, {5, 8, 3, 2, 1, 0}, {6, 2, 4, 3, 5, 2},
        {300, 20, 130, 64, 5, 2}};
    try (CpuContext ctx = new CpuContext(2)) {
      for (int[] cs : cases) {
        int n = cs[0], s = cs[1], c = cs[2], f = cs[3], taps = cs[4], pad = cs[5];
        float[] x = new float[n * s * c], dy = new float[n * s * f];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < dy.length; i++) dy[i] = (float) r.nextGaussian();
        // Inside a run whose arena hands out NaN-filled arrays, as a reused array may hold anything: every element
        // of the padded, transposed input and of the spread dy must be written, zero padding included.
        Arena arena = new Arena();
        Arena previous = arena.enter();
        Arena.poison = true;
        float[] got;
        try {
          got = ConvKernelGrad.compute(ctx, x, dy, n, s, c, f, taps, pad);
        } finally {
          Arena.poison = false;
          arena.exit(previous);
        }
        double worst = 0;
        for (int k = 0; k < taps; k++) {
          for (int ci = 0; ci < c; ci++) {
            for (int fi = 0; fi < f; fi++) {
              double want = 0, mag = 0;
              for (int b = 0; b < n; b++) {
                for (int o = 0; o < s; o++) {
                  int src = o + k - pad;
                  if (src < 0 || src >= s) continue;
                  double term = (double) x[(b * s + src) * c + ci] * dy[(b * s + o) * f + fi];
                  want += term;
                  mag += Math.abs(term);
                }
              }
              double err = Math.abs(got[(k * c + ci) * f + fi] - want) / (1e-6 + mag);
              worst = Math.max(worst, err);
            }
          }
        }
        // Float32 sums of up to 6,000 terms, relative to the sum of their magnitudes.
        assertTrue(worst < 1e-5, java.util.Arrays.toString(cs) + ": relative error " + worst);
      }
    }
  }
}
