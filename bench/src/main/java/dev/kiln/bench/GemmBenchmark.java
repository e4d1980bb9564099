package dev.kiln.bench;

import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.cpu.Gemm;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The Java backend's float32 GEMM, C = A·B, on the seed's im2col shape at global batch 4096 (M = 4096·20 rows,
 * K = 5·130 taps × channels, N = 64 filters) and a square 1024³, on 1 and on all threads. Reports milliseconds per
 * multiply; the rate is 2·M·N·K operations over the time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GemmBenchmark {
  @Param({"81920x650x64", "1024x1024x1024"})
  public String mnk;

  @Param({"1", "2"})
  public int threads;

  private int m, n, k;
  private float[] a, b, c;
  private CpuContext ctx;

  @Setup(Level.Trial)
  public void setup() {
    String[] p = mnk.split("x");
    m = Integer.parseInt(p[0]);
    k = Integer.parseInt(p[1]);
    n = Integer.parseInt(p[2]);
    Random r = new Random(1);
    a = new float[m * k];
    b = new float[k * n];
    c = new float[m * n];
    for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() - 0.5f;
    for (int i = 0; i < b.length; i++) b[i] = r.nextFloat() - 0.5f;
    ctx = new CpuContext(threads);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    ctx.close();
  }

  @Benchmark
  public float[] sgemm() {
    Gemm.sgemm(ctx, m, n, k, Gemm.F32.rowMajor(a, 0, k), Gemm.F32.rowMajor(b, 0, n), c, 0, n);
    return c;
  }
}
