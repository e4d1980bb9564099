package dev.kiln.io.tfrecord;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.io.CorruptRecordException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TFRecordReaderTest {
  @TempDir Path dir;

  static byte[] frame(List<byte[]> records) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TFRecordWriter w = new TFRecordWriter(bytes)) {
      for (byte[] r : records) {
        w.write(r);
      }
    }
    return bytes.toByteArray();
  }

  static List<byte[]> readAll(Path file, TFRecordReader.Options options) throws IOException {
    List<byte[]> out = new ArrayList<>();
    try (TFRecordReader r = TFRecordReader.open(file, options)) {
      while (r.next()) {
        out.add(r.copyData());
      }
    }
    return out;
  }

  static List<byte[]> records(int count, int seed) {
    Random rnd = new Random(seed);
    List<byte[]> list = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] b = new byte[rnd.nextInt(100)];
      rnd.nextBytes(b);
      list.add(b);
    }
    return list;
  }

  @Test
  void crc32cMatchesTheCheckValue() {
    byte[] b = "123456789".getBytes(StandardCharsets.US_ASCII);
    assertEquals(0xE3069283, Crc32c.crc(b, 0, b.length));
    assertEquals(0xE3069283, Crc32c.unmask(Crc32c.mask(0xE3069283)));
  }

  @Test
  void roundTripsRecordsOfManySizesAcrossTheReadWindow() throws IOException {
    List<byte[]> recs = new ArrayList<>(records(3000, 1));
    recs.add(new byte[0]);
    byte[] big = new byte[(1 << 20) + 12345];
    new Random(2).nextBytes(big);
    recs.add(big);
    byte[] nearWindow = new byte[(1 << 20) - 16];
    new Random(3).nextBytes(nearWindow);
    recs.add(nearWindow);
    recs.addAll(records(50, 4));
    Path f = dir.resolve("a.tfrec");
    Files.write(f, frame(recs));
    List<byte[]> back = readAll(f, TFRecordReader.Options.DEFAULT);
    assertEquals(recs.size(), back.size());
    for (int i = 0; i < recs.size(); i++) {
      assertArrayEquals(recs.get(i), back.get(i), "record " + i);
    }
  }

  @Test
  void reportsOffsetsAndRecordNumbersOfGoodRecords() throws IOException {
    List<byte[]> recs = records(10, 5);
    Path f = dir.resolve("a.tfrec");
    Files.write(f, frame(recs));
    try (TFRecordReader r = TFRecordReader.open(f)) {
      long expected = 0;
      for (int i = 0; i < recs.size(); i++) {
        assertTrue(r.next());
        assertEquals(i, r.recordNumber());
        assertEquals(expected, r.offset());
        expected += 16 + recs.get(i).length;
      }
      assertFalse(r.next());
    }
  }

  @Test
  void rejectsRecordWithBadCrc() throws IOException {
    List<byte[]> recs = records(10, 6);
    recs.set(3, new byte[] {1, 2, 3, 4, 5});
    byte[] bytes = frame(recs);
    long offset = 0;
    for (int i = 0; i < 3; i++) {
      offset += 16 + recs.get(i).length;
    }
    bytes[(int) offset + 12 + 2] ^= 0x10;
    Path f = dir.resolve("bad.tfrec");
    Files.write(f, bytes);
    CorruptRecordException e = assertThrows(CorruptRecordException.class,
        () -> readAll(f, TFRecordReader.Options.DEFAULT));
    assertEquals(3, e.recordNumber());
    assertEquals(offset, e.offset());
    assertEquals(f, e.file());
    assertTrue(e.getMessage().contains("data CRC mismatch"), e.getMessage());
    assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("byte offset " + offset),
        e.getMessage());
  }

  @Test
  void rejectsRecordWithBadLengthCrc() throws IOException {
    byte[] bytes = frame(records(4, 7));
    bytes[9] ^= 1;
    Path f = dir.resolve("bad.tfrec");
    Files.write(f, bytes);
    CorruptRecordException e = assertThrows(CorruptRecordException.class,
        () -> readAll(f, TFRecordReader.Options.DEFAULT));
    assertEquals(0, e.recordNumber());
    assertEquals(0, e.offset());
    assertTrue(e.reason().contains("length CRC mismatch"), e.reason());
  }

  @Test
  void rejectsTruncatedRecord() throws IOException {
    List<byte[]> recs = records(5, 8);
    byte[] bytes = frame(recs);
    long last = bytes.length - 16 - recs.get(4).length;
    Path f = dir.resolve("cut.tfrec");
    Files.write(f, java.util.Arrays.copyOf(bytes, bytes.length - 3));
    CorruptRecordException e = assertThrows(CorruptRecordException.class,
        () -> readAll(f, TFRecordReader.Options.DEFAULT));
    assertEquals(4, e.recordNumber());
    assertEquals(last, e.offset());
    assertTrue(e.reason().contains("overruns the file"), e.reason());

    Path g = dir.resolve("cut-header.tfrec");
    Files.write(g, java.util.Arrays.copyOf(bytes, (int) last + 7));
    CorruptRecordException h = assertThrows(CorruptRecordException.class,
        () -> readAll(g, TFRecordReader.Options.DEFAULT));
    assertEquals(4, h.recordNumber());
    assertTrue(h.reason().contains("truncated record"), h.reason());
  }

  @Test
  void rejectsHugeDeclaredLengthWithoutAllocatingIt() throws IOException {
    byte[] header = new byte[12];
    ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 60);
    TFRecordWriter.putIntLE(header, 8, Crc32c.maskedCrc(header, 0, 8));
    byte[] bytes = new byte[100];
    System.arraycopy(header, 0, bytes, 0, 12);
    Path f = dir.resolve("huge.tfrec");
    Files.write(f, bytes);
    for (TFRecordReader.Options o : List.of(TFRecordReader.Options.DEFAULT, new TFRecordReader.Options(false, false))) {
      CorruptRecordException e = assertThrows(CorruptRecordException.class, () -> readAll(f, o));
      assertTrue(e.reason().contains("declared length 1152921504606846976 overruns the file"), e.reason());
    }
    ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putLong(-5L);
    System.arraycopy(header, 0, bytes, 0, 12);
    Files.write(f, bytes);
    CorruptRecordException e = assertThrows(CorruptRecordException.class,
        () -> readAll(f, new TFRecordReader.Options(false, false)));
    assertTrue(e.reason().contains("declared length 18446744073709551611 overruns"), e.reason());
  }

  @Test
  void skipsCorruptRecordsAndCountsThem() throws IOException {
    List<byte[]> recs = records(12, 9);
    for (int i = 0; i < recs.size(); i++) {
      recs.set(i, ("record-" + i + "-padding").getBytes(StandardCharsets.US_ASCII));
    }
    byte[] bytes = frame(recs);
    long[] offsets = new long[recs.size()];
    long o = 0;
    for (int i = 0; i < recs.size(); i++) {
      offsets[i] = o;
      o += 16 + recs.get(i).length;
    }
    bytes[(int) offsets[2] + 14] ^= 1; // data of record 2
    bytes[(int) offsets[5] + 3] ^= 1; // length of record 5
    bytes[(int) offsets[9] + 9] ^= 1; // length CRC of record 9
    Path f = dir.resolve("skip.tfrec");
    Files.write(f, bytes);
    List<String> got = new ArrayList<>();
    try (TFRecordReader r = TFRecordReader.open(f, TFRecordReader.Options.SKIP_CORRUPT)) {
      while (r.next()) {
        got.add(new String(r.copyData(), StandardCharsets.US_ASCII));
      }
      assertEquals(3, r.skipped());
    }
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < recs.size(); i++) {
      if (i != 2 && i != 5 && i != 9) {
        expected.add("record-" + i + "-padding");
      }
    }
    assertEquals(expected, got);
    assertThrows(CorruptRecordException.class, () -> readAll(f, TFRecordReader.Options.DEFAULT));
  }

  @Test
  void skippingWithoutCrcVerificationIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new TFRecordReader.Options(false, true));
    assertTrue(e.getMessage().contains("needs CRC verification"));
  }

  @Test
  void readsRecordsBeyondTwoGigabytes() throws IOException {
    // Two records of 1.1 GB of zeros written as holes of a sparse file, then small records past offset 2^31.
    Path f = dir.resolve("large.tfrec");
    int bigLen = 1_100_000_000;
    CRC32C crc = new CRC32C();
    byte[] zeros = new byte[1 << 20];
    for (long done = 0; done < bigLen; done += zeros.length) {
      crc.update(zeros, 0, (int) Math.min(zeros.length, bigLen - done));
    }
    int zeroCrc = Crc32c.mask((int) crc.getValue());
    byte[] header = new byte[12];
    ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putLong(bigLen);
    TFRecordWriter.putIntLE(header, 8, Crc32c.maskedCrc(header, 0, 8));
    byte[] footer = new byte[4];
    TFRecordWriter.putIntLE(footer, 0, zeroCrc);
    List<byte[]> tail = records(20, 10);
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      long pos = 0;
      for (int i = 0; i < 2; i++) {
        ch.write(ByteBuffer.wrap(header), pos);
        pos += 12 + bigLen;
        ch.write(ByteBuffer.wrap(footer), pos);
        pos += 4;
      }
      ch.write(ByteBuffer.wrap(frame(tail)), pos);
    }
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "r")) {
      assertTrue(raf.length() > (1L << 31));
    }
    try (TFRecordReader r = TFRecordReader.open(f)) {
      for (int i = 0; i < 2; i++) {
        assertTrue(r.next());
        assertEquals(bigLen, r.dataLength());
      }
      for (int i = 0; i < tail.size(); i++) {
        assertTrue(r.next());
        assertEquals(2 + i, r.recordNumber());
        assertTrue(r.offset() > (1L << 31));
        assertArrayEquals(tail.get(i), r.copyData());
      }
      assertFalse(r.next());
    }
  }

  /**
   * A corrupt header, then a run of headers whose length CRCs hold, each declaring a length that reaches exactly to
   * the end of the file (so none overruns it), between good records: the shape that made resynchronisation examine
   * the rest of the file at every header. With a record bound it examines each byte about once.
   */
  static byte[] craftedHeaders(int headers, List<byte[]> before, List<byte[]> after) throws IOException {
    byte[] head = frame(before);
    byte[] tail = frame(after);
    int size = head.length + 12 * headers + tail.length;
    byte[] bytes = new byte[size];
    System.arraycopy(head, 0, bytes, 0, head.length);
    for (int i = 0; i < headers; i++) {
      int at = head.length + 12 * i;
      ByteBuffer.wrap(bytes, at, 12).order(ByteOrder.LITTLE_ENDIAN).putLong(size - at - 16L);
      TFRecordWriter.putIntLE(bytes, at + 8, Crc32c.maskedCrc(bytes, at, 8));
    }
    bytes[head.length + 8] ^= 1; // the first header's CRC fails: the reader scans forward through the others
    System.arraycopy(tail, 0, bytes, size - tail.length, tail.length);
    return bytes;
  }

  @Test
  void skippingCraftedHeadersExaminesEachByteAboutOnceWithARecordBound() throws IOException {
    List<byte[]> before = records(5, 11);
    List<byte[]> after = records(5, 12);
    Path f = dir.resolve("crafted.tfrec");
    Files.write(f, craftedHeaders(20_000, before, after));
    long size = Files.size(f);
    TFRecordReader.Options bounded = TFRecordReader.Options.SKIP_CORRUPT.withMaxRecordLength(100);
    long t0 = System.nanoTime();
    List<byte[]> got = new ArrayList<>();
    try (TFRecordReader r = TFRecordReader.open(f, bounded)) {
      while (r.next()) {
        got.add(r.copyData());
      }
      assertEquals(1, r.skipped(), "the crafted region counts as one corrupt record");
      assertTrue(r.crcBytes() <= 2 * size, r.crcBytes() + " bytes CRC'd for a file of " + size);
    }
    assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "resynchronising took more than 5 s");
    assertEquals(10, got.size());
    for (int i = 0; i < 5; i++) {
      assertArrayEquals(before.get(i), got.get(i));
      assertArrayEquals(after.get(i), got.get(5 + i));
    }
  }

  @Test
  void aLengthBeyondTheRecordBoundIsCorrupt() throws IOException {
    List<byte[]> recs = List.of(new byte[50], new byte[101], new byte[20]);
    Path f = dir.resolve("bound.tfrec");
    Files.write(f, frame(recs));
    TFRecordReader.Options bounded = TFRecordReader.Options.DEFAULT.withMaxRecordLength(100);
    CorruptRecordException e = assertThrows(CorruptRecordException.class, () -> readAll(f, bounded));
    assertEquals(1, e.recordNumber());
    assertTrue(e.reason().startsWith("declared length 101 is larger than the 100 bytes a record of this file can have"),
        e.reason());
    assertEquals(3, readAll(f, TFRecordReader.Options.DEFAULT).size(), "unbounded, it is a good record");
    assertThrows(IllegalArgumentException.class, () -> TFRecordReader.Options.DEFAULT.withMaxRecordLength(-1));
  }
}
