package dev.kiln.io.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.io.CorruptRecordException;
import dev.kiln.io.tensor.TensorProtoCodec;
import dev.kiln.io.tfrecord.Crc32c;
import dev.kiln.io.tfrecord.TFRecordReader;
import dev.kiln.io.tfrecord.TFRecordWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a dataset file's rows are trusted for: values must be finite, record lengths must fit a row. */
class RowReaderTest {
  @TempDir Path dir;

  static final Columns COLUMNS = Columns.standard();

  /** A file of {@code n} rows of ones with {@code value} at column {@code col} of row {@code at}. */
  static Path rows(Path file, int n, int at, int col, float value) throws IOException {
    try (OutputStream out = Files.newOutputStream(file); TFRecordWriter w = new TFRecordWriter(out)) {
      for (int r = 0; r < n; r++) {
        float[] row = new float[COLUMNS.count()];
        java.util.Arrays.fill(row, 1f);
        if (r == at) row[col] = value;
        w.write(TensorProtoCodec.encodeFloatVector(row, 0, row.length));
      }
    }
    return file;
  }

  static long count(Path file, TFRecordReader.Options options) throws IOException {
    long n = 0;
    try (RowReader r = RowReader.open(file, COLUMNS, options)) {
      float[] row = new float[COLUMNS.count()];
      while (r.next(row, 0)) n++;
    }
    return n;
  }

  @Test
  void aNonFiniteValueInAUsedColumnStopsReadingWithFileRecordAndColumn() throws IOException {
    record Bad(String column, float value, String shown) {}
    for (Bad b : List.of(new Bad("feature_0", Float.POSITIVE_INFINITY, "+Inf"),
        new Bad("feature_129", Float.NaN, "NaN"), new Bad("resp", Float.NEGATIVE_INFINITY, "-Inf"),
        new Bad("weight", Float.NaN, "NaN"), new Bad("date", Float.POSITIVE_INFINITY, "+Inf"))) {
      Path f = rows(dir.resolve("rows.tfrec"), 5, 3, COLUMNS.indexOf(b.column()), b.value());
      for (TFRecordReader.Options o : List.of(TFRecordReader.Options.DEFAULT, TFRecordReader.Options.SKIP_CORRUPT)) {
        NonFiniteValueException e = assertThrows(NonFiniteValueException.class, () -> count(f, o), b.column());
        assertEquals(f + ": record 3: column '" + b.column() + "' is " + b.shown() + "; Kiln refuses NaN and ±Inf in "
            + "dataset files (kiln convert fills missing values with --nan-fill)", e.getMessage());
        assertTrue(e.getMessage().lines().count() == 1);
      }
    }
  }

  @Test
  void columnsThePipelineDoesNotUseAreNotChecked() throws IOException {
    Path f = rows(dir.resolve("rows.tfrec"), 5, 2, COLUMNS.indexOf("resp_1"), Float.NaN);
    assertEquals(5, count(f, TFRecordReader.Options.DEFAULT));
    Path g = rows(dir.resolve("ts.tfrec"), 5, 2, COLUMNS.tsId(), Float.NaN);
    assertEquals(5, count(g, TFRecordReader.Options.DEFAULT));
  }

  @Test
  void aHeaderDeclaringMoreThanARowIsRefusedWithoutReadingIt() throws IOException {
    // One good row, then a header whose CRC holds declaring 1.5 GB, in a file sparse-extended to hold it: the
    // length does not overrun the file, but no row of 138 floats is that long.
    Path f = rows(dir.resolve("huge.tfrec"), 1, -1, 0, 0f);
    long at = Files.size(f);
    long declared = 1_500_000_000L;
    byte[] header = new byte[12];
    ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putLong(declared);
    ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putInt(8, Crc32c.maskedCrc(header, 0, 8));
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.seek(at);
      raf.write(header);
      raf.setLength(at + 16 + declared);
    }
    CorruptRecordException e = assertThrows(CorruptRecordException.class,
        () -> count(f, TFRecordReader.Options.DEFAULT));
    assertEquals(1, e.recordNumber());
    long bound = TensorProtoCodec.maxFloatVectorBytes(COLUMNS.count());
    assertTrue(e.reason().contains("declared length " + declared + " is larger than the " + bound + " bytes"),
        e.reason());
  }
}
