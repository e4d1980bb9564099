package dev.kiln.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * parallelFor, with the calling thread taking chunks beside the pool's helpers: every index runs exactly once (also
 * in loops in quick succession, where a late helper of one loop meets the next), a loop inside a chunk runs, and a
 * chunk's exception reaches the caller.
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
}
