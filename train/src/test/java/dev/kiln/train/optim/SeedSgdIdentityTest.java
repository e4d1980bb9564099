package dev.kiln.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.backend.Backend;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.ops.Model;
import dev.kiln.ops.train.BatchSource;
import dev.kiln.ops.train.Optimization;
import dev.kiln.ops.train.Sgd;
import dev.kiln.ops.train.StatefulStep;
import dev.kiln.ops.train.StepGraphs;
import dev.kiln.tpu.Backends;
import dev.kiln.train.loop.DeviceRunner;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@code kiln train}'s default optimizer (the seed's SGD with Keras's iterations counter beside it) trains bit for bit
 * as the seed's step always did, on java and on pjrt:cpu; with the rate a step input (ReduceLROnPlateau), bit for bit
 * on java.
 */
class SeedSgdIdentityTest {
  @Test
  void theRateAsAnInputTrainsBitForBitAsTheConstantRate() {
    Model model = Model.seed(20, 130, 0.1);
    Sgd sgd = new Sgd(0.2, 0.9, true);
    try (Backend java = new JavaBackend();
        Backend pjrt = Backends.open("pjrt:cpu", null, Map.of("cpu_device_count", 1L))) {
      for (Backend b : List.of(java, pjrt)) {
        Map<String, Tensor> seed = train(b, model, Optimization.constant(sgd));
        Map<String, Tensor> counted = train(b, model, Optimization.of(sgd, null));
        assertEquals(seed.keySet(), counted.keySet());
        for (var e : seed.entrySet()) {
          assertArrayEquals(e.getValue().floats(), counted.get(e.getKey()).floats(), b.name() + ": " + e.getKey());
        }
        if (b == java) {
          Map<String, Tensor> input = train(b, model, Optimization.of(sgd, null).withRateInput());
          for (var e : seed.entrySet()) {
            assertArrayEquals(e.getValue().floats(), input.get(e.getKey()).floats(), "rate input: " + e.getKey());
          }
          assertEquals(0.2f, input.get(Optimization.LEARNING_RATE).floats()[0]);
        }
      }
    }
  }

  private static Map<String, Tensor> train(Backend backend, Model model, Optimization opt) {
    int batch = 32;
    try (DeviceRunner r = new DeviceRunner(backend, 1)) {
      StatefulStep step = StepGraphs.training(model, batch, 1, opt, 42, 0, new BatchSource.Fed());
      r.compile(step);
      r.put(StepGraphs.initialState(model, opt, 42, Map.of()));
      r.put(StepGraphs.clearedMonitor());
      SplittableRandom rnd = new SplittableRandom(3);
      for (int s = 0; s < 3; s++) {
        float[] x = new float[batch * 20 * 130];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        float[] y = new float[batch];
        for (int i = 0; i < batch; i++) y[i] = rnd.nextBoolean() ? 1 : 0;
        Map<String, List<DeviceArray>> in = new LinkedHashMap<>();
        in.put("x", r.onEveryDevice(Tensor.wrap(DType.F32, Shape.of(batch, 20, 130), x)));
        in.put("y", r.onEveryDevice(Tensor.wrap(DType.F32, Shape.of(batch, 1), y)));
        in.put("step", r.onEveryDevice(Tensor.wrap(DType.U32, Shape.scalar(), new int[] {s + 1})));
        DeviceRunner.release(r.run(step, in));
        DeviceRunner.release(in);
      }
      Map<String, Tensor> state = r.read(new ArrayList<>(StepGraphs.trainingState(model, opt).keySet()));
      state.remove(Optimization.ITERATIONS);
      return state;
    }
  }
}
