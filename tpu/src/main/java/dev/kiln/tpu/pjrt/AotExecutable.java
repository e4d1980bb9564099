package dev.kiln.tpu.pjrt;

import dev.kiln.tpu.libtpu.TpuTopology;
import dev.kiln.tpu.pjrt.PjrtC;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * An executable compiled ahead of time for a topology ({@link TpuTopology#compile}): not loaded on any device, but
 * XLA's figures for it can be read: replica count, generated code size, the cost analysis (per device) and the
 * optimized program.
 */
public final class AotExecutable implements AutoCloseable {
  private final Pjrt pjrt;
  private PjrtC.PJRT_Executable handle;

  public AotExecutable(Pjrt pjrt, PjrtC.PJRT_Executable handle) {
    this.pjrt = pjrt;
    this.handle = handle;
  }

  private long count(int slot, String what) {
    try (PointerScope scope = new PointerScope()) {
      var a = Pjrt.args(new PjrtC.PJRT_Executable_Count_Args());
      a.executable(handle);
      pjrt.call(slot, a, what);
      return a.value();
    }
  }

  public int numReplicas() {
    return (int) count(PjrtC.KILN_SLOT_Executable_NumReplicas, "Executable_NumReplicas");
  }

  public long generatedCodeBytes() {
    return count(PjrtC.KILN_SLOT_Executable_SizeOfGeneratedCodeInBytes, "Executable_SizeOfGeneratedCodeInBytes");
  }

  /**
   * XLA's cost analysis, per device: {@code flops}, {@code bytes accessed}, {@code optimal_seconds} and per-operand
   * figures, by name (the plugin's order varies between calls).
   */
  public Map<String, Double> costAnalysis() {
    Map<String, Double> out = new LinkedHashMap<>();
    try (PointerScope scope = new PointerScope()) {
      var a = Pjrt.args(new PjrtC.PJRT_Executable_GetCostAnalysis_Args());
      a.executable(handle);
      pjrt.call(PjrtC.KILN_SLOT_Executable_GetCostAnalysis, a, "Executable_GetCostAnalysis");
      for (long i = 0; i < a.num_properties(); i++) {
        PjrtC.PJRT_NamedValue v = new PjrtC.PJRT_NamedValue(a.properties()).position(i);
        Object value = PjrtPlugin.NamedValues.read(v);
        if (value instanceof Number n) out.put(Pjrt.string(v.name(), v.name_size()), n.doubleValue());
      }
    }
    return out;
  }

  /** The optimized program's bytes (format "hlo_with_config": a serialized HloModuleProtoWithConfig). */
  public byte[] optimizedProgram() {
    try (PointerScope scope = new PointerScope()) {
      PjrtC.PJRT_Program prog = Pjrt.args(new PjrtC.PJRT_Program());
      var a = Pjrt.args(new PjrtC.PJRT_Executable_OptimizedProgram_Args());
      a.executable(handle).program(prog);
      pjrt.call(PjrtC.KILN_SLOT_Executable_OptimizedProgram, a, "Executable_OptimizedProgram (size)");
      long size = prog.code_size();
      BytePointer buf = new BytePointer(size);
      prog.code(buf);
      pjrt.call(PjrtC.KILN_SLOT_Executable_OptimizedProgram, a, "Executable_OptimizedProgram");
      byte[] out = new byte[(int) size];
      buf.get(out);
      return out;
    }
  }

  @Override
  public void close() {
    if (handle != null && !handle.isNull()) {
      pjrt.destroy(PjrtC.KILN_SLOT_Executable_Destroy, handle.address(), "Executable_Destroy");
    }
    handle = null;
  }
}
