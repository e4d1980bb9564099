package dev.kiln.tpu.pjrt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Kernels are counted in the entry computation only, bookkeeping ops left out, from hlo.proto's field numbers. */
class OptimizedHloTest {
  private static ByteString message(Object... fieldsAndValues) {
    UnknownFieldSet.Builder b = UnknownFieldSet.newBuilder();
    for (int i = 0; i < fieldsAndValues.length; i += 2) {
      int field = (Integer) fieldsAndValues[i];
      Object v = fieldsAndValues[i + 1];
      ByteString bytes = v instanceof String s ? ByteString.copyFromUtf8(s) : (ByteString) v;
      b.mergeField(field, UnknownFieldSet.Field.newBuilder().addLengthDelimited(bytes).build());
    }
    return b.build().toByteString();
  }

  private static ByteString instruction(String name, String opcode) {
    return message(1, name, 2, opcode);
  }

  @Test
  void countsTheEntryComputationsKernels() {
    ByteString fused = message(1, "fused_computation", 2, instruction("p", "parameter"), 2, instruction("m", "multiply"));
    ByteString entry = message(1, "main.7", 2, instruction("p0", "parameter"), 2, instruction("c", "constant"),
        2, instruction("f1", "fusion"), 2, instruction("f2", "fusion"), 2, instruction("g", "custom-call"),
        2, instruction("gte", "get-tuple-element"), 2, instruction("t", "tuple"), 2, instruction("ar", "all-reduce"));
    ByteString module = message(1, "m", 2, "main.7", 3, fused, 3, entry);
    OptimizedHlo h = OptimizedHlo.parse(message(1, module).toByteArray());
    assertEquals("main.7", h.entry());
    assertEquals(Map.of("parameter", 1, "constant", 1, "fusion", 2, "custom-call", 1, "get-tuple-element", 1, "tuple", 1,
        "all-reduce", 1), h.opcodes());
    assertEquals(4, h.kernels());
    assertEquals(0, h.count("multiply"), "instructions inside fused computations are not kernels");
  }

  @Test
  void aModuleWithoutItsEntryIsAnError() {
    ByteString module = message(1, "m", 2, "main.9", 3, message(1, "other"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OptimizedHlo.parse(message(1, module).toByteArray()));
    assertEquals("the optimized program has no entry computation 'main.9'", e.getMessage());
  }
}
