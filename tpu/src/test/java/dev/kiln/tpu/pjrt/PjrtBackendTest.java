package dev.kiln.tpu.pjrt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.backend.CompileOptions;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.core.backend.Executable;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The PJRT binding on the CPU plugin: errors, donation, transfers of every dtype, compile options bytes. */
class PjrtBackendTest {
  @Test
  void pluginReportsVersionAndAttributes() {
    PjrtPlugin p = CpuPlugin.load();
    assertTrue(p.apiVersion().startsWith("0."), p.apiVersion());
    assertTrue(p.attributes().containsKey("xla_version"), p.attributes().toString());
    assertTrue(p.apiTableSize() >= 40 + 8 * 73, "API table too small for slots 0-72: " + p.apiTableSize());
  }

  @Test
  void invalidStableHloBecomesPjrtExceptionWithCodeAndMessage() {
    try (PjrtBackend b = CpuPlugin.backend(1)) {
      PjrtException e = assertThrows(PjrtException.class,
          () -> b.client().compile("module { func.func @main( }", CompileOptionsCodec.encode(1, b.devices()), List.of()));
      assertTrue(e.getMessage().contains("Client_Compile failed"), e.getMessage());
      assertTrue(e.code() != 0, "error code " + e.code());
    }
  }

  @Test
  void everyDtypeRoundTripsThroughTheDevice() {
    try (PjrtBackend b = CpuPlugin.backend(1)) {
      List<Tensor> ts = List.of(Tensor.of(new float[] {1.5f, -2, Float.NaN}, 3), Tensor.of(new double[] {1e-300, 2}, 2),
          Tensor.of(new int[] {-7, 8, Integer.MIN_VALUE}, 3), Tensor.ofUnsigned(new int[] {-1, 5}, 2),
          Tensor.of(new boolean[] {true, false, true}, 3), Tensor.scalar(4f), Tensor.zeros(DType.F32, 0, 3));
      for (Tensor t : ts) {
        try (DeviceArray a = b.put(t)) {
          Tensor back = b.get(a);
          PjrtBuffer pb = (PjrtBuffer) a;
          assertEquals(t.dtype(), pb.deviceType(), "Buffer_ElementType");
          assertArrayEquals(java.util.Arrays.stream(t.shape().dims()).asLongStream().toArray(), pb.deviceDimensions(),
              "Buffer_Dimensions");
          assertEquals(t.type(), back.type());
          assertArrayEquals(t.toDoubleArray(), back.toDoubleArray(), 0.0, t.toString());
        }
      }
    }
  }

  @Test
  void asyncPlacementOnTheCpuUsesAlignedHostMemoryInPlaceUntilTheBufferGoes() {
    try (PjrtBackend b = CpuPlugin.backend(1)) {
      java.nio.ByteBuffer mem = java.nio.ByteBuffer.allocateDirect(128).alignedSlice(64).limit(64).slice()
          .order(java.nio.ByteOrder.nativeOrder());
      for (int i = 0; i < 16; i++) mem.putFloat(i * 4, i);
      Tensor host = Tensor.wrap(DType.F32, dev.kiln.core.Shape.of(16), mem);
      var placed = b.putAsync(host, b.devices().get(0));
      Tracer t = new Tracer();
      Value x = t.parameter("x", DType.F32, 16);
      try (Executable exe = b.compile(t.build(dev.kiln.core.op.Ops.sum(x)))) {
        List<DeviceArray> out = exe.run(List.of(placed.array()));
        assertEquals(120f, b.get(out.get(0)).floats()[0]);
        out.get(0).close();
      }
      // In place: the device array is the host memory, and the hold lasts while the array does.
      mem.putFloat(0, 1000f);
      assertEquals(1000f, b.get(placed.array()).floats()[0], "the CPU device reads the host memory in place");
      assertTrue(!placed.hold().done(), "the hold lasts while the device array is alive");
      placed.array().close();
      placed.hold().await();
      assertTrue(placed.hold().done());
      // Unaligned or heap memory is copied at once, with no hold.
      var copied = b.putAsync(Tensor.of(new float[] {1, 2}, 2), b.devices().get(0));
      assertTrue(copied.hold().done());
      assertArrayEquals(new float[] {1, 2}, b.get(copied.array()).floats());
      copied.array().close();
    }
  }

  @Test
  void donatedParametersAreUpdatedInPlaceAndConsumed() {
    try (PjrtBackend b = CpuPlugin.backend(1)) {
      Tracer t = new Tracer();
      Value w = t.parameter("w", DType.F32, 4);
      Value g = t.parameter("g", DType.F32, 4);
      Executable exe = b.compile(t.build(w.sub(g.mul(0.5)), dev.kiln.core.op.Ops.sum(w)),
          CompileOptions.DEFAULT.withDonations(Map.of(0, 0)));
      DeviceArray wa = b.put(Tensor.of(new float[] {1, 2, 3, 4}, 4));
      DeviceArray ga = b.put(Tensor.of(new float[] {2, 2, 2, 2}, 4));
      List<DeviceArray> out = exe.run(List.of(wa, ga));
      assertTrue(wa.isDeleted(), "the donated input is consumed");
      assertArrayEquals(new float[] {0, 1, 2, 3}, b.get(out.get(0)).floats());
      assertEquals(10f, b.get(out.get(1)).floats()[0]);
      assertThrows(IllegalStateException.class, () -> exe.run(List.of(wa, ga)));
      List<DeviceArray> out2 = exe.run(List.of(out.get(0), ga));
      assertArrayEquals(new float[] {-1, 0, 1, 2}, b.get(out2.get(0)).floats());
      for (DeviceArray a : out2) a.close();
      out.get(1).close();
      wa.close();
      ga.close();
      exe.close();
    }
  }

  @Test
  void compileOptionsBytesMatchXlasEncoding() {
    List<dev.kiln.core.backend.Device> devs = List.of(new dev.kiln.core.backend.Device(0, "cpu"),
        new dev.kiln.core.backend.Device(1, "cpu"), new dev.kiln.core.backend.Device(2, "cpu"),
        new dev.kiln.core.backend.Device(3, "cpu"));
    assertEquals("1a0420012801", HexFormat.of().formatHex(CompileOptionsCodec.encode(1, devs)));
    assertEquals("1a12200428014a0c080410011a060a0400010203",
        HexFormat.of().formatHex(CompileOptionsCodec.encode(4, devs)));
  }
}
