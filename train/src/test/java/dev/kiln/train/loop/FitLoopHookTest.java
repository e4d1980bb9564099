package dev.kiln.train.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.ops.Model;
import dev.kiln.ops.train.Sgd;
import dev.kiln.ops.train.StatefulStep;
import dev.kiln.ops.train.StepGraphs;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The loop calls hooks in order, names a failing hook with where it failed, and passes a deliberate stop on as is. */
class FitLoopHookTest {
  private static final int WINDOW = 4, FEATURES = 130, BATCH = 8;

  /** A hook that records its calls and throws {@code failure} at step {@code failAt} of the first epoch. */
  private static final class Recorder implements FitLoop.Hook {
    final List<String> calls;
    final String tag;
    final int failAt;
    final RuntimeException failure;

    Recorder(List<String> calls, String tag, int failAt, RuntimeException failure) {
      this.calls = calls;
      this.tag = tag;
      this.failAt = failAt;
      this.failure = failure;
    }

    @Override
    public void epochStart(int epoch) {
      calls.add(tag + ":start" + epoch);
    }

    @Override
    public void step(FitLoop.StepEvent e) {
      calls.add(tag + ":step" + e.step());
      if (e.step() == failAt) throw failure;
    }

    @Override
    public void epochEnd(FitLoop.EpochEvent e) {
      calls.add(tag + ":end" + e.epoch());
    }
  }

  private static void fit(List<FitLoop.Hook> hooks, int epochs, int steps) {
    Model model = Model.seed(WINDOW, FEATURES, 0.1);
    try (JavaBackend backend = new JavaBackend(); DeviceRunner runner = new DeviceRunner(backend, 1)) {
      StatefulStep train = StepGraphs.training(model, BATCH, 1, new Sgd(0.01, 0.9, true), 42);
      runner.put(StepGraphs.initialState(model, 42, Map.of()));
      runner.put(StepGraphs.clearedMonitor());
      Map<String, List<DeviceArray>> batch = new LinkedHashMap<>();
      batch.put("x", runner.onEveryDevice(Tensor.wrap(DType.F32, Shape.of(BATCH, WINDOW, FEATURES),
          new float[BATCH * WINDOW * FEATURES])));
      batch.put("y", runner.onEveryDevice(Tensor.wrap(DType.F32, Shape.of(BATCH, 1), new float[BATCH])));
      batch.put("step", runner.onEveryDevice(Tensor.wrap(DType.U32, Shape.scalar(), new int[] {1})));
      FitLoop.Feeds feeds = new FitLoop.Feeds() {
        @Override
        public Map<String, List<DeviceArray>> next(long globalStep) {
          return batch;
        }

        @Override
        public void done(Map<String, List<DeviceArray>> f) {}
      };
      new FitLoop(runner, train, s -> false, hooks).run(0, epochs, steps, feeds);
    }
  }

  @Test
  void hooksRunInOrderAtEachPoint() {
    List<String> calls = new ArrayList<>();
    fit(List.of(new Recorder(calls, "a", -1, null), new Recorder(calls, "b", -1, null)), 2, 2);
    assertEquals(List.of("a:start0", "b:start0", "a:step1", "b:step1", "a:step2", "b:step2", "a:end0", "b:end0",
        "a:start1", "b:start1", "a:step1", "b:step1", "a:step2", "b:step2", "a:end1", "b:end1"), calls);
  }

  @Test
  void aFailingHookIsNamedWithWhereItFailed() {
    List<String> calls = new ArrayList<>();
    IllegalStateException boom = new IllegalStateException("disk full");
    FitLoop.HookException e = assertThrows(FitLoop.HookException.class,
        () -> fit(List.of(new Recorder(calls, "a", 2, boom), new Recorder(calls, "b", -1, null)), 1, 3));
    assertEquals("Recorder", e.hook());
    assertEquals("Recorder failed at epoch 1, step 2: disk full", e.getMessage());
    assertSame(boom, e.getCause());
    assertEquals(List.of("a:start0", "b:start0", "a:step1", "b:step1", "a:step2"), calls, "no hook runs after it");
  }

  @Test
  void aDeliberateStopPassesOnUnwrapped() {
    DivergedException stop = new DivergedException("the loss became NaN");
    DivergedException e = assertThrows(DivergedException.class,
        () -> fit(List.of(new Recorder(new ArrayList<>(), "a", 1, stop)), 1, 2));
    assertSame(stop, e);
    assertTrue(e instanceof FitLoop.StopTraining);
  }
}
