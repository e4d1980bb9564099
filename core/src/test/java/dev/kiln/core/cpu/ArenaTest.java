package dev.kiln.core.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.kiln.core.DType;
import dev.kiln.core.Rand;
import dev.kiln.core.Tensor;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.core.backend.Executable;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Ops;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Java backend's arena reuses arrays between nodes and runs without letting a reused array reach a live value:
 * only arrays it handed out in the current run come back, a value sharing its array with another (a reshape) keeps
 * it, and results kept from an earlier run are untouched by later runs.
 */
class ArenaTest {
  private static final Rand R = new Rand();

  @Test
  void reusesOnlyItsOwnArraysAndForgetsTheRestAtTheEndOfARun() {
    float[] outside = (float[]) Arena.uninitialized(DType.F32, 1000);
    outside[0] = 1;
    assertEquals(0f, ((float[]) Arena.uninitialized(DType.F32, 1000))[0], "outside a run: fresh zeroed arrays");
    Arena arena = new Arena();
    Arena previous = arena.enter();
    float[] a = (float[]) Arena.uninitialized(DType.F32, 1000);
    arena.giveBack(a);
    assertSame(a, Arena.uninitialized(DType.F32, 1000), "an array given back is handed out again");
    assertNotSame(a, Arena.uninitialized(DType.F32, 999), "only for the same length");
    arena.giveBack(outside);
    assertNotSame(outside, Arena.uninitialized(DType.F32, 1000), "an array the arena did not issue is never reused");
    arena.exit(previous);
    arena.giveBack(a);
    previous = arena.enter();
    assertNotSame(a, Arena.uninitialized(DType.F32, 1000), "arrays still out when a run ends are forgotten");
    arena.exit(previous);
  }

  @Test
  void aDerivedArrayIsMadeOncePerRunAndDroppedWithItsSource() {
    Arena arena = new Arena();
    int[] made = {0};
    java.util.function.Supplier<Object> make = () -> {
      made[0]++;
      return Arena.uninitialized(DType.F32, 10);
    };
    Arena previous = arena.enter();
    float[] source = (float[]) Arena.uninitialized(DType.F32, 100);
    Object d = Arena.derived(source, "copy", make);
    assertSame(d, Arena.derived(source, "copy", make), "asked again in the run: the same array");
    assertEquals(1, made[0]);
    assertNotSame(d, Arena.derived(source, "other", make), "another derivative of the same source is its own");
    arena.giveBack(source);
    float[] reused = (float[]) Arena.uninitialized(DType.F32, 100);
    assertSame(source, reused, "the source's array is reused for a new value");
    Arena.derived(reused, "copy", make);
    assertEquals(3, made[0], "its derivative is made again: the old one was made from the old value");
    arena.exit(previous);
    Arena.derived(source, "copy", make);
    Arena.derived(source, "copy", make);
    assertEquals(5, made[0], "outside a run, made on every call");
  }

  @Test
  void sharedArraysAndEarlierResultsSurviveReuse() {
    Tracer t = new Tracer();
    Value x = t.parameter("x", DType.F32, 50, 300);
    Value a = x.mul(3.0);
    Value r = Ops.reshape(a, 300, 50); // shares a's array
    Value c = a.add(1.0); // a's last use: its array stays, r still holds it
    Value d = c.mul(5.0); // would take a's array if it had been given back
    Value e = d.sub(c); // takes c's array, given back after d
    Value out = r.mul(2.0);
    JavaBackend backend = new JavaBackend(new CpuContext(2), false);
    Executable exe = backend.compile(t.build(out, e));
    Tensor x1 = R.f32(-1, 1, 50, 300), x2 = R.f32(-1, 1, 50, 300);
    List<DeviceArray> first = exe.run(List.of(backend.put(x1)));
    float[] out1 = backend.get(first.get(0)).floats().clone(), e1 = backend.get(first.get(1)).floats().clone();
    for (int run = 0; run < 3; run++) {
      List<DeviceArray> later = exe.run(List.of(backend.put(x2)));
      float[] xs = x2.floats(), o = backend.get(later.get(0)).floats(), ev = backend.get(later.get(1)).floats();
      for (int i = 0; i < xs.length; i++) {
        float ai = xs[i] * 3f, ci = ai + 1f;
        assertEquals(ai * 2f, o[i], "reshaped value, element " + i + R.tag());
        assertEquals(ci * 5f - ci, ev[i], "element " + i + R.tag());
      }
    }
    assertArrayEquals(out1, backend.get(first.get(0)).floats(), "the first run's results are untouched");
    assertArrayEquals(e1, backend.get(first.get(1)).floats(), "the first run's results are untouched");
    backend.close();
  }
}
