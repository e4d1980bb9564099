package dev.kiln.bench;

import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.cpu.Gemm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Kiln's single-thread float32 GEMM, timed in turns that another process hands out: scripts/gemm_turns.py runs numpy
 * and this JVM alternately, a window each, so both engines see the same spells of a shared VM's noise (which moves
 * speed by tens of percent for seconds at a time). After a warm-up it prints {@code ready}; then for each line
 * {@code S} on standard input it multiplies for S seconds and prints the window's rate in billions of floating-point operations a second (2·M·N·K per multiply);
 * end of input ends it. Arguments: M K N, as GemmBenchmark's mnk.
 */
public final class GemmTurns {
  private GemmTurns() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: GemmTurns M K N");
      System.exit(2);
    }
    int m = Integer.parseInt(args[0]), k = Integer.parseInt(args[1]), n = Integer.parseInt(args[2]);
    Random r = new Random(1);
    float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
    for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() - 0.5f;
    for (int i = 0; i < b.length; i++) b[i] = r.nextFloat() - 0.5f;
    try (CpuContext ctx = new CpuContext(1)) {
      Gemm.F32 fa = Gemm.F32.rowMajor(a, 0, k), fb = Gemm.F32.rowMajor(b, 0, n);
      window(ctx, m, n, k, fa, fb, c, 3.0);  // JIT warm-up
      System.out.println("ready");
      System.out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line; (line = in.readLine()) != null; ) {
        System.out.printf("%.2f%n", window(ctx, m, n, k, fa, fb, c, Double.parseDouble(line.trim())));
        System.out.flush();
      }
    }
  }

  private static double window(CpuContext ctx, int m, int n, int k, Gemm.F32 a, Gemm.F32 b, float[] c, double s) {
    long t0 = System.nanoTime(), end = t0 + (long) (s * 1e9);
    int count = 0;
    do {
      Gemm.sgemm(ctx, m, n, k, a, b, c, 0, n);
      count++;
    } while (System.nanoTime() < end);
    return 2.0 * m * n * k * count / (System.nanoTime() - t0);
  }
}
