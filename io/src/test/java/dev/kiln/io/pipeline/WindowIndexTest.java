package dev.kiln.io.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.io.dataset.Columns;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WindowIndexTest {
  @Test
  void windowCountsAreNMinus19PerDatePerFile() {
    int[] days = {5, 19, 20, 21, 50, 1, 40, 0, 3};
    Shard s = PipelineFixtures.shard("a", days, 0, 0, 1);
    Shard t = PipelineFixtures.shard("b", new int[] {19, 25}, 9, 1000, 2);
    WindowIndex index = new WindowIndex(List.of(s, t), 20);
    long expectedA = 0;
    for (int n : days) {
      expectedA += Math.max(0, n - 19);
    }
    assertEquals(expectedA, index.windowsOf(0));
    assertEquals(6, index.windowsOf(1));
    assertEquals(expectedA + 6, index.size());
    for (int i = 0; i < index.size(); i++) {
      long id = index.get(i);
      Shard sh = index.shards().get(WindowIndex.shardOf(id));
      int start = WindowIndex.startOf(id);
      for (int k = start; k < start + 20; k++) {
        assertEquals(sh.date(start), sh.date(k), "window rows share one date");
      }
    }
  }

  @Test
  void windowsNeverCrossFilesEvenWhenADateSpansTwoFiles() {
    Shard a = PipelineFixtures.shard("a", new int[] {30}, 5, 0, 1);
    Shard b = PipelineFixtures.shard("b", new int[] {30}, 5, 30, 2);
    WindowIndex index = new WindowIndex(List.of(a, b), 20);
    assertEquals(22, index.size());
  }

  /** tf.data's semantics by brute force: raw windows per file, round-robin interleave, then the date filter. */
  static List<Long> seedOrder(List<Shard> shards, int window) {
    List<List<Long>> raw = new ArrayList<>();
    for (int s = 0; s < shards.size(); s++) {
      List<Long> w = new ArrayList<>();
      for (int k = 0; k + window <= shards.get(s).rows(); k++) {
        w.add(WindowIndex.id(s, k));
      }
      raw.add(w);
    }
    List<Long> interleaved = new ArrayList<>();
    int[] next = new int[shards.size()];
    boolean any = true;
    while (any) {
      any = false;
      for (int s = 0; s < shards.size(); s++) {
        if (next[s] < raw.get(s).size()) {
          interleaved.add(raw.get(s).get(next[s]++));
          any = true;
        }
      }
    }
    List<Long> kept = new ArrayList<>();
    for (long id : interleaved) {
      Shard sh = shards.get(WindowIndex.shardOf(id));
      int st = WindowIndex.startOf(id);
      java.util.Set<Float> dates = new java.util.HashSet<>();
      boolean nan = false;
      for (int k = st; k < st + window; k++) {
        nan |= Float.isNaN(sh.date(k));
        dates.add(sh.date(k) == 0f ? 0f : sh.date(k));
      }
      if (dates.size() == 1 && !(nan && window > 1)) {
        kept.add(id);
      }
    }
    return kept;
  }

  @Test
  void orderIsTheSeedsInterleaveThenFilterOnRandomData() {
    Random rnd = new Random(9);
    for (int trial = 0; trial < 200; trial++) {
      int window = 1 + rnd.nextInt(8);
      List<Shard> shards = new ArrayList<>();
      int files = 1 + rnd.nextInt(5);
      for (int f = 0; f < files; f++) {
        int n = rnd.nextInt(40);
        float[] data = new float[n * 138];
        for (int r = 0; r < n; r++) {
          // Dates repeat in runs, sometimes non-monotonic, sometimes NaN, sometimes -0.0 next to 0.0.
          float d = switch (rnd.nextInt(12)) {
            case 0 -> Float.NaN;
            case 1 -> -0f;
            case 2 -> 0f;
            default -> rnd.nextInt(3);
          };
          int run = 1 + rnd.nextInt(12);
          for (int k = 0; k < run && r < n; k++, r++) {
            data[r * 138] = d;
          }
          r--;
        }
        shards.add(Shard.of("f" + f, Columns.standard(), data, n));
      }
      WindowIndex index = new WindowIndex(shards, window);
      long[] expected = seedOrder(shards, window).stream().mapToLong(Long::longValue).toArray();
      assertArrayEquals(expected, index.order(), "trial " + trial + ", window " + window);
    }
  }

  @Test
  void rejectsAWindowBelowOne() {
    assertThrows(IllegalArgumentException.class, () -> new WindowIndex(List.of(), 0));
  }
}
