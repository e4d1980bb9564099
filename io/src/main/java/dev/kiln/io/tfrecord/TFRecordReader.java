package dev.kiln.io.tfrecord;

import dev.kiln.io.CorruptRecordException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Streams the records of one uncompressed TFRecord file with bounded memory (a 1 MiB window, plus one record when a
 * record is larger) and 64-bit offsets, so files larger than 2 GB read like any other. CRCs are verified by default.
 *
 * <p>Every problem with the framing is a {@link CorruptRecordException} that names the file, the record's byte offset
 * and its record number. A declared length is never trusted: it is checked against the bytes left in the file before
 * anything is read or allocated, and against the options' record bound. With {@link Options#skipCorrupt()} the reader
 * counts and skips corrupt records instead (as tf.data's {@code ignore_errors}): after a bad data CRC it resumes at
 * the next record; after a bad header it scans forward for the next offset whose header and data CRCs both hold, and
 * the skipped region counts as one record.
 *
 * <p>The current record's bytes ({@link #data()}, {@link #dataOffset()}, {@link #dataLength()}) stay valid until the
 * next call to {@link #next()}.
 */
public final class TFRecordReader implements AutoCloseable {
  /** The largest record this reader holds in one Java array. */
  public static final int MAX_RECORD_LENGTH = Integer.MAX_VALUE - 64;

  private static final int WINDOW = 1 << 20;

  /**
   * How the reader treats records: verify CRCs (on by default), skip corrupt records instead of stopping (off by
   * default), and the largest record the file may hold. Skipping needs CRC verification, since only CRCs tell where
   * the next good record starts. A reader that knows what its records are (a dataset's rows) bounds their length:
   * a declared length above it is corrupt, nothing is allocated for it, and resynchronising after a corrupt header
   * examines at most that many bytes per candidate offset, so skipping costs time linear in the file's size.
   */
  public record Options(boolean verifyCrc, boolean skipCorrupt, long maxRecordLength) {
    /** Verify CRCs, stop at the first corrupt record. */
    public static final Options DEFAULT = new Options(true, false);
    /** Verify CRCs, skip and count corrupt records. */
    public static final Options SKIP_CORRUPT = new Options(true, true);

    /** Checks that skipping is only asked for with CRC verification, and the record bound. */
    public Options {
      if (skipCorrupt && !verifyCrc) {
        throw new IllegalArgumentException("skipping corrupt records needs CRC verification to find the next record");
      }
      if (maxRecordLength < 0 || maxRecordLength > MAX_RECORD_LENGTH) {
        throw new IllegalArgumentException("a record bound must be in [0, " + MAX_RECORD_LENGTH + "], got "
            + maxRecordLength);
      }
    }

    /** Options with records of up to {@link #MAX_RECORD_LENGTH} bytes. */
    public Options(boolean verifyCrc, boolean skipCorrupt) {
      this(verifyCrc, skipCorrupt, MAX_RECORD_LENGTH);
    }

    /** These options with records bounded by {@code max} bytes. */
    public Options withMaxRecordLength(long max) {
      return new Options(verifyCrc, skipCorrupt, max);
    }
  }

  private final Path file;
  private final FileChannel channel;
  private final long size;
  private final Options options;
  private final byte[] window = new byte[WINDOW];
  private long windowStart;
  private int windowPos;
  private int windowLen;
  private byte[] large = new byte[0];

  private byte[] data;
  private int dataOffset;
  private int dataLength;
  private long recordOffset = -1;
  private long recordNumber = -1;
  private long nextNumber;
  private long skipped;
  private long crcBytes;
  private long resyncFrom = -1;
  private boolean open = true;

  private TFRecordReader(Path file, Options options) throws IOException {
    this.file = file;
    this.options = options;
    this.channel = FileChannel.open(file, StandardOpenOption.READ);
    this.size = channel.size();
  }

  /** Opens {@code file} with CRC verification, stopping at the first corrupt record. */
  public static TFRecordReader open(Path file) throws IOException {
    return new TFRecordReader(file, Options.DEFAULT);
  }

  /** Opens {@code file} with the given options. */
  public static TFRecordReader open(Path file, Options options) throws IOException {
    return new TFRecordReader(file, options);
  }

  /**
   * Advances to the next record. Returns false at the end of the file. Throws {@link CorruptRecordException} for a
   * corrupt record unless skipping, in which case it counts the record in {@link #skipped()} and moves on.
   */
  public boolean next() throws IOException {
    if (!open) {
      throw new IllegalStateException("reader of " + file + " is closed");
    }
    while (true) {
      long start = windowStart + windowPos;
      data = null;
      dataLength = 0;
      if (start >= size) {
        recordOffset = size;
        return false;
      }
      recordOffset = start;
      recordNumber = nextNumber++;
      String problem = readRecord(start);
      if (problem == null) {
        return true;
      }
      skipOrThrow(problem);
      if (resyncFrom >= 0) {
        resync(resyncFrom);
      }
    }
  }

  /**
   * Reads the record at {@code start}: null when it is whole, otherwise what is wrong with it, with the position
   * moved past it or {@link #resyncFrom} set to where a scan for the next record must start.
   */
  private String readRecord(long start) throws IOException {
    long remaining = size - start;
    resyncFrom = -1;
    if (remaining < 12) {
      seek(size);
      return "truncated record: the file ends " + remaining + " bytes into a 12-byte record header";
    }
    fill(12);
    long length = getLongLE(window, windowPos);
    String bad = headerProblem(length, remaining);
    if (bad != null) {
      resyncFrom = start + 1;
      return bad;
    }
    int n = (int) length;
    loadData(start, n);
    if (options.verifyCrc()) {
      int stored = getIntLE(window, windowPos);
      int computed = dataCrc(n);
      if (stored != computed) {
        moveTo(start + 16 + length);
        return "data CRC mismatch over " + n + " bytes (stored 0x%08x, computed 0x%08x)".formatted(stored, computed);
      }
    }
    windowPos += 4;
    dataLength = n;
    return null;
  }

  /** What is wrong with the 12-byte header at the window position declaring {@code length}, or null. */
  private String headerProblem(long length, long remaining) {
    if (options.verifyCrc()) {
      int stored = getIntLE(window, windowPos + 8);
      int computed = Crc32c.maskedCrc(window, windowPos, 8);
      if (stored != computed) {
        return "length CRC mismatch (stored 0x%08x, computed 0x%08x)".formatted(stored, computed);
      }
    }
    if (length < 0 || length > remaining - 16) {
      return "declared length " + Long.toUnsignedString(length) + " overruns the file: only " + (remaining - 12)
          + " bytes remain after the header for data and its 4-byte CRC (a truncated record or a corrupt length)";
    }
    if (length > options.maxRecordLength()) {
      return "declared length " + length + " is larger than the " + options.maxRecordLength()
          + " bytes a record of this file can have (a corrupt length, or not a file of this kind)";
    }
    return null;
  }

  /** The array holding the current record's bytes. */
  public byte[] data() {
    return data;
  }

  /** Where the current record's bytes start in {@link #data()}. */
  public int dataOffset() {
    return dataOffset;
  }

  /** How many bytes the current record has. */
  public int dataLength() {
    return dataLength;
  }

  /** A copy of the current record's bytes. */
  public byte[] copyData() {
    byte[] copy = new byte[dataLength];
    System.arraycopy(data, dataOffset, copy, 0, dataLength);
    return copy;
  }

  /** The byte offset where the current record starts. */
  public long offset() {
    return recordOffset;
  }

  /** The 0-based number of the current record in the file. */
  public long recordNumber() {
    return recordNumber;
  }

  /** How many corrupt records were skipped so far. */
  public long skipped() {
    return skipped;
  }

  /** How many bytes of record data had their CRC computed so far (resynchronisation included). */
  long crcBytes() {
    return crcBytes;
  }

  /** The file being read. */
  public Path file() {
    return file;
  }

  /** The file's size in bytes. */
  public long size() {
    return size;
  }

  /** The options this reader was opened with. */
  public Options options() {
    return options;
  }

  /** A {@link CorruptRecordException} for the current record with the given reason. */
  public CorruptRecordException corrupt(String reason) {
    return new CorruptRecordException(file, recordOffset, recordNumber, reason);
  }

  /**
   * Reports that the current record is corrupt, for problems found in its payload by the caller: when skipping it is
   * counted in {@link #skipped()} and the method returns; otherwise it throws the located exception.
   */
  public void skipOrThrow(String reason) throws CorruptRecordException {
    if (!options.skipCorrupt()) {
      throw corrupt(reason);
    }
    skipped++;
  }

  @Override
  public void close() throws IOException {
    if (open) {
      open = false;
      channel.close();
    }
  }

  /** Makes the record's data (after the 12-byte header at the window position) and its 4-byte footer available. */
  private void loadData(long start, int n) throws IOException {
    if (n <= WINDOW - 16) {
      fill(16 + n);
      data = window;
      dataOffset = windowPos + 12;
      windowPos += 12 + n;
      return;
    }
    if (large.length < n) {
      large = new byte[n];
    }
    int inWindow = Math.min(n, windowLen - windowPos - 12);
    System.arraycopy(window, windowPos + 12, large, 0, inWindow);
    // Read in window-sized slices: a read into a heap buffer goes through a temporary direct buffer of its size.
    long pos = start + 12 + inWindow;
    int at = inWindow;
    while (at < n) {
      int r = channel.read(ByteBuffer.wrap(large, at, Math.min(WINDOW, n - at)), pos);
      if (r < 0) {
        throw corrupt("the file ended while reading the record's data; it changed while being read");
      }
      pos += r;
      at += r;
    }
    data = large;
    dataOffset = 0;
    seek(start + 12 + n);
    fill(4);
  }

  /**
   * Scans forward from {@code from} to the next offset where a whole record with valid CRCs starts. Only headers
   * whose CRC holds and whose length is within the record bound have their data checked, and the window is kept
   * across candidates, so the scan reads each byte of the file about once.
   */
  private void resync(long from) throws IOException {
    moveTo(from);
    while (size - (windowStart + windowPos) >= 16) {
      long p = windowStart + windowPos;
      fill(12);
      if (getIntLE(window, windowPos + 8) == Crc32c.maskedCrc(window, windowPos, 8)) {
        long length = getLongLE(window, windowPos);
        if (length >= 0 && length <= size - p - 16 && length <= options.maxRecordLength()) {
          int n = (int) length;
          loadData(p, n);
          boolean good = getIntLE(window, windowPos) == dataCrc(n);
          moveTo(p);
          if (good) {
            return;
          }
          fill(12);
        }
      }
      windowPos++;
    }
    seek(size);
  }

  private int dataCrc(int n) {
    crcBytes += n;
    return Crc32c.maskedCrc(data, dataOffset, n);
  }

  /** Moves to {@code offset}, keeping the window when it holds that offset. */
  private void moveTo(long offset) {
    if (offset >= windowStart && offset < windowStart + windowLen) {
      windowPos = (int) (offset - windowStart);
    } else {
      seek(offset);
    }
  }

  private void seek(long offset) {
    windowStart = offset;
    windowPos = 0;
    windowLen = 0;
  }

  /** Ensures that {@code k} bytes from the window position are in the window (the caller checked the file has them). */
  private void fill(int k) throws IOException {
    if (windowLen - windowPos >= k) {
      return;
    }
    int keep = windowLen - windowPos;
    System.arraycopy(window, windowPos, window, 0, keep);
    windowStart += windowPos;
    windowPos = 0;
    windowLen = keep;
    ByteBuffer dst = ByteBuffer.wrap(window, keep, window.length - keep);
    while (windowLen < k) {
      int r = channel.read(dst, windowStart + windowLen);
      if (r < 0) {
        throw corrupt("the file ended at " + (windowStart + windowLen) + " of " + size
            + " bytes; it changed while being read");
      }
      windowLen += r;
    }
  }

  static long getLongLE(byte[] b, int off) {
    return (getIntLE(b, off) & 0xffffffffL) | ((long) getIntLE(b, off + 4) << 32);
  }

  static int getIntLE(byte[] b, int off) {
    return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
  }
}
