package dev.kiln.io.tfrecord;

import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes TFRecord framing to a stream: {@code uint64 length LE | masked crc32c(length) | data | masked crc32c(data)},
 * uncompressed, as TensorFlow's {@code TFRecordWriter} does. The writer does not own atomicity: callers write into a
 * temporary file or directory and rename it when complete.
 */
public final class TFRecordWriter implements Flushable, AutoCloseable {
  private final OutputStream out;
  private final byte[] header = new byte[12];
  private final byte[] footer = new byte[4];
  private long records;
  private long bytes;

  /** A writer that frames records onto {@code out}; closing the writer closes {@code out}. */
  public TFRecordWriter(OutputStream out) {
    this.out = out;
  }

  /** Writes one record holding {@code data}. */
  public void write(byte[] data) throws IOException {
    write(data, 0, data.length);
  }

  /** Writes one record holding {@code len} bytes of {@code data} from {@code off}. */
  public void write(byte[] data, int off, int len) throws IOException {
    long length = len;
    for (int i = 0; i < 8; i++) {
      header[i] = (byte) (length >>> (8 * i));
    }
    putIntLE(header, 8, Crc32c.maskedCrc(header, 0, 8));
    putIntLE(footer, 0, Crc32c.maskedCrc(data, off, len));
    out.write(header);
    out.write(data, off, len);
    out.write(footer);
    records++;
    bytes += 16L + len;
  }

  /** How many records were written. */
  public long records() {
    return records;
  }

  /** How many bytes were written, framing included. */
  public long bytes() {
    return bytes;
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void close() throws IOException {
    out.close();
  }

  static void putIntLE(byte[] b, int off, int v) {
    b[off] = (byte) v;
    b[off + 1] = (byte) (v >>> 8);
    b[off + 2] = (byte) (v >>> 16);
    b[off + 3] = (byte) (v >>> 24);
  }
}
