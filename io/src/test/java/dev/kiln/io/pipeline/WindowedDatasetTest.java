package dev.kiln.io.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.io.dataset.Columns;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class WindowedDatasetTest {
  static WindowedDataset dataset() {
    List<Shard> shards = List.of(
        PipelineFixtures.shard("f0", new int[] {25, 3, 40, 19}, 0, 0, 1),
        PipelineFixtures.shard("f1", new int[] {60, 21}, 4, 7_000, 2),
        PipelineFixtures.shard("f2", new int[] {20, 2, 33}, 6, 14_000, 3));
    return new WindowedDataset(shards, 20);
  }

  static List<Long> drain(BatchStream s, List<Integer> sizes) {
    List<Long> ids = new ArrayList<>();
    while (s.hasNext()) {
      Batch b = s.next();
      sizes.add(b.size());
      for (int i = 0; i < b.size(); i++) {
        ids.add(b.windowId(i));
      }
    }
    return ids;
  }

  @Test
  void validationGivesEveryWindowOnceInTheSeedOrderWithThePartialBatchKept() {
    WindowedDataset ds = dataset();
    int n = ds.windowCount();
    assertEquals(6 + 21 + 41 + 2 + 1 + 14, n);
    for (int prefetch : new int[] {0, 1, 3}) {
      List<Integer> sizes = new ArrayList<>();
      try (BatchStream s = ds.validation(16, prefetch)) {
        List<Long> ids = drain(s, sizes);
        assertEquals(ds.index().order().length, ids.size());
        assertArrayEquals(ds.index().order(), ids.stream().mapToLong(Long::longValue).toArray(),
            "prefetch " + prefetch);
        assertThrows(NoSuchElementException.class, s::next);
      }
      List<Integer> expected = new ArrayList<>();
      for (int left = n; left > 0; left -= 16) {
        expected.add(Math.min(16, left));
      }
      assertEquals(expected, sizes);
    }
  }

  @Test
  void batchHoldsTheWindowFeaturesLabelsAndLastRowIds() {
    WindowedDataset ds = dataset();
    try (BatchStream s = ds.validation(7, 2)) {
      while (s.hasNext()) {
        Batch b = s.next();
        FloatBuffer x = b.features();
        assertTrue(x.isDirect());
        assertEquals(ByteOrder.nativeOrder(), x.order());
        assertEquals(b.size() * 20 * 130, x.remaining());
        assertEquals(b.size(), b.labels().remaining());
        for (int i = 0; i < b.size(); i++) {
          long id = b.windowId(i);
          Shard sh = ds.shards().get(WindowIndex.shardOf(id));
          int start = WindowIndex.startOf(id);
          for (int t = 0; t < 20; t++) {
            long ts = sh.tsId(start + t);
            for (int f = 0; f < 130; f += 43) {
              assertEquals(ts * 1000f + f, x.get(i * 2600 + t * 130 + f));
              assertEquals(ts * 1000f + f, b.feature(i, t, f));
            }
          }
          int last = start + 19;
          assertEquals(sh.tsId(last), b.tsId(i));
          assertEquals((int) sh.date(last), b.date(i));
          float resp = sh.resp(last);
          float want = resp > 0 ? 1f : resp < 0 ? 0f : 0.5f;
          assertEquals(want, b.label(i));
          assertEquals(want, b.labels().get(i));
        }
      }
    }
  }

  /** Windows of one row labelled by two targets: resp_1 (set to -resp here) and resp, in that order. */
  @Test
  void eachSampleHasOneLabelPerTargetFromItsOwnRow() {
    Columns c = Columns.standard();
    int[] days = {5, 9, 4};
    float[] data = PipelineFixtures.rows(days, 10, 0, new java.util.Random(3));
    int rows = data.length / c.count();
    for (int r = 0; r < rows; r++) data[r * c.count() + c.indexOf("resp_1")] = -data[r * c.count() + c.resp()];
    Shard two = Shard.of("two", c, data, rows, List.of("resp_1", "resp"));
    assertEquals(2, two.targetCount());
    WindowedDataset ds = new WindowedDataset(List.of(two), 1);
    assertEquals(rows, ds.windowCount(), "window 1: every row is a sample, whatever its date");
    assertEquals(2, ds.targets());
    int seen = 0;
    try (BatchStream s = ds.validation(7, 0)) {
      while (s.hasNext()) {
        Batch b = s.next();
        assertEquals(2, b.targets());
        assertEquals(b.size() * 2, b.labels().remaining());
        for (int i = 0; i < b.size(); i++, seen++) {
          int r = (int) b.tsId(i);
          float resp = data[r * c.count() + c.resp()];
          assertEquals(BatchAssembler.label(-resp), b.label(i, 0), "resp_1 of row " + r);
          assertEquals(BatchAssembler.label(resp), b.label(i, 1), "resp of row " + r);
          assertEquals(b.label(i, 0), b.labels().get(2 * i));
        }
      }
    }
    assertEquals(rows, seen);
    assertThrows(IllegalArgumentException.class, () -> Shard.of("x", c, data, rows, List.of("resp_9")));
  }

  @Test
  void labelIsHalfWhenRespIsZero() {
    assertEquals(0.5f, BatchAssembler.label(0f));
    assertEquals(0.5f, BatchAssembler.label(-0f));
    assertEquals(1f, BatchAssembler.label(1e-9f));
    assertEquals(0f, BatchAssembler.label(-3f));
    assertTrue(Float.isNaN(BatchAssembler.label(Float.NaN)));
    WindowedDataset ds = dataset();
    int halves = 0;
    try (BatchStream s = ds.validation(64, 0)) {
      while (s.hasNext()) {
        Batch b = s.next();
        for (int i = 0; i < b.size(); i++) {
          if (b.label(i) == 0.5f) {
            halves++;
            assertEquals(3, b.tsId(i) % 7, "only rows with resp == 0 (every 7th) get 0.5");
          }
        }
      }
    }
    assertTrue(halves > 0);
  }

  static Map<Long, Integer> counts(long[] ids) {
    Map<Long, Integer> m = new HashMap<>();
    for (long id : ids) {
      m.merge(id, 1, Integer::sum);
    }
    return m;
  }

  @Test
  void shuffleBufferPassesEveryWindowOncePerPass() {
    WindowedDataset ds = dataset();
    long[] order = ds.index().order();
    int n = order.length;
    int buffer = 4 * 8;
    ShuffleBuffer sb = new ShuffleBuffer(WindowSource.repeat(order), buffer, new java.util.SplittableRandom(5));
    List<Long> out = new ArrayList<>();
    for (int pass = 1; pass <= 3; pass++) {
      // The buffer refills before each draw, so after m outputs it has drawn m + buffer - 1 upstream elements. After
      // pass * n upstream draws, what was emitted plus what the buffer holds is each window exactly pass times.
      while (out.size() < pass * n - buffer + 1) {
        out.add(sb.next());
      }
      long[] held = sb.buffered();
      assertEquals(buffer - 1, held.length);
      long[] seen = new long[out.size() + held.length];
      for (int i = 0; i < out.size(); i++) {
        seen[i] = out.get(i);
      }
      System.arraycopy(held, 0, seen, out.size(), held.length);
      Map<Long, Integer> c = counts(seen);
      assertEquals(n, c.size());
      for (long id : order) {
        assertEquals(pass, c.get(id), "window " + id + " after pass " + pass);
      }
    }
    assertNotEquals(java.util.Arrays.stream(order).boxed().toList(), out.subList(0, n), "the order is shuffled");
  }

  @Test
  void permutationShuffleGivesEveryWindowExactlyOncePerPass() {
    WindowedDataset ds = dataset();
    int n = ds.windowCount();
    WindowedDataset.TrainingOptions o = new WindowedDataset.TrainingOptions(10, 0,
        WindowedDataset.Shuffle.PERMUTATION, OptionalLong.of(3), 2);
    List<Long> ids = new ArrayList<>();
    try (BatchStream s = ds.training(o)) {
      while (ids.size() < 3 * n) {
        Batch b = s.next();
        assertEquals(10, b.size());
        for (int i = 0; i < b.size(); i++) {
          ids.add(b.windowId(i));
        }
      }
    }
    long[] sorted = ds.index().order();
    java.util.Arrays.sort(sorted);
    for (int pass = 0; pass < 3; pass++) {
      long[] p = ids.subList(pass * n, (pass + 1) * n).stream().mapToLong(Long::longValue).toArray();
      java.util.Arrays.sort(p);
      assertArrayEquals(sorted, p, "pass " + pass);
    }
  }

  @Test
  void trainingStreamIsReproducibleFromItsSeedWithOrWithoutPrefetch() {
    WindowedDataset ds = dataset();
    List<Long> a = trainingIds(ds, new WindowedDataset.TrainingOptions(8, 0, WindowedDataset.Shuffle.BUFFER,
        OptionalLong.of(42), 0), 50);
    List<Long> b = trainingIds(ds, WindowedDataset.TrainingOptions.seeded(8, 42), 50);
    List<Long> c = trainingIds(ds, WindowedDataset.TrainingOptions.seeded(8, 43), 50);
    assertEquals(a, b);
    assertNotEquals(a, c);
    assertEquals(32, WindowedDataset.TrainingOptions.seeded(8, 1).effectiveShuffleBuffer());
  }

  static List<Long> trainingIds(WindowedDataset ds, WindowedDataset.TrainingOptions o, int batches) {
    List<Long> ids = new ArrayList<>();
    try (BatchStream s = ds.training(o)) {
      for (int k = 0; k < batches; k++) {
        assertTrue(s.hasNext(), "training never ends");
        Batch b = s.next();
        for (int i = 0; i < b.size(); i++) {
          ids.add(b.windowId(i));
        }
      }
    }
    return ids;
  }

  @Test
  void aBatchStaysValidUntilTheNextCall() {
    WindowedDataset ds = dataset();
    try (BatchStream s = ds.validation(4, 0)) {
      Batch first = s.next();
      long firstId = first.windowId(0);
      assertTrue(s.hasNext());
      assertEquals(firstId, first.windowId(0), "hasNext does not overwrite the batch in hand");
      Batch second = s.next();
      assertFalse(first == second);
    }
  }

  @Test
  void anEmptyDatasetGivesNoBatches() {
    WindowedDataset ds = new WindowedDataset(List.of(PipelineFixtures.shard("x", new int[] {5, 19}, 0, 0, 1)), 20);
    assertEquals(0, ds.windowCount());
    try (BatchStream s = ds.validation(4, 1)) {
      assertFalse(s.hasNext());
    }
    try (BatchStream s = ds.training(WindowedDataset.TrainingOptions.seeded(4, 1))) {
      assertFalse(s.hasNext());
    }
  }

  @Test
  void retainedBatchesAreNotReusedUntilReleasedAndTheStreamIsUnchanged() {
    WindowedDataset ds = dataset();
    for (int prefetch : new int[] {0, 2}) {
      WindowedDataset.TrainingOptions o = new WindowedDataset.TrainingOptions(4, 0, WindowedDataset.Shuffle.BUFFER,
          OptionalLong.of(3), prefetch);
      List<Long> plain = trainingIds(ds, o, 12);
      List<Long> got = new ArrayList<>();
      try (BatchStream s = ds.training(o)) {
        java.util.ArrayDeque<Batch> held = new java.util.ArrayDeque<>();
        java.util.ArrayDeque<long[]> expected = new java.util.ArrayDeque<>();
        for (int step = 0; step < 12; step++) {
          while (held.size() >= s.retainable() - 1) {
            Batch old = held.removeFirst();
            long[] ids = expected.removeFirst();
            for (int i = 0; i < ids.length; i++) assertEquals(ids[i], old.windowId(i), "a retained batch was refilled");
            s.release(old);
          }
          Batch b = s.next();
          long[] ids = new long[b.size()];
          for (int i = 0; i < b.size(); i++) got.add(ids[i] = b.windowId(i));
          s.retain(b);
          held.addLast(b);
          expected.addLast(ids);
          assertThrows(IllegalArgumentException.class, () -> s.retain(b), "retained twice");
        }
      }
      assertEquals(plain, got, "prefetch " + prefetch);
    }
  }

  @Test
  void closingStopsThePrefetchThread() {
    WindowedDataset ds = dataset();
    BatchStream s = ds.training(WindowedDataset.TrainingOptions.seeded(8, 1));
    s.next();
    assertTrue(s.prefetching());
    s.close();
    assertFalse(s.prefetching());
    assertFalse(s.hasNext());
  }

  @Test
  void rejectsBadOptions() {
    assertThrows(IllegalArgumentException.class, () -> WindowedDataset.TrainingOptions.seeded(0, 1));
    assertThrows(IllegalArgumentException.class,
        () -> new WindowedDataset.TrainingOptions(4, -1, WindowedDataset.Shuffle.BUFFER, OptionalLong.empty(), 0));
    assertThrows(IllegalArgumentException.class, () -> dataset().validation(0, 0));
    assertEquals(130, Columns.FEATURES);
  }

  @Test
  void aPositionedStreamContinuesTheSameStreamExactly() {
    WindowedDataset ds = dataset();
    WindowedDataset.TrainingOptions o = WindowedDataset.TrainingOptions.seeded(5, 11);
    List<Long> whole = trainingIds(ds, o, 40);
    for (int skip : new int[] {0, 1, 7, 33}) {
      List<Long> rest = new ArrayList<>();
      try (BatchStream s = ds.training(o, skip)) {
        for (int b = skip; b < 40; b++) {
          Batch batch = s.next();
          for (int i = 0; i < batch.size(); i++) rest.add(batch.windowId(i));
        }
      }
      assertEquals(whole.subList(skip * 5, whole.size()), rest, "after " + skip + " batches");
    }
    assertThrows(IllegalArgumentException.class,
        () -> ds.training(new WindowedDataset.TrainingOptions(5, 0, WindowedDataset.Shuffle.BUFFER,
            OptionalLong.empty(), 0), 3));
  }
}
