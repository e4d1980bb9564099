package dev.kiln.tpu.pjrt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.core.backend.Executable;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/**
 * No native leaks: 10,000 executes (enqueued, not awaited) of one compiled graph, each with a fresh 16 KiB input buffer and a
 * device-to-host copy of the result, and failing calls in between; resident memory and JavaCPP's allocations must
 * stay flat once the JVM heap has reached its working size (measured: flat from about iteration 4,000), over the
 * last 6,000 iterations (within 48 MiB of noise), where one leaked 16 KiB buffer per iteration would add 96 MiB.
 */
class PjrtResourceTest {
  @Test
  void tenThousandExecutesAndRoundTripsKeepMemoryFlat() throws IOException {
    try (PjrtBackend b = CpuPlugin.backend(1)) {
      Tracer t = new Tracer();
      Value x = t.parameter("x", DType.F32, 4096);
      try (Executable exe = b.compile(t.build(x.mul(2.0).add(1.0)))) {
        float[] data = new float[4096];
        for (int i = 0; i < data.length; i++) data[i] = i;
        Tensor in = Tensor.of(data, 4096);
        long rss0 = 0, js0 = 0;
        for (int it = 0; it < 10_000; it++) {
          if (it == 4_000) {
            System.gc();
            rss0 = rss();
            js0 = Pointer.totalBytes();
          }
          // Enqueued without waiting, the input closed at once and most outputs closed unread while the run may
          // still be in flight: memory must stay flat with steps in flight too.
          try (DeviceArray a = b.put(in)) {
            List<DeviceArray> out = exe.enqueue(List.of(List.of(a))).get(0);
            if (it % 10 == 0) {
              Tensor r = b.get(out.get(0));
              if (it % 1000 == 0) assertEquals(2f * 4095 + 1, r.floats()[4095]);
            }
            for (DeviceArray o : out) o.close();
          }
          if (it % 500 == 0) {
            // an error path: a wrong argument count is rejected before any native call
            try {
              exe.run(List.of());
            } catch (IllegalArgumentException expected) {
              // expected
            }
          }
        }
        // Drain what is still in flight before measuring.
        try (DeviceArray a = b.put(in)) {
          for (DeviceArray o : exe.execute(List.of(List.of(a))).get(0)) o.close();
        }
        System.gc();
        long rssGrowth = rss() - rss0;
        long jsGrowth = Pointer.totalBytes() - js0;
        // With runs in flight, XLA's threads allocate too, and resident memory moves by up to ~40 MiB either way
        // between runs (seen: -24 to +39 MiB); one leaked 16 KiB buffer per iteration would add 96 MiB.
        assertTrue(rssGrowth < 48L << 20, "resident memory grew by " + (rssGrowth >> 20) + " MiB over 6,000 iterations");
        assertTrue(jsGrowth < 1L << 20, "JavaCPP allocations grew by " + jsGrowth + " bytes");
      }
    }
  }

  @Test
  void buffersDroppedWithoutCloseAreReclaimedByTheCleaner() throws IOException {
    try (PjrtBackend b = CpuPlugin.backend(1)) {
      Tensor in = Tensor.of(new float[4096], 4096);
      long rss0 = 0;
      for (int it = 0; it < 10_000; it++) {
        if (it == 4_000) {
          collect();
          rss0 = rss();
        }
        b.put(in); // dropped unclosed: only the cleaner can free it
        if (it % 500 == 0) collect();
      }
      collect();
      long growth = rss() - rss0;
      assertTrue(growth < 48L << 20, "resident memory grew by " + (growth >> 20) + " MiB over 6,000 unclosed buffers"
          + " (96 MiB if none were reclaimed)");
    }
  }

  private static void collect() {
    System.gc();
    try {
      Thread.sleep(20); // let the cleaner thread run the queued destroys
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void failingCompilesDoNotLeak() throws IOException {
    try (PjrtBackend b = CpuPlugin.backend(1)) {
      long rss0 = 0;
      for (int i = 0; i < 300; i++) {
        if (i == 50) rss0 = rss();
        try {
          b.client().compile("not mlir " + i, CompileOptionsCodec.encode(1, b.devices()), List.of());
        } catch (PjrtException expected) {
          // each failure's PJRT_Error is read and destroyed
        }
      }
      long growth = rss() - rss0;
      assertTrue(growth < 32L << 20, "resident memory grew by " + (growth >> 20) + " MiB over 250 failed compiles");
    }
  }

  static long rss() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IOException("no VmRSS in /proc/self/status");
  }
}
