package dev.kiln.core.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.backend.Backend;
import dev.kiln.core.backend.CompileOptions;
import dev.kiln.core.backend.Device;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.core.backend.Executable;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.core.graph.Graph;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@code kiln check --backend java}: the Java backend's F32 suite against float64 evaluation of the same graphs.
 * It must pass, and it must be able to fail: a candidate whose float outputs are off by 1e-3 relative is caught.
 */
class JavaAgainstF64Test {
  @Test
  void javaF32AgreesWithFloat64Evaluation() {
    long seed = new Random().nextLong();
    try (JavaBackend java = new JavaBackend()) {
      List<Conformance.Result> results = Conformance.runAgainstF64(java, seed);
      String table = Conformance.table("java", "float64", results);
      assertTrue(results.stream().allMatch(Conformance.Result::passed), "seed " + seed + "\n" + table);
      assertTrue(results.size() > 80, "suspiciously few cases: " + results.size());
      // A reference that differs from the candidate: F32 rounding shows up as non-zero errors somewhere.
      assertTrue(results.stream().anyMatch(r -> r.maxAbsError() > 0), table);
    }
  }

  @Test
  void widenedCasesHoldTheSameValuesInF64() {
    List<Conformance.Case> f32 = Conformance.cases(DType.F32, 7);
    List<Conformance.Case> f64 = Conformance.widenedCases(7);
    assertEquals(f32.size(), f64.size());
    for (int c = 0; c < f32.size(); c++) {
      for (int i = 0; i < f32.get(c).inputs().size(); i++) {
        Tensor a = f32.get(c).inputs().get(i), b = f64.get(c).inputs().get(i);
        assertEquals(a.dtype() == DType.F32 ? DType.F64 : a.dtype(), b.dtype(), f32.get(c).name());
        for (int k = 0; k < a.size(); k++) assertEquals(a.getDouble(k), b.getDouble(k), f32.get(c).name());
      }
    }
  }

  @Test
  void aPerturbedCandidateFails() {
    try (JavaBackend java = new JavaBackend(); Backend off = new Perturbed(new JavaBackend(), 1e-3)) {
      List<Conformance.Result> results =
          Conformance.run(off, Conformance.cases(DType.F32, 3), java, Conformance.widenedCases(3));
      long failed = results.stream().filter(r -> !r.passed()).count();
      assertTrue(failed > results.size() / 2, Conformance.table("perturbed", "float64", results));
    }
  }

  @Test
  void aBackendIsNeverItsOwnReference() {
    try (JavaBackend java = new JavaBackend()) {
      List<Conformance.Case> cases = Conformance.cases(DType.F32, 1);
      assertThrows(IllegalArgumentException.class, () -> Conformance.run(java, java, cases));
    }
  }

  /** A backend whose float outputs are scaled by (1 + eps): a stand-in for a wrong kernel. */
  private record Perturbed(Backend inner, double eps) implements Backend {
    @Override
    public String name() {
      return "perturbed";
    }

    @Override
    public List<Device> devices() {
      return inner.devices();
    }

    @Override
    public Executable compile(Graph graph, CompileOptions options) {
      return inner.compile(graph, options);
    }

    @Override
    public DeviceArray put(Tensor tensor, Device device) {
      return inner.put(tensor, device);
    }

    @Override
    public Tensor get(DeviceArray array) {
      return inner.get(array);
    }

    @Override
    public List<Tensor> evaluate(Graph graph, Tensor... inputs) {
      List<Tensor> out = new ArrayList<>();
      for (Tensor t : inner.evaluate(graph, inputs)) {
        if (t.dtype() != DType.F32) {
          out.add(t);
          continue;
        }
        float[] f = new float[t.size()];
        for (int i = 0; i < f.length; i++) f[i] = (float) (t.getDouble(i) * (1 + eps) + eps);
        out.add(Tensor.wrap(DType.F32, t.shape(), f));
      }
      return out;
    }

    @Override
    public void close() {
      inner.close();
    }
  }
}
