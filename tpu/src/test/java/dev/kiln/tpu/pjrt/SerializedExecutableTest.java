package dev.kiln.tpu.pjrt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** An executable serialized by the plugin loads again without compiling and computes the same thing. */
class SerializedExecutableTest {
  static final String MLIR = """
      module @m { func.func public @main(%a: tensor<4x3xf32>, %b: tensor<3x2xf32>) -> tensor<4x2xf32> {
        %0 = "stablehlo.dot_general"(%a, %b) {dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [1], \
      rhs_contracting_dimensions = [0]>} : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>
        %1 = "stablehlo.exponential"(%0) : (tensor<4x2xf32>) -> tensor<4x2xf32>
        return %1 : tensor<4x2xf32>
      } }
      """;

  private static float[] run(PjrtClient client, PjrtExecutable exe, Tensor a, Tensor b) {
    var d = client.devices().get(0);
    try (PjrtBuffer x = client.toDevice(a, d); PjrtBuffer y = client.toDevice(b, d)) {
      PjrtBuffer out = exe.execute(List.of(List.of(x, y)), Set.of()).get(0).get(0);
      try (out) {
        return out.toHost().floats();
      }
    }
  }

  @Test
  void aDeserializedExecutableComputesWhatTheCompiledOneDid() {
    Tensor a = Tensor.wrap(DType.F32, Shape.of(4, 3), new float[] {1, 2, 3, 4, 5, 6, -1, -2, -3, 0.5f, 0.25f, 0});
    Tensor b = Tensor.wrap(DType.F32, Shape.of(3, 2), new float[] {0.1f, -0.2f, 0.3f, 0.05f, -0.1f, 0.2f});
    List<TensorType> out = List.of(new TensorType(DType.F32, Shape.of(4, 2)));
    try (PjrtBackend backend = CpuPlugin.backend(1)) {
      PjrtClient client = backend.client();
      byte[] options = CompileOptionsCodec.encode(1, backend.devices());
      float[] compiled;
      byte[] serialized;
      try (PjrtExecutable exe = client.compile(MLIR, options, out)) {
        compiled = run(client, exe, a, b);
        serialized = exe.serialize();
      }
      assertTrue(serialized.length > 0, "empty serialization");
      try (PjrtExecutable loaded = client.deserialize(serialized, out)) {
        assertArrayEquals(compiled, run(client, loaded, a, b));
      }
    }
  }
}
