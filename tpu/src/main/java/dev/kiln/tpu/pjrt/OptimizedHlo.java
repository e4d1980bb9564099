package dev.kiln.tpu.pjrt;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an optimized program ({@link AotExecutable#optimizedProgram}: a serialized {@code HloModuleProtoWithConfig})
 * runs, read without XLA's protos: the entry computation's instructions by opcode, and from them the kernels a GPU
 * launches per step (every instruction but the bookkeeping ones below). Field numbers are hlo.proto's:
 * HloModuleProtoWithConfig.hlo_module = 1; HloModuleProto.entry_computation_name = 2, computations = 3;
 * HloComputationProto.name = 1, instructions = 2; HloInstructionProto.opcode = 2.
 */
public record OptimizedHlo(String entry, Map<String, Integer> opcodes) {
  /** Instructions that launch nothing: they name, bundle or reinterpret buffers. */
  public static final List<String> NOT_KERNELS = List.of("parameter", "constant", "tuple", "get-tuple-element",
      "bitcast");

  public static OptimizedHlo parse(byte[] hloWithConfig) {
    try {
      UnknownFieldSet withConfig = UnknownFieldSet.parseFrom(hloWithConfig);
      UnknownFieldSet module = UnknownFieldSet.parseFrom(only(withConfig, 1));
      String entry = only(module, 2).toStringUtf8();
      for (ByteString c : module.getField(3).getLengthDelimitedList()) {
        UnknownFieldSet computation = UnknownFieldSet.parseFrom(c);
        if (!only(computation, 1).toStringUtf8().equals(entry)) continue;
        Map<String, Integer> ops = new TreeMap<>();
        for (ByteString i : computation.getField(2).getLengthDelimitedList()) {
          ops.merge(only(UnknownFieldSet.parseFrom(i), 2).toStringUtf8(), 1, Integer::sum);
        }
        return new OptimizedHlo(entry, ops);
      }
      throw new IllegalArgumentException("the optimized program has no entry computation '" + entry + "'");
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("the optimized program is not an HloModuleProtoWithConfig: " + e.getMessage());
    }
  }

  private static ByteString only(UnknownFieldSet s, int field) {
    List<ByteString> v = s.hasField(field) ? s.getField(field).getLengthDelimitedList() : List.of();
    if (v.isEmpty()) throw new IllegalArgumentException("the optimized program lacks field " + field);
    return v.get(v.size() - 1);
  }

  /** Kernels launched per run: fusions, library calls (custom-call) and any other op that is not bookkeeping. */
  public int kernels() {
    return opcodes.entrySet().stream().filter(e -> !NOT_KERNELS.contains(e.getKey())).mapToInt(Map.Entry::getValue)
        .sum();
  }

  public int count(String opcode) {
    return opcodes.getOrDefault(opcode, 0);
  }
}
