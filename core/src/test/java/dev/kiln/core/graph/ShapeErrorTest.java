package dev.kiln.core.graph;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.op.Convolution;
import dev.kiln.core.op.Ops;
import org.junit.jupiter.api.Test;

/** Shape errors name the op, the input shapes and the attributes. */
class ShapeErrorTest {
  @Test
  void convolutionChannelMismatchNamesOpShapesAndAttributes() {
    Tracer t = new Tracer();
    Value x = t.parameter("x", DType.F32, 4, 20, 130);
    Value w = t.parameter("w", DType.F32, 5, 64, 64);
    ShapeException e = assertThrows(ShapeException.class, () -> Ops.convolution(x, w,
        Convolution.of(new int[] {1}, new int[] {2}, new int[] {2}, Convolution.Dims.channelsLast(1))));
    String m = e.getMessage();
    assertTrue(m.startsWith("convolution: input features 130 != kernel input features 64"), m);
    assertTrue(m.contains("F32[4, 20, 130]") && m.contains("F32[5, 64, 64]"), m);
    assertTrue(m.contains("window_strides=[1]") && m.contains("padding_low=[2]"), m);
  }

  @Test
  void dotGeneralAndBroadcastErrorsAreSpecific() {
    Tracer t = new Tracer();
    Value a = t.parameter("a", DType.F32, 3, 4);
    Value b = t.parameter("b", DType.F32, 5, 6);
    ShapeException e = assertThrows(ShapeException.class, () -> Ops.matmul(a, b));
    assertTrue(e.getMessage().contains("dot_general: contracting dimension sizes differ"), e.getMessage());
    IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> a.add(b));
    assertTrue(e2.getMessage().contains("[3, 4] and [5, 6] do not broadcast"), e2.getMessage());
  }

  @Test
  void mixedDtypesAreRejected() {
    Tracer t = new Tracer();
    Value a = t.parameter("a", DType.F32, 3);
    Value b = t.parameter("b", DType.F64, 3);
    ShapeException e = assertThrows(ShapeException.class, () -> a.add(b));
    assertTrue(e.getMessage().contains("add: operand dtypes differ"), e.getMessage());
  }
}
