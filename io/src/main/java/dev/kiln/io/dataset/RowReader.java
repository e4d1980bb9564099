package dev.kiln.io.dataset;

import dev.kiln.io.tensor.TensorFormatException;
import dev.kiln.io.tensor.TensorProtoCodec;
import dev.kiln.io.tfrecord.TFRecordReader;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Streams the rows of one dataset file: each record must be a float32 vector of exactly the column count. A record
 * that is not (wrong dtype, wrong shape, not a TensorProto) is a located
 * {@link dev.kiln.io.CorruptRecordException}, or is skipped and counted when the reader skips corrupt records.
 */
public final class RowReader implements AutoCloseable {
  private final TFRecordReader records;
  private final int width;

  private RowReader(TFRecordReader records, int width) {
    this.records = records;
    this.width = width;
  }

  /** Opens {@code file} whose rows have {@code width} values. */
  public static RowReader open(Path file, int width, TFRecordReader.Options options) throws IOException {
    return new RowReader(TFRecordReader.open(file, options), width);
  }

  /** Decodes the next row into {@code dst} from {@code off}; false at the end of the file. */
  public boolean next(float[] dst, int off) throws IOException {
    while (records.next()) {
      try {
        TensorProtoCodec.decodeFloatVector(records.data(), records.dataOffset(), records.dataLength(), width, dst,
            off);
        return true;
      } catch (TensorFormatException e) {
        records.skipOrThrow(e.getMessage());
      }
    }
    return false;
  }

  /** The byte offset of the row last read. */
  public long offset() {
    return records.offset();
  }

  /** The record number of the row last read. */
  public long recordNumber() {
    return records.recordNumber();
  }

  /** Corrupt records skipped so far. */
  public long skipped() {
    return records.skipped();
  }

  /** The file's size in bytes. */
  public long size() {
    return records.size();
  }

  @Override
  public void close() throws IOException {
    records.close();
  }
}
