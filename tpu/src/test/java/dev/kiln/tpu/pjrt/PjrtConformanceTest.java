package dev.kiln.tpu.pjrt;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.conformance.Conformance;
import dev.kiln.core.cpu.JavaBackend;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The conformance suite on pjrt:cpu against the Java backend: every primitive, forward and VJP, and a train step. */
class PjrtConformanceTest {
  @Test
  void pjrtCpuAgreesWithJavaBackendOnEveryCase() {
    long seed = new Random().nextLong();
    try (PjrtBackend pjrt = CpuPlugin.backend(1); JavaBackend java = new JavaBackend()) {
      List<Conformance.Result> results = Conformance.run(pjrt, java, Conformance.cases(DType.F32, seed));
      String table = Conformance.table(pjrt.name(), "java", results);
      assertTrue(results.stream().allMatch(Conformance.Result::passed), "seed " + seed + "\n" + table);
      assertTrue(results.size() > 80, "suspiciously few cases: " + results.size());
    }
  }
}
