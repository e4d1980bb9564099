package dev.kiln.bench;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.random.RandomNormal;
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
 * The Java backend's standard normal draw (Threefry words and their erfinv, {@link RandomNormal}) for the seed's
 * GaussianNoise at global batch 512, [512, 20, 130], on 1 and 2 threads; a new counter each call, as each
 * training step draws afresh (outside a plan's arena each draw allocates its 5.3 MB result, which a training step
 * reuses). Reports milliseconds per draw. Add {@code -jvmArgsAppend -XX:UseAVX=2} for the code an
 * AVX2-only machine runs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class RandomNormalBenchmark {
  @Param({"1", "2"})
  public int threads;

  private final RandomNormal op = new RandomNormal(Shape.of(512, 20, 130), DType.F32);
  private final Tensor key = Tensor.wrap(DType.U32, Shape.of(2), new int[] {0x5eed, 42});
  private CpuContext ctx;
  private int step;

  @Setup(Level.Trial)
  public void setup() {
    ctx = new CpuContext(threads);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    ctx.close();
  }

  @Benchmark
  public Tensor draw() {
    Tensor counter = Tensor.wrap(DType.U32, Shape.scalar(), new int[] {step++});
    return op.eval(ctx, new Tensor[] {key, counter}, null);
  }
}
