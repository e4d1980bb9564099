package dev.kiln.tpu.pjrt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.backend.CompileOptions;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.core.backend.Executable;
import dev.kiln.core.graph.Autodiff;
import dev.kiln.core.graph.Graph;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Convolution;
import dev.kiln.core.op.Ops;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Data parallelism on the CPU plugin's 4 devices: each replica computes gradients on its quarter of the batch,
 * all_reduce sums them, and every replica applies the same update. The result must equal one device's step on the
 * whole batch.
 */
class PjrtReplicaTest {
  static final int BATCH = 16, LEN = 10, CIN = 3, COUT = 4;

  /** An SGD step of conv1d + relu + dense + BCE whose gradients and loss are averaged over {@code replicas}. */
  static Graph step(int localBatch, int replicas) {
    Tracer t = new Tracer();
    Value w1 = t.parameter("w1", DType.F32, 3, CIN, COUT);
    Value w2 = t.parameter("w2", DType.F32, LEN * COUT, 1);
    Value x = t.parameter("x", DType.F32, localBatch, LEN, CIN);
    Value y = t.parameter("y", DType.F32, localBatch, 1);
    Value h = Ops.relu(Ops.convolution(x, w1,
        Convolution.of(new int[] {1}, new int[] {1}, new int[] {1}, Convolution.Dims.channelsLast(1))));
    Value z = Ops.matmul(Ops.reshape(h, localBatch, LEN * COUT), w2);
    Value loss = Ops.mean(Ops.relu(z).sub(z.mul(y)).add(Ops.log1p(Ops.exp(Ops.neg(Ops.abs(z))))));
    List<Value> g = Autodiff.grad(loss, List.of(w1, w2));
    Value g1 = Ops.allReduceSum(g.get(0)).div(replicas);
    Value g2 = Ops.allReduceSum(g.get(1)).div(replicas);
    return t.build(w1.sub(g1.mul(0.5)), w2.sub(g2.mul(0.5)), Ops.allReduceSum(loss).div(replicas));
  }

  @Test
  void dataParallelStepOnFourReplicasEqualsSingleDeviceStepOnWholeBatch() {
    Random r = new Random(5);
    Tensor w1 = rand(r, 3, CIN, COUT), w2 = rand(r, LEN * COUT, 1);
    Tensor x = rand(r, BATCH, LEN, CIN);
    float[] yl = new float[BATCH];
    for (int i = 0; i < BATCH; i++) yl[i] = r.nextBoolean() ? 1 : 0;
    Tensor y = Tensor.of(yl, BATCH, 1);
    try (PjrtBackend b = CpuPlugin.backend(4)) {
      assertEquals(4, b.devices().size(), "cpu_device_count=4 gives 4 devices");
      List<Tensor> single;
      try (Executable one = b.compile(step(BATCH, 1))) {
        List<DeviceArray> outs = one.run(List.of(b.put(w1), b.put(w2), b.put(x), b.put(y)));
        single = outs.stream().map(b::get).toList();
      }
      int local = BATCH / 4;
      try (Executable four = b.compile(step(local, 4), new CompileOptions(4, Map.of()))) {
        List<List<DeviceArray>> args = new ArrayList<>();
        for (int rep = 0; rep < 4; rep++) {
          var dev = b.devices().get(rep);
          args.add(List.of(b.put(w1, dev), b.put(w2, dev), b.put(slice(x, rep * local, local), dev),
              b.put(slice(y, rep * local, local), dev)));
        }
        List<List<DeviceArray>> outs = four.execute(args);
        for (int rep = 0; rep < 4; rep++) {
          for (int o = 0; o < 3; o++) {
            Tensor got = b.get(outs.get(rep).get(o));
            assertTrue(Tensor.allClose(got, single.get(o), 1e-5, 1e-6),
                "replica " + rep + " output " + o + ": " + got + " vs single device " + single.get(o));
          }
        }
      }
    }
  }

  static Tensor rand(Random r, int... dims) {
    int n = 1;
    for (int d : dims) n *= d;
    float[] f = new float[n];
    for (int i = 0; i < n; i++) f[i] = (float) (r.nextGaussian() * 0.5);
    return Tensor.of(f, dims);
  }

  static Tensor slice(Tensor t, int start, int rows) {
    int row = t.size() / t.shape().dim(0);
    float[] f = java.util.Arrays.copyOfRange(t.floats(), start * row, (start + rows) * row);
    int[] dims = t.shape().dims();
    dims[0] = rows;
    return Tensor.of(f, dims);
  }
}
