package dev.kiln.io.dataset;

import dev.kiln.io.tensor.TensorFormatException;
import dev.kiln.io.tensor.TensorProtoCodec;
import dev.kiln.io.tfrecord.TFRecordReader;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Streams the rows of one dataset file: each record must be a float32 vector of exactly the column count. A record
 * that is not (wrong dtype, wrong shape, not a TensorProto, a length no such row can have) is a located
 * {@link dev.kiln.io.CorruptRecordException}, or is skipped and counted when the reader skips corrupt records. A row
 * holding NaN or ±Inf in a checked column is a {@link NonFiniteValueException}, skipping or not.
 */
public final class RowReader implements AutoCloseable {
  private final TFRecordReader records;
  private final int width;
  private final Columns columns;

  private RowReader(TFRecordReader records, int width, Columns columns) {
    this.records = records;
    this.width = width;
    this.columns = columns;
  }

  /**
   * Opens {@code file} whose rows follow {@code columns}; the columns the pipeline uses (the features, date, resp and
   * weight) must be finite.
   */
  public static RowReader open(Path file, Columns columns, TFRecordReader.Options options) throws IOException {
    return open(file, columns.count(), columns, options);
  }

  /** Opens {@code file} whose rows have {@code width} values, every one of which must be finite. */
  public static RowReader open(Path file, int width, TFRecordReader.Options options) throws IOException {
    return open(file, width, null, options);
  }

  private static RowReader open(Path file, int width, Columns columns, TFRecordReader.Options options)
      throws IOException {
    long bound = Math.min(options.maxRecordLength(), TensorProtoCodec.maxFloatVectorBytes(width));
    return new RowReader(TFRecordReader.open(file, options.withMaxRecordLength(bound)), width, columns);
  }

  /** Decodes the next row into {@code dst} from {@code off}; false at the end of the file. */
  public boolean next(float[] dst, int off) throws IOException {
    while (records.next()) {
      try {
        TensorProtoCodec.decodeFloatVector(records.data(), records.dataOffset(), records.dataLength(), width, dst,
            off);
      } catch (TensorFormatException e) {
        records.skipOrThrow(e.getMessage());
        continue;
      }
      checkFinite(dst, off);
      return true;
    }
    return false;
  }

  private void checkFinite(float[] row, int off) throws NonFiniteValueException {
    if (columns == null) {
      checkRange(row, off, 0, width);
      return;
    }
    checkRange(row, off, columns.feature0(), Columns.FEATURES);
    checkRange(row, off, columns.date(), 1);
    checkRange(row, off, columns.resp(), 1);
    checkRange(row, off, columns.weight(), 1);
  }

  private void checkRange(float[] row, int off, int from, int n) throws NonFiniteValueException {
    for (int c = from; c < from + n; c++) {
      float v = row[off + c];
      if (!Float.isFinite(v)) {
        String name = columns != null ? columns.names().get(c) : "#" + c;
        throw new NonFiniteValueException(records.file(), records.recordNumber(), name, v);
      }
    }
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
