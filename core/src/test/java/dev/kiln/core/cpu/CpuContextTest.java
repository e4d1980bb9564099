package dev.kiln.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * parallelFor, with the calling thread taking chunks beside the context's helpers: every index runs exactly once (in
 * loops in quick succession, where a late helper of one loop meets the next; after the helpers have parked; with two
 * threads calling at once), a loop inside a chunk runs, and a chunk's exception reaches the caller.
 */
class CpuContextTest {
  @Test
  void everyIndexRunsOnceAndFailuresReachTheCaller() {
    try (CpuContext ctx = new CpuContext(3)) {
      for (int round = 0; round < 2000; round++) {
        int n = 1 + round % 997, grain = 1 + round % 13;
        AtomicIntegerArray hits = new AtomicIntegerArray(n);
        ctx.parallelFor(n, grain, (s, e) -> {
          for (int i = s; i < e; i++) hits.incrementAndGet(i);
        });
        for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "index " + i + " of " + n + ", round " + round);
      }
      AtomicIntegerArray nested = new AtomicIntegerArray(64 * 50);
      ctx.parallelFor(64, 1, (s, e) -> {
        for (int i = s; i < e; i++) {
          int row = i;
          ctx.parallelFor(50, 1, (a, b) -> {
            for (int j = a; j < b; j++) nested.incrementAndGet(row * 50 + j);
          });
        }
      });
      for (int i = 0; i < nested.length(); i++) assertEquals(1, nested.get(i), "nested index " + i);
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> ctx.parallelFor(100, 1, (s, end) -> {
        if (s <= 57 && 57 < end) throw new IllegalStateException("chunk with 57");
      }));
      assertEquals("chunk with 57", e.getMessage());
    }
  }

  @Test
  void parkedHelpersWakeAndConcurrentCallersRunInline() throws Exception {
    try (CpuContext ctx = new CpuContext(2)) {
      for (int round = 0; round < 5; round++) {
        // Longer than the helpers' watch: they have parked, and the next loop wakes them.
        Thread.sleep(CpuContext.SPIN_NANOS / 1_000_000 + 2);
        AtomicIntegerArray hits = new AtomicIntegerArray(1000);
        ctx.parallelFor(1000, 1, (s, e) -> {
          for (int i = s; i < e; i++) hits.incrementAndGet(i);
        });
        for (int i = 0; i < 1000; i++) assertEquals(1, hits.get(i), "index " + i + ", round " + round);
      }
      // Two threads' loops at once on one context: each index of each loop runs once.
      AtomicIntegerArray a = new AtomicIntegerArray(20000), b = new AtomicIntegerArray(20000);
      Thread other = new Thread(() -> {
        for (int r = 0; r < 50; r++) {
          int rr = r;
          ctx.parallelFor(400, 1, (s, e) -> {
            for (int i = s; i < e; i++) a.incrementAndGet(rr * 400 + i);
          });
        }
      });
      other.start();
      for (int r = 0; r < 50; r++) {
        int rr = r;
        ctx.parallelFor(400, 1, (s, e) -> {
          for (int i = s; i < e; i++) b.incrementAndGet(rr * 400 + i);
        });
      }
      other.join();
      for (int i = 0; i < 20000; i++) {
        assertEquals(1, a.get(i), "other thread's index " + i);
        assertEquals(1, b.get(i), "this thread's index " + i);
      }
    }
  }
}
