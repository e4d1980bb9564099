package dev.kiln.train;

import dev.kiln.tpu.Backends;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.backend.Backend;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.ops.Model;
import dev.kiln.ops.train.Sgd;
import dev.kiln.ops.train.StatefulStep;
import dev.kiln.ops.train.StepGraphs;
import dev.kiln.train.loop.DeviceRunner;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The seed's whole training step (noise, residual conv block, batch norm, dense, BCE, Nesterov SGD, moving
 * statistics, metric counts) gives the same losses and state on pjrt:cpu as on the Java backend over 3 steps.
 */
class TrainStepParityTest {
  @Test
  void seedTrainingStepsAgreeBetweenJavaAndPjrtCpu() {
    parity(Model.seed(20, Trainer.FEATURES, 0.1));
  }

  /** The importer's architectures: every new layer's StableHLO (forward and VJP) runs on pjrt:cpu as on java. */
  @Test
  void kerasFixtureTrainingStepsAgreeBetweenJavaAndPjrtCpu() throws java.io.IOException {
    for (String name : List.of("deeper", "normalized")) {
      parity(dev.kiln.ops.keras.KerasModels.read(KerasRoundTripTest.fixture(name)));
    }
  }

  /** The row MLP with five units: rows reshaped in the step, BN on rows, swish, dropout, BCE over [b, 5]. */
  @Test
  void rowModelWithFiveTargetsTrainingStepsAgreeBetweenJavaAndPjrtCpu() throws java.io.IOException {
    Model m = dev.kiln.ops.keras.KerasModels.read(KerasRoundTripTest.fixture("row_mlp"));
    assertEquals(5, m.units());
    parity(m);
  }

  private static void parity(Model model) {
    int window = model.window(), k = model.units();
    int batch = 32;
    List<double[]> losses = new ArrayList<>();
    List<Map<String, Tensor>> states = new ArrayList<>();
    try (Backend java = new JavaBackend(); Backend pjrt = Backends.open("pjrt:cpu", null, Map.of("cpu_device_count", 1L))) {
      for (Backend b : List.of(java, pjrt)) {
        try (DeviceRunner r = new DeviceRunner(b, 1)) {
          StatefulStep step = StepGraphs.training(model, batch, 1, new Sgd(0.05, 0.9, true), 42);
          r.compile(step);
          r.put(StepGraphs.initialState(model, 42, Map.of()));
          r.put(StepGraphs.clearedMonitor());
          SplittableRandom rnd = new SplittableRandom(3);
          double[] l = new double[3];
          for (int s = 0; s < 3; s++) {
            float[] x = new float[batch * window * Trainer.FEATURES];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] y = new float[batch * k];
            for (int i = 0; i < y.length; i++) y[i] = rnd.nextBoolean() ? 1 : 0;
            Map<String, List<DeviceArray>> in = new LinkedHashMap<>();
            in.put("x", r.onEveryDevice(Tensor.wrap(DType.F32, Shape.of(batch, window, Trainer.FEATURES), x)));
            in.put("y", r.onEveryDevice(Tensor.wrap(DType.F32, Shape.of(batch, k), y)));
            in.put("step", r.onEveryDevice(Tensor.wrap(DType.U32, Shape.scalar(), new int[] {s + 1})));
            Map<String, List<DeviceArray>> out = r.run(step, in);
            l[s] = r.read(out.get("loss").get(0)).item();
            DeviceRunner.release(out);
            DeviceRunner.release(in);
          }
          losses.add(l);
          states.add(r.read(new ArrayList<>(StepGraphs.trainingState(model).keySet())));
        }
      }
    }
    for (int s = 0; s < 3; s++) {
      assertEquals(losses.get(0)[s], losses.get(1)[s], 1e-4 * Math.abs(losses.get(0)[s]),
          model.name() + ": loss at step " + (s + 1));
    }
    for (String name : states.get(0).keySet()) {
      Tensor a = states.get(0).get(name), b = states.get(1).get(name);
      assertTrue(Tensor.allClose(b, a, 1e-3, 1e-4), model.name() + ": " + name + " differs: java " + a + " vs pjrt " + b);
    }
  }
}
