package dev.kiln.io.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.io.dataset.Columns;
import dev.kiln.io.dataset.DatasetInspector;
import dev.kiln.io.dataset.DatasetWriter;
import dev.kiln.io.dataset.SyntheticMarket;
import dev.kiln.io.tfrecord.TFRecordReader;
import dev.kiln.io.CorruptRecordException;
import dev.kiln.io.tensor.TensorProtoCodec;
import dev.kiln.io.tfrecord.Crc32c;
import dev.kiln.io.tfrecord.TFRecordWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardTest {
  @TempDir Path dir;

  @Test
  void loadsEveryRowOfAFileIntoContiguousFeatures() throws IOException {
    int[] days = {30, 4, 22};
    float[] rows = PipelineFixtures.rows(days, 3, 100, new Random(4));
    Path out = dir.resolve("d");
    try (DatasetWriter w = new DatasetWriter(out, Columns.standard(), 1, 1)) {
      for (int r = 0; r < 56; r++) {
        w.write(0, 0, Arrays.copyOfRange(rows, r * 138, (r + 1) * 138));
      }
      w.commit();
    }
    Shard s = Shard.load(out.resolve("fold0/0.tfrec"), Columns.standard(), TFRecordReader.Options.DEFAULT);
    assertEquals(56, s.rows());
    for (int r = 0; r < 56; r++) {
      assertArrayEquals(Arrays.copyOfRange(rows, r * 138 + 7, r * 138 + 137),
          Arrays.copyOfRange(s.features(), r * 130, (r + 1) * 130));
      assertEquals(rows[r * 138], s.date(r));
      assertEquals(rows[r * 138 + 6], s.resp(r));
      assertEquals(rows[r * 138 + 1], s.weight(r));
      assertEquals(100 + r, s.tsId(r));
    }
  }

  /** --min-date and --drop-zero-weight: rows dropped as the file is read, so windows are cut from the kept rows. */
  @Test
  void aRowFilterDropsEarlyDatesAndZeroWeightsBeforeWindows() throws IOException {
    int[] days = {30, 4, 22};
    float[] rows = PipelineFixtures.rows(days, 3, 100, new Random(4));
    for (int r = 0; r < 56; r += 5) rows[r * 138 + 1] = 0f; // every 5th row has weight 0
    Path out = dir.resolve("f");
    try (DatasetWriter w = new DatasetWriter(out, Columns.standard(), 1, 1)) {
      for (int r = 0; r < 56; r++) w.write(0, 0, Arrays.copyOfRange(rows, r * 138, (r + 1) * 138));
      w.commit();
    }
    Path file = out.resolve("fold0/0.tfrec");
    Shard s = Shard.load(file, Columns.standard(), TFRecordReader.Options.DEFAULT, Shard.RESP, new RowFilter(4, true));
    java.util.List<Long> kept = new java.util.ArrayList<>();
    for (int r = 0; r < 56; r++) {
      if (rows[r * 138] >= 4 && rows[r * 138 + 1] != 0f) kept.add(100L + r);
    }
    assertEquals(kept.size(), s.rows());
    for (int i = 0; i < s.rows(); i++) {
      assertEquals(kept.get(i), s.tsId(i));
      assertTrue(s.date(i) >= 4 && s.weight(i) != 0f);
    }
    Shard dates = Shard.load(file, Columns.standard(), TFRecordReader.Options.DEFAULT, Shard.RESP,
        new RowFilter(4, false));
    assertEquals(26, dates.rows(), "days 4 and 5: 4 + 22 rows");
    // Windows of 20 within one date: only the last day (22 rows, 3 windows) has them once day 3 is dropped.
    assertEquals(3, new WindowedDataset(java.util.List.of(dates), 20).windowCount());
    // A date range (a cross-validation split's): the bounds are inclusive and narrow the filter's own.
    RowFilter day4 = new RowFilter(4, false).within(0, 4);
    assertEquals(new RowFilter(4, 4, false), day4);
    assertEquals(4, Shard.load(file, Columns.standard(), TFRecordReader.Options.DEFAULT, Shard.RESP, day4).rows());
    assertEquals(34, Shard.load(file, Columns.standard(), TFRecordReader.Options.DEFAULT, Shard.RESP,
        RowFilter.ALL.within(3, 4)).rows(), "dates 3 and 4: 30 + 4 rows");
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new RowFilter(4, false).within(0, 3));
    assertEquals("dates 0..3 lie outside the kept range 4..2147483647", e.getMessage());
  }

  @Test
  void pipelineWindowCountsAgreeWithTheInspector() throws IOException {
    Path data = dir.resolve("s");
    SyntheticMarket.generate(data, new SyntheticMarket.Settings(16, 120, 9, 2, 2, -100f, 1.0, 20), null);
    DatasetInspector.Report report = DatasetInspector.inspect(data, 20, TFRecordReader.Options.DEFAULT, null);
    for (int fold : List.of(0, 1)) {
      WindowedDataset ds = WindowedDataset.load(data, List.of(fold), 20, TFRecordReader.Options.DEFAULT);
      assertEquals(report.folds().get(fold).windows(), ds.windowCount());
      assertEquals(report.folds().get(fold).rows(), ds.rowCount());
    }
  }

  /** {@code n} framed rows of 138 floats, row r holding date r / 10 and r elsewhere. */
  static byte[] framedRows(int n, int first) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TFRecordWriter w = new TFRecordWriter(bytes)) {
      for (int r = first; r < first + n; r++) {
        float[] row = new float[138];
        Arrays.fill(row, r);
        row[0] = r / 10;
        w.write(TensorProtoCodec.encodeFloatVector(row, 0, row.length));
      }
    }
    return bytes.toByteArray();
  }

  @Test
  void aSparseFileDoesNotSizeTheRowsAllocated() throws IOException {
    // 20 good rows, then 12 GB of holes: the file's size promises 20 million rows, the holes hold none.
    Path f = dir.resolve("sparse.tfrec");
    Files.write(f, framedRows(20, 0));
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.setLength(12L << 30);
    }
    CorruptRecordException e = assertThrows(CorruptRecordException.class,
        () -> Shard.load(f, Columns.standard(), TFRecordReader.Options.DEFAULT));
    assertEquals(20, e.recordNumber(), "the holes are the first corrupt record");
    assertTrue(e.reason().startsWith("length CRC mismatch"), e.reason());
  }

  @Test
  void skippingARunOfCraftedHeadersTakesTimeLinearInTheFile() throws IOException {
    // A corrupt header, then 200,000 headers whose length CRCs hold, each declaring a length that ends exactly at the
    // end of the file: scanning for the next record without a bound on a row's length checked each against the rest
    // of the file (about a minute for these 2.4 MB).
    byte[] head = framedRows(30, 0);
    byte[] tail = framedRows(30, 30);
    int headers = 200_000;
    int size = head.length + 12 * headers + tail.length;
    byte[] bytes = new byte[size];
    System.arraycopy(head, 0, bytes, 0, head.length);
    for (int i = 0; i < headers; i++) {
      int at = head.length + 12 * i;
      ByteBuffer.wrap(bytes, at, 12).order(ByteOrder.LITTLE_ENDIAN).putLong(size - at - 16L);
      ByteBuffer.wrap(bytes, at + 8, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(Crc32c.maskedCrc(bytes, at, 8));
    }
    bytes[head.length + 8] ^= 1; // the first header's CRC fails, so the reader scans forward through the others
    System.arraycopy(tail, 0, bytes, size - tail.length, tail.length);
    Path f = dir.resolve("crafted.tfrec");
    Files.write(f, bytes);
    Shard s = assertTimeoutPreemptively(Duration.ofSeconds(5),
        () -> Shard.load(f, Columns.standard(), TFRecordReader.Options.SKIP_CORRUPT));
    assertEquals(60, s.rows());
    assertEquals(1, s.skipped());
    assertEquals(59, s.tsId(59));
  }
}
