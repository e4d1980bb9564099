package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.conformance.Conformance;
import dev.kiln.tpu.PluginLocator;
import dev.kiln.tpu.cuda.GpuTarget;
import dev.kiln.tpu.pjrt.AotExecutable;
import dev.kiln.tpu.pjrt.PjrtClient;
import dev.kiln.tpu.pjrt.PjrtException;
import dev.kiln.tpu.pjrt.PjrtPlugin;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Compiling for GPUs with no GPU (the CUDA plugin's deviceless compile, with the repo's target specs): every
 * conformance graph and the seed's steps for an H100, the seed's 8-GPU step for an H200, and a serialized step that
 * stops, on this machine, exactly where a device is needed. The toolchain comes from {@code ./kiln plugin install
 * cuda --compile-only} (.ci/run installs it); without it these tests fail and say so.
 */
class GpuCompileTest {
  private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

  private static Path plugin() {
    return PluginLocator.cudaCompiler(null);
  }

  @Test
  void theSuiteAndTheSeedStepsCompileForAnH100() {
    TopologyCheck.Report r = TopologyCheck.runGpu(plugin(), "h100", 1, 0, 5, true, QUIET);
    assertEquals(0, r.failed(), TopologyCheck.table(r));
    assertEquals(Conformance.cases(DType.F32, 5).size() + 2, r.rows().size());
    assertEquals("NVIDIA H100 80GB HBM3", r.deviceKind());
    AotExecutable.MemoryStats m = r.step(TopologyCheck.TRAIN).memory();
    assertTrue(r.step(TopologyCheck.TRAIN).hlo().kernels() > 0, "no kernels read from the optimized program");
    assertTrue(m.argument() > 0 && m.temp() > 0 && m.peak() >= m.temp() + m.argument() - m.alias(), m.toString());
    assertTrue(TopologyCheck.table(r).endsWith(r.rows().size() + " compiled, 0 failed\n"), TopologyCheck.table(r));
  }

  @Test
  void theSeedStepCompilesForEightH200s() {
    TopologyCheck.Report r = TopologyCheck.runGpu(plugin(), "h200", 8, 0, 5, false, QUIET);
    assertEquals(0, r.failed(), TopologyCheck.table(r));
    assertEquals(8, r.replicas());
    assertEquals(8 * 512, r.globalBatch());
    assertEquals(8, r.step(TopologyCheck.TRAIN).replicas());
    assertEquals("NVIDIA H200 141GB HBM3e", r.deviceKind());
  }

  @Test
  void aSerializedStepStopsWhereADeviceIsNeeded() {
    PjrtPlugin plugin = PjrtPlugin.load(plugin());
    byte[] serialized;
    dev.kiln.tpu.pjrt.OptimizedHlo hlo;
    try (var topo = GpuTarget.of("h100").topology(plugin, 1)) {
      TopologyCheck.Report r = TopologyCheck.run(topo, "h100", "1x1x1", 512, 5, false, QUIET);
      assertEquals(0, r.failed(), TopologyCheck.table(r));
      try (AotExecutable exe = topo.compile(r.step(TopologyCheck.TRAIN).mlir(),
          dev.kiln.tpu.pjrt.CompileOptionsCodec.encodeForTopology(1))) {
        serialized = exe.serialize();
        hlo = dev.kiln.tpu.pjrt.OptimizedHlo.parse(exe.optimizedProgram());
      }
    }
    assertTrue(serialized.length > 1000, "serialized " + serialized.length + " bytes");
    assertTrue(hlo.count("fusion") > 10 && hlo.count("custom-call") > 0 && hlo.kernels() < 200, hlo.toString());
    // Loading it needs a CUDA client, and a client needs a driver: the exact error on a machine without one.
    PjrtException e = assertThrows(PjrtException.class, () -> new PjrtClient(plugin, Map.of()).close());
    assertEquals(9, e.code(), "FAILED_PRECONDITION");
    assertTrue(e.getMessage().endsWith("Client_Create failed: No visible GPU devices. [FAILED_PRECONDITION]"),
        e.getMessage());
  }

  @Test
  void anUnknownTargetIsRefusedWithTheList() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GpuTarget.of("h800"));
    assertEquals("unknown GPU target 'h800': expected one of h100, h200, a100, b200", e.getMessage());
  }
}
