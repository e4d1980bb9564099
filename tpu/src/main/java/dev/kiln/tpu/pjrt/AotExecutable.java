package dev.kiln.tpu.pjrt;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * An executable compiled ahead of time for a topology ({@link PjrtTopology#compile}): not loaded on any device, but
 * XLA's figures for it can be read: replica count, generated code size, the cost analysis (per device), the memory
 * it needs, and the optimized program; and it can be serialized, for a machine with the device to load.
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

  /** What running this executable takes on one device, in bytes (XLA's CompiledMemoryStats). */
  public record MemoryStats(long argument, long output, long alias, long temp, long generatedCode, long peak) {}

  /** The memory figures; {@code peak} is 0 where the plugin does not report it. */
  public MemoryStats memoryStats() {
    try (PointerScope scope = new PointerScope()) {
      var a = Pjrt.args(new PjrtC.PJRT_Executable_GetCompiledMemoryStats_Args());
      a.executable(handle);
      pjrt.call(PjrtC.KILN_SLOT_Executable_GetCompiledMemoryStats, a, "Executable_GetCompiledMemoryStats");
      return new MemoryStats(a.argument_size_in_bytes(), a.output_size_in_bytes(), a.alias_size_in_bytes(),
          a.temp_size_in_bytes(), a.generated_code_size_in_bytes(), a.peak_memory_in_bytes());
    }
  }

  /** The plugin's serialization of this executable ({@code PJRT_Executable_Serialize}), for DeserializeAndLoad. */
  public byte[] serialize() {
    return serialize(pjrt, handle);
  }

  /** Serializes {@code exe} and frees the plugin's copy. */
  static byte[] serialize(Pjrt pjrt, PjrtC.PJRT_Executable exe) {
    try (PointerScope scope = new PointerScope()) {
      var a = Pjrt.args(new PjrtC.PJRT_Executable_Serialize_Args());
      a.executable(exe);
      pjrt.call(PjrtC.KILN_SLOT_Executable_Serialize, a, "Executable_Serialize");
      try {
        long n = a.serialized_bytes_size();
        if (n > Integer.MAX_VALUE - 8) throw new PjrtException(8, "a serialized executable of " + n + " bytes");
        byte[] out = new byte[(int) n];
        a.serialized_bytes().capacity(n).get(out);
        return out;
      } finally {
        PjrtC.kiln_free_serialized(a);
      }
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
