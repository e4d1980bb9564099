package dev.kiln.io.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DateBlocksTest {
  @Test
  void reproducesTheSeedLayout() {
    DateBlocks b = new DateBlocks(0, 499, 5, 5);
    for (int d = 0; d <= 499; d++) {
      assertEquals(d / 100, b.fold(d), "fold of " + d);
      assertEquals((d % 100) / 20, b.file(d), "file of " + d);
    }
  }

  @Test
  void splitsUnevenRangesIntoSpansDifferingByAtMostOneDate() {
    DateBlocks b = new DateBlocks(3, 3 + 52, 4, 3);
    int[][] counts = new int[4][3];
    int lastFold = 0;
    int lastFile = 0;
    for (int d = 3; d <= 55; d++) {
      int f = b.fold(d);
      int i = b.file(d);
      assertTrue(f > lastFold || (f == lastFold && i >= lastFile), "blocks are consecutive at date " + d);
      lastFold = f;
      lastFile = i;
      counts[f][i]++;
    }
    int min = Integer.MAX_VALUE;
    int max = 0;
    int foldMin = Integer.MAX_VALUE;
    int foldMax = 0;
    for (int[] fold : counts) {
      int sum = 0;
      for (int c : fold) {
        min = Math.min(min, c);
        max = Math.max(max, c);
        sum += c;
      }
      foldMin = Math.min(foldMin, sum);
      foldMax = Math.max(foldMax, sum);
    }
    assertTrue(foldMax - foldMin <= 1, "fold spans " + foldMin + ".." + foldMax);
    assertTrue(min >= 1 && max - min <= 1, "file spans " + min + ".." + max);
  }

  @Test
  void rejectsTooFewDatesForTheFiles() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DateBlocks(0, 9, 5, 5));
    assertEquals("5 folds x 5 files need at least 25 distinct dates; the data has dates 0..9", e.getMessage());
  }

  @Test
  void rejectsDatesOutsideTheRange() {
    DateBlocks b = new DateBlocks(0, 9, 2, 2);
    assertThrows(IllegalArgumentException.class, () -> b.fold(10));
  }
}
