package dev.kiln.bench;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.core.backend.Executable;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Convolution;
import dev.kiln.core.op.Ops;
import java.util.ArrayList;
import java.util.List;
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
 * The seed's first layer, Conv1D(64, 5, 'same') on [B, 20, 130], forward and both gradients (input and kernel) as
 * one compiled graph on the Java backend. Work per run: 3 convolutions of 2·B·20·650·64 flops each.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class Conv1dBenchmark {
  @Param({"512", "4096"})
  public int batch;

  private JavaBackend backend;
  private Executable exe;
  private List<DeviceArray> args;

  @Setup(Level.Trial)
  public void setup() {
    Tracer t = new Tracer();
    Value x = t.parameter("x", DType.F32, batch, 20, 130);
    Value w = t.parameter("w", DType.F32, 5, 130, 64);
    Value dy = t.parameter("dy", DType.F32, batch, 20, 64);
    Convolution conv = Convolution.of(new int[] {1}, new int[] {2}, new int[] {2}, Convolution.Dims.channelsLast(1));
    Value y = Ops.convolution(x, w, conv);
    List<Value> grads = conv.vjp(y, dy);
    backend = new JavaBackend();
    exe = backend.compile(t.build(y, grads.get(0), grads.get(1)));
    Random r = new Random(1);
    args = new ArrayList<>();
    for (Value p : List.of(x, w, dy)) {
      float[] d = new float[p.shape().size()];
      for (int i = 0; i < d.length; i++) d[i] = r.nextFloat() - 0.5f;
      args.add(backend.put(Tensor.wrap(DType.F32, p.shape(), d)));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    backend.close();
  }

  @Benchmark
  public List<DeviceArray> forwardAndBackward() {
    return exe.run(args);
  }
}
