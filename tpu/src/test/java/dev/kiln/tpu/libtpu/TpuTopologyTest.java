package dev.kiln.tpu.libtpu;

import dev.kiln.tpu.Backends;
import dev.kiln.tpu.PluginLocator;
import dev.kiln.tpu.pjrt.AotExecutable;
import dev.kiln.tpu.pjrt.CompileOptionsCodec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.backend.CompileOptions;
import dev.kiln.core.graph.Graph;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import dev.kiln.core.hlo.StableHloWriter;
import dev.kiln.core.op.Ops;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiling for a TPU topology with libtpu and no TPU attached: topology names, device counts, and XLA's cost
 * analysis of a matmul against the closed form (2·M·K·N flops), at 1 and 8 replicas.
 */
class TpuTopologyTest {
  /** libtpu as {@code kiln plugin install tpu} leaves it; the tests fail, never skip, without it. */
  static Path libtpu() {
    return PluginLocator.inCache(PluginLocator.Kind.TPU).orElseThrow(() -> new AssertionError(
        "libtpu not found in " + PluginLocator.cacheDir(PluginLocator.Kind.TPU)
            + ": run './kiln plugin install tpu' (.ci/run does this)"));
  }

  @Test
  void sliceNamesBecomeLibtpuTopologies() {
    assertEquals("v3:2x2", TpuTopologyName.parse("v3-8").libtpu());
    assertEquals("v3:4x4", TpuTopologyName.parse("v3-32").libtpu());
    assertEquals("v4:2x2x1", TpuTopologyName.parse("v4-8").libtpu());
    assertEquals("v4:2x2x4", TpuTopologyName.parse("v4-32").libtpu());
    assertEquals("v5e:2x2", TpuTopologyName.parse("v5e-4").libtpu());
    assertEquals("v5e:2x4", TpuTopologyName.parse("v5litepod-8").libtpu());
    assertEquals("v6e:1x1", TpuTopologyName.parse("v6e-1").libtpu());
    assertEquals("v5p:2x2x1", TpuTopologyName.parse("v5p:2x2x1").libtpu());
    assertEquals(16, TpuTopologyName.parse("v3-32").chips());
    assertThrows(IllegalArgumentException.class, () -> TpuTopologyName.parse("v3-7"));
    assertThrows(IllegalArgumentException.class, () -> TpuTopologyName.parse("v3-24"));
    assertThrows(IllegalArgumentException.class, () -> TpuTopologyName.parse("tpu8"));
  }

  @Test
  void tpuIsNotAttachedWithoutAccelOrVfioGroups(@TempDir Path dev) throws Exception {
    assertEquals(false, TpuEnvironment.attached(dev));
    Files.createDirectories(dev.resolve("vfio"));
    Files.createFile(dev.resolve("vfio/vfio"));
    assertEquals(false, TpuEnvironment.attached(dev), "the VFIO control node alone is not a TPU");
    Files.createFile(dev.resolve("vfio/0"));
    assertEquals(true, TpuEnvironment.attached(dev));
    Files.delete(dev.resolve("vfio/0"));
    Files.createFile(dev.resolve("accel0"));
    assertEquals(true, TpuEnvironment.attached(dev));
  }

  static String matmul(int replicas, boolean allReduce) {
    Tracer t = new Tracer();
    Value a = t.parameter("a", DType.F32, 512, 650);
    Value b = t.parameter("b", DType.F32, 650, 64);
    Value y = Ops.matmul(a, b);
    Graph g = t.build(allReduce ? Ops.allReduceSum(y) : y);
    return StableHloWriter.write(g, new CompileOptions(replicas, Map.of()));
  }

  @Test
  void compilesForV3_8AndReportsTheMatmulsFlops() {
    try (TpuTopology topo = TpuTopology.create(libtpu(), "v3-8")) {
      assertEquals("tpu", topo.platform());
      assertEquals(8, topo.deviceCount());
      assertTrue(topo.deviceKinds().get(0).contains("v3"), topo.deviceKinds().toString());
      try (AotExecutable one = topo.compile(matmul(1, false), CompileOptionsCodec.encodeForTopology(1));
           AotExecutable eight = topo.compile(matmul(8, true), CompileOptionsCodec.encodeForTopology(8))) {
        assertEquals(1, one.numReplicas());
        assertEquals(8, eight.numReplicas());
        Map<String, Double> c1 = one.costAnalysis();
        assertEquals(2.0 * 512 * 650 * 64, c1.get("flops"), 0.0, c1.toString());
        assertTrue(c1.get("optimal_seconds") > 0 && c1.get("bytes accessed") >= 4.0 * (512 * 650 + 650 * 64), c1.toString());
        Map<String, Double> c8 = eight.costAnalysis();
        // The all_reduce adds its sum over the [512, 64] result to the per-device flops.
        assertTrue(c8.get("flops") > c1.get("flops") && c8.get("optimal_seconds") > c1.get("optimal_seconds"), c8.toString());
        assertTrue(eight.optimizedProgram().length > 100);
      }
    }
  }

  @Test
  void aBadTopologyNameIsAClearError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TpuTopology.create(libtpu(), "v3:3x5x7x9"));
    assertTrue(e.getMessage().contains("libtpu does not accept the topology"), e.getMessage());
  }

  @Test
  void pjrtTpuWithoutATpuFailsAtOnceWithOneLine() {
    assertEquals(false, TpuEnvironment.attached(), "this test expects a machine without a TPU (as CI's)");
    long t0 = System.nanoTime();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Backends.open("pjrt:tpu", libtpu(), Map.of()));
    assertTrue((System.nanoTime() - t0) / 1e9 < 15, "took too long");
    assertTrue(e.getMessage().contains("no TPU is attached") && e.getMessage().contains("--topology v3-8")
        && !e.getMessage().contains("\n"), e.getMessage());
  }
}
